#include "nimbus/manifest/yamlsyntax.h"

#include <algorithm>
#include <vector>

namespace nimbus::manifest {

namespace {

struct Line {
    std::string_view text;    // without the line break
    int indent = 0;           // leading spaces and tabs
    int tabAt = -1;           // column of a tab in the indentation
    std::string_view content; // after the indentation, without a trailing comment
    bool blank = true;        // empty or a comment
};

// Whether a quote at s[i] opens a quoted scalar: at the start, or after a space or a flow
// indicator.
bool opensQuote(std::string_view s, std::size_t i) {
    return (s[i] == '"' || s[i] == '\'') &&
           (i == 0 || s[i - 1] == ' ' || s[i - 1] == '[' || s[i - 1] == '{' || s[i - 1] == ',');
}

// Calls `visit(i)` for each character of `s` outside quoted scalars, until it returns true;
// that position, or npos. `quoteLeftOpen` says whether the line ends inside quotes.
template <typename Visit>
std::size_t scanUnquoted(std::string_view s, Visit visit, bool *quoteLeftOpen = nullptr) {
    char quote = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (quote) {
            if (s[i] == quote)
                quote = 0;
            continue;
        }
        if (opensQuote(s, i))
            quote = s[i];
        else if (visit(i))
            return i;
    }
    if (quoteLeftOpen)
        *quoteLeftOpen = quote != 0;
    return std::string_view::npos;
}

// Where a comment starts: '#' at the start or after whitespace, outside quotes.
std::size_t commentStart(std::string_view s) {
    return scanUnquoted(s, [&](std::size_t i) {
        return s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
    });
}

std::vector<Line> splitLines(std::string_view text) {
    std::vector<Line> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        Line line;
        line.text = text.substr(start, end - start);
        if (!line.text.empty() && line.text.back() == '\r')
            line.text.remove_suffix(1);
        std::size_t i = 0;
        while (i < line.text.size() && (line.text[i] == ' ' || line.text[i] == '\t')) {
            if (line.text[i] == '\t' && line.tabAt < 0)
                line.tabAt = static_cast<int>(i);
            ++i;
        }
        line.indent = static_cast<int>(i);
        std::string_view content = line.text.substr(i);
        content = content.substr(0, commentStart(content));
        while (!content.empty() && (content.back() == ' ' || content.back() == '\t'))
            content.remove_suffix(1);
        line.content = content;
        line.blank = content.empty() || content.starts_with("---") || content.starts_with("...");
        lines.push_back(line);
        if (end == text.size())
            break;
        start = end + 1;
    }
    return lines;
}

// The ':' that ends a block key ("key:" or "key: value"), outside quotes and brackets.
std::size_t keyColon(std::string_view s) {
    int depth = 0;
    return scanUnquoted(s, [&](std::size_t i) {
        const char c = s[i];
        if (c == '[' || c == '{')
            ++depth;
        else if (c == ']' || c == '}')
            depth = depth > 0 ? depth - 1 : 0;
        return c == ':' && depth == 0 && (i + 1 == s.size() || s[i + 1] == ' ');
    });
}

// A list item's content: "- x" -> "x" (and its offset), repeatedly ("- - x").
std::string_view itemContent(std::string_view s, int &offset) {
    while (s.size() >= 2 && s[0] == '-' && s[1] == ' ') {
        std::size_t i = 1;
        while (i < s.size() && s[i] == ' ')
            ++i;
        offset += static_cast<int>(i);
        s.remove_prefix(i);
    }
    if (s == "-")
        return {};
    return s;
}

SyntaxCause causeAt(int line, int column, int width, std::string code, std::string message,
                    int firstLine, int lastLine) {
    SyntaxCause cause;
    cause.range = {{line, column}, {line, column + std::max(width, 1)}};
    cause.code = std::move(code);
    cause.message = std::move(message);
    cause.firstLine = firstLine;
    cause.lastLine = lastLine;
    return cause;
}

// A tab in the indentation of a line up to the reported one.
std::optional<SyntaxCause> tabCause(const std::vector<Line> &lines, int upTo) {
    for (int i = 0; i <= upTo && i < static_cast<int>(lines.size()); ++i)
        if (lines[i].tabAt >= 0 && !lines[i].blank)
            return causeAt(i, lines[i].tabAt, 1, "yaml-tab",
                           "a tab indents this line; YAML indents with spaces only (replace the "
                           "tab with spaces)",
                           i, i);
    return std::nullopt;
}

// A '[' or '{' that a line at or left of its own indentation reaches before it is closed,
// or the end of the text.
std::optional<SyntaxCause> bracketCause(const std::vector<Line> &lines) {
    struct Open {
        char bracket;
        int line, column, indent;
    };
    std::vector<Open> open;
    for (int n = 0; n < static_cast<int>(lines.size()); ++n) {
        const Line &line = lines[n];
        if (line.blank)
            continue;
        if (!open.empty() && line.indent <= open.front().indent && keyColon(line.content) != std::string_view::npos)
            break; // a new block key while the bracket is open: it was never closed
        const std::string_view s = line.content;
        bool quoteLeftOpen = false;
        scanUnquoted(
            s,
            [&](std::size_t i) {
                const char c = s[i];
                // A bracket opens a flow collection where a value starts, or inside one.
                const bool valueStart = i == 0 ||
                                        (i >= 2 && (s.substr(i - 2, 2) == ": " || s.substr(i - 2, 2) == "- ")) ||
                                        !open.empty();
                if ((c == '[' || c == '{') && valueStart)
                    open.push_back({c, n, line.indent + static_cast<int>(i), line.indent});
                else if ((c == ']' || c == '}') && !open.empty())
                    open.pop_back();
                return false;
            },
            &quoteLeftOpen);
        if (quoteLeftOpen)
            return std::nullopt; // a quote problem, found elsewhere
    }
    if (open.empty())
        return std::nullopt;
    const Open &first = open.front();
    const char close = first.bracket == '[' ? ']' : '}';
    return causeAt(first.line, first.column, 1, "yaml-unclosed-bracket",
                   std::string("this '") + first.bracket + "' is never closed: add '" + close +
                       "' where the " + (first.bracket == '[' ? "list" : "mapping") + " ends",
                   first.line, first.line);
}

// A quoted scalar that does not end on its line.
std::optional<SyntaxCause> quoteCause(const std::vector<Line> &lines, int upTo) {
    for (int n = 0; n <= upTo && n < static_cast<int>(lines.size()); ++n) {
        const Line &line = lines[n];
        if (line.blank)
            continue;
        const std::string_view s = line.text.substr(line.indent);
        char quote = 0;
        std::size_t openedAt = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const char c = s[i];
            if (quote) {
                if (quote == '"' && c == '\\') {
                    ++i;
                    continue;
                }
                if (c == quote) {
                    if (quote == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                        ++i; // '' is a quote inside single quotes
                        continue;
                    }
                    quote = 0;
                }
                continue;
            }
            if (c == '#' && (i == 0 || s[i - 1] == ' '))
                break;
            if ((c == '"' || c == '\'') &&
                (i == 0 || s[i - 1] == ' ' || s[i - 1] == '[' || s[i - 1] == '{' || s[i - 1] == ',')) {
                quote = c;
                openedAt = i;
            }
        }
        if (quote)
            return causeAt(n, line.indent + static_cast<int>(openedAt), 1, "yaml-unclosed-quote",
                           std::string("this quoted string has no closing ") + quote,
                           n, n);
    }
    return std::nullopt;
}

// The nearest non-blank line before `n`.
int previousLine(const std::vector<Line> &lines, int n) {
    for (int i = n - 1; i >= 0; --i)
        if (!lines[i].blank)
            return i;
    return -1;
}

// A line that is neither a key nor a list item among keys (a key being typed), or a key
// indented out of line with the one above it.
std::optional<SyntaxCause> blockCause(const std::vector<Line> &lines, int reportedLine) {
    const int last = std::min(reportedLine, static_cast<int>(lines.size()) - 1);
    for (int n = 0; n <= last; ++n) {
        const Line &line = lines[n];
        if (line.blank)
            continue;
        const int before = previousLine(lines, n);
        if (before < 0)
            continue;
        const Line &above = lines[before];
        int offset = 0;
        const std::string_view aboveContent = itemContent(above.content, offset);
        const int aboveKeyIndent = above.indent + offset;
        const std::size_t aboveColon = keyColon(aboveContent);
        if (aboveColon == std::string_view::npos)
            continue;
        const std::string_view aboveValue =
            aboveContent.substr(std::min(aboveContent.size(), aboveColon + 1));
        const bool aboveHasValue = aboveValue.find_first_not_of(' ') != std::string_view::npos;
        const bool aboveBlockScalar =
            aboveHasValue && (aboveValue.find_first_not_of(' ') != std::string_view::npos) &&
            (aboveValue[aboveValue.find_first_not_of(' ')] == '|' ||
             aboveValue[aboveValue.find_first_not_of(' ')] == '>');
        if (aboveBlockScalar)
            continue;
        const bool listItem = line.content.starts_with("- ") || line.content == "-";
        const std::size_t colon = keyColon(line.content);
        // Not a key, at the level of the keys above (more indented it would continue the
        // value above as plain text).
        if (!listItem && colon == std::string_view::npos && line.indent <= aboveKeyIndent &&
            line.content.front() != '[' && line.content.front() != '{' &&
            line.content.front() != '"' && line.content.front() != '\'')
            return causeAt(n, line.indent, static_cast<int>(line.content.size()), "yaml-not-a-key",
                           "'" + std::string(line.content) +
                               "' is not a key: a key needs ':' and a value (e.g. '" +
                               std::string(line.content) + ": ...'), or remove the line",
                           n, n);
        // A key less indented than the one above, at none of the levels of the keys that
        // enclose it.
        if (!listItem && colon != std::string_view::npos && line.indent < aboveKeyIndent) {
            std::vector<int> levels{aboveKeyIndent};
            int narrowest = aboveKeyIndent;
            for (int i = before - 1; i >= 0 && narrowest > 0; --i) {
                if (lines[i].blank)
                    continue;
                int itemOffset = 0;
                const std::string_view c = itemContent(lines[i].content, itemOffset);
                const int keyIndent = lines[i].indent + itemOffset;
                if (keyColon(c) != std::string_view::npos && keyIndent < narrowest) {
                    narrowest = keyIndent;
                    levels.push_back(keyIndent);
                }
            }
            if (std::find(levels.begin(), levels.end(), line.indent) == levels.end()) {
                std::string listed;
                for (auto it = levels.rbegin(); it != levels.rend(); ++it)
                    listed += (listed.empty() ? "" : ", ") + std::to_string(*it);
                return causeAt(n, line.indent, static_cast<int>(colon), "yaml-indentation",
                               "this key is indented by " + std::to_string(line.indent) +
                                   " spaces, which lines it up with none of the keys above (" +
                                   listed + " spaces): indent it like the keys it belongs with",
                               n, n);
            }
        }
        // A key more indented than a key above that already has its value.
        if (!listItem && colon != std::string_view::npos && aboveHasValue &&
            line.indent > aboveKeyIndent)
            return causeAt(n, line.indent, static_cast<int>(colon), "yaml-indentation",
                           "this key is indented by " + std::to_string(line.indent) +
                               " spaces, more than '" + std::string(aboveContent.substr(0, aboveColon)) +
                               "' above it (" + std::to_string(aboveKeyIndent) +
                               "), which already has a value: keys of one mapping line up",
                           n, n);
    }
    return std::nullopt;
}

} // namespace

std::optional<SyntaxCause> findSyntaxCause(std::string_view text, SourcePosition reported) {
    const auto lines = splitLines(text);
    if (lines.empty())
        return std::nullopt;
    if (auto cause = tabCause(lines, reported.line))
        return cause;
    if (auto cause = quoteCause(lines, reported.line))
        return cause;
    if (auto cause = bracketCause(lines))
        return cause;
    if (auto cause = blockCause(lines, reported.line))
        return cause;
    return std::nullopt;
}

std::string blankLines(std::string_view text, int firstLine, int lastLine) {
    std::string out(text);
    int line = 0;
    for (char &c : out) {
        if (c == '\n') {
            ++line;
            continue;
        }
        if (line >= firstLine && line <= lastLine && c != '\r')
            c = ' ';
    }
    return out;
}

} // namespace nimbus::manifest
