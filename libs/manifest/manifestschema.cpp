#include "nimbus/manifest/manifestschema.h"

#include "nimbus/manifest/suggest.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <re2/re2.h>
#include <utility>

namespace nimbus::manifest {

extern const char *const kBuiltinSchemaText;  // generated from resources/schema at build time
extern const char *const kBuiltinPluginsText; // likewise, from plugins.json
extern const char *const kScfDefinitionsText; // and SCF's schemas
extern const char *const kScfComponentSchemaText;
extern const char *const kScfPluginSchemaText;
extern const char *const kScfTemplateSchemaText;

using json = nlohmann::ordered_json;

struct ManifestSchema::Context {
    std::string fileName;
    std::vector<Diagnostic> &diagnostics;
    SourceRange anchor; // the key under which the node being validated sits
    Severity severity = Severity::Error;
    std::vector<std::string> *paths = nullptr;
    std::string where; // the path of the node being validated
    ValidationMemo *memo = nullptr;
    bool remembering = false; // inside an entry whose findings are being remembered

    void error(const SourceRange &range, std::string code, std::string message) {
        if (paths)
            paths->push_back(where);
        Diagnostic d;
        d.severity = severity;
        d.file = fileName;
        d.range = range;
        d.code = std::move(code);
        d.message = std::move(message);
        diagnostics.push_back(std::move(d));
    }
    // A quick fix for the diagnostic just reported: `text` in place of `range`.
    void fix(std::string title, const SourceRange &range, std::string text) {
        if (diagnostics.empty())
            return;
        diagnostics.back().fixes.push_back({std::move(title), fileName, range, std::move(text), false});
    }
};

namespace {

std::string child(const std::string &where, const std::string &key) {
    return where.empty() ? key : where + '.' + key;
}

std::string describeWhere(const std::string &where) {
    return where.empty() ? std::string("the manifest") : "'" + where + "'";
}

std::string typeNoun(const std::string &type) {
    if (type == "object")
        return "a mapping";
    if (type == "array")
        return "a list";
    if (type == "integer")
        return "an integer";
    if (type == "number")
        return "a number";
    if (type == "boolean")
        return "true or false";
    if (type == "null")
        return "empty";
    return "a string";
}

std::string expectedTypes(const json &type) {
    if (type.is_string())
        return typeNoun(type.get<std::string>());
    std::string text;
    for (size_t i = 0; i < type.size(); ++i) {
        if (i > 0)
            text += i + 1 == type.size() ? " or " : ", ";
        text += typeNoun(type[i].get<std::string>());
    }
    return text;
}

std::string enumValueText(const json &value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

bool enumContains(const json &values, const YamlNode &node) {
    for (const auto &value : values) {
        if (value.is_string() && node.isScalar() && node.scalarType() != "boolean" &&
            node.scalar == value.get<std::string>())
            return true;
        if (value.is_boolean() && node.toBoolean() == value.get<bool>())
            return true;
        if (value.is_number_integer() && node.isScalar() && node.toInteger() &&
            *node.toInteger() == value.get<long long>())
            return true;
    }
    return false;
}

// The allowed number nearest a number that is not allowed (memorySize 200: 256).
std::optional<std::string> nearestNumber(const json &values, const YamlNode &node) {
    const auto given = node.isScalar() ? node.toInteger() : std::nullopt;
    if (!given)
        return std::nullopt;
    std::optional<long long> best;
    for (const auto &value : values) {
        if (!value.is_number_integer())
            return std::nullopt;
        const long long v = value.get<long long>();
        if (!best || std::llabs(v - *given) < std::llabs(*best - *given))
            best = v;
    }
    return best ? std::optional<std::string>(std::to_string(*best)) : std::nullopt;
}

std::string joinList(const std::vector<std::string> &items, size_t limit) {
    std::string text;
    for (size_t i = 0; i < items.size() && i < limit; ++i)
        text += (i ? ", " : "") + items[i];
    if (items.size() > limit)
        text += ", ...";
    return text;
}

} // namespace

const ManifestSchema &ManifestSchema::builtin() {
    static const ManifestSchema schema(json::parse(kBuiltinSchemaText));
    return schema;
}

namespace {

// An SCF format's schema with the definitions its formats share.
json scfSchema(const char *text) {
    json document = json::parse(text);
    const json shared = json::parse(kScfDefinitionsText);
    for (const auto &[name, definition] : shared["definitions"].items())
        document["definitions"][name] = definition;
    return document;
}

} // namespace

const ManifestSchema &ManifestSchema::forDialect(Dialect dialect) {
    static const ManifestSchema component(scfSchema(kScfComponentSchemaText));
    static const ManifestSchema plugin(scfSchema(kScfPluginSchemaText));
    static const ManifestSchema templ(scfSchema(kScfTemplateSchemaText));
    switch (dialect) {
    case Dialect::ScfComponent:
        return component;
    case Dialect::ScfPlugin:
        return plugin;
    case Dialect::ScfTemplate:
        return templ;
    case Dialect::Aws:
        break;
    }
    return builtin();
}

namespace {

const json &pluginCatalogue() {
    static const json catalogue = json::parse(kBuiltinPluginsText);
    return catalogue;
}

// The object schema a place names: "top", "provider", "function" or "event.<type>"; for an
// event that may be written as a string or a mapping, its mapping form.
json *objectSchemaAt(json &document, const std::string &place) {
    // (Lookups with find, never operator[]: a $ref to nothing must not insert into the
    // document while its branches are being walked.)
    json &definitions = document["definitions"];
    auto follow = [&](json *schema) -> json * {
        for (int hops = 0; schema && hops < 16 && schema->contains("$ref"); ++hops) {
            const std::string ref = (*schema)["$ref"].get<std::string>();
            const std::string prefix = "#/definitions/";
            auto it = definitions.find(ref.rfind(prefix, 0) == 0 ? ref.substr(prefix.size()) : "");
            schema = it == definitions.end() ? nullptr : &*it;
        }
        return schema;
    };
    auto resolveIn = [&](json *schema) -> json * {
        schema = follow(schema);
        if (schema && !schema->contains("properties")) {
            for (const char *combinator : {"anyOf", "oneOf"}) {
                if (!schema->contains(combinator))
                    continue;
                for (auto &branch : (*schema)[combinator]) {
                    json *b = follow(&branch);
                    if (b && b->value("type", json()) == "object")
                        return b;
                }
            }
        }
        return schema;
    };
    if (place == "top")
        return &document;
    if (place == "provider" || place == "function") {
        auto it = definitions.find(place);
        return it == definitions.end() ? nullptr : resolveIn(&*it);
    }
    if (place.rfind("event.", 0) == 0) {
        auto it = definitions.find("event");
        json *event = it == definitions.end() ? nullptr : resolveIn(&*it);
        const std::string type = place.substr(6);
        if (!event || !event->contains("properties") || !(*event)["properties"].contains(type))
            return nullptr;
        return resolveIn(&(*event)["properties"][type]);
    }
    return nullptr;
}

// "functions.hello.events[0].http" -> "event.http"; "functions.hello" -> "function"; ...
std::string placeOf(const std::string &where) {
    if (where.empty())
        return "top";
    if (where == "provider")
        return "provider";
    if (where.rfind("functions.", 0) != 0)
        return {};
    const size_t nameEnd = where.find('.', 10);
    if (nameEnd == std::string::npos)
        return "function";
    const std::string rest = where.substr(nameEnd + 1);
    if (rest.rfind("events[", 0) != 0)
        return {};
    const size_t close = rest.find("].");
    if (close == std::string::npos || rest.find('.', close + 2) != std::string::npos)
        return {};
    return "event." + rest.substr(close + 2);
}

} // namespace

std::vector<std::string> ManifestSchema::listedPlugins(const YamlNode &root) {
    std::vector<std::string> names;
    const YamlNode *plugins = root.find("plugins");
    if (plugins && plugins->isMapping())
        plugins = plugins->find("modules");
    if (!plugins || !plugins->isSequence())
        return names;
    for (const auto &item : plugins->items) {
        if (item.isScalar())
            names.push_back(item.scalar);
    }
    return names;
}

std::shared_ptr<const ManifestSchema> ManifestSchema::forManifest(const YamlNode &root) {
    if (const Dialect dialect = dialectOf(root); isScf(dialect))
        return std::shared_ptr<const ManifestSchema>(std::shared_ptr<void>(), &forDialect(dialect));
    std::vector<std::string> listed = listedPlugins(root);
    std::sort(listed.begin(), listed.end());
    listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    std::string cacheKey;
    for (const auto &name : listed)
        cacheKey += name + '\n';

    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const ManifestSchema>> cache;
    {
        std::lock_guard lock(mutex);
        if (auto it = cache.find(cacheKey); it != cache.end())
            return it->second;
    }
    // Built outside the lock: another thread's completion need not wait for this copy.

    json document = builtin().document();
    std::vector<std::string> unknown;
    for (const auto &name : listed) {
        const json &catalogue = pluginCatalogue();
        auto plugin = catalogue.find(name);
        if (plugin == catalogue.end()) {
            unknown.push_back(name);
            continue;
        }
        const json places = plugin->value("keys", json::object());
        for (const auto &[place, keys] : places.items()) {
            json *target = objectSchemaAt(document, place);
            if (!target)
                continue;
            for (const auto &[key, fragment] : keys.items()) {
                // A fragment that refers to a definition is copied whole, so that hover
                // shows it as the plugin's.
                json property = fragment;
                for (int hops = 0; hops < 8 && property.contains("$ref"); ++hops) {
                    const std::string ref = property["$ref"].get<std::string>();
                    const std::string definition = ref.substr(ref.rfind('/') + 1);
                    if (!document["definitions"].contains(definition))
                        break;
                    json referenced = document["definitions"][definition];
                    if (!referenced.contains("description") && property.contains("description"))
                        referenced["description"] = property["description"];
                    property = std::move(referenced);
                }
                property["description"] =
                    "(plugin " + name + ") " + property.value("description", std::string());
                (*target)["properties"][key] = std::move(property);
            }
        }
    }
    auto schema = std::make_shared<ManifestSchema>(std::move(document));
    schema->m_unknownPlugins = std::move(unknown);
    std::lock_guard lock(mutex);
    if (cache.size() > 64) // a long-running language server sees many edits of 'plugins'
        cache.clear();
    return cache.emplace(cacheKey, std::move(schema)).first->second;
}

std::optional<std::string> ManifestSchema::pluginOwning(const std::string &where,
                                                        const std::string &key) const {
    const std::string place = placeOf(where);
    if (place.empty())
        return std::nullopt;
    for (const auto &[name, plugin] : pluginCatalogue().items()) {
        const auto keys = plugin.find("keys");
        if (keys == plugin.end())
            continue;
        const auto atPlace = keys->find(place);
        if (atPlace != keys->end() && atPlace->contains(key))
            return name;
    }
    return std::nullopt;
}

ManifestSchema::ManifestSchema(json document)
    : m_document(std::move(document))
    , m_id([] {
        static std::atomic<std::uint64_t> next{1};
        return next++;
    }()) {}

const json &ManifestSchema::resolve(const json &schema) const {
    const json *current = &schema;
    for (int hops = 0; hops < 16 && current->is_object() && current->contains("$ref"); ++hops) {
        const std::string ref = (*current)["$ref"].get<std::string>();
        const std::string prefix = "#/definitions/";
        if (ref.rfind(prefix, 0) != 0)
            break;
        const json &definitions = m_document["definitions"];
        auto it = definitions.find(ref.substr(prefix.size()));
        if (it == definitions.end())
            break;
        current = &*it;
    }
    return *current;
}

bool ManifestSchema::typeMatches(const YamlNode &node, const json &type, bool coerce) const {
    if (type.is_array()) {
        for (const auto &t : type) {
            if (typeMatches(node, t, coerce))
                return true;
        }
        return false;
    }
    const std::string expected = type.get<std::string>();
    const std::string actual = node.scalarType();
    if (expected == "number" && (actual == "number" || actual == "integer"))
        return true;
    if (expected == actual)
        return true;
    if (!coerce || !node.isScalar())
        return false;
    // The framework validates with coercion (Ajv's coerceTypes: 'array'): '128' is an
    // integer, 'true' a boolean, 5 a string, and a single value a list of one.
    const std::string plain = node.plainType();
    if (expected == "integer" || expected == "boolean")
        return plain == expected;
    if (expected == "number")
        return plain == "number" || plain == "integer";
    if (expected == "string")
        return actual == "integer" || actual == "number" || actual == "boolean";
    return expected == "array";
}

namespace {

// The value a mapping gives a property that tells object branches apart: one that each
// branch allows exactly one value of (template.yaml's events, by Type).
std::optional<std::pair<std::string, std::string>> discriminator(const YamlNode &node,
                                                                 const json &branch) {
    if (!node.isMapping() || !branch.contains("properties"))
        return std::nullopt;
    for (const auto &[key, property] : branch["properties"].items()) {
        if (property.contains("enum") && property["enum"].size() == 1 &&
            property["enum"][0].is_string()) {
            if (const YamlNode *value = node.find(key); value && value->isScalar())
                return std::make_pair(key, property["enum"][0].get<std::string>());
        }
    }
    return std::nullopt;
}

} // namespace

const json *ManifestSchema::chooseBranch(const YamlNode &node, const json &branches) const {
    // A mapping goes to the object branch its discriminating value names.
    for (const auto &branch : branches) {
        const json &b = resolve(branch);
        if (const auto d = discriminator(node, b); d && node.find(d->first)->scalar == d->second)
            return &b;
    }
    // The branch of the node's own type first; then one it can be coerced to.
    for (const bool coerce : {false, true}) {
        for (const auto &branch : branches) {
            const json &b = resolve(branch);
            if (b.contains("type") ? typeMatches(node, b["type"], coerce)
                                   : (b.contains("enum") && node.isScalar()))
                return &b;
        }
    }
    return nullptr;
}

void ManifestSchema::validate(const YamlNode &root, const std::string &fileName,
                              std::vector<Diagnostic> &diagnostics, Severity severity,
                              std::vector<std::string> *paths, ValidationMemo *memo) const {
    Context ctx{fileName, diagnostics, root.range, severity, paths, {}, memo, false};
    if (memo) {
        if (memo->m_schema != m_id) {
            memo->m_previous.clear();
            memo->m_schema = m_id;
        }
        memo->m_current.clear();
        memo->m_stats = {};
    }
    validateNode(root, m_document, ctx, "");
    if (memo)
        memo->m_previous = std::move(memo->m_current);
}

namespace {

// Entries of a mapping with at least this many are remembered: collections such as
// `functions` and `resources.Resources`, where an edit changes one entry of many.
constexpr size_t kRememberedMappings = 8;

// The key is compared, never read: numbers go in as their bytes.
void appendNumber(std::string &out, long long value) {
    char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    out.append(bytes, sizeof bytes);
}


// Everything validation can see of a node, with lines counted from `base`.
void appendShape(std::string &out, const YamlNode &node, int base) {
    const int header[] = {static_cast<int>(node.kind) | static_cast<int>(node.style) << 4 |
                              (node.placeholder ? 1 << 8 : 0),
                          node.range.start.line - base,
                          node.range.start.column,
                          node.range.end.line - base,
                          node.range.end.column,
                          static_cast<int>(node.scalar.size()),
                          static_cast<int>(node.items.size()),
                          static_cast<int>(node.entries.size())};
    out.append(reinterpret_cast<const char *>(header), sizeof header);
    out += node.scalar;
    for (const auto &item : node.items)
        appendShape(out, item, base);
    for (const auto &entry : node.entries) {
        appendShape(out, entry.key, base);
        appendShape(out, entry.value, base);
    }
}

} // namespace

void ManifestSchema::validateRemembered(const YamlEntry &entry, const json &schema, Context &ctx,
                                        const std::string &where) const {
    ValidationMemo &memo = *ctx.memo;
    const int base = entry.key.range.start.line;
    std::string key;
    key.reserve(512);
    appendNumber(key, static_cast<long long>(reinterpret_cast<std::uintptr_t>(&schema)));
    appendNumber(key, static_cast<long long>(ctx.severity));
    key += ctx.paths ? 'p' : '-';
    key += where;
    key += '\n';
    appendShape(key, entry.key, base);
    appendShape(key, entry.value, base);

    auto found = memo.m_current.find(key);
    if (found == memo.m_current.end()) {
        if (auto previous = memo.m_previous.find(key); previous != memo.m_previous.end())
            found = memo.m_current.emplace(std::move(key), std::move(previous->second)).first;
    }
    if (found != memo.m_current.end()) {
        ++memo.m_stats.reused;
        for (Diagnostic d : found->second.diagnostics) {
            shiftLines(d, base);
            ctx.diagnostics.push_back(std::move(d));
        }
        if (ctx.paths)
            ctx.paths->insert(ctx.paths->end(), found->second.paths.begin(),
                              found->second.paths.end());
        return;
    }

    ++memo.m_stats.validated;
    const size_t diagnosticsBefore = ctx.diagnostics.size();
    const size_t pathsBefore = ctx.paths ? ctx.paths->size() : 0;
    ctx.remembering = true;
    validateEntry(entry, schema, ctx, where);
    ctx.remembering = false;
    ValidationMemo::Found findings;
    for (size_t i = diagnosticsBefore; i < ctx.diagnostics.size(); ++i) {
        findings.diagnostics.push_back(ctx.diagnostics[i]);
        shiftLines(findings.diagnostics.back(), -base);
    }
    if (ctx.paths)
        findings.paths.assign(ctx.paths->begin() + static_cast<long>(pathsBefore), ctx.paths->end());
    memo.m_current.emplace(std::move(key), std::move(findings));
}

void ManifestSchema::validateNode(const YamlNode &node, const json &schemaRef, Context &ctx,
                                  const std::string &where) const {
    const json &schema = resolve(schemaRef);
    if (!schema.is_object())
        return;
    struct WhereGuard {
        Context &ctx;
        std::string outer;
        ~WhereGuard() { ctx.where = std::move(outer); }
    } guard{ctx, std::exchange(ctx.where, where)};
    // A value still holding ${...} failed to resolve, and the resolver said so already.
    if (node.isScalar() && (node.placeholder || node.scalar.find("${") != std::string::npos))
        return;

    for (const char *combinator : {"anyOf", "oneOf"}) {
        if (!schema.contains(combinator))
            continue;
        const json &branches = schema[combinator];
        // A discriminating value that names no branch: say which values there are.
        std::vector<std::string> values;
        std::optional<std::pair<std::string, std::string>> named;
        for (const auto &b : branches) {
            if (auto d = discriminator(node, resolve(b))) {
                values.push_back(d->second);
                named = d;
            }
        }
        if (named && values.size() == branches.size() &&
            std::find(values.begin(), values.end(), node.find(named->first)->scalar) ==
                values.end()) {
            const YamlNode &value = *node.find(named->first);
            std::string message = describeWhere(where + "." + named->first) + " is '" +
                                  value.scalar + "', which is not allowed";
            const auto guess = closestMatch(value.scalar, values);
            if (guess)
                message += "; did you mean '" + *guess + "'?";
            ctx.error(value.range, "invalid-value", message + " Allowed: " + joinList(values, 20));
            if (guess)
                ctx.fix("Change to '" + *guess + "'", value.range, *guess);
            return;
        }
        if (const json *branch = chooseBranch(node, branches)) {
            validateNode(node, *branch, ctx, where);
        } else {
            json types = json::array();
            for (const auto &b : branches) {
                const json &r = resolve(b);
                if (r.contains("type"))
                    types.push_back(r["type"].is_string() ? r["type"] : r["type"][0]);
            }
            ctx.error(node.range, "wrong-type",
                      describeWhere(where) + " must be " + expectedTypes(types) + ", but is " +
                          node.describeType());
        }
        return;
    }

    if (schema.contains("enum")) {
        if (!enumContains(schema["enum"], node)) {
            std::vector<std::string> allowed;
            for (const auto &v : schema["enum"])
                allowed.push_back(enumValueText(v));
            std::string got = node.isScalar() ? "'" + node.scalar + "'" : node.describeType();
            std::string message = describeWhere(where) + " is " + got + ", which is not allowed";
            std::optional<std::string> guess;
            if (node.isScalar()) {
                guess = nearestNumber(schema["enum"], node);
                if (!guess)
                    guess = closestMatch(node.scalar, allowed);
                if (guess)
                    message += "; did you mean '" + *guess + "'?";
            }
            message += (guess ? " Allowed: " : ". Allowed: ") + joinList(allowed, 30);
            ctx.error(node.range, "invalid-value", message);
            if (guess)
                ctx.fix("Change to '" + *guess + "'", node.range,
                        node.style == YamlNode::Style::Quoted ? "'" + *guess + "'" : *guess);
        }
        return;
    }

    if (node.isScalar() && schema.contains("items") && schema.contains("type")) {
        // A single value where a list is expected: the list's one item (unless the schema
        // takes the value as it is).
        json others = json::array();
        for (const auto &t :
             schema["type"].is_array() ? schema["type"] : json::array({schema["type"]}))
            if (t != "array")
                others.push_back(t);
        if (!typeMatches(node, others, true)) {
            validateNode(node, schema["items"], ctx, where);
            return;
        }
    }
    if (schema.contains("type") && !typeMatches(node, schema["type"], true)) {
        ctx.error(node.range, "wrong-type",
                  describeWhere(where) + " must be " + expectedTypes(schema["type"]) + ", but is " +
                      node.describeType() +
                      (node.isScalar() ? " ('" + node.scalar + "')" : std::string()));
        return;
    }

    if (node.isMapping())
        validateMapping(node, schema, ctx, where);
    else if (node.isSequence() && schema.contains("items")) {
        for (size_t i = 0; i < node.items.size(); ++i) {
            ctx.anchor = node.items[i].range;
            validateNode(node.items[i], schema["items"], ctx,
                         where + "[" + std::to_string(i) + "]");
        }
    } else if (node.isScalar()) {
        validateScalar(node, schema, ctx, where);
    }
}

void ManifestSchema::validateEntry(const YamlEntry &entry, const json &schema, Context &ctx,
                                   const std::string &where) const {
    const json *properties = schema.contains("properties") ? &schema["properties"] : nullptr;
    const std::string &key = entry.key.scalar;
    ctx.anchor = entry.key.range;

    if (schema.contains("propertyNames") && schema["propertyNames"].contains("pattern")) {
        const std::string pattern = schema["propertyNames"]["pattern"].get<std::string>();
        if (!matches(key, pattern))
            ctx.error(entry.key.range, "invalid-key",
                      "'" + key + "' is not a valid name in " + describeWhere(where) + ": " +
                          schema["propertyNames"].value("patternErrorMessage",
                                                        "it must match " + pattern));
    }
    // The framework drops keys left empty ("memorySize:") before it validates.
    const bool empty = entry.value.isNull();
    if (properties && properties->contains(key)) {
        if (!empty)
            validateNode(entry.value, (*properties)[key], ctx, child(where, key));
        return;
    }
    if (schema.contains("patternProperties")) {
        bool matched = false;
        for (const auto &[pattern, sub] : schema["patternProperties"].items()) {
            if (matches(key, pattern)) {
                validateNode(entry.value, sub, ctx, child(where, key));
                matched = true;
                break;
            }
        }
        if (matched)
            return;
    }
    static const json allowAny(true);
    const auto found = schema.find("additionalProperties");
    const json &additional = found != schema.end() ? *found : allowAny;
    if (additional.is_boolean() && !additional.get<bool>()) {
        std::vector<std::string> allowed = propertyNames(schema);
        std::string message = "unknown key '" + key + "' in " + describeWhere(where);
        const auto plugin = pluginOwning(where, key);
        const std::optional<std::string> guess =
            plugin ? std::nullopt : closestMatch(key, allowed);
        if (plugin)
            message = "'" + key + "' in " + describeWhere(where) + " belongs to the plugin " +
                      *plugin + ", which 'plugins' does not list; add it there";
        else if (guess)
            message += "; did you mean '" + *guess + "'?";
        else
            message += "; allowed keys: " + joinList(allowed, 12);
        if (!m_unknownPlugins.empty())
            message += " (unless a listed plugin Nimbus does not know adds it: " +
                       joinList(m_unknownPlugins, 4) + ")";
        ctx.error(entry.key.range, "unknown-key", message);
        if (guess)
            ctx.fix("Change to '" + *guess + "'", entry.key.range, *guess);
    } else if (additional.is_object()) {
        validateNode(entry.value, additional, ctx, child(where, key));
    }
}

void ManifestSchema::validateMapping(const YamlNode &node, const json &schema, Context &ctx,
                                     const std::string &where) const {
    const SourceRange anchor = ctx.anchor;
    const bool remember =
        ctx.memo && !ctx.remembering && node.entries.size() >= kRememberedMappings;
    for (const auto &entry : node.entries) {
        if (remember && (entry.value.isMapping() || entry.value.isSequence()))
            validateRemembered(entry, schema, ctx, where);
        else
            validateEntry(entry, schema, ctx, where);
    }
    ctx.anchor = anchor;

    if (schema.contains("required")) {
        for (const auto &required : schema["required"]) {
            const std::string name = required.get<std::string>();
            if (!node.find(name))
                ctx.error(anchor, "missing-key",
                          describeWhere(where) + " is missing the required key '" + name + "'");
        }
    }
    const auto count = static_cast<long long>(node.entries.size());
    if (schema.contains("minProperties") && count < schema["minProperties"].get<long long>())
        ctx.error(anchor, "too-few-keys",
                  describeWhere(where) + " needs at least " + schema["minProperties"].dump() +
                      " key(s)");
    if (schema.contains("maxProperties") && count > schema["maxProperties"].get<long long>()) {
        std::vector<std::string> keys;
        for (const auto &entry : node.entries)
            keys.push_back(entry.key.scalar);
        ctx.error(
            node.entries[static_cast<size_t>(schema["maxProperties"].get<long long>())].key.range,
            "too-many-keys",
            describeWhere(where) + " may have at most " + schema["maxProperties"].dump() +
                " key(s), but has " + std::to_string(count) + ": " + joinList(keys, 8) +
                " (start a new list item with '-' for each)");
    }
}

void ManifestSchema::validateScalar(const YamlNode &node, const json &schema, Context &ctx,
                                    const std::string &where) const {
    const std::string type = node.scalarType();
    if (type == "string") {
        const auto length = static_cast<long long>(node.scalar.size());
        if (schema.contains("pattern") &&
            !matches(node.scalar, schema["pattern"].get<std::string>()))
            ctx.error(node.range, "invalid-value",
                      describeWhere(where) + " is '" + node.scalar + "': " +
                          schema.value("patternErrorMessage",
                                       "it does not have the expected form (" +
                                           schema["pattern"].get<std::string>() + ")"));
        if (schema.contains("minLength") && length < schema["minLength"].get<long long>())
            ctx.error(node.range, "invalid-value", describeWhere(where) + " must not be empty");
        if (schema.contains("maxLength") && length > schema["maxLength"].get<long long>())
            ctx.error(node.range, "invalid-value",
                      describeWhere(where) + " is " + std::to_string(length) +
                          " characters long; the limit is " + schema["maxLength"].dump());
    } else if (type == "integer" || type == "number") {
        // strtod, not stod: a number too large for a double is +inf, not an exception.
        const double value = node.toInteger() ? static_cast<double>(*node.toInteger())
                                              : std::strtod(node.scalar.c_str(), nullptr);
        // The nearest valid value is the fix.
        if (schema.contains("minimum") && value < schema["minimum"].get<double>()) {
            ctx.error(node.range, "out-of-range",
                      describeWhere(where) + " is " + node.scalar + ", below the minimum of " +
                          schema["minimum"].dump() +
                          (schema.contains("maximum") ? " (allowed: " + schema["minimum"].dump() +
                                                            " to " + schema["maximum"].dump() + ")"
                                                      : std::string()));
            ctx.fix("Change to " + schema["minimum"].dump() + ", the minimum", node.range,
                    schema["minimum"].dump());
        }
        if (schema.contains("maximum") && value > schema["maximum"].get<double>()) {
            ctx.error(node.range, "out-of-range",
                      describeWhere(where) + " is " + node.scalar + ", above the maximum of " +
                          schema["maximum"].dump() +
                          (schema.contains("minimum") ? " (allowed: " + schema["minimum"].dump() +
                                                            " to " + schema["maximum"].dump() + ")"
                                                      : std::string()));
            ctx.fix("Change to " + schema["maximum"].dump() + ", the maximum", node.range,
                    schema["maximum"].dump());
        }
    }
}

std::vector<std::string> ManifestSchema::propertyNames(const json &schemaRef) const {
    std::vector<std::string> names;
    const json &schema = resolve(schemaRef);
    if (schema.contains("properties")) {
        for (const auto &[name, _] : schema["properties"].items())
            names.push_back(name);
    }
    // A value that may be written as a string or a mapping offers the mapping's keys.
    for (const char *combinator : {"anyOf", "oneOf"}) {
        if (schema.contains(combinator)) {
            for (const auto &branch : schema[combinator]) {
                for (auto &name : propertyNames(branch))
                    names.push_back(std::move(name));
            }
        }
    }
    return names;
}

bool ManifestSchema::matches(const std::string &text, const std::string &pattern) const {
    std::shared_ptr<const re2::RE2> compiled;
    {
        std::lock_guard lock(m_patternsMutex);
        auto it = m_patterns.find(pattern);
        if (it == m_patterns.end()) {
            re2::RE2::Options options;
            options.set_log_errors(false);
            it = m_patterns.emplace(pattern, std::make_shared<re2::RE2>(pattern, options)).first;
        }
        compiled = it->second;
    }
    // A pattern RE2 cannot compile is the schema's bug, not the user's: it accepts.
    return !compiled->ok() || re2::RE2::PartialMatch(text, *compiled);
}

const json &ManifestSchema::formOf(const json &schemaRef, const char *type) const {
    const json &schema = resolve(schemaRef);
    for (const char *combinator : {"anyOf", "oneOf"}) {
        if (!schema.contains(combinator))
            continue;
        for (const auto &branch : schema[combinator]) {
            const json &b = resolve(branch);
            if (b.value("type", json()) == type)
                return b;
        }
    }
    return schema;
}

const json *ManifestSchema::schemaAt(const std::vector<std::string> &path) const {
    const json *current = &m_document;
    for (const auto &step : path) {
        const bool index = !step.empty() && std::all_of(step.begin(), step.end(), ::isdigit);
        const json *s = &formOf(*current, index ? "array" : "object");
        if (index && s->contains("items")) {
            current = &(*s)["items"];
        } else if (s->contains("properties") && (*s)["properties"].contains(step)) {
            current = &(*s)["properties"][step];
        } else if (s->contains("additionalProperties") &&
                   (*s)["additionalProperties"].is_object()) {
            current = &(*s)["additionalProperties"];
        } else {
            return nullptr;
        }
    }
    return &resolve(*current);
}

} // namespace nimbus::manifest
