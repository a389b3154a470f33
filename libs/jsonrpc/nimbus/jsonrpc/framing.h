#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::jsonrpc {

// One framed message body, or why the bytes before it could not be framed.
struct Frame {
    std::string body;
    std::string error; // set when a header block was malformed; body is then empty
};

// Splits a byte stream into messages framed as "Content-Length: N\r\n...\r\n\r\n<N bytes>",
// the base protocol of LSP and DAP. Feed it bytes as they arrive, in chunks of any size.
// A malformed header block is reported and skipped, so one bad frame never wedges the
// stream; a declared length over the limit is reported and its body discarded.
class MessageReader {
public:
    explicit MessageReader(std::size_t maxBodyBytes = 64 * 1024 * 1024,
                           std::size_t maxHeaderBytes = 8192);

    std::vector<Frame> feed(std::string_view bytes);

    // Bytes received that do not yet form a whole message.
    std::size_t buffered() const { return m_buffer.size(); }

private:
    std::string m_buffer;
    std::size_t m_maxBody;
    std::size_t m_maxHeader;
    std::size_t m_discard = 0; // body bytes still to drop after an oversized header
};

// "Content-Length: N\r\n\r\n" + body.
std::string frame(std::string_view body);

} // namespace nimbus::jsonrpc
