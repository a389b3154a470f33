#include "nimbus/manifest/yamltree.h"

#include "nimbus/manifest/yamlsyntax.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

namespace nimbus::manifest {

namespace {

bool isNullText(const std::string &s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool isBoolText(const std::string &s, bool &value) {
    if (s == "true" || s == "True" || s == "TRUE") {
        value = true;
        return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
        value = false;
        return true;
    }
    return false;
}

// Numbers start with a sign, a digit or a dot: anything else is a string, without asking
// the expressions below (most scalars of a manifest are names and paths).
bool mayBeNumber(const std::string &s) {
    return !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9'));
}

bool isIntText(const std::string &s) {
    static const RE2 re(R"([-+]?(0|[1-9][0-9]*|0x[0-9a-fA-F]+|0o[0-7]+))");
    return mayBeNumber(s) && RE2::FullMatch(s, re);
}

bool isFloatText(const std::string &s) {
    if (!mayBeNumber(s))
        return false;
    static const RE2 re(
        R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    return RE2::FullMatch(s, re);
}

SourcePosition positionOf(const YAML::Mark &mark, SourcePosition fallback) {
    if (mark.line < 0 || mark.column < 0)
        return fallback;
    return {mark.line, mark.column};
}

// yaml-cpp reports where a node starts; we work out where a scalar token ends so that
// editors can underline exactly the token.
SourceRange scalarRange(SourcePosition start, const std::string &text, YamlNode::Style style) {
    SourceRange range{start, start};
    if (style == YamlNode::Style::Block || text.find('\n') != std::string::npos) {
        range.end = {start.line, start.column + 1};
        return range;
    }
    int width = static_cast<int>(text.size()) + (style == YamlNode::Style::Quoted ? 2 : 0);
    range.end = {start.line, start.column + std::max(width, 1)};
    return range;
}

class Converter {
public:
    Converter(std::string_view source, const std::string &fileName)
        : m_fileName(fileName) {
        // Remember where each line starts so that block scalars (| and >) can be told apart
        // from quoted ones: yaml-cpp tags both "!".
        size_t pos = 0;
        while (pos <= source.size()) {
            size_t nl = source.find('\n', pos);
            m_lines.emplace_back(source.substr(
                pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
            if (nl == std::string_view::npos)
                break;
            pos = nl + 1;
        }
    }

    YamlNode convert(const YAML::Node &node, SourcePosition fallback) {
        YamlNode out = convertUntagged(node, fallback);
        const std::string &tag = node.Tag();
        if (tag.size() > 1 && tag[0] == '!' && tag[1] != '!')
            return cloudFormationLongForm(tag.substr(1), std::move(out));
        return out;
    }

    // CloudFormation's short forms, as the framework reads them: `!Ref X` is {Ref: X},
    // `!GetAtt A.B` is {Fn::GetAtt: [A, B]}, `!Sub s` is {Fn::Sub: s}, and so on.
    static YamlNode cloudFormationLongForm(const std::string &name, YamlNode value) {
        std::string key = name == "Ref" || name == "Condition" ? name : "Fn::" + name;
        if (name == "GetAtt" && value.isScalar()) {
            const size_t dot = value.scalar.find('.');
            YamlNode list;
            list.kind = YamlNode::Kind::Sequence;
            list.range = value.range;
            list.items.push_back(YamlNode::makeScalar(value.scalar.substr(0, dot),
                                                      YamlNode::Style::Quoted, value.range));
            if (dot != std::string::npos)
                list.items.push_back(YamlNode::makeScalar(value.scalar.substr(dot + 1),
                                                          YamlNode::Style::Quoted, value.range));
            value = std::move(list);
        }
        YamlNode mapping;
        mapping.kind = YamlNode::Kind::Mapping;
        mapping.range = value.range;
        YamlEntry entry{YamlNode::makeScalar(key, YamlNode::Style::Quoted, value.range),
                        std::move(value)};
        mapping.entries.push_back(std::move(entry));
        return mapping;
    }

    YamlNode convertUntagged(const YAML::Node &node, SourcePosition fallback) {
        YamlNode out;
        SourcePosition start = positionOf(node.Mark(), fallback);
        out.range = {start, {start.line, start.column + 1}};
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            out.kind = YamlNode::Kind::Null;
            out.range.end = start;
            break;
        case YAML::NodeType::Scalar: {
            out.kind = YamlNode::Kind::Scalar;
            out.scalar = node.Scalar();
            out.style = styleOf(node, start);
            out.range = scalarRange(start, out.scalar, out.style);
            if (out.style == YamlNode::Style::Quoted)
                checkClosingQuote(start);
            else if (out.style == YamlNode::Style::Plain && node.Tag().size() > 1)
                checkClosingQuote(afterTag(start)); // !Ref 'x: tagged, and maybe quoted
            break;
        }
        case YAML::NodeType::Sequence:
            out.kind = YamlNode::Kind::Sequence;
            for (const auto &item : node)
                out.items.push_back(convert(item, start));
            if (!out.items.empty())
                out.range.end = out.items.back().range.end;
            break;
        case YAML::NodeType::Map:
            out.kind = YamlNode::Kind::Mapping;
            for (const auto &pair : node) {
                YamlEntry entry;
                entry.key = convert(pair.first, start);
                entry.value = convert(pair.second, entry.key.range.end);
                if (entry.value.isNull())
                    entry.value.range = {entry.key.range.end, entry.key.range.end};
                if (const YamlEntry *first = out.findEntry(entry.key.scalar);
                    first && entry.key.isScalar()) {
                    m_diagnostics.push_back(duplicateKeyDiagnostic(m_fileName, entry.key, first->key));
                    continue;
                }
                out.entries.push_back(std::move(entry));
            }
            if (!out.entries.empty())
                out.range.end = out.entries.back().value.range.end;
            break;
        }
        return out;
    }

    std::vector<Diagnostic> takeDiagnostics() { return std::move(m_diagnostics); }
    bool hasSyntaxError() const { return m_syntaxError; }

private:
    YamlNode::Style styleOf(const YAML::Node &node, SourcePosition start) const {
        if (node.Tag() != "!")
            return YamlNode::Style::Plain;
        if (start.line < static_cast<int>(m_lines.size())) {
            const std::string_view line = m_lines[static_cast<size_t>(start.line)];
            if (static_cast<size_t>(start.column) < line.size()) {
                char c = line[static_cast<size_t>(start.column)];
                if (c == '|' || c == '>')
                    return YamlNode::Style::Block;
            }
        }
        return YamlNode::Style::Quoted;
    }

    // Where the scalar of a tagged node starts: past the tag (`!Ref name`) and its spaces.
    SourcePosition afterTag(SourcePosition start) const {
        const auto lineIndex = static_cast<size_t>(start.line);
        if (lineIndex >= m_lines.size())
            return start;
        const std::string_view line = m_lines[lineIndex];
        size_t i = static_cast<size_t>(start.column);
        if (i >= line.size() || line[i] != '!')
            return start;
        while (i < line.size() && line[i] != ' ')
            ++i;
        while (i < line.size() && line[i] == ' ')
            ++i;
        return {start.line, static_cast<int>(i)};
    }

    // yaml-cpp accepts a quoted scalar that runs to the end of the file; YAML does not.
    void checkClosingQuote(SourcePosition start) {
        const auto lineIndex = static_cast<size_t>(start.line);
        if (lineIndex >= m_lines.size() ||
            static_cast<size_t>(start.column) >= m_lines[lineIndex].size())
            return;
        const char quote = m_lines[lineIndex][static_cast<size_t>(start.column)];
        if (quote != '\'' && quote != '"')
            return;
        size_t column = static_cast<size_t>(start.column) + 1;
        for (size_t l = lineIndex; l < m_lines.size(); ++l, column = 0) {
            const std::string_view line = m_lines[l];
            for (size_t i = column; i < line.size(); ++i) {
                if (quote == '"' && line[i] == '\\') {
                    ++i;
                } else if (line[i] == quote) {
                    if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
                        ++i;
                        continue;
                    }
                    return;
                }
            }
        }
        Diagnostic d;
        d.file = m_fileName;
        d.code = "yaml-syntax";
        d.range = {start, {start.line, start.column + 1}};
        d.message = std::string("invalid YAML: this quoted string has no closing ") + quote;
        m_diagnostics.push_back(d);
        m_syntaxError = true;
    }

    bool m_syntaxError = false;
    std::string m_fileName;
    std::vector<std::string_view> m_lines;
    std::vector<Diagnostic> m_diagnostics;
};

std::string cleanYamlMessage(std::string msg) {
    // yaml-cpp messages are terse ("end of map not found"); keep them, but drop its own
    // "yaml-cpp: error at line..." prefix, since we print the position ourselves.
    if (auto pos = msg.find(": "); msg.rfind("yaml-cpp", 0) == 0 && pos != std::string::npos)
        msg = msg.substr(pos + 2);
    return msg;
}

} // namespace

const YamlEntry *YamlNode::findEntry(std::string_view key) const {
    for (const auto &entry : entries) {
        if (entry.key.isScalar() && entry.key.scalar == key)
            return &entry;
    }
    return nullptr;
}

const YamlNode *YamlNode::find(std::string_view key) const {
    const YamlEntry *entry = findEntry(key);
    return entry ? &entry->value : nullptr;
}

YamlNode *YamlNode::find(std::string_view key) {
    return const_cast<YamlNode *>(std::as_const(*this).find(key));
}

std::string YamlNode::scalarType() const {
    if (kind == Kind::Null)
        return "null";
    if (kind != Kind::Scalar)
        return kind == Kind::Mapping ? "object" : "array";
    if (style != Style::Plain)
        return "string";
    bool b = false;
    if (isNullText(scalar))
        return "null";
    if (isBoolText(scalar, b))
        return "boolean";
    if (isIntText(scalar))
        return "integer";
    if (isFloatText(scalar))
        return "number";
    return "string";
}

std::string YamlNode::plainType() const {
    if (kind != Kind::Scalar || style == Style::Plain)
        return scalarType();
    YamlNode plain = *this;
    plain.style = Style::Plain;
    return plain.scalarType();
}

std::optional<long long> YamlNode::toInteger() const {
    if (plainType() != "integer")
        return std::nullopt;
    std::string_view s = scalar;
    int base = 10;
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.starts_with("0x")) {
        base = 16;
        s.remove_prefix(2);
    } else if (s.starts_with("0o")) {
        base = 8;
        s.remove_prefix(2);
    }
    long long value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    if (ec != std::errc() || ptr != s.data() + s.size())
        return std::nullopt;
    return negative ? -value : value;
}

std::optional<bool> YamlNode::toBoolean() const {
    bool b = false;
    if (kind == Kind::Scalar && isBoolText(scalar, b))
        return b;
    return std::nullopt;
}

std::string YamlNode::describeType() const {
    const std::string type = scalarType();
    if (type == "object")
        return "a mapping";
    if (type == "array")
        return "a list";
    if (type == "null")
        return "an empty value";
    if (type == "integer")
        return "an integer";
    if (type == "number")
        return "a number";
    if (type == "boolean")
        return "a boolean";
    return "a string";
}

Diagnostic duplicateKeyDiagnostic(const std::string &fileName, const YamlNode &key,
                                  const YamlNode &first) {
    Diagnostic d;
    d.file = fileName;
    d.range = key.range;
    d.code = "duplicate-key";
    d.message = "duplicate key '" + key.scalar + "' (first defined on line " +
                std::to_string(first.range.start.line + 1) + "); remove one of them";
    return d;
}

YamlNode YamlNode::makeScalar(std::string text, Style style, SourceRange range) {
    YamlNode node;
    node.kind = Kind::Scalar;
    node.style = style;
    node.scalar = std::move(text);
    node.range = range;
    return node;
}

YamlParseResult parseYaml(std::string_view text, const std::string &fileName) {
    YamlParseResult result;
    if (text.find('\0') != std::string_view::npos) {
        Diagnostic d;
        d.file = fileName;
        d.hasPosition = false;
        d.code = "yaml-syntax";
        d.message = "file is binary (contains NUL bytes), not YAML";
        result.diagnostics.push_back(d);
        result.ok = false;
        return result;
    }
    try {
        YAML::Node doc = YAML::Load(std::string(text));
        Converter converter(text, fileName);
        result.root = converter.convert(doc, {0, 0});
        result.diagnostics = converter.takeDiagnostics();
        result.ok = !converter.hasSyntaxError();
    } catch (const YAML::Exception &e) {
        // Reported at its cause when the text shows one (the parser gives up later), and the
        // rest of the document parsed without the lines at fault, for those who serve it.
        Diagnostic d;
        d.file = fileName;
        d.code = "yaml-syntax";
        SourcePosition at = positionOf(e.mark, {0, 0});
        d.range = {at, {at.line, at.column + 1}};
        d.message = "invalid YAML: " + cleanYamlMessage(e.msg);
        auto cause = findSyntaxCause(text, at);
        if (cause) {
            d.range = cause->range;
            d.message = cause->message;
        }
        result.diagnostics.push_back(d);
        result.ok = false;
        std::string repaired(text);
        for (int round = 0; cause && round < 5; ++round) {
            repaired = blankLines(repaired, cause->firstLine, cause->lastLine);
            try {
                YAML::Node doc = YAML::Load(repaired);
                Converter converter(repaired, fileName);
                result.root = converter.convert(doc, {0, 0});
                result.recovered = true;
                break;
            } catch (const YAML::Exception &again) {
                cause = findSyntaxCause(repaired, positionOf(again.mark, {0, 0}));
            }
        }
    }
    return result;
}

nlohmann::json yamlToJson(const YamlNode &node) {
    switch (node.kind) {
    case YamlNode::Kind::Null:
        return nullptr;
    case YamlNode::Kind::Scalar: {
        const std::string type = node.scalarType();
        if (type == "integer" || type == "number" || type == "boolean" || type == "null") {
            nlohmann::json parsed =
                nlohmann::json::parse(node.scalar == "~" ? "null" : node.scalar, nullptr, false);
            if (!parsed.is_discarded())
                return parsed;
            if (type == "boolean")
                return node.toBoolean().value_or(false);
        }
        return node.scalar;
    }
    case YamlNode::Kind::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        for (const auto &item : node.items)
            array.push_back(yamlToJson(item));
        return array;
    }
    case YamlNode::Kind::Mapping: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto &entry : node.entries)
            object[entry.key.scalar] = yamlToJson(entry.value);
        return object;
    }
    }
    return nullptr;
}

} // namespace nimbus::manifest
