#include "nimbus/manifest/yamlblocks.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

namespace nimbus::manifest {

struct YamlBlockParser::Block {
    YamlNode mapping; // the block's entries
    std::vector<Diagnostic> diagnostics;
    // The document line the block's lines are counted from: 0 (its own first line) for a
    // block that can be used anywhere. A block with diagnostics is parsed where it stands,
    // because their messages cite lines ("first defined on line 8"), and is used only there.
    int origin = 0;
    // A node the parser placed at the end of the text (an empty list item is placed at the
    // token after it): in the document, that is where the next block starts.
    bool touchesEnd = false;
    SourcePosition end; // the end of the block's text, in the block's lines
};

namespace {

// A block with more lines than this is split into its own blocks when it can be.
constexpr int kSplitLines = 40;
// Top-level blocks, then `functions`' (or `resources`'), then `resources.Resources`'.
constexpr int kMaxDepth = 3;

struct Line {
    std::string_view text;
    size_t offset = 0; // of the line's first byte in the document
    int indent = 0;    // leading spaces
    bool content = false; // neither blank nor a comment
};

bool anyOf(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// Where `line`'s comment starts (a '#' at its start or after a space), or its end.
size_t commentStart(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '#' && (i == 0 || line[i - 1] == ' '))
            return i;
    }
    return line.size();
}

// Whether the line starts a plain key at `indent` (`name:` then a space or the end). Quoted,
// complex and flow keys, and anything unusual, are not taken for keys: a line that is not
// taken stays inside the block before it, which is always right.
std::optional<size_t> keyColon(const Line &line, int indent) {
    if (!line.content || line.indent != indent)
        return std::nullopt;
    const std::string_view text = line.text;
    const auto start = static_cast<size_t>(indent);
    if (anyOf(text[start], "#-?:,[]{}&*!|>'\"%@`"))
        return std::nullopt;
    for (size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' '))
            return i;
        if (anyOf(c, "#'\"[]{}&*!"))
            return std::nullopt;
    }
    return std::nullopt;
}

// `key:` and nothing else but a comment: a key whose value is on the lines below.
bool bareKey(const Line &line, int indent) {
    const auto colon = keyColon(line, indent);
    if (!colon)
        return false;
    const std::string_view rest = line.text.substr(*colon + 1);
    const size_t comment = commentStart(rest);
    return rest.substr(0, comment).find_first_not_of(' ') == std::string_view::npos;
}

// An anchor (&a) or alias (*a) token: it could tie one block to another. They can only start
// a node: at the start of the line, after an indicator (`: `, `- ` and `? ` that start the
// line, `[`, `{`, `,`) or after a tag; `cd x && make` inside a scalar is not one. Quoted text is not told apart, so
// a quoted "a: *b" counts too, which only costs a whole parse.
bool hasAnchorOrAlias(std::string_view line) {
    const size_t end = commentStart(line);
    for (size_t i = 0; i + 1 < end; ++i) {
        if ((line[i] != '&' && line[i] != '*') || anyOf(line[i + 1], " \t,]}"))
            continue;
        size_t p = i;
        while (p > 0 && line[p - 1] == ' ')
            --p;
        if (p == 0 || anyOf(line[p - 1], "[{,") || (p < i && line[p - 1] == ':'))
            return true;
        // `- *a`, `? *a`: the dash or question mark starts the line's content.
        if (p < i && anyOf(line[p - 1], "-?") &&
            line.substr(0, p - 1).find_first_not_of(" -?") == std::string_view::npos)
            return true;
        size_t token = p;
        while (token > 0 && line[token - 1] != ' ')
            --token;
        if (line[token] == '!')
            return true;
    }
    return false;
}

// yaml-cpp takes a plain line with no colon at the end of a text for a key with no value
// ("over lines" at the end of a block); followed by more lines, it is part of a scalar or
// an error. A block where that happened cannot be judged alone.
bool hasKeyWithoutColon(const YamlNode &node, const std::vector<std::string_view> &lines) {
    for (const auto &item : node.items) {
        if (hasKeyWithoutColon(item, lines))
            return true;
    }
    for (const auto &entry : node.entries) {
        if (entry.value.isNull()) {
            const auto line = static_cast<size_t>(entry.key.range.end.line);
            if (line >= lines.size())
                return true;
            const std::string_view text = lines[line];
            const size_t colon = text.find_first_not_of(' ', static_cast<size_t>(entry.key.range.end.column));
            if (colon == std::string_view::npos || text[colon] != ':')
                return true;
        }
        if (hasKeyWithoutColon(entry.key, lines) || hasKeyWithoutColon(entry.value, lines))
            return true;
    }
    return false;
}

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t nl = text.find('\n', pos);
        lines.push_back(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        if (nl == std::string_view::npos)
            break;
        pos = nl + 1;
    }
    return lines;
}

bool touches(const YamlNode &node, SourcePosition at) {
    if (node.range.start == at || node.range.end == at)
        return true;
    for (const auto &item : node.items) {
        if (touches(item, at))
            return true;
    }
    for (const auto &entry : node.entries) {
        if (touches(entry.key, at) || touches(entry.value, at))
            return true;
    }
    return false;
}

void replacePosition(YamlNode &node, SourcePosition from, SourcePosition to) {
    if (node.range.start == from)
        node.range.start = to;
    if (node.range.end == from)
        node.range.end = to;
    for (auto &item : node.items)
        replacePosition(item, from, to);
    for (auto &entry : node.entries) {
        replacePosition(entry.key, from, to);
        replacePosition(entry.value, from, to);
    }
}

void shiftLines(YamlNode &node, int delta) {
    node.range.start.line += delta;
    node.range.end.line += delta;
    for (auto &item : node.items)
        shiftLines(item, delta);
    for (auto &entry : node.entries) {
        shiftLines(entry.key, delta);
        shiftLines(entry.value, delta);
    }
}

// A mapping built from the entries of consecutive blocks, checked for keys that repeat
// across them as the parser checks within one.
class MappingBuilder {
public:
    MappingBuilder(const std::string &fileName, std::vector<Diagnostic> &diagnostics)
        : m_fileName(fileName)
        , m_diagnostics(diagnostics) {
        m_node.kind = YamlNode::Kind::Mapping;
    }

    void add(YamlEntry entry) {
        if (entry.key.isScalar()) {
            const auto [it, inserted] = m_keys.try_emplace(entry.key.scalar, m_node.entries.size());
            if (!inserted) {
                m_diagnostics.push_back(
                    duplicateKeyDiagnostic(m_fileName, entry.key, m_node.entries[it->second].key));
                return;
            }
        }
        m_node.entries.push_back(std::move(entry));
    }

    // As the parser places a block mapping: from its first key to the end of its last value.
    YamlNode take() {
        if (!m_node.entries.empty()) {
            const SourcePosition start = m_node.entries.front().key.range.start;
            m_node.range = {start, m_node.entries.back().value.range.end};
        }
        return std::move(m_node);
    }

private:
    const std::string &m_fileName;
    std::vector<Diagnostic> &m_diagnostics;
    YamlNode m_node;
    std::unordered_map<std::string, size_t> m_keys;
};

} // namespace

// Splits the lines into blocks, parses those it has not seen, and builds the tree.
class YamlBlockParser::Splitter {
public:
    Splitter(YamlBlockParser &parser, std::string_view text, const std::string &fileName)
        : m_parser(parser)
        , m_text(text)
        , m_fileName(fileName) {}

    // The document's tree, or nullopt when it must be parsed whole.
    std::optional<YamlParseResult> run() {
        if (!readLines())
            return std::nullopt;
        YamlParseResult result;
        MappingBuilder root(m_fileName, result.diagnostics);
        if (!addEntries(0, static_cast<int>(m_lines.size()), 0, 0, root, result.diagnostics))
            return std::nullopt;
        result.root = root.take();
        return result;
    }

    Blocks used;
    int blocks = 0;
    int parsed = 0;

private:
    bool readLines() {
        if (m_text.find('\0') != std::string_view::npos)
            return false;
        size_t pos = 0;
        while (pos < m_text.size()) {
            size_t nl = m_text.find('\n', pos);
            const size_t end = nl == std::string_view::npos ? m_text.size() : nl;
            Line line;
            line.text = m_text.substr(pos, end - pos);
            line.offset = pos;
            if (!line.text.empty() && line.text.back() == '\r')
                line.text.remove_suffix(1);
            const size_t first = line.text.find_first_not_of(' ');
            line.indent = static_cast<int>(first == std::string_view::npos ? line.text.size() : first);
            line.content = first != std::string_view::npos && line.text[first] != '#';
            if (first != std::string_view::npos && line.text[first] == '\t')
                return false; // a tab in the indentation: parseYaml explains it
            if (line.indent == 0 && (line.text.starts_with("---") ||
                                     line.text.starts_with("...") || line.text.starts_with("%")))
                return false; // more than one document, or directives
            if (line.content && hasAnchorOrAlias(line.text))
                return false;
            m_lines.push_back(line);
            pos = end + 1;
        }
        return true;
    }

    // Adds to `mapping` the entries of lines [begin, end), whose keys are at `indent`.
    bool addEntries(int begin, int end, int indent, int depth, MappingBuilder &mapping,
                    std::vector<Diagnostic> &diagnostics) {
        // Blocks start at key lines; the first takes the comments and blank lines before it.
        std::vector<int> starts;
        for (int i = begin; i < end; ++i) {
            const Line &line = m_lines[static_cast<size_t>(i)];
            if (!line.content)
                continue;
            if (line.indent < indent)
                return false; // out of line with the block: let the parser judge it
            if (keyColon(line, indent))
                starts.push_back(i);
            else if (starts.empty())
                return false; // the first thing is not a key at this indentation
        }
        if (starts.empty())
            return false;
        starts.front() = begin;
        for (size_t b = 0; b < starts.size(); ++b) {
            const int from = starts[b];
            const int to = b + 1 < starts.size() ? starts[b + 1] : end;
            if (!addBlock(from, to, indent, depth, mapping, diagnostics))
                return false;
        }
        return true;
    }

    bool addBlock(int begin, int end, int indent, int depth, MappingBuilder &mapping,
                  std::vector<Diagnostic> &diagnostics) {
        if (end - begin > kSplitLines && depth + 1 < kMaxDepth) {
            if (auto entry = splitBlock(begin, end, indent, depth, diagnostics)) {
                mapping.add(std::move(*entry));
                return true;
            }
        }
        const auto block = parseBlock(begin, end);
        if (!block)
            return false;
        const int delta = begin - block->origin;
        // Where the parser would have placed what it placed at the block's end: the next
        // token, the start of the next line with content.
        std::optional<std::pair<SourcePosition, SourcePosition>> moveEnd;
        if (block->touchesEnd) {
            for (int next = end; next < static_cast<int>(m_lines.size()); ++next) {
                if (m_lines[static_cast<size_t>(next)].content) {
                    moveEnd = {{block->end.line + delta, block->end.column},
                               {next, m_lines[static_cast<size_t>(next)].indent}};
                    break;
                }
            }
        }
        for (const YamlEntry &remembered : block->mapping.entries) {
            YamlEntry entry = remembered;
            shiftLines(entry.key, delta);
            shiftLines(entry.value, delta);
            if (moveEnd) {
                replacePosition(entry.key, moveEnd->first, moveEnd->second);
                replacePosition(entry.value, moveEnd->first, moveEnd->second);
            }
            mapping.add(std::move(entry));
        }
        for (Diagnostic diagnostic : block->diagnostics) {
            shiftLines(diagnostic, delta);
            diagnostics.push_back(std::move(diagnostic));
        }
        return true;
    }

    // A block `key:` whose value is a mapping on the lines below, built from blocks of its
    // own; nullopt when it is not of that form (it is then parsed as one block).
    std::optional<YamlEntry> splitBlock(int begin, int end, int indent, int depth,
                                        std::vector<Diagnostic> &diagnostics) {
        int header = begin;
        while (header < end && !m_lines[static_cast<size_t>(header)].content)
            ++header;
        if (header >= end || !bareKey(m_lines[static_cast<size_t>(header)], indent))
            return std::nullopt;
        int first = header + 1;
        while (first < end && !m_lines[static_cast<size_t>(first)].content)
            ++first;
        if (first >= end || m_lines[static_cast<size_t>(first)].indent <= indent)
            return std::nullopt;
        const int childIndent = m_lines[static_cast<size_t>(first)].indent;
        if (!keyColon(m_lines[static_cast<size_t>(first)], childIndent))
            return std::nullopt;

        // The key, from the header's lines alone ("functions:" is {functions: null}).
        const auto head = parseBlock(begin, header + 1);
        if (!head || head->mapping.entries.size() != 1 ||
            !head->mapping.entries.front().value.isNull() || !head->diagnostics.empty())
            return std::nullopt;
        std::vector<Diagnostic> inner;
        MappingBuilder value(m_fileName, inner);
        if (!addEntries(header + 1, end, childIndent, depth + 1, value, inner))
            return std::nullopt;
        YamlEntry entry;
        entry.key = head->mapping.entries.front().key;
        shiftLines(entry.key, begin);
        entry.value = value.take();
        diagnostics.insert(diagnostics.end(), std::make_move_iterator(inner.begin()),
                           std::make_move_iterator(inner.end()));
        return entry;
    }

    // The block of lines [begin, end) parsed alone, or remembered; nullptr when it is not a
    // mapping on its own (the document is then parsed whole).
    std::shared_ptr<const Block> parseBlock(int begin, int end) {
        const size_t from = m_lines[static_cast<size_t>(begin)].offset;
        const size_t to = end < static_cast<int>(m_lines.size())
                              ? m_lines[static_cast<size_t>(end)].offset
                              : m_text.size();
        const std::string_view text = m_text.substr(from, to - from);
        ++blocks;
        const auto usable = [begin](const std::shared_ptr<const Block> &b) {
            return b->origin == 0 || b->origin == begin;
        };
        if (auto it = used.find(text); it != used.end() && usable(it->second))
            return it->second;
        if (auto it = m_parser.m_blocks.find(text);
            it != m_parser.m_blocks.end() && usable(it->second)) {
            // Moved, key and all, to this parse's blocks.
            auto node = m_parser.m_blocks.extract(it);
            std::shared_ptr<const Block> block = node.mapped();
            used.insert(std::move(node));
            return block;
        }
        ++parsed;
        YamlParseResult result = parseYaml(text, m_fileName);
        if (!result.ok || result.recovered || !result.root.isMapping() ||
            hasKeyWithoutColon(result.root, splitLines(text)))
            return nullptr;
        auto block = std::make_shared<Block>();
        if (!result.diagnostics.empty() && begin > 0) {
            // Parsed again where it stands: blank lines in place of those before it.
            result = parseYaml(std::string(static_cast<size_t>(begin), '\n').append(text), m_fileName);
            if (!result.ok || result.recovered || !result.root.isMapping())
                return nullptr;
            block->origin = begin;
        }
        if (!text.empty() && text.back() == '\n') {
            const auto newlines = std::count(text.begin(), text.end(), '\n');
            block->end = {block->origin + static_cast<int>(newlines), 0};
            block->touchesEnd = touches(result.root, block->end);
        }
        block->mapping = std::move(result.root);
        block->diagnostics = std::move(result.diagnostics);
        used.insert_or_assign(std::string(text), block);
        return block;
    }

    YamlBlockParser &m_parser;
    std::string_view m_text;
    const std::string &m_fileName;
    std::vector<Line> m_lines;
};

YamlParseResult YamlBlockParser::parse(std::string_view text, const std::string &fileName) {
    if (fileName != m_fileName) {
        m_blocks.clear();
        m_fileName = fileName;
    }
    Splitter splitter(*this, text, fileName);
    std::optional<YamlParseResult> result = splitter.run();
    m_stats = {!result, splitter.blocks, splitter.parsed};
    m_blocks = std::move(splitter.used);
    if (!result) {
        m_stats.parsed = m_stats.blocks = 1;
        return parseYaml(text, fileName);
    }
    return std::move(*result);
}

} // namespace nimbus::manifest
