#include "nimbus/manifest/handlerlocator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::manifest {

namespace {

std::string escapeRegex(const std::string &s) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(s, special, R"(\$&)");
}

std::optional<std::string> readFile(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Line, column and trimmed text of the line at a byte offset.
HandlerDefinition definitionAt(const std::string &file, const std::string &text, size_t offset) {
    HandlerDefinition def;
    def.file = file;
    size_t lineStart = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++def.line;
            lineStart = i + 1;
        }
    }
    def.column = static_cast<int>(offset - lineStart);
    size_t lineEnd = text.find('\n', lineStart);
    std::string line = text.substr(lineStart, lineEnd == std::string::npos ? std::string::npos
                                                                           : lineEnd - lineStart);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '{'))
        line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    def.signature = first == std::string::npos ? line : line.substr(first);
    return def;
}

// Offset of `name` within the match of group 0, so the position points at the name itself.
std::optional<size_t> findWithRegex(const std::string &text, const std::string &pattern,
                                    const std::string &name) {
    std::smatch match;
    if (!std::regex_search(text, match, std::regex(pattern, std::regex::multiline)))
        return std::nullopt;
    size_t start = static_cast<size_t>(match.position(0));
    size_t at = text.find(name, start);
    return at == std::string::npos ? start : at;
}

std::optional<size_t> findPythonDefinition(const std::string &text, const std::string &name) {
    const std::string n = escapeRegex(name);
    const std::string patterns[] = {
        "^(async[ \\t]+)?def[ \\t]+" + n + "[ \\t]*\\(",
        "^class[ \\t]+" + n + "\\b",
        "^" + n + "[ \\t]*(:[^=\\n]*)?=[^=]",
        "^from[ \\t]+\\S+[ \\t]+import[^\\n]*\\b" + n + "\\b",
        "^import[^\\n]*[ \\t]as[ \\t]+" + n + "\\b",
    };
    for (const auto &p : patterns) {
        if (auto at = findWithRegex(text, p, name))
            return at;
    }
    return std::nullopt;
}

// Looks for `name` among the names exported by an export list or an object literal that
// starts at `open` (the '{').
std::optional<size_t> findInBraces(const std::string &text, size_t open, const std::string &name,
                                   bool exportList) {
    int depth = 0;
    size_t close = open;
    for (; close < text.size(); ++close) {
        if (text[close] == '{')
            ++depth;
        else if (text[close] == '}' && --depth == 0)
            break;
    }
    const std::string body = text.substr(open + 1, close - open - 1);
    const std::string n = escapeRegex(name);
    // export { a, b as name }   or   module.exports = { name, name: fn, name() {}, async name() {}
    // }
    const std::string pattern =
        exportList
            ? "(^|[,\\s])(" + n + "|[A-Za-z_$][\\w$]*[ \\t]+as[ \\t]+" + n + ")[ \\t\\n]*(,|$)"
            : "(^|[,{\\s])(async[ \\t]+)?" + n + "[ \\t]*[,:(]|(^|[,{\\s])" + n + "[ \\t\\n]*$";
    std::smatch match;
    if (!std::regex_search(body, match, std::regex(pattern)))
        return std::nullopt;
    size_t at = body.find(name, static_cast<size_t>(match.position(0)));
    return open + 1 + (at == std::string::npos ? static_cast<size_t>(match.position(0)) : at);
}

std::optional<size_t> findNodeDefinition(const std::string &text, const std::string &name) {
    const std::string n = escapeRegex(name);
    const std::string patterns[] = {
        "\\bexports\\." + n + "[ \\t]*=",
        "\\bexports\\[['\"]" + n + "['\"]\\][ \\t]*=",
        "^[ \\t]*export[ \\t]+(async[ \\t]+)?function\\*?[ \\t]+" + n + "\\b",
        "^[ \\t]*export[ \\t]+(const|let|var|class)[ \\t]+" + n + "\\b",
    };
    for (const auto &p : patterns) {
        if (auto at = findWithRegex(text, p, name))
            return at;
    }
    static const std::regex exportList(R"(^[ \t]*export[ \t]*\{)", std::regex::multiline);
    static const std::regex moduleObject(R"(\bmodule\.exports[ \t]*=[ \t]*\{)");
    for (const auto *re : {&exportList, &moduleObject}) {
        for (auto it = std::sregex_iterator(text.begin(), text.end(), *re);
             it != std::sregex_iterator(); ++it) {
            size_t open = static_cast<size_t>(it->position(0) + it->length(0) - 1);
            if (auto at = findInBraces(text, open, name, re == &exportList))
                return at;
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<std::string> definedFunctions(const std::string &file, RuntimeFamily family) {
    std::vector<std::string> names;
    auto text = readFile(file);
    if (!text)
        return names;
    const std::regex pattern =
        family == RuntimeFamily::Python
            ? std::regex(R"(^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\()",
                         std::regex::multiline)
            : std::regex(
                  R"((?:\bexports\.([A-Za-z_$][\w$]*)[ \t]*=)|(?:^[ \t]*export[ \t]+(?:async[ \t]+)?(?:function\*?|const|let|var)[ \t]+([A-Za-z_$][\w$]*)))",
                  std::regex::multiline);
    for (auto it = std::sregex_iterator(text->begin(), text->end(), pattern);
         it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
        if (!name.empty() && name.front() != '_' &&
            std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    }
    return names;
}

std::optional<HandlerReference> parseHandler(const std::string &handler, RuntimeFamily family) {
    if (handler.empty())
        return std::nullopt;
    HandlerReference ref;
    const size_t slash = handler.rfind('/');
    const size_t base = slash == std::string::npos ? 0 : slash + 1;
    if (family == RuntimeFamily::Node) {
        // Node: the module ends at the first dot of the last path segment; the rest may
        // name a nested property (module.a.b), of which the first is the export.
        const size_t dot = handler.find('.', base);
        if (dot == std::string::npos || dot + 1 >= handler.size() || dot == base)
            return std::nullopt;
        ref.modulePath = handler.substr(0, dot);
        const std::string rest = handler.substr(dot + 1);
        ref.function = rest.substr(0, rest.find('.'));
    } else {
        // Python: module and function split at the last dot; dots in the module are packages.
        const size_t dot = handler.rfind('.');
        if (dot == std::string::npos || dot < base || dot + 1 >= handler.size() || dot == base)
            return std::nullopt;
        ref.modulePath = handler.substr(0, dot);
        ref.function = handler.substr(dot + 1);
        for (size_t i = base; i < ref.modulePath.size(); ++i) {
            if (ref.modulePath[i] == '.')
                ref.modulePath[i] = '/';
        }
    }
    if (ref.function.empty() || ref.modulePath.empty() || ref.modulePath.front() == '/')
        return std::nullopt;
    return ref;
}

std::vector<std::string> moduleCandidates(const HandlerReference &ref, RuntimeFamily family) {
    if (family == RuntimeFamily::Python)
        return {ref.modulePath + ".py", ref.modulePath + "/__init__.py"};
    if (family == RuntimeFamily::Node)
        return {ref.modulePath + ".js", ref.modulePath + ".mjs", ref.modulePath + ".cjs"};
    return {};
}

HandlerLookup locateHandler(const std::string &projectDir, const std::string &handler,
                            RuntimeFamily family) {
    HandlerLookup lookup;
    auto ref = parseHandler(handler, family);
    if (!ref) {
        lookup.error = "handler '" + handler + "' is not of the form module.function (e.g. " +
                       (family == RuntimeFamily::Node ? "'src/handler.main')" : "'handler.main')");
        return lookup;
    }
    const auto candidates = moduleCandidates(*ref, family);
    for (const auto &candidate : candidates) {
        fs::path path = fs::path(projectDir) / candidate;
        std::error_code ec;
        if (!fs::is_regular_file(path, ec))
            continue;
        auto text = readFile(path.string());
        if (!text) {
            lookup.error = "cannot read handler module '" + candidate + "'";
            return lookup;
        }
        auto at = family == RuntimeFamily::Python ? findPythonDefinition(*text, ref->function)
                                                  : findNodeDefinition(*text, ref->function);
        if (!at) {
            lookup.error =
                "'" + candidate + "' does not define '" + ref->function + "'" +
                (family == RuntimeFamily::Python
                     ? " (expected a top-level 'def " + ref->function + "(event, context):')"
                     : " (expected 'exports." + ref->function + " = ...' or 'export function " +
                           ref->function + "')");
            return lookup;
        }
        lookup.definition = definitionAt(fs::weakly_canonical(path).string(), *text, *at);
        return lookup;
    }
    std::string tried;
    for (size_t i = 0; i < candidates.size(); ++i)
        tried += (i ? ", " : "") + candidates[i];
    lookup.error = "handler module for '" + handler + "' not found (looked for " + tried +
                   " in the project folder)";
    return lookup;
}

} // namespace nimbus::manifest
