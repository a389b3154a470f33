#include "nimbus/manifest/variableresolver.h"

#include "variablepaths.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace nimbus::manifest {

using detail::isDigits;
using detail::relocate;
using detail::scalarText;
using detail::walk;

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

int quoteShift(const YamlNode &node) {
    return node.style == YamlNode::Style::Quoted ? 1 : 0;
}

std::string unquote(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
        s = s.substr(1, s.size() - 2);
    return std::string(s);
}

// The variable sources whose values live in the cloud account, not in the project.
bool isCloudSource(const std::string &source) {
    static const std::set<std::string> sources{"ssm", "s3", "cf", "secretsmanager", "construct"};
    return sources.count(source) > 0;
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

namespace {

std::string fixedProviderValue(const YamlNode &root, const char *key) {
    if (const YamlNode *provider = root.find("provider")) {
        if (const YamlNode *value = provider->find(key);
            value && value->isScalar() && !value->scalar.empty() &&
            value->scalar.find("${") == std::string::npos)
            return value->scalar;
    }
    return {};
}

std::string optionOr(const VariableContext &context, const char *name, std::string fallback) {
    if (auto it = context.options.find(name); it != context.options.end() && !it->second.empty())
        return it->second;
    return fallback;
}

} // namespace

std::string VariableResolver::effectiveStage(const YamlNode &root, const VariableContext &context) {
    std::string stage = fixedProviderValue(root, "stage");
    return optionOr(context, "stage", stage.empty() ? "dev" : stage);
}

std::string VariableResolver::effectiveRegion(const YamlNode &root,
                                              const VariableContext &context) {
    std::string region = fixedProviderValue(root, "region");
    return optionOr(context, "region", region.empty() ? "us-east-1" : region);
}

void VariableResolver::resolve(YamlNode &root) {
    m_root = &root;
    resolveNode(root, "");
    m_root = nullptr;
    mergeRepeatedWarnings();
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
    // A value that failed was reported once; every reference to it fails quietly.
    if (m_failed.count(path) ||
        std::find(m_resolving.begin(), m_resolving.end(), path) != m_resolving.end())
        return false;
    m_resolving.push_back(path);
    Failure failure;
    std::optional<Value> value = evaluate(node.scalar, node, 0, failure);
    if (!value) {
        report(node, failure);
        m_failed.insert(path);
    }
    m_resolving.pop_back();
    if (!value)
        return false;
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

// Resolves the inside of one ${...}: "source:address, fallback, ...". When no alternative
// resolves, the first one that has a stand-in (a default or a placeholder) gives the value.
std::optional<VariableResolver::Value> VariableResolver::lookup(std::string_view reference,
                                                                const YamlNode &site, int offset,
                                                                Failure &failure) {
    std::vector<std::string_view> alternatives = splitTopLevel(reference);
    Failure firstFailure;
    std::optional<Failure> standIn;
    for (size_t i = 0; i < alternatives.size(); ++i) {
        std::string_view alt = alternatives[i];
        Failure attempt;
        attempt.offset = offset;
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
                   alt.find('(') == std::string_view::npos &&
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
            value = lookupSource(address, site, offset, attempt);
        }
        if (value)
            return value;
        if (i == 0)
            firstFailure = attempt;
        if (!standIn && attempt.standIn)
            standIn = attempt;
    }
    if (standIn) {
        if (!standIn->quiet) {
            Failure used = *standIn;
            used.message += "; using the placeholder '" + standIn->standIn->text + "'";
            report(site, used, "placeholder-variable");
        }
        return standIn->standIn;
    }
    failure = firstFailure;
    return std::nullopt;
}

// One source lookup: "self:custom.x", "file(./a.yml):b", "strToBool(true)", ...
std::optional<VariableResolver::Value> VariableResolver::lookupSource(const std::string &address,
                                                                      const YamlNode &site,
                                                                      int offset,
                                                                      Failure &failure) {
    auto scalarValue = [&](const std::string &text, YamlNode::Style style) {
        return Value{YamlNode::makeScalar(text, style, site.range), text};
    };
    size_t nameEnd = 0;
    while (nameEnd < address.size() &&
           (std::isalnum(static_cast<unsigned char>(address[nameEnd])) || address[nameEnd] == '_'))
        ++nameEnd;
    const std::string source = address.substr(0, nameEnd);
    std::string params;
    bool hasParams = false;
    size_t pos = nameEnd;
    if (pos < address.size() && address[pos] == '(') {
        const size_t close = address.rfind(')');
        if (close == std::string::npos || close < pos) {
            failure = {"'${" + address + "}': '(' has no matching ')'", offset};
            return std::nullopt;
        }
        params = address.substr(pos + 1, close - pos - 1);
        hasParams = true;
        pos = close + 1;
    }
    // ${cf.us-west-2:stack.output}: the old way of naming a region.
    if (pos < address.size() && address[pos] == '.' && (source == "cf" || source == "ssm"))
        pos = address.find(':', pos);
    const bool hasColon = pos != std::string::npos && pos < address.size() && address[pos] == ':';
    const std::string key =
        hasColon ? std::string(trim(std::string_view(address).substr(pos + 1))) : std::string();
    // ${AWS::Region}, ${MyBucket.Arn}, ${Stage}: CloudFormation's own substitutions (in
    // Fn::Sub), which the framework leaves alone, and so does Nimbus.
    static const std::set<std::string> ours{"self", "env", "opt", "sls", "param", "aws", "file"};
    if (!hasColon && !hasParams && ours.count(source) && nameEnd < address.size() &&
        address[nameEnd] == '.') {
        failure = {"'${" + address + "}' is not a variable; did you mean '${" + source + ":" +
                       address.substr(nameEnd + 1) + "}'?",
                   offset};
        return std::nullopt;
    }
    if (!hasColon && !hasParams && nameEnd == address.size()) {
        if (const auto named = m_context.names.find(source); named != m_context.names.end())
            return scalarValue(named->second, YamlNode::Style::Plain);
    }
    if (address.compare(nameEnd, 2, "::") == 0 || (!hasColon && !hasParams))
        return Value{std::nullopt, "${" + address + "}"};

    if (source == "self")
        return lookupSelf(key, site, failure, offset);
    if (source == "env") {
        if (auto env = m_context.environment(key))
            return scalarValue(*env, YamlNode::Style::Plain);
        failure = {"environment variable '" + key +
                       "' is not set; set it or add a fallback: ${env:" + key + ", 'default'}",
                   offset};
        return std::nullopt;
    }
    if (source == "opt") {
        if (auto it = m_context.options.find(key); it != m_context.options.end())
            return scalarValue(it->second, YamlNode::Style::Plain);
        failure = {"option '--" + key + "' was not given; pass it or add a fallback: ${opt:" + key +
                       ", 'value'}",
                   offset};
        // The framework's defaults for the stage and the region.
        if (key == "stage" || key == "region") {
            const std::string value = key == "stage" ? effectiveStage(*m_root, m_context)
                                                     : effectiveRegion(*m_root, m_context);
            failure.standIn = scalarValue(value, YamlNode::Style::Plain);
            failure.quiet = true;
        }
        return std::nullopt;
    }
    if (source == "sls") {
        if (key == "stage")
            return scalarValue(effectiveStage(*m_root, m_context), YamlNode::Style::Plain);
        if (key == "instanceId")
            return scalarValue("local", YamlNode::Style::Plain);
        failure = {"unknown ${sls:" + key + "}: supported are ${sls:stage} and ${sls:instanceId}",
                   offset};
        return std::nullopt;
    }
    if (source == "aws") {
        if (key == "region")
            return scalarValue(effectiveRegion(*m_root, m_context), YamlNode::Style::Plain);
        if (key == "accountId")
            return scalarValue(kLocalAccountId, YamlNode::Style::Quoted);
        if (key == "partition")
            return scalarValue("aws", YamlNode::Style::Plain);
        failure = {"unknown ${aws:" + key +
                       "}: supported are ${aws:region}, ${aws:accountId} and ${aws:partition}",
                   offset};
        return std::nullopt;
    }
    if (source == "strToBool" && hasParams) {
        const std::string text = unquote(params);
        if (text == "true" || text == "1")
            return scalarValue("true", YamlNode::Style::Plain);
        if (text == "false" || text == "0")
            return scalarValue("false", YamlNode::Style::Plain);
        failure = {"strToBool takes 'true', 'false', '1' or '0', not '" + text + "'", offset};
        return std::nullopt;
    }
    if (source == "file" && hasParams)
        return lookupFile(unquote(params), key, site, failure, offset);
    if (source == "param")
        return lookupParam(key, address, site, failure, offset);
    if (auto overridden = lookupOverride(address, site))
        return overridden;
    if (isCloudSource(source)) {
        failure = cloudFailure(address, "comes from the AWS account", site, offset);
        return std::nullopt;
    }
    failure = cloudFailure(address,
                           "uses the source '" + source +
                               "', which Nimbus does not know (a plugin's own source?)",
                           site, offset);
    return std::nullopt;
}

YamlNode *VariableResolver::findInManifest(std::string_view path, std::string &walked,
                                           std::string &missing) {
    return walk(m_root, path, walked, missing, [this](YamlNode &inner, const std::string &at) {
        if (std::find(m_resolving.begin(), m_resolving.end(), at) == m_resolving.end())
            resolveScalar(inner, at);
    });
}

std::optional<VariableResolver::Value> VariableResolver::lookupSelf(std::string_view path,
                                                                    const YamlNode &site,
                                                                    Failure &failure, int offset) {
    std::string walked, missing;
    YamlNode *node = findInManifest(path, walked, missing);
    if (!node) {
        // The framework fills in the stage and the region when the manifest leaves them out.
        if (path == "provider.stage" || path == "provider.region") {
            const std::string value = path == "provider.stage"
                                          ? effectiveStage(*m_root, m_context)
                                          : effectiveRegion(*m_root, m_context);
            return Value{YamlNode::makeScalar(value, YamlNode::Style::Plain, site.range), value};
        }
        failure = {"'${self:" + std::string(path) + "}' does not resolve: " +
                       (walked.empty() ? std::string("the manifest") : "'" + walked + "'") +
                       " has no key '" + missing + "'",
                   offset};
        return std::nullopt;
    }
    // service: {name: ...}, the framework's older form, stands for its name.
    if (path == "service" && node->isMapping() && node->find("name"))
        node = node->find("name");
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
            failure.reported = true; // the value it refers to says why
            return std::nullopt;
        }
    } else if (node->isMapping() || node->isSequence()) {
        // ${self:custom} inside custom would contain itself.
        const std::string inside = walked + ".";
        for (const auto &resolving : m_resolving) {
            if (resolving == walked || resolving.rfind(inside, 0) == 0 || walked.empty()) {
                failure = {"'${self:" + std::string(path) +
                               "}' contains the value that refers "
                               "to it (a cycle of variables)",
                           offset};
                return std::nullopt;
            }
        }
        resolveNode(*node, walked);
    }
    if (!withinBudget(*node, failure, offset))
        return std::nullopt;
    return Value{*node, scalarText(*node)};
}

// Variables may copy values that hold variables that copy values...: a small manifest can
// ask for billions of nodes. Past a million copied, resolution stops with one error
// instead of exhausting memory (a language server must not die on what a user types).
bool VariableResolver::withinBudget(const YamlNode &value, Failure &failure, int offset) {
    constexpr std::size_t kBudget = 1'000'000;
    std::vector<const YamlNode *> pending{&value};
    while (!pending.empty()) {
        const YamlNode *node = pending.back();
        pending.pop_back();
        if (++m_copied > kBudget) {
            failure = {"variables expand to more than a million values; look for values that "
                       "copy each other many times over",
                       offset};
            return false;
        }
        for (const auto &item : node->items)
            pending.push_back(&item);
        for (const auto &entry : node->entries)
            pending.push_back(&entry.value);
    }
    return true;
}

void VariableResolver::report(const YamlNode &site, const Failure &failure, const char *code) {
    if (failure.reported)
        return;
    Diagnostic d;
    d.file = m_fileName;
    d.code = code;
    d.message = failure.message;
    // Running locally, a value that does not resolve stays as written (the loader makes it
    // an error where a function cannot run without it); a deployment needs every value.
    d.severity = m_context.forDeployment ? Severity::Error : Severity::Warning;
    if (d.severity == Severity::Warning && !failure.standIn)
        d.message += " (the value stays as written)";
    SourcePosition start = site.range.start;
    if (site.scalar.find('\n') == std::string::npos)
        start.column += quoteShift(site) + failure.offset;
    // Underline the whole ${...} token that failed.
    size_t close = matchingBrace(site.scalar, static_cast<size_t>(failure.offset));
    int width = close == std::string::npos ? 2 : static_cast<int>(close) - failure.offset + 1;
    d.range = {start, {start.line, start.column + width}};
    m_diagnostics.push_back(d);
}

// One diagnostic per cause: the same unresolved variable used in many places is reported
// once, at its first use, with the lines of the others.
void VariableResolver::mergeRepeatedWarnings() {
    std::vector<Diagnostic> merged;
    std::map<std::string, size_t> first;
    std::map<size_t, std::vector<int>> others;
    for (auto &d : m_diagnostics) {
        if (d.severity != Severity::Warning) {
            merged.push_back(std::move(d));
            continue;
        }
        auto [it, inserted] = first.emplace(d.message, merged.size());
        if (inserted)
            merged.push_back(std::move(d));
        else
            others[it->second].push_back(d.range.start.line + 1);
    }
    for (auto &[index, lines] : others) {
        std::string text = " (also on line";
        text += lines.size() > 1 ? "s " : " ";
        for (size_t i = 0; i < lines.size() && i < 8; ++i)
            text += (i ? ", " : "") + std::to_string(lines[i]);
        if (lines.size() > 8)
            text += ", ...";
        merged[index].message += text + ")";
    }
    m_diagnostics = std::move(merged);
}

} // namespace nimbus::manifest
