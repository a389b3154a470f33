#include "sourcemap.h"

#include "nimbus/net/base64.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::dap {

namespace {

// Base64 VLQ, as source maps encode numbers.
bool readVlq(const std::string &text, std::size_t &at, int &out) {
    static const std::string digits =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    long long value = 0;
    int shift = 0;
    for (;;) {
        if (at >= text.size())
            return false;
        const auto digit = digits.find(text[at++]);
        if (digit == std::string::npos || shift > 60)
            return false;
        value |= static_cast<long long>(digit & 31) << shift;
        shift += 5;
        if (!(digit & 32))
            break;
    }
    out = static_cast<int>(value & 1 ? -(value >> 1) : value >> 1);
    return true;
}

} // namespace

std::optional<SourceMap> SourceMap::parse(const std::string &text, const std::string &baseDir,
                                          std::string &error) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("mappings") || !j["mappings"].is_string()) {
        error = "not a source map (no \"mappings\")";
        return std::nullopt;
    }
    SourceMap map;
    const std::string root = j.value("sourceRoot", "");
    for (const auto &s : j.value("sources", nlohmann::json::array())) {
        std::string source = s.is_string() ? s.get<std::string>() : std::string();
        if (source.rfind("file://", 0) == 0)
            source = source.substr(7);
        fs::path p = root.empty() ? fs::path(source) : fs::path(root) / source;
        if (p.is_relative())
            p = fs::path(baseDir) / p;
        map.m_sources.push_back(p.lexically_normal().string());
    }
    const auto contents = j.value("sourcesContent", nlohmann::json::array());
    for (std::size_t i = 0; i < map.m_sources.size(); ++i)
        map.m_contents.push_back(i < contents.size() && contents[i].is_string()
                                     ? std::optional<std::string>(contents[i].get<std::string>())
                                     : std::nullopt);
    const std::string &mappings = j["mappings"].get_ref<const std::string &>();
    int line = 0, column = 0, source = 0, originalLine = 0, originalColumn = 0, name = 0;
    std::size_t at = 0;
    while (at < mappings.size()) {
        const char c = mappings[at];
        if (c == ';') {
            ++line;
            column = 0;
            ++at;
            continue;
        }
        if (c == ',') {
            ++at;
            continue;
        }
        int fields[5] = {0, 0, 0, 0, 0};
        int count = 0;
        while (at < mappings.size() && mappings[at] != ',' && mappings[at] != ';' && count < 5) {
            if (!readVlq(mappings, at, fields[count++])) {
                error = "a broken mapping at character " + std::to_string(at);
                return std::nullopt;
            }
        }
        column += fields[0];
        Segment segment{line, column, -1, 0, 0};
        if (count >= 4) {
            source += fields[1];
            originalLine += fields[2];
            originalColumn += fields[3];
            if (count == 5)
                name += fields[4];
            segment = {line, column, source, originalLine, originalColumn};
        }
        map.m_segments.push_back(segment);
    }
    std::stable_sort(
        map.m_segments.begin(), map.m_segments.end(), [](const Segment &a, const Segment &b) {
            return a.generatedLine != b.generatedLine ? a.generatedLine < b.generatedLine
                                                      : a.generatedColumn < b.generatedColumn;
        });
    return map;
}

const std::string *SourceMap::content(const std::string &path) const {
    const auto it = std::find(m_sources.begin(), m_sources.end(), path);
    if (it == m_sources.end())
        return nullptr;
    const auto &text = m_contents[static_cast<std::size_t>(it - m_sources.begin())];
    return text ? &*text : nullptr;
}

bool SourceMap::hasSource(const std::string &path) const {
    return std::find(m_sources.begin(), m_sources.end(), path) != m_sources.end();
}

std::optional<SourceMap::Original> SourceMap::original(Position generated) const {
    // The segment at or before the position on its line (else the line's first): segments
    // are sorted, and a stack trace asks for every frame, so this is a binary search.
    auto before = [](const Segment &s, const Position &p) {
        return s.generatedLine != p.line ? s.generatedLine < p.line : s.generatedColumn <= p.column;
    };
    auto it = std::partition_point(m_segments.begin(), m_segments.end(),
                                   [&](const Segment &s) { return before(s, generated); });
    const Segment *found = nullptr;
    if (it != m_segments.begin() && std::prev(it)->generatedLine == generated.line)
        found = &*std::prev(it);
    else if (it != m_segments.end() && it->generatedLine == generated.line)
        found = &*it;
    if (!found || found->source < 0 || found->source >= static_cast<int>(m_sources.size()))
        return std::nullopt;
    return Original{m_sources[static_cast<std::size_t>(found->source)],
                    {found->line, found->column}};
}

std::optional<SourceMap::Position> SourceMap::generated(const std::string &path, int line,
                                                        int *boundLine) const {
    const auto it = std::find(m_sources.begin(), m_sources.end(), path);
    if (it == m_sources.end())
        return std::nullopt;
    const int source = static_cast<int>(it - m_sources.begin());
    const Segment *best = nullptr;
    for (const auto &s : m_segments) {
        if (s.source != source || s.line < line)
            continue;
        if (!best || s.line < best->line ||
            (s.line == best->line && (s.generatedLine < best->generatedLine ||
                                      (s.generatedLine == best->generatedLine &&
                                       s.generatedColumn < best->generatedColumn))))
            best = &s;
    }
    if (!best)
        return std::nullopt;
    if (boundLine)
        *boundLine = best->line;
    return Position{best->generatedLine, best->generatedColumn};
}

std::optional<std::string> readSourceMap(const std::string &url, const std::string &scriptPath,
                                         std::string &baseDir, std::string &error) {
    baseDir = fs::path(scriptPath).parent_path().string();
    if (url.rfind("data:", 0) == 0) {
        const auto comma = url.find(',');
        if (comma == std::string::npos) {
            error = "a malformed data: source map URL";
            return std::nullopt;
        }
        const std::string meta = url.substr(5, comma - 5);
        const std::string data = url.substr(comma + 1);
        if (meta.find(";base64") == std::string::npos)
            return data;
        auto decoded = net::base64Decode(data);
        if (!decoded)
            error = "an inline source map that is not base64";
        return decoded;
    }
    fs::path file = url.rfind("file://", 0) == 0 ? fs::path(url.substr(7)) : fs::path(url);
    if (file.is_relative())
        file = fs::path(baseDir) / file;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = "cannot read the source map " + file.string();
        return std::nullopt;
    }
    baseDir = file.parent_path().string();
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace nimbus::dap
