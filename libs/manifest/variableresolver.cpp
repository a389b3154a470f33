#include "nimbus/manifest/variableresolver.h"

#include <algorithm>
#include <cstdlib>

namespace nimbus::manifest {

namespace {

constexpr int kMaxDepth = 32;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Finds the "}" matching the "${" at `open`, honouring nested ${...} and quotes.
size_t matchingBrace(std::string_view text, size_t open) {
    int depth = 0;
    char quote = 0;
    for (size_t i = open; i < text.size(); ++i) {
        char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if ((c == '\'' || c == '"') && depth > 0) {
            quote = c;
        } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            ++depth;
            ++i;
        } else if (c == '}') {
            if (--depth == 0)
                return i;
        }
    }
    return std::string_view::npos;
}

// Splits "a, b, 'c'" at top-level commas (not inside ${...} or quotes).
std::vector<std::string_view> splitTopLevel(std::string_view text) {
    std::vector<std::string_view> parts;
    int depth = 0;
    char quote = 0;
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            ++depth;
            ++i;
        } else if (c == '}' && depth > 0) {
            --depth;
        } else if (c == ',' && depth == 0) {
            parts.push_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    parts.push_back(trim(text.substr(start)));
    return parts;
}

std::string scalarText(const YamlNode &node) {
    return node.isNull() ? std::string() : node.scalar;
}

int quoteShift(const YamlNode &node) {
    return node.style == YamlNode::Style::Quoted ? 1 : 0;
}

} // namespace

VariableResolver::VariableResolver(std::string fileName, VariableContext context)
    : m_fileName(std::move(fileName))
    , m_context(std::move(context)) {
    if (!m_context.environment) {
        m_context.environment = [](const std::string &name) -> std::optional<std::string> {
            if (const char *value = std::getenv(name.c_str()))
                return std::string(value);
            return std::nullopt;
        };
    }
}

std::string VariableResolver::effectiveStage(const YamlNode &root, const VariableContext &context) {
    if (auto it = context.options.find("stage"); it != context.options.end() && !it->second.empty())
        return it->second;
    if (const YamlNode *provider = root.find("provider")) {
        if (const YamlNode *stage = provider->find("stage");
            stage && stage->isScalar() && stage->scalar.find("${") == std::string::npos)
            return stage->scalar;
    }
    return "dev";
}

void VariableResolver::resolve(YamlNode &root) {
    m_root = &root;
    resolveNode(root, "");
    m_root = nullptr;
}

void VariableResolver::resolveNode(YamlNode &node, const std::string &path) {
    switch (node.kind) {
    case YamlNode::Kind::Scalar:
        resolveScalar(node, path);
        break;
    case YamlNode::Kind::Sequence:
        for (size_t i = 0; i < node.items.size(); ++i)
            resolveNode(node.items[i],
                        path.empty() ? std::to_string(i) : path + '.' + std::to_string(i));
        break;
    case YamlNode::Kind::Mapping:
        for (auto &entry : node.entries)
            resolveNode(entry.value,
                        path.empty() ? entry.key.scalar : path + '.' + entry.key.scalar);
        break;
    case YamlNode::Kind::Null:
        break;
    }
}

bool VariableResolver::resolveScalar(YamlNode &node, const std::string &path) {
    if (node.scalar.find("${") == std::string::npos)
        return true;
    if (std::find(m_resolving.begin(), m_resolving.end(), path) != m_resolving.end())
        return false;
    m_resolving.push_back(path);
    Failure failure;
    std::optional<Value> value = evaluate(node.scalar, node, 0, failure);
    m_resolving.pop_back();
    if (!value) {
        report(node, failure);
        return false;
    }
    if (value->node) {
        YamlNode replacement = *value->node;
        if (replacement.isScalar() || replacement.isNull())
            replacement.range = node.range;
        node = std::move(replacement);
    } else {
        node.scalar = value->text;
        node.style = YamlNode::Style::Quoted;
    }
    return true;
}

// Evaluates a scalar's text: a single ${...} keeps the referenced node; otherwise every
// ${...} is replaced by its text.
std::optional<VariableResolver::Value> VariableResolver::evaluate(std::string_view text,
                                                                  const YamlNode &site, int offset,
                                                                  Failure &failure) {
    if (m_resolving.size() > kMaxDepth) {
        failure = {"variables nest too deeply (more than 32 levels); look for a cycle", offset};
        return std::nullopt;
    }
    size_t open = text.find("${");
    if (open == 0) {
        size_t close = matchingBrace(text, 0);
        if (close == text.size() - 1)
            return lookup(text.substr(2, close - 2), site, offset, failure);
    }
    Value result;
    size_t pos = 0;
    while (open != std::string_view::npos) {
        result.text.append(text.substr(pos, open - pos));
        size_t close = matchingBrace(text, open);
        if (close == std::string_view::npos) {
            failure = {"unterminated variable: '${' has no matching '}'",
                       offset + static_cast<int>(open)};
            return std::nullopt;
        }
        auto inner = lookup(text.substr(open + 2, close - open - 2), site,
                            offset + static_cast<int>(open), failure);
        if (!inner)
            return std::nullopt;
        if (inner->node && (inner->node->isMapping() || inner->node->isSequence())) {
            failure = {"variable '" + std::string(text.substr(open, close - open + 1)) + "' is " +
                           inner->node->describeType() + " and cannot be placed inside a string",
                       offset + static_cast<int>(open)};
            return std::nullopt;
        }
        result.text += inner->text;
        pos = close + 1;
        open = text.find("${", pos);
    }
    result.text.append(text.substr(pos));
    return result;
}

// Resolves the inside of one ${...}: "source:address, fallback, ...".
std::optional<VariableResolver::Value> VariableResolver::lookup(std::string_view reference,
                                                                const YamlNode &site, int offset,
                                                                Failure &failure) {
    std::vector<std::string_view> alternatives = splitTopLevel(reference);
    Failure firstFailure;
    for (size_t i = 0; i < alternatives.size(); ++i) {
        std::string_view alt = alternatives[i];
        Failure attempt;
        std::optional<Value> value;
        if (alt.size() >= 2 && (alt.front() == '\'' || alt.front() == '"') &&
            alt.back() == alt.front()) {
            Value literal;
            literal.text = std::string(alt.substr(1, alt.size() - 2));
            literal.node = YamlNode::makeScalar(literal.text, YamlNode::Style::Quoted, site.range);
            value = literal;
        } else if (i > 0 && alt.starts_with("${") && matchingBrace(alt, 0) == alt.size() - 1) {
            value = evaluate(alt, site, offset, attempt);
        } else if (i > 0 && alt.find(':') == std::string_view::npos &&
                   alt.find("${") == std::string_view::npos) {
            // An unquoted fallback such as 512 or true keeps its YAML type.
            Value literal;
            literal.text = std::string(alt);
            literal.node = YamlNode::makeScalar(literal.text, YamlNode::Style::Plain, site.range);
            value = literal;
        } else {
            // Nested variables in the address are resolved first: ${self:custom.${opt:stage}}.
            std::string address(alt);
            if (address.find("${") != std::string::npos) {
                auto expanded = evaluate(address, site, offset, attempt);
                if (!expanded) {
                    failure = attempt;
                    return std::nullopt;
                }
                address = expanded->text;
            }
            auto colon = address.find(':');
            const std::string source =
                colon == std::string::npos ? address : address.substr(0, colon);
            const std::string key =
                colon == std::string::npos ? "" : std::string(trim(address.substr(colon + 1)));
            if (colon == std::string::npos) {
                attempt = {"'${" + std::string(reference) +
                               "}' is not a variable: expected ${source:address}, e.g. "
                               "${self:custom.name}",
                           offset};
            } else if (source == "self") {
                value = lookupSelf(key, attempt, offset);
            } else if (source == "env") {
                if (auto env = m_context.environment(key)) {
                    value =
                        Value{YamlNode::makeScalar(*env, YamlNode::Style::Plain, site.range), *env};
                } else {
                    attempt = {"environment variable '" + key +
                                   "' is not set; set it or add a fallback: ${env:" + key +
                                   ", 'default'}",
                               offset};
                }
            } else if (source == "opt") {
                if (auto it = m_context.options.find(key); it != m_context.options.end()) {
                    value =
                        Value{YamlNode::makeScalar(it->second, YamlNode::Style::Plain, site.range),
                              it->second};
                } else {
                    attempt = {"option '--" + key +
                                   "' was not given; pass it or add a fallback: ${opt:" + key +
                                   ", 'dev'}",
                               offset};
                }
            } else if (source == "sls") {
                if (key == "stage") {
                    std::string stage = effectiveStage(*m_root, m_context);
                    value = Value{YamlNode::makeScalar(stage, YamlNode::Style::Plain, site.range),
                                  stage};
                } else if (key == "instanceId") {
                    value = Value{YamlNode::makeScalar("local", YamlNode::Style::Plain, site.range),
                                  "local"};
                } else {
                    attempt = {"unknown ${sls:" + key +
                                   "}: supported are ${sls:stage} and ${sls:instanceId}",
                               offset};
                }
            } else {
                attempt = {"unknown variable source '" + source + "' in '${" +
                               std::string(reference) +
                               "}'; supported sources are self, env, opt and sls",
                           offset};
            }
        }
        if (value)
            return value;
        if (i == 0)
            firstFailure = attempt;
    }
    failure = firstFailure;
    return std::nullopt;
}

std::optional<VariableResolver::Value> VariableResolver::lookupSelf(std::string_view path,
                                                                    Failure &failure, int offset) {
    YamlNode *node = m_root;
    std::string walked;
    size_t pos = 0;
    while (node && pos < path.size()) {
        size_t dot = path.find('.', pos);
        std::string part(
            path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
        pos = dot == std::string_view::npos ? path.size() : dot + 1;
        YamlNode *next = nullptr;
        if (node->isMapping()) {
            next = node->find(part);
        } else if (node->isSequence() && !part.empty() &&
                   std::all_of(part.begin(), part.end(),
                               [](char c) { return c >= '0' && c <= '9'; })) {
            size_t index = std::stoul(part);
            if (index < node->items.size())
                next = &node->items[index];
        }
        if (!next) {
            failure = {"'${self:" + std::string(path) + "}' does not resolve: " +
                           (walked.empty() ? std::string("the manifest") : "'" + walked + "'") +
                           " has no key '" + part + "'",
                       offset};
            return std::nullopt;
        }
        walked += (walked.empty() ? "" : ".") + part;
        node = next;
    }
    // The referenced node may hold variables of its own: resolve it first (once).
    if (node->isScalar() && node->scalar.find("${") != std::string::npos) {
        if (std::find(m_resolving.begin(), m_resolving.end(), walked) != m_resolving.end()) {
            failure = {"'${self:" + std::string(path) +
                           "}' refers to itself (a cycle of variables)",
                       offset};
            return std::nullopt;
        }
        if (!resolveScalar(*node, walked)) {
            failure = {"'${self:" + std::string(path) +
                           "}' refers to a value that does not resolve",
                       offset};
            return std::nullopt;
        }
    } else if (node->isMapping() || node->isSequence()) {
        resolveNode(*node, walked);
    }
    return Value{*node, scalarText(*node)};
}

void VariableResolver::report(const YamlNode &site, const Failure &failure) {
    Diagnostic d;
    d.file = m_fileName;
    d.code = "unresolved-variable";
    d.message = failure.message;
    SourcePosition start = site.range.start;
    if (site.scalar.find('\n') == std::string::npos)
        start.column += quoteShift(site) + failure.offset;
    // Underline the whole ${...} token that failed.
    size_t close = matchingBrace(site.scalar, static_cast<size_t>(failure.offset));
    int width = close == std::string::npos ? 2 : static_cast<int>(close) - failure.offset + 1;
    d.range = {start, {start.line, start.column + width}};
    m_diagnostics.push_back(d);
}

} // namespace nimbus::manifest
