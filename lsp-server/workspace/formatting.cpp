#include "formatting.h"

#include "nimbus/manifest/yamltree.h"

#include <map>

namespace nimbus::lsp {

using manifest::SourceRange;
using manifest::YamlNode;

namespace {

std::vector<std::string> splitLines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find('\n', start);
        std::string line(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(std::move(line));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return lines;
}

int indentOf(const std::string &line) {
    const auto first = line.find_first_not_of(' ');
    return first == std::string::npos ? static_cast<int>(line.size()) : static_cast<int>(first);
}

bool blank(const std::string &line) {
    return line.find_first_not_of(" \t") == std::string::npos;
}

bool comment(const std::string &line) {
    const auto first = line.find_first_not_of(' ');
    return first != std::string::npos && line[first] == '#';
}

// Where each structural line (a key or a list item's dash that starts its line) belongs.
class Layout {
public:
    Layout(const std::vector<std::string> &lines, int step)
        : m_lines(lines)
        , m_step(step) {}

    std::map<int, int> target; // line -> indentation
    // Lines of a key whose value is a plain scalar on the same line: where the value starts.
    std::map<int, std::pair<int, int>> values; // line -> (colon column, value column)

    void node(const YamlNode &n, int indent) {
        if (flow(n))
            return;
        if (n.isMapping())
            mapping(n, indent);
        else if (n.isSequence())
            sequence(n, indent);
    }

private:
    bool startsLine(int line, int column) const {
        if (line < 0 || line >= static_cast<int>(m_lines.size()))
            return false;
        const auto &text = m_lines[static_cast<std::size_t>(line)];
        return column >= 0 && column <= static_cast<int>(text.size()) &&
               text.find_first_not_of(' ') == static_cast<std::size_t>(column);
    }
    bool flow(const YamlNode &n) const {
        const int line = n.range.start.line, column = n.range.start.column;
        if (line < 0 || line >= static_cast<int>(m_lines.size()))
            return false;
        const auto &text = m_lines[static_cast<std::size_t>(line)];
        return column < static_cast<int>(text.size()) && (text[column] == '{' || text[column] == '[');
    }
    void mapping(const YamlNode &n, int indent) {
        for (const auto &entry : n.entries) {
            const int line = entry.key.range.start.line;
            if (startsLine(line, entry.key.range.start.column))
                target[line] = indent;
            const YamlNode &value = entry.value;
            if (value.isScalar() && value.range.start.line == line &&
                value.style == YamlNode::Style::Plain && !value.scalar.empty()) {
                const auto &text = m_lines[static_cast<std::size_t>(line)];
                const auto colon = text.rfind(':', static_cast<std::size_t>(value.range.start.column));
                if (colon != std::string::npos && colon >= static_cast<std::size_t>(entry.key.range.end.column))
                    values[line] = {static_cast<int>(colon), value.range.start.column};
            }
            if ((value.isMapping() || value.isSequence()) && value.range.start.line > line)
                node(value, indent + m_step);
        }
    }
    void sequence(const YamlNode &n, int indent) {
        for (const auto &item : n.items) {
            // The item's dash: two columns before the item, on its line.
            const int line = item.range.start.line;
            const int dash = item.range.start.column - 2;
            if (dash >= 0 && startsLine(line, dash) &&
                m_lines[static_cast<std::size_t>(line)][static_cast<std::size_t>(dash)] == '-')
                target[line] = indent;
            else
                continue; // an unusual layout ("-" alone on its line): left as it is
            if (item.isMapping() && !flow(item))
                mapping(item, indent + 2);
            else if (item.isSequence() && !flow(item))
                sequence(item, indent + 2);
        }
    }

    const std::vector<std::string> &m_lines;
    int m_step;
};

// The same document: kinds, keys and scalars alike (positions aside).
bool same(const YamlNode &a, const YamlNode &b) {
    if (a.kind != b.kind || a.scalar != b.scalar || a.items.size() != b.items.size() ||
        a.entries.size() != b.entries.size())
        return false;
    for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!same(a.items[i], b.items[i]))
            return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i)
        if (a.entries[i].key.scalar != b.entries[i].key.scalar ||
            !same(a.entries[i].value, b.entries[i].value))
            return false;
    return true;
}

} // namespace

std::vector<TextEdit> formatManifest(std::string_view text, const std::string &path, int indent,
                                     std::optional<std::pair<int, int>> range) {
    const auto parsed = manifest::parseYaml(text, path);
    if (!parsed.ok || parsed.root.isNull() || text.find('\t') != std::string_view::npos)
        return {};
    const auto lines = splitLines(text);
    Layout layout(lines, indent);
    layout.node(parsed.root, 0);

    std::vector<std::string> out(lines.size());
    int delta = 0; // the last structural line's shift, for the lines that continue it
    for (int n = 0; n < static_cast<int>(lines.size()); ++n) {
        const std::string &line = lines[static_cast<std::size_t>(n)];
        std::string &formatted = out[static_cast<std::size_t>(n)];
        const auto structural = layout.target.find(n);
        if (blank(line)) {
            formatted.clear();
        } else if (structural != layout.target.end()) {
            delta = structural->second - indentOf(line);
            std::string body = line.substr(static_cast<std::size_t>(indentOf(line)));
            if (const auto value = layout.values.find(n); value != layout.values.end()) {
                // key:   value -> key: value
                const auto colon = static_cast<std::size_t>(value->second.first - indentOf(line));
                const auto start = static_cast<std::size_t>(value->second.second - indentOf(line));
                if (start > colon + 1 && start <= body.size())
                    body = body.substr(0, colon + 1) + " " + body.substr(start);
            }
            while (!body.empty() && body.back() == ' ')
                body.pop_back();
            formatted = std::string(static_cast<std::size_t>(structural->second), ' ') + body;
        } else if (comment(line)) {
            // A comment goes with what follows it.
            int next = n + 1;
            while (next < static_cast<int>(lines.size()) && !layout.target.count(next) &&
                   (blank(lines[static_cast<std::size_t>(next)]) || comment(lines[static_cast<std::size_t>(next)])))
                ++next;
            const auto following = layout.target.find(next);
            const int to = following != layout.target.end() ? following->second : indentOf(line);
            std::string body = line.substr(static_cast<std::size_t>(indentOf(line)));
            while (!body.empty() && body.back() == ' ')
                body.pop_back();
            formatted = std::string(static_cast<std::size_t>(to), ' ') + body;
        } else {
            // A line that continues the one above (a block scalar, a multi-line flow
            // collection or plain scalar) moves with it, its own spacing kept.
            const int to = indentOf(line) + delta;
            if (to < 0)
                return {};
            formatted = std::string(static_cast<std::size_t>(to), ' ') +
                        line.substr(static_cast<std::size_t>(indentOf(line)));
        }
    }
    // At most one blank line in a row; none at the end but the final newline.
    std::vector<int> keep;
    for (int n = 0; n < static_cast<int>(out.size()); ++n) {
        const bool empty = out[static_cast<std::size_t>(n)].empty();
        if (empty && n + 1 < static_cast<int>(out.size()) && out[static_cast<std::size_t>(n + 1)].empty())
            keep.push_back(-1); // dropped
        else
            keep.push_back(n);
    }
    std::string result;
    for (int n = 0; n < static_cast<int>(out.size()); ++n)
        if (keep[static_cast<std::size_t>(n)] >= 0)
            result += out[static_cast<std::size_t>(n)] + "\n";
    while (result.size() >= 2 && result.compare(result.size() - 2, 2, "\n\n") == 0)
        result.pop_back();
    if (result == "\n")
        result.clear();
    // Only whitespace may change: the formatted text must be the same document.
    const auto check = manifest::parseYaml(result, path);
    if (!check.ok || !same(check.root, parsed.root))
        return {};
    if (result == text)
        return {};
    // Whole-document formatting: one edit. A range: the lines in it (blank-line runs are
    // only collapsed by whole-document formatting, so that line numbers stay).
    if (!range) {
        const int lastLine = static_cast<int>(lines.size()) - 1;
        return {{path, {{0, 0}, {lastLine, static_cast<int>(lines.back().size())}}, result}};
    }
    std::vector<TextEdit> edits;
    std::vector<std::string> partial = lines;
    for (int n = std::max(0, range->first); n <= range->second && n < static_cast<int>(lines.size()); ++n) {
        const auto i = static_cast<std::size_t>(n);
        if (blank(lines[i]) || out[i] == lines[i])
            continue;
        edits.push_back({path, {{n, 0}, {n, static_cast<int>(lines[i].size())}}, out[i]});
        partial[i] = out[i];
    }
    // Part of a block re-indented without the rest may no longer be the same document.
    std::string joined;
    for (std::size_t i = 0; i < partial.size(); ++i)
        joined += partial[i] + (i + 1 < partial.size() ? "\n" : "");
    const auto partialCheck = manifest::parseYaml(joined, path);
    if (!partialCheck.ok || !same(partialCheck.root, parsed.root))
        return {};
    return edits;
}

} // namespace nimbus::lsp
