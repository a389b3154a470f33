#include "textdocument.h"

#include <algorithm>
#include <cstdio>

namespace nimbus::lsp {

namespace {

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid bytes, which
// then count as one code unit each, so malformed text never stalls a conversion).
int sequenceLength(unsigned char lead) {
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xE)
        return 3;
    if ((lead >> 3) == 0x1E)
        return 4;
    return 1;
}

} // namespace

TextDocument::TextDocument(std::string uri, std::string text, int version)
    : m_uri(std::move(uri))
    , m_text(std::move(text))
    , m_version(version) {
    indexLines();
}

void TextDocument::indexLines() {
    m_lineStarts.assign(1, 0);
    for (std::size_t i = 0; i < m_text.size(); ++i) {
        if (m_text[i] == '\n')
            m_lineStarts.push_back(i + 1);
    }
}

std::string_view TextDocument::line(int index) const {
    if (index < 0 || index >= lineCount())
        return {};
    const std::size_t start = m_lineStarts[static_cast<std::size_t>(index)];
    std::size_t end = index + 1 < lineCount()
                          ? m_lineStarts[static_cast<std::size_t>(index) + 1] - 1
                          : m_text.size();
    if (end > start && m_text[end - 1] == '\r')
        --end;
    return std::string_view(m_text).substr(start, end - start);
}

int TextDocument::byteColumn(int lineIndex, int utf16Column) const {
    const std::string_view text = line(lineIndex);
    int units = 0;
    std::size_t i = 0;
    while (i < text.size() && units < utf16Column) {
        const int length = sequenceLength(static_cast<unsigned char>(text[i]));
        units += length == 4 ? 2 : 1; // astral characters are a surrogate pair in UTF-16
        i += static_cast<std::size_t>(length);
    }
    return static_cast<int>(std::min(i, text.size()));
}

int TextDocument::utf16Column(int lineIndex, int byteColumn) const {
    const std::string_view text = line(lineIndex);
    int units = 0;
    std::size_t i = 0;
    while (i < text.size() && i < static_cast<std::size_t>(byteColumn)) {
        const int length = sequenceLength(static_cast<unsigned char>(text[i]));
        units += length == 4 ? 2 : 1;
        i += static_cast<std::size_t>(length);
    }
    return units;
}

std::size_t TextDocument::offsetOf(Position position) const {
    if (position.line < 0)
        return 0;
    if (position.line >= lineCount())
        return m_text.size();
    return m_lineStarts[static_cast<std::size_t>(position.line)] +
           static_cast<std::size_t>(byteColumn(position.line, position.character));
}

Position TextDocument::positionOf(std::size_t offset) const {
    offset = std::min(offset, m_text.size());
    const auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), offset);
    const int lineIndex = static_cast<int>(it - m_lineStarts.begin()) - 1;
    const int byte = static_cast<int>(offset - m_lineStarts[static_cast<std::size_t>(lineIndex)]);
    return {lineIndex, utf16Column(lineIndex, byte)};
}

bool TextDocument::applyChange(const std::optional<Range> &range, std::string_view newText,
                               int version) {
    if (!range) {
        m_text.assign(newText);
    } else {
        if (range->start.line < 0 || range->end.line < range->start.line ||
            (range->end.line == range->start.line && range->end.character < range->start.character))
            return false;
        const std::size_t start = offsetOf(range->start);
        const std::size_t end = offsetOf(range->end);
        if (end < start)
            return false;
        m_text.replace(start, end - start, newText);
    }
    m_version = version;
    indexLines();
    return true;
}

std::string uriToPath(const std::string &uri) {
    std::string path = uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && i + 2 < path.size() &&
            std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
            out += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += path[i];
        }
    }
    return out;
}

std::string pathToUri(const std::string &path) {
    std::string out = "file://";
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
            out += static_cast<char>(c);
        else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out;
}

} // namespace nimbus::lsp
