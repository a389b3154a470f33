#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// An LSP position: zero-based line and UTF-16 code unit offset, as the protocol counts.
struct Position {
    int line = 0;
    int character = 0;
    friend bool operator==(const Position &, const Position &) = default;
};

struct Range {
    Position start;
    Position end;
    friend bool operator==(const Range &, const Range &) = default;
};

// The text of an open document and the conversions between the protocol's UTF-16
// positions and the byte offsets the engine works in. Conversions live only here.
class TextDocument {
public:
    TextDocument(std::string uri, std::string text, int version);

    const std::string &uri() const { return m_uri; }
    const std::string &text() const { return m_text; }
    int version() const { return m_version; }

    // Applies one change: a range replacement, or the whole text when `range` is empty.
    // Returns false (and changes nothing) when the range lies outside the document.
    bool applyChange(const std::optional<Range> &range, std::string_view newText, int version);

    int lineCount() const { return static_cast<int>(m_lineStarts.size()); }
    std::string_view line(int index) const;

    // Byte offset of a protocol position (clamped to the line), and back.
    std::size_t offsetOf(Position position) const;
    Position positionOf(std::size_t offset) const;
    // Byte column on a line <-> UTF-16 column.
    int byteColumn(int line, int utf16Column) const;
    int utf16Column(int line, int byteColumn) const;

private:
    void indexLines();

    std::string m_uri;
    std::string m_text;
    int m_version = 0;
    std::vector<std::size_t> m_lineStarts;
};

// file:///a/b%20c -> /a/b c, and back.
std::string uriToPath(const std::string &uri);
std::string pathToUri(const std::string &path);

} // namespace nimbus::lsp
