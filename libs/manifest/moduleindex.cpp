#include "nimbus/manifest/moduleindex.h"

#include "nimbus/manifest/textfile.h"

#include <filesystem>
#include <map>
#include <mutex>

namespace fs = std::filesystem;

namespace nimbus::manifest {

namespace {

bool identStart(char c, bool node) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (node && c == '$');
}
bool identChar(char c, bool node) {
    return identStart(c, node) || (c >= '0' && c <= '9');
}

// A cursor over one line of source.
struct Scanner {
    std::string_view line;
    std::size_t at = 0;
    bool node = false;

    bool done() const { return at >= line.size(); }
    char peek(std::size_t ahead = 0) const {
        return at + ahead < line.size() ? line[at + ahead] : '\0';
    }
    std::size_t skipSpace() {
        const std::size_t from = at;
        while (!done() && (line[at] == ' ' || line[at] == '\t'))
            ++at;
        return at - from;
    }
    // Consumes `word` when it is there as a whole word.
    bool word(std::string_view w) {
        if (line.substr(at, w.size()) != w || identChar(peek(w.size()), node))
            return false;
        at += w.size();
        return true;
    }
    bool literal(std::string_view w) {
        if (line.substr(at, w.size()) != w)
            return false;
        at += w.size();
        return true;
    }
    // An identifier at the cursor; empty when there is none.
    std::string_view identifier() {
        if (done() || !identStart(line[at], node))
            return {};
        const std::size_t from = at;
        while (!done() && identChar(line[at], node))
            ++at;
        return line.substr(from, at - from);
    }
};

std::string trimmedSignature(std::string_view line) {
    while (!line.empty() &&
           (line.back() == '\r' || line.back() == ' ' || line.back() == '{' || line.back() == '\t'))
        line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string() : std::string(line.substr(first));
}

class Builder {
public:
    explicit Builder(ModuleIndex &index)
        : m_index(index) {}
    void add(std::string_view name, int line, std::size_t column, std::string_view lineText,
             bool callable) {
        if (name.empty())
            return;
        m_index.first.emplace(std::string(name), m_index.names.size());
        m_index.names.push_back({std::string(name), line, static_cast<int>(column),
                                 trimmedSignature(lineText), callable});
    }
    void reexport(std::string path) {
        if (!path.empty() && path.front() == '.')
            m_index.reexports.push_back(std::move(path));
    }

private:
    ModuleIndex &m_index;
};

void parsePythonLine(Builder &out, std::string_view text, int lineNo) {
    // Only top-level statements define a module's names; only functions are offered as
    // handlers (an assigned or imported name may be any value).
    if (text.empty() || text[0] == ' ' || text[0] == '\t' || text[0] == '#')
        return;
    Scanner s{text};
    if (s.word("async"))
        s.skipSpace();
    if (s.word("def")) {
        s.skipSpace();
        const std::size_t column = s.at;
        const auto name = s.identifier();
        s.skipSpace();
        if (s.peek() == '(')
            out.add(name, lineNo, column, text, true);
        return;
    }
    if (s.at != 0)
        return; // "async" not followed by def
    if (s.word("class")) {
        s.skipSpace();
        const std::size_t column = s.at;
        out.add(s.identifier(), lineNo, column, text, false);
        return;
    }
    if (s.word("from")) {
        // from module import a, b as c, (d, e)
        const std::size_t importAt = text.find(" import ");
        if (importAt == std::string_view::npos)
            return;
        s.at = importAt + 8;
        for (;;) {
            s.skipSpace();
            s.literal("(");
            s.skipSpace();
            std::size_t column = s.at;
            auto name = s.identifier();
            if (name.empty())
                return;
            s.skipSpace();
            if (s.word("as")) {
                s.skipSpace();
                column = s.at;
                name = s.identifier();
            }
            out.add(name, lineNo, column, text, false);
            s.skipSpace();
            if (!s.literal(","))
                return;
        }
    }
    if (s.word("import")) {
        // import a.b as c
        for (;;) {
            s.skipSpace();
            while (!s.done() && (identChar(s.peek(), false) || s.peek() == '.'))
                ++s.at;
            s.skipSpace();
            if (s.word("as")) {
                s.skipSpace();
                const std::size_t column = s.at;
                out.add(s.identifier(), lineNo, column, text, false);
                s.skipSpace();
            }
            if (!s.literal(","))
                return;
        }
    }
    // name = value   or   name: annotation = value
    const std::size_t column = s.at;
    const auto name = s.identifier();
    if (name.empty())
        return;
    s.skipSpace();
    if (s.peek() == ':') {
        const std::size_t eq = text.find('=', s.at);
        if (eq == std::string_view::npos)
            return;
        s.at = eq;
    }
    if (s.peek() == '=' && s.peek(1) != '=')
        out.add(name, lineNo, column, text, false);
}

// The names listed in a brace block that starts at `open` (the '{'): an export list
// ("a, b as c") or the keys of an object literal ("a, b: v, c() {}, async d() {}").
void parseBraceNames(Builder &out, const std::vector<std::string_view> &lines, int lineNo,
                     std::size_t open, bool exportList) {
    int depth = 0;
    bool expectName = false;
    for (int l = lineNo; l < static_cast<int>(lines.size()); ++l) {
        const std::string_view text = lines[static_cast<std::size_t>(l)];
        Scanner s{text, l == lineNo ? open : 0, true};
        while (!s.done()) {
            const char c = s.peek();
            if (c == '/' && s.peek(1) == '/')
                break;
            if (c == '\'' || c == '"' || c == '`') {
                ++s.at;
                while (!s.done() && s.peek() != c)
                    s.at += s.peek() == '\\' ? 2 : 1;
                ++s.at;
                expectName = false;
                continue;
            }
            if (c == '{' || c == '(' || c == '[') {
                ++depth;
                ++s.at;
                expectName = depth == 1;
                continue;
            }
            if (c == '}' || c == ')' || c == ']') {
                if (--depth == 0)
                    return;
                ++s.at;
                continue;
            }
            if (depth == 1 && c == ',') {
                expectName = true;
                ++s.at;
                continue;
            }
            if (depth == 1 && expectName && identStart(c, true)) {
                expectName = false;
                std::size_t column = s.at;
                auto name = s.identifier();
                s.skipSpace();
                if (exportList) {
                    if (s.word("as")) {
                        s.skipSpace();
                        column = s.at;
                        name = s.identifier();
                    }
                    out.add(name, l, column, text, true);
                    continue;
                }
                if (name == "async" && identStart(s.peek(), true)) {
                    column = s.at;
                    name = s.identifier();
                    s.skipSpace();
                }
                const char next = s.peek();
                if (next == ',' || next == ':' || next == '(' || next == '}' || s.done())
                    out.add(name, l, column, text, true);
                continue;
            }
            if (c != ' ' && c != '\t')
                expectName = false;
            ++s.at;
        }
    }
}

// The quoted string after the scanner's position, as in require('./x') or from "./x".
std::string quotedAfter(Scanner &s) {
    while (!s.done() && s.peek() != '\'' && s.peek() != '"')
        ++s.at;
    if (s.done())
        return {};
    const char quote = s.peek();
    const std::size_t start = ++s.at;
    while (!s.done() && s.peek() != quote)
        ++s.at;
    return std::string(s.line.substr(start, s.at - start));
}

void parseNodeLine(Builder &out, const std::vector<std::string_view> &lines, int lineNo) {
    const std::string_view text = lines[static_cast<std::size_t>(lineNo)];
    // exports.name = ... / module.exports.name = ... / exports['name'] = ...
    for (std::size_t at = text.find("exports"); at != std::string_view::npos;
         at = text.find("exports", at + 7)) {
        if (at > 0 && identChar(text[at - 1], true))
            continue;
        Scanner s{text, at + 7, true};
        std::size_t column = 0;
        std::string_view name;
        if (s.literal(".")) {
            column = s.at;
            name = s.identifier();
        } else if (s.literal("[")) {
            const char quote = s.peek();
            if (quote != '\'' && quote != '"')
                continue;
            ++s.at;
            column = s.at;
            name = s.identifier();
            if (!s.literal(std::string_view(&quote, 1)) || !s.literal("]"))
                continue;
        } else {
            // module.exports = { ... } / module.exports = require('./other')
            s.skipSpace();
            if (s.peek() == '=' && s.peek(1) != '=') {
                ++s.at;
                s.skipSpace();
                if (s.peek() == '{')
                    parseBraceNames(out, lines, lineNo, s.at, false);
                else if (s.word("require") || s.literal("require"))
                    out.reexport(quotedAfter(s));
            }
            continue;
        }
        s.skipSpace();
        if (s.peek() == '=' && s.peek(1) != '=')
            out.add(name, lineNo, column, text, true);
    }
    Scanner s{text, 0, true};
    s.skipSpace();
    if (!s.word("export"))
        return;
    s.skipSpace();
    if (s.peek() == '{') {
        parseBraceNames(out, lines, lineNo, s.at, true);
        return;
    }
    if (s.literal("*")) { // export * from './other'
        s.skipSpace();
        if (s.word("from"))
            out.reexport(quotedAfter(s));
        return;
    }
    if (s.word("default")) { // export default async function main() {...} / export default x
        out.add("default", lineNo, s.at - 7, text, true);
        return;
    }
    if (s.word("async"))
        s.skipSpace();
    if (s.word("function") || s.literal("function*")) {
        s.literal("*");
        s.skipSpace();
        const std::size_t column = s.at;
        out.add(s.identifier(), lineNo, column, text, true);
        return;
    }
    for (std::string_view keyword : {"const", "let", "var", "class"}) {
        if (s.word(keyword)) {
            s.skipSpace();
            const std::size_t column = s.at;
            out.add(s.identifier(), lineNo, column, text, keyword != "class");
            return;
        }
    }
}

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find('\n', start);
        std::string_view line = text.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos)
            return lines;
        start = end + 1;
    }
}

} // namespace

ModuleIndex ModuleIndex::parse(std::string_view text, RuntimeFamily family) {
    ModuleIndex index;
    Builder out(index);
    const auto lines = splitLines(text);
    for (int l = 0; l < static_cast<int>(lines.size()); ++l) {
        if (family == RuntimeFamily::Python)
            parsePythonLine(out, lines[static_cast<std::size_t>(l)], l);
        else if (family == RuntimeFamily::Node)
            parseNodeLine(out, lines, l);
    }
    return index;
}

const ModuleIndex::Name *ModuleIndex::find(const std::string &name) const {
    const auto it = first.find(name);
    return it == first.end() ? nullptr : &names[it->second];
}

std::shared_ptr<const ModuleIndex> ModuleIndex::ofFile(const std::string &path,
                                                       RuntimeFamily family) {
    struct Cached {
        fs::file_time_type modified;
        std::uintmax_t size = 0;
        std::shared_ptr<const ModuleIndex> index;
    };
    static std::mutex mutex;
    static std::map<std::pair<std::string, RuntimeFamily>, Cached> cache;

    std::error_code ec;
    const auto modified = fs::last_write_time(path, ec);
    const auto size = ec ? 0 : fs::file_size(path, ec);
    if (ec)
        return nullptr;
    const auto key = std::make_pair(path, family);
    {
        std::lock_guard lock(mutex);
        const auto it = cache.find(key);
        if (it != cache.end() && it->second.modified == modified && it->second.size == size)
            return it->second.index;
    }
    const auto text = readTextFile(path);
    if (!text)
        return nullptr;
    auto index = std::make_shared<const ModuleIndex>(parse(*text, family));
    std::lock_guard lock(mutex);
    if (cache.size() >= 512)
        cache.clear(); // a long session over many projects: start again rather than grow
    cache[key] = {modified, size, index};
    return index;
}

} // namespace nimbus::manifest
