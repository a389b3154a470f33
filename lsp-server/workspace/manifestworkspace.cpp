#include "manifestworkspace.h"

#include "cursorcontext.h"
#include "dependencies/functiondependencies.h"
#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/manifest/textfile.h"
#include "nimbus/manifest/yamltree.h"
#include "simulator/invoker.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::lsp {

using manifest::YamlEntry;
using manifest::YamlNode;
using json = nlohmann::ordered_json;

namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (;;) {
        const std::size_t nl = text.find('\n', start);
        std::string_view line =
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    return lines;
}

bool contains(const SourceRange &range, SourcePosition at) {
    return !(at < range.start) && !(range.end < at);
}

// The node under a position in a parsed document, and the path of keys leading to it.
struct NodeAt {
    std::vector<std::string> path;
    const YamlEntry *entry = nullptr; // the entry whose key or scalar value is under the cursor
    bool onKey = false;
    const YamlNode *value = nullptr; // the scalar under the cursor, when on a value
};

bool findAt(const YamlNode &node, SourcePosition at, NodeAt &out) {
    if (node.isMapping()) {
        for (const auto &entry : node.entries) {
            if (contains(entry.key.range, at)) {
                out.path.push_back(entry.key.scalar);
                out.entry = &entry;
                out.onKey = true;
                return true;
            }
            if (entry.value.isScalar() && contains(entry.value.range, at)) {
                out.path.push_back(entry.key.scalar);
                out.entry = &entry;
                out.value = &entry.value;
                return true;
            }
            if ((entry.value.isMapping() || entry.value.isSequence()) &&
                contains(entry.value.range, at)) {
                out.path.push_back(entry.key.scalar);
                if (findAt(entry.value, at, out))
                    return true;
                out.path.pop_back();
            }
        }
    } else if (node.isSequence()) {
        for (std::size_t i = 0; i < node.items.size(); ++i) {
            const YamlNode &item = node.items[i];
            if (item.isScalar() && contains(item.range, at)) {
                out.path.push_back(std::to_string(i));
                out.value = &item;
                return true;
            }
            if (contains(item.range, at) ||
                (item.isMapping() && !item.entries.empty() && item.range.start.line == at.line)) {
                out.path.push_back(std::to_string(i));
                if (findAt(item, at, out))
                    return true;
                out.path.pop_back();
            }
        }
    }
    return false;
}

const YamlNode *nodeAtPath(const YamlNode &root, const std::vector<std::string> &path) {
    const YamlNode *node = &root;
    for (const auto &step : path) {
        if (node->isMapping())
            node = node->find(step);
        else if (std::size_t index = 0;
                 node->isSequence() &&
                 std::from_chars(step.data(), step.data() + step.size(), index).ptr ==
                     step.data() + step.size() &&
                 !step.empty() && index < node->items.size())
            node = &node->items[index];
        else
            return nullptr;
        if (!node)
            return nullptr;
    }
    return node;
}

std::string schemaType(const json &schema) {
    if (schema.contains("type"))
        return schema["type"].is_string() ? schema["type"].get<std::string>()
                                          : schema["type"].dump();
    if (schema.contains("enum"))
        return "enum";
    if (schema.contains("anyOf"))
        return "string or mapping";
    return "";
}

// Markdown describing what the schema says about a key.
std::string describeSchema(const std::string &key, const json &schema) {
    std::string text = "**" + key + "**";
    const std::string type = schemaType(schema);
    if (!type.empty())
        text += " — " + type;
    text += "\n\n" + schema.value("description", std::string());
    if (schema.contains("enum")) {
        text += "\n\nAllowed: ";
        bool first = true;
        for (const auto &v : schema["enum"]) {
            text += (first ? "`" : ", `") + (v.is_string() ? v.get<std::string>() : v.dump()) + "`";
            first = false;
        }
    }
    if (schema.contains("minimum") || schema.contains("maximum"))
        text += "\n\nRange: " +
                (schema.contains("minimum") ? schema["minimum"].dump() : std::string("…")) +
                " to " + (schema.contains("maximum") ? schema["maximum"].dump() : std::string("…"));
    return text;
}

std::vector<json> enumValues(const manifest::ManifestSchema &schema, const json &node) {
    std::vector<json> values;
    const json &s = schema.resolve(node);
    if (s.contains("enum"))
        values.insert(values.end(), s["enum"].begin(), s["enum"].end());
    if (s.value("type", json()) == "boolean")
        values.insert(values.end(), {json(true), json(false)});
    for (const char *combinator : {"anyOf", "oneOf"}) {
        if (s.contains(combinator)) {
            for (const auto &branch : s[combinator]) {
                auto more = enumValues(schema, branch);
                values.insert(values.end(), more.begin(), more.end());
            }
        }
    }
    return values;
}

std::string projectDirOf(const std::string &manifestPath) {
    const std::string dir = fs::path(manifestPath).parent_path().string();
    return dir.empty() ? "." : dir;
}

manifest::LoadResult loadLenient(std::string_view text, const std::string &path) {
    manifest::LoadOptions options;
    options.checkHandlers = false;
    options.environment = [](const std::string &name) -> std::optional<std::string> {
        if (const char *v = std::getenv(name.c_str()))
            return std::string(v);
        return std::nullopt;
    };
    return manifest::ManifestLoader(options).loadText(text, path);
}

// The runtime family a function at `path` (functions.NAME...) runs with.
manifest::RuntimeFamily familyAt(const manifest::LoadResult &loaded,
                                 const std::vector<std::string> &path) {
    if (loaded.manifest && path.size() >= 2 && path[0] == "functions") {
        if (const auto *fn = loaded.manifest->function(path[1]))
            return manifest::runtimeFamily(fn->runtime.value);
    }
    return loaded.manifest ? manifest::runtimeFamily(loaded.manifest->provider.runtime)
                           : manifest::RuntimeFamily::Unknown;
}

std::vector<std::string> sourceModules(const std::string &projectDir,
                                       manifest::RuntimeFamily family) {
    std::vector<std::string> modules;
    std::error_code ec;
    fs::recursive_directory_iterator it(projectDir, fs::directory_options::skip_permission_denied,
                                        ec),
        end;
    for (; !ec && it != end; it.increment(ec)) {
        const fs::path &p = it->path();
        const std::string name = p.filename().string();
        if (it->is_directory(ec)) {
            if (name.starts_with('.') || name == "node_modules" || name == "__pycache__" ||
                it.depth() >= 4)
                it.disable_recursion_pending();
            continue;
        }
        const std::string ext = p.extension().string();
        const bool python = ext == ".py" && family != manifest::RuntimeFamily::Node;
        const bool node = (ext == ".js" || ext == ".mjs" || ext == ".cjs") &&
                          family != manifest::RuntimeFamily::Python;
        if (!python && !node)
            continue;
        std::string module = fs::relative(p, projectDir, ec).replace_extension().generic_string();
        if (module.ends_with("/__init__"))
            module.resize(module.size() - 9);
        if (std::find(modules.begin(), modules.end(), module) == modules.end())
            modules.push_back(module);
    }
    std::sort(modules.begin(), modules.end());
    return modules;
}

void collectPaths(const YamlNode &node, const std::string &prefix, int depth,
                  std::vector<std::string> &out) {
    if (depth > 4 || !node.isMapping())
        return;
    for (const auto &entry : node.entries) {
        const std::string path =
            prefix.empty() ? entry.key.scalar : prefix + "." + entry.key.scalar;
        out.push_back(path);
        collectPaths(entry.value, path, depth + 1, out);
    }
}

} // namespace

manifest::LoadResult ManifestWorkspace::check(std::string_view text, const std::string &path,
                                              manifest::IncrementalLoad *state) const {
    const manifest::ManifestLoader loader;
    return state ? loader.loadText(text, path, *state) : loader.loadText(text, path);
}

namespace {

// In a function's mapping, the key that names its code decides its kind, and keys of the
// other kinds would only earn a diagnostic: an event function takes no `path`, http
// functions and services take no `events`, and a function has one code key.
std::set<std::string> keysExcludedByKind(const std::vector<std::string> &path,
                                         const std::vector<std::string> &present) {
    std::set<std::string> excluded;
    if (path.size() != 2 || path[0] != "functions")
        return excluded;
    static const std::vector<std::string> codeKeys{"handler", "httpHandler", "httpService",
                                                   "image"};
    auto has = [&](const std::string &key) {
        return std::find(present.begin(), present.end(), key) != present.end();
    };
    const auto code = std::find_if(codeKeys.begin(), codeKeys.end(), has);
    if (code == codeKeys.end())
        return excluded;
    for (const auto &key : codeKeys)
        if (key != *code)
            excluded.insert(key);
    if (*code == "handler" || *code == "image")
        excluded.insert("path");
    else
        excluded.insert("events");
    return excluded;
}

// The schema with the keys of the plugins the document lists. Completion runs on every
// keystroke of documents that are often unfinished, so the plugins block is read from the
// lines (`plugins:` then its `- name` items, or `plugins: [a, b]`), not by parsing it all.
std::shared_ptr<const manifest::ManifestSchema>
schemaFor(const std::vector<std::string_view> &lines) {
    // SCF's formats have schemas of their own (and no plugins), told apart as dialectOf
    // tells them: component:, provider.name tencent, TencentCloud::Serverless:: types.
    auto dialectSchema = [](manifest::Dialect dialect) {
        return std::shared_ptr<const manifest::ManifestSchema>(
            std::shared_ptr<const manifest::ManifestSchema>(),
            &manifest::ManifestSchema::forDialect(dialect));
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with("component:"))
            return dialectSchema(manifest::Dialect::ScfComponent);
        if (lines[i].find("TencentCloud::Serverless::") != std::string_view::npos)
            return dialectSchema(manifest::Dialect::ScfTemplate);
        if (!lines[i].starts_with("provider:"))
            continue;
        for (std::size_t j = i + 1; j < lines.size() && lines[j].starts_with(" "); ++j) {
            std::string_view line = lines[j];
            line.remove_prefix(line.find_first_not_of(' '));
            if (line.starts_with("name:") &&
                line.substr(5).find("tencent") != std::string_view::npos)
                return dialectSchema(manifest::Dialect::ScfPlugin);
        }
    }
    manifest::YamlNode root;
    root.kind = manifest::YamlNode::Kind::Mapping;
    manifest::YamlNode list;
    list.kind = manifest::YamlNode::Kind::Sequence;
    auto add = [&](std::string_view name) {
        while (!name.empty() &&
               (name.front() == ' ' || name.front() == '\'' || name.front() == '"'))
            name.remove_prefix(1);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\'' || name.back() == '"' ||
                                 name.back() == '\r'))
            name.remove_suffix(1);
        if (!name.empty())
            list.items.push_back(manifest::YamlNode::makeScalar(
                std::string(name), manifest::YamlNode::Style::Plain, {}));
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!lines[i].starts_with("plugins:"))
            continue;
        std::string_view rest = lines[i].substr(8);
        if (const auto open = rest.find('['); open != std::string_view::npos) {
            rest = rest.substr(open + 1, rest.find(']') == std::string_view::npos
                                             ? std::string_view::npos
                                             : rest.find(']') - open - 1);
            for (std::size_t comma; (comma = rest.find(',')) != std::string_view::npos;
                 rest.remove_prefix(comma + 1))
                add(rest.substr(0, comma));
            add(rest);
        }
        for (std::size_t j = i + 1;
             j < lines.size() && !lines[j].empty() &&
             (lines[j][0] == ' ' || lines[j][0] == '-' || lines[j][0] == '#');
             ++j) {
            std::string_view item = lines[j];
            const auto dash = item.find_first_not_of(' ');
            if (dash != std::string_view::npos && item.substr(dash).starts_with("- "))
                add(item.substr(dash + 2, item.find(" #") == std::string_view::npos
                                              ? std::string_view::npos
                                              : item.find(" #") - dash - 2));
        }
        break;
    }
    if (list.items.empty())
        return {std::shared_ptr<const manifest::ManifestSchema>(),
                &manifest::ManifestSchema::builtin()};
    root.entries.push_back(
        {manifest::YamlNode::makeScalar("plugins", manifest::YamlNode::Style::Plain, {}),
         std::move(list)});
    return manifest::ManifestSchema::forManifest(root);
}

} // namespace

std::vector<CompletionItem> ManifestWorkspace::complete(std::string_view text,
                                                        const std::string &path,
                                                        SourcePosition at) const {
    std::vector<CompletionItem> items;
    const auto lines = splitLines(text);
    const CursorContext ctx = cursorContext(lines, at.line, at.column);
    const auto schemaHolder = schemaFor(lines);
    const auto &schema = *schemaHolder;
    const SourceRange replace{{at.line, ctx.wordStartByte}, at};

    if (ctx.kind == CursorContext::Kind::Key) {
        const json *s = schema.schemaAt(ctx.path);
        if (!s)
            return items;
        if (ctx.path == std::vector<std::string>{"functions"}) {
            items.push_back({"event function", CompletionItem::Kind::Snippet, "handler + events",
                             "A function invoked directly or by its events.",
                             "${1:name}:\n  handler: ${2:handler.main}\n  events:\n    - httpApi: "
                             "${3:GET} ${4:/path}",
                             true, replace});
            items.push_back(
                {"http function", CompletionItem::Kind::Snippet, "httpHandler + path",
                 "A function that takes an HTTP request and returns a response, at its own URL.",
                 "${1:name}:\n  httpHandler: ${2:main.handler}\n  path: /${3:name}", true,
                 replace});
            items.push_back({"http service", CompletionItem::Kind::Snippet, "httpService",
                             "A web server on $PORT, started and scaled by the gateway.",
                             "${1:name}:\n  httpService:\n    command: ${2:python3 app.py}\n    "
                             "readinessPath: ${3:/healthz}\n  path: /${4:name}",
                             true, replace});
            return items;
        }
        const bool eventItem = ctx.path.size() >= 2 && ctx.path.back() == "0" &&
                               ctx.path[ctx.path.size() - 2] == "events";
        const auto present = siblingKeys(lines, at.line, ctx.indent);
        // A value written as a word or a mapping (an event) offers the mapping's keys.
        const json &resolved = schema.formOf(*s, "object");
        const auto excluded = keysExcludedByKind(ctx.path, present);
        for (const auto &name : schema.propertyNames(*s)) {
            if (std::find(present.begin(), present.end(), name) != present.end() ||
                excluded.count(name) || (eventItem && !present.empty()))
                continue;
            json property;
            if (resolved.contains("properties") && resolved["properties"].contains(name))
                property = schema.resolve(resolved["properties"][name]);
            CompletionItem item{name,
                                CompletionItem::Kind::Property,
                                schemaType(property),
                                property.is_object() ? property.value("description", std::string())
                                                     : std::string(),
                                name + ": ",
                                false,
                                replace};
            if (eventItem) {
                static const std::map<std::string, std::string> snippets{
                    {"httpApi", "httpApi: ${1|GET,POST,PUT,PATCH,DELETE,ANY|} ${2:/path}"},
                    {"http", "http:\n    method: ${1|get,post,put,patch,delete,any|}\n    path: "
                             "${2:/path}"},
                    {"schedule", "schedule: ${1:rate(5 minutes)}"},
                    {"sqs", "sqs: ${1:arn:aws:sqs:us-east-1:000000000000:queue}"},
                    {"s3", "s3: ${1:bucket}"}};
                if (auto it = snippets.find(name); it != snippets.end()) {
                    item.insertText = it->second;
                    item.snippet = true;
                }
            }
            items.push_back(item);
        }
        return items;
    }

    if (ctx.kind != CursorContext::Kind::Value)
        return items;
    // ${self: paths
    if (const auto open = ctx.word.rfind("${self:");
        open != std::string::npos && ctx.word.find('}', open) == std::string::npos) {
        const auto parsed = manifest::parseYaml(text, path);
        std::vector<std::string> paths;
        collectPaths(parsed.root, "", 0, paths);
        const int start = ctx.wordStartByte + static_cast<int>(open) + 7;
        for (const auto &p : paths)
            items.push_back({p,
                             CompletionItem::Kind::Variable,
                             "${self:" + p + "}",
                             "",
                             p + "}",
                             false,
                             {{at.line, start}, at}});
        return items;
    }
    const std::string key = ctx.path.empty() ? "" : ctx.path.back();
    if (key == "handler" || key == "httpHandler") {
        const auto loaded = loadLenient(text, path);
        const auto family = familyAt(loaded, ctx.path);
        const std::string projectDir = projectDirOf(path);
        if (const auto dot = ctx.word.rfind('.');
            dot != std::string::npos && ctx.word.find('/', dot) == std::string::npos) {
            const std::string module = ctx.word.substr(0, dot);
            for (const auto f : {manifest::RuntimeFamily::Python, manifest::RuntimeFamily::Node}) {
                if (family != manifest::RuntimeFamily::Unknown && family != f)
                    continue;
                for (const auto &file : manifest::moduleCandidates({module, "x"}, f)) {
                    for (const auto &fn :
                         manifest::definedFunctions((fs::path(projectDir) / file).string(), f))
                        items.push_back({module + "." + fn, CompletionItem::Kind::Function, file,
                                         "", module + "." + fn, false, replace});
                }
            }
            return items;
        }
        for (const auto &module : sourceModules(projectDir, family))
            items.push_back(
                {module, CompletionItem::Kind::Module, "module", "", module + ".", false, replace});
        return items;
    }
    if (const json *s = schema.schemaAt(ctx.path)) {
        for (const auto &value : enumValues(schema, *s)) {
            const std::string label = value.is_string() ? value.get<std::string>() : value.dump();
            items.push_back(
                {label, CompletionItem::Kind::Value, ctx.path.back(), "", label, false, replace});
        }
    }
    return items;
}

std::optional<HoverInfo> ManifestWorkspace::hover(std::string_view text, const std::string &path,
                                                  SourcePosition at) const {
    const auto parsed = manifest::parseYaml(text, path);
    NodeAt found;
    if (!(parsed.ok || parsed.recovered) || !findAt(parsed.root, at, found) || !found.entry)
        return std::nullopt;
    const auto schemaHolder = manifest::ManifestSchema::forManifest(parsed.root);
    const auto &schema = *schemaHolder;
    const std::string key = found.entry->key.scalar;
    if (found.onKey) {
        const json *s = schema.schemaAt(found.path);
        if (!s)
            return std::nullopt;
        return HoverInfo{describeSchema(key, *s), found.entry->key.range};
    }
    const YamlNode &value = *found.value;
    if (value.scalar.find("${") != std::string::npos) {
        const auto loaded = loadLenient(text, path);
        const YamlNode *resolved =
            loaded.manifest ? nodeAtPath(loaded.manifest->tree, found.path) : nullptr;
        if (!resolved || (resolved->isScalar() && resolved->scalar.find("${") != std::string::npos))
            return HoverInfo{"`" + value.scalar + "` does not resolve", value.range};
        std::string shown = resolved->isScalar()
                                ? resolved->scalar
                                : (resolved->isMapping() ? "(a mapping)" : "(a list)");
        return HoverInfo{"`" + value.scalar + "` → `" + shown + "`", value.range};
    }
    if (key == "handler" || key == "httpHandler") {
        const auto loaded = loadLenient(text, path);
        const auto family = familyAt(loaded, found.path);
        const auto lookup = manifest::locateHandler(projectDirOf(path), value.scalar, family);
        if (!lookup.definition)
            return HoverInfo{lookup.error, value.range};
        const auto &def = *lookup.definition;
        const std::string language =
            family == manifest::RuntimeFamily::Python ? "python" : "javascript";
        return HoverInfo{"```" + language + "\n" + def.signature + "\n```\n\n" +
                             fs::relative(def.file, fs::canonical(projectDirOf(path))).string() +
                             ":" + std::to_string(def.line + 1),
                         value.range};
    }
    if (const json *s = schema.schemaAt(found.path))
        return HoverInfo{describeSchema(key, *s), value.range};
    return std::nullopt;
}

std::optional<FileLocation> ManifestWorkspace::definition(std::string_view text,
                                                          const std::string &path,
                                                          SourcePosition at) const {
    const auto parsed = manifest::parseYaml(text, path);
    NodeAt found;
    if (!(parsed.ok || parsed.recovered) || !findAt(parsed.root, at, found) || !found.value)
        return std::nullopt;
    const YamlNode &value = *found.value;
    const int quote = value.style == YamlNode::Style::Quoted ? 1 : 0;
    // ${self:a.b} under the cursor jumps to the key it names.
    for (std::size_t pos = value.scalar.find("${self:"); pos != std::string::npos;
         pos = value.scalar.find("${self:", pos + 1)) {
        const std::size_t close = value.scalar.find('}', pos);
        const int startCol = value.range.start.column + quote + static_cast<int>(pos);
        const int endCol =
            value.range.start.column + quote +
            static_cast<int>(close == std::string::npos ? value.scalar.size() : close + 1);
        if (value.range.start.line != at.line || at.column < startCol || at.column > endCol)
            continue;
        std::string reference = value.scalar.substr(
            pos + 7, (close == std::string::npos ? value.scalar.size() : close) - pos - 7);
        reference = reference.substr(0, reference.find(','));
        std::vector<std::string> steps;
        std::stringstream parts(reference);
        for (std::string step; std::getline(parts, step, '.');)
            steps.push_back(step);
        if (steps.empty())
            return std::nullopt;
        const std::string last = steps.back();
        steps.pop_back();
        const YamlNode *parent = nodeAtPath(parsed.root, steps);
        if (!parent)
            return std::nullopt;
        if (const YamlEntry *entry = parent->findEntry(last))
            return FileLocation{path, entry->key.range};
        return std::nullopt;
    }
    const std::string key = found.entry ? found.entry->key.scalar : "";
    if (key == "handler" || key == "httpHandler") {
        const auto loaded = loadLenient(text, path);
        const auto lookup =
            manifest::locateHandler(projectDirOf(path), value.scalar, familyAt(loaded, found.path));
        if (!lookup.definition)
            return std::nullopt;
        const auto &def = *lookup.definition;
        const auto ref = manifest::parseHandler(value.scalar, familyAt(loaded, found.path));
        const int length = ref ? static_cast<int>(ref->function.size()) : 0;
        return FileLocation{def.file, {{def.line, def.column}, {def.line, def.column + length}}};
    }
    return std::nullopt;
}

std::optional<SourceRange> ManifestWorkspace::wordAt(std::string_view text,
                                                    SourcePosition at) const {
    const auto lines = splitLines(text);
    if (at.line < 0 || at.line >= static_cast<int>(lines.size()))
        return std::nullopt;
    const std::string_view line = lines[static_cast<std::size_t>(at.line)];
    auto isWord = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
    };
    int begin = std::clamp<int>(at.column, 0, static_cast<int>(line.size()));
    int end = begin;
    while (begin > 0 && isWord(line[static_cast<std::size_t>(begin) - 1]))
        --begin;
    while (end < static_cast<int>(line.size()) && isWord(line[static_cast<std::size_t>(end)]))
        ++end;
    if (begin == end)
        return std::nullopt;
    return SourceRange{{at.line, begin}, {at.line, end}};
}

std::vector<FileLocation>
ManifestWorkspace::references(const std::string &sourcePath, std::string_view sourceText,
                              SourcePosition at,
                              const std::map<std::string, std::string> &openManifests) const {
    std::vector<FileLocation> locations;
    const auto range = wordAt(sourceText, at);
    if (!range)
        return locations;
    const std::string word(splitLines(sourceText)[static_cast<std::size_t>(at.line)].substr(
        static_cast<std::size_t>(range->start.column),
        static_cast<std::size_t>(range->end.column - range->start.column)));
    // The project is the nearest folder above the source file that has a manifest.
    std::error_code ec;
    const fs::path source = fs::weakly_canonical(sourcePath, ec);
    for (fs::path dir = source.parent_path(); !dir.empty(); dir = dir.parent_path()) {
        // A manifest open in the editor counts, saved or not.
        std::optional<std::string> manifestPath;
        for (const char *name : {"serverless.yml", "serverless.yaml", "template.yaml"}) {
            if (!manifestPath && openManifests.count((dir / name).string()))
                manifestPath = (dir / name).string();
        }
        if (!manifestPath)
            manifestPath = manifest::ManifestLoader::findManifestFile(dir.string());
        if (manifestPath) {
            auto open = openManifests.find(*manifestPath);
            const std::optional<std::string> text = open != openManifests.end()
                                                        ? std::optional(open->second)
                                                        : manifest::readTextFile(*manifestPath);
            if (!text)
                break;
            const auto loaded = loadLenient(*text, *manifestPath);
            if (!loaded.manifest)
                break;
            for (const auto &fn : loaded.manifest->functions) {
                const auto family = manifest::runtimeFamily(fn.runtime.value);
                const auto lookup = manifest::locateHandler(dir.string(), fn.handler.value, family);
                if (lookup.definition &&
                    fs::weakly_canonical(lookup.definition->file, ec) == source) {
                    const auto ref = manifest::parseHandler(fn.handler.value, family);
                    if (ref && ref->function == word)
                        locations.push_back({*manifestPath, fn.handler.range});
                }
            }
            break;
        }
        if (dir == dir.root_path())
            break;
    }
    return locations;
}

std::vector<DocumentSymbol> ManifestWorkspace::symbols(std::string_view text,
                                                       const std::string &path) const {
    std::vector<DocumentSymbol> result;
    const auto parsed = manifest::parseYaml(text, path);
    if (!(parsed.ok || parsed.recovered) || !parsed.root.isMapping())
        return result;
    for (const auto &entry : parsed.root.entries) {
        const std::string &key = entry.key.scalar;
        SourceRange whole{entry.key.range.start,
                          std::max(entry.key.range.end, entry.value.range.end)};
        if (key == "service") {
            result.push_back({entry.value.scalar.empty() ? "service" : entry.value.scalar,
                              "service",
                              2,
                              whole,
                              entry.key.range,
                              {}});
        } else if (key == "functions" && entry.value.isMapping()) {
            DocumentSymbol functions{"functions", "", 19, whole, entry.key.range, {}};
            for (const auto &fn : entry.value.entries) {
                DocumentSymbol symbol{
                    fn.key.scalar,
                    "",
                    12,
                    {fn.key.range.start, std::max(fn.key.range.end, fn.value.range.end)},
                    fn.key.range,
                    {}};
                if (const YamlNode *h = fn.value.find("handler"))
                    symbol.detail = h->scalar;
                else if (const YamlNode *hh = fn.value.find("httpHandler"))
                    symbol.detail = "http: " + hh->scalar;
                else if (fn.value.find("httpService"))
                    symbol.detail = "http service";
                if (const YamlNode *events = fn.value.find("events");
                    events && events->isSequence()) {
                    for (const auto &event : events->items) {
                        if (!event.isMapping() || event.entries.empty())
                            continue;
                        const auto &e = event.entries.front();
                        std::string name = e.key.scalar;
                        if (e.value.isScalar())
                            name += " " + e.value.scalar;
                        else if (const YamlNode *p = e.value.find("path"))
                            name += " " +
                                    (e.value.find("method") ? e.value.find("method")->scalar + " "
                                                            : std::string()) +
                                    p->scalar;
                        symbol.children.push_back({name, "", 24, event.range, e.key.range, {}});
                    }
                }
                functions.children.push_back(std::move(symbol));
            }
            result.push_back(std::move(functions));
        } else {
            result.push_back(
                {key, "", entry.value.isMapping() ? 19 : 7, whole, entry.key.range, {}});
        }
    }
    return result;
}

std::vector<std::pair<int, int>> ManifestWorkspace::foldingRanges(std::string_view text,
                                                                  const std::string &path) const {
    std::vector<std::pair<int, int>> ranges;
    const auto parsed = manifest::parseYaml(text, path);
    std::function<void(const YamlNode &)> walk = [&](const YamlNode &node) {
        for (const auto &entry : node.entries) {
            if ((entry.value.isMapping() || entry.value.isSequence()) &&
                entry.value.range.end.line > entry.key.range.start.line)
                ranges.emplace_back(entry.key.range.start.line, entry.value.range.end.line);
            walk(entry.value);
        }
        for (const auto &item : node.items) {
            if (item.isMapping() && item.range.end.line > item.range.start.line)
                ranges.emplace_back(item.range.start.line, item.range.end.line);
            walk(item);
        }
    };
    if (parsed.ok || parsed.recovered)
        walk(parsed.root);
    return ranges;
}

namespace {

// The interpreters the simulator would run functions with: their path enters a dependency
// set's key, so the language server finds the folder the simulator installs into.
sim::RuntimeLauncher &interpreters() {
    static sim::RuntimeLauncher launcher{""};
    return launcher;
}

std::function<std::string()> interpreterOf(sim::DependencySet::Ecosystem ecosystem) {
    return [ecosystem] {
        std::string error;
        return interpreters().resolveInterpreter(
            ecosystem == sim::DependencySet::Ecosystem::Python ? "python3" : "node", error);
    };
}

// "installed", "installing", "failed" or "not installed" (yet: the simulator installs a set
// when it starts, nimbus package when it packages).
std::string stateName(sim::DependencyState state) {
    return state == sim::DependencyState::None ? "not installed" : sim::describe(state);
}

json dependenciesJson(const sim::DependencySet &set, const std::string &projectDir) {
    const sim::DependencyStatus status = sim::statusOnDisk(set, projectDir);
    json out{{"file", status.file},
             {"tool", set.tool()},
             {"state", stateName(status.state)},
             {"folder", set.folder}};
    if (!status.message.empty())
        out["message"] = status.message;
    return out;
}

} // namespace

std::vector<CodeLens> ManifestWorkspace::codeLenses(std::string_view text,
                                                    const std::string &path) const {
    std::vector<CodeLens> lenses;
    const auto parsed = manifest::parseYaml(text, path);
    const YamlNode *functions =
        parsed.ok || parsed.recovered ? parsed.root.find("functions") : nullptr;
    if (!functions || !functions->isMapping())
        return lenses;
    const std::string projectDir = projectDirOf(path);
    const YamlNode *provider = parsed.root.find("provider");
    const YamlNode *defaultRuntime = provider ? provider->find("runtime") : nullptr;
    for (const auto &fn : functions->entries) {
        if (!fn.value.isMapping())
            continue;
        const json arguments = json::array({projectDir, fn.key.scalar});
        // nimbus-dap debugs Python and Node functions (not custom runtimes).
        const YamlNode *runtime = fn.value.find("runtime") ? fn.value.find("runtime") : defaultRuntime;
        const auto family = runtime && runtime->isScalar() ? manifest::runtimeFamily(runtime->scalar)
                                                           : manifest::RuntimeFamily::Python;
        const bool debuggable =
            family == manifest::RuntimeFamily::Python || family == manifest::RuntimeFamily::Node;
        if (fn.value.find("handler")) {
            lenses.push_back({fn.key.range, "▶ Invoke", "nimbus.invoke", arguments});
            if (debuggable)
                lenses.push_back({fn.key.range, "Debug", "nimbus.debug", arguments});
        } else if (fn.value.find("httpHandler") && debuggable) {
            // Reached over HTTP, not invoked with an event: debugging attaches, and every
            // request to its URL stops at the breakpoints. (A service is a server of its own.)
            lenses.push_back({fn.key.range, "Debug (attach)", "nimbus.debug", arguments});
        }
        // Where its third-party packages stand (requirements.txt, package.json).
        const YamlNode *handler =
            fn.value.find("handler") ? fn.value.find("handler") : fn.value.find("httpHandler");
        if (debuggable && handler && handler->isScalar()) {
            const auto ecosystem = family == manifest::RuntimeFamily::Python
                                       ? sim::DependencySet::Ecosystem::Python
                                       : sim::DependencySet::Ecosystem::Node;
            if (const auto set = sim::findDependencySet(projectDir, projectDir, handler->scalar,
                                                        ecosystem, interpreterOf(ecosystem))) {
                const auto status = sim::statusOnDisk(*set, projectDir);
                const char *what =
                    status.state == sim::DependencyState::Installed    ? "installed"
                    : status.state == sim::DependencyState::Installing ? "installing…"
                    : status.state == sim::DependencyState::Failed     ? "install failed"
                                                                       : "not installed yet";
                lenses.push_back(
                    {fn.key.range, status.file + ": " + what, "nimbus.dependencies", arguments});
            }
        }
    }
    return lenses;
}

nlohmann::json ManifestWorkspace::listFunctions(const std::string &projectDir) const {
    const auto loaded = manifest::ManifestLoader().loadProject(projectDir);
    if (!loaded.manifest)
        throw std::runtime_error(loaded.diagnostics.empty()
                                     ? "no manifest"
                                     : manifest::formatDiagnostic(loaded.diagnostics.front()));
    nlohmann::json list = nlohmann::json::array();
    for (const auto &fn : loaded.manifest->functions) {
        nlohmann::json routes = nlohmann::json::array();
        for (const auto &event : fn.events) {
            if (!event.path.empty())
                routes.push_back(
                    {{"type", event.type}, {"method", event.method}, {"path", event.path}});
        }
        if (fn.kind != manifest::FunctionKind::Event)
            routes.push_back({{"type", manifest::functionKindName(fn.kind)},
                              {"method", "ANY"},
                              {"path", fn.path}});
        // What an explorer shows under the function: one short line per event.
        nlohmann::json events = nlohmann::json::array();
        for (const auto &event : fn.events) {
            std::string text = event.type;
            if (!event.path.empty())
                text += " " + event.method + " " + event.path;
            for (const auto &schedule : event.schedules)
                text += " " + schedule;
            events.push_back(text);
        }
        nlohmann::json entry{{"name", fn.name},
                             {"manifest",
                              {{"file", loaded.manifest->filePath},
                               {"line", fn.nameRange.start.line},
                               {"column", fn.nameRange.start.column}}},
                             {"events", events}};
        if (fn.kind != manifest::FunctionKind::HttpService && !fn.handler.value.empty()) {
            const auto lookup =
                manifest::locateHandler(loaded.manifest->projectDir, fn.handler.value,
                                        manifest::runtimeFamily(fn.runtime.value));
            if (lookup.definition)
                entry["definition"] = {{"file", lookup.definition->file},
                                       {"line", lookup.definition->line},
                                       {"column", lookup.definition->column}};
        }
        entry.update(
            nlohmann::json{{"deployedName", fn.deployedName},
                           {"kind", manifest::functionKindName(fn.kind)},
                           {"runtime", fn.runtime.value},
                           {"handler", fn.kind == manifest::FunctionKind::HttpService && fn.service
                                           ? fn.service->command
                                           : fn.handler.value},
                           {"memorySize", fn.memorySize.value},
                           {"timeout", fn.timeout.value},
                           {"routes", routes}});
        if (const auto set = sim::dependencySetOf(*loaded.manifest, fn, interpreters()))
            entry["dependencies"] = dependenciesJson(*set, loaded.manifest->projectDir);
        if (!fn.layers.empty()) {
            json layers = json::array();
            for (const auto &use : fn.layers) {
                if (const manifest::Layer *layer = loaded.manifest->layer(use.layer))
                    layers.push_back({{"name", layer->name}, {"path", layer->path}});
                else
                    layers.push_back({{"arn", use.arn}});
            }
            entry["layers"] = std::move(layers);
        }
        list.push_back(std::move(entry));
    }
    return list;
}

nlohmann::json ManifestWorkspace::dependencies(const std::string &projectDir,
                                               const std::string &function) const {
    const auto loaded = manifest::ManifestLoader().loadProject(projectDir);
    if (!loaded.manifest)
        throw std::runtime_error(loaded.diagnostics.empty()
                                     ? "no manifest"
                                     : manifest::formatDiagnostic(loaded.diagnostics.front()));
    const manifest::Function *fn = loaded.manifest->function(function);
    if (!fn)
        throw std::runtime_error("no function '" + function + "' in the manifest");
    const auto set = sim::dependencySetOf(*loaded.manifest, *fn, interpreters());
    return set ? dependenciesJson(*set, loaded.manifest->projectDir) : json();
}

nlohmann::json ManifestWorkspace::invoke(const std::string &projectDir, const std::string &function,
                                         const nlohmann::json &event) const {
    const sim::InvokeOutcome outcome = sim::invokeFunction(projectDir, "", function, event.dump());
    if (!outcome.ran)
        throw std::runtime_error(outcome.error);
    nlohmann::json result = nlohmann::json::parse(outcome.payload, nullptr, false);
    return {{"result", result.is_discarded() ? nlohmann::json(outcome.payload) : result},
            {"functionError", outcome.functionError},
            {"errorType", outcome.errorType},
            {"logs", outcome.log}};
}

} // namespace nimbus::lsp
