#include "nimbus/jsonrpc/framing.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace nimbus::jsonrpc {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace

MessageReader::MessageReader(std::size_t maxBodyBytes, std::size_t maxHeaderBytes)
    : m_maxBody(maxBodyBytes)
    , m_maxHeader(maxHeaderBytes) {}

std::vector<Frame> MessageReader::feed(std::string_view bytes) {
    std::vector<Frame> frames;
    if (m_discard > 0) {
        const std::size_t drop = std::min(m_discard, bytes.size());
        bytes.remove_prefix(drop);
        m_discard -= drop;
    }
    m_buffer.append(bytes);
    for (;;) {
        const std::size_t end = m_buffer.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (m_buffer.size() > m_maxHeader) {
                frames.push_back({{},
                                  "header block longer than " + std::to_string(m_maxHeader) +
                                      " bytes without an empty line; discarded"});
                m_buffer.clear();
            }
            break;
        }
        const std::string_view header(m_buffer.data(), end);
        long long length = -1;
        std::string error;
        std::size_t pos = 0;
        while (pos <= header.size()) {
            std::size_t eol = header.find("\r\n", pos);
            if (eol == std::string_view::npos)
                eol = header.size();
            const std::string_view line = header.substr(pos, eol - pos);
            pos = eol + 2;
            if (line.empty())
                continue;
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                error = "header line without ':' (\"" + std::string(line.substr(0, 60)) + "\")";
                break;
            }
            const std::string name = lower(trim(line.substr(0, colon)));
            const std::string_view value = trim(line.substr(colon + 1));
            if (name == "content-length") {
                long long n = -1;
                auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
                if (ec != std::errc() || ptr != value.data() + value.size() || n < 0) {
                    error = "Content-Length is not a non-negative number (\"" +
                            std::string(value.substr(0, 30)) + "\")";
                    break;
                }
                length = n;
            }
        }
        if (error.empty() && length < 0)
            error = "header block has no Content-Length";
        if (!error.empty()) {
            frames.push_back({{}, error});
            m_buffer.erase(0, end + 4);
            continue;
        }
        if (static_cast<std::size_t>(length) > m_maxBody) {
            frames.push_back({{},
                              "message of " + std::to_string(length) +
                                  " bytes is over the limit of " + std::to_string(m_maxBody) +
                                  "; discarded"});
            m_buffer.erase(0, end + 4);
            const std::size_t drop =
                std::min<std::size_t>(static_cast<std::size_t>(length), m_buffer.size());
            m_buffer.erase(0, drop);
            m_discard = static_cast<std::size_t>(length) - drop;
            continue;
        }
        if (m_buffer.size() < end + 4 + static_cast<std::size_t>(length))
            break; // the body has not all arrived
        frames.push_back({m_buffer.substr(end + 4, static_cast<std::size_t>(length)), {}});
        m_buffer.erase(0, end + 4 + static_cast<std::size_t>(length));
    }
    return frames;
}

std::string frame(std::string_view body) {
    std::string out = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out.append(body);
    return out;
}

} // namespace nimbus::jsonrpc
