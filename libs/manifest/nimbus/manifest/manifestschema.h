#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/manifest/yamltree.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace re2 {
class RE2;
}

namespace nimbus::manifest {

// What validating a document found in each entry of its large mappings (the functions,
// the resources), remembered by the entry's content, so that validating the document again
// after an edit validates only the entries the edit changed; the others' findings are
// reused, moved to their lines. One per document being edited; not thread-safe.
class ValidationMemo {
public:
    struct Stats {
        int reused = 0;    // entries whose findings were remembered
        int validated = 0; // entries validated
    };
    const Stats &lastStats() const { return m_stats; }

private:
    friend class ManifestSchema;
    struct Found {
        std::vector<Diagnostic> diagnostics; // lines counted from the entry's key
        std::vector<std::string> paths;
    };
    std::uint64_t m_schema = 0; // the schema (and plugins) the findings are of
    std::unordered_map<std::string, Found> m_previous; // the last validation's
    std::unordered_map<std::string, Found> m_current;  // this one's
    Stats m_stats;
};

// The manifest's JSON Schema (resources/schema/serverless.schema.json, compiled into the
// library) and the operations on it: validating a YAML tree, and looking up what the schema
// says about a place in the document (for completion and hover in the language server).
//
// It implements the part of draft-07 the schema uses: type, enum, properties,
// additionalProperties, propertyNames, required, pattern, minimum/maximum, minLength/
// maxLength, minProperties/maxProperties, items, anyOf/oneOf, $ref to #/definitions.
//
// Plugins extend it, as they extend the framework's: resources/schema/plugins.json says
// which keys each well-known plugin adds (at the top level, to the provider, to functions
// or to an event type). forManifest() gives the schema with the keys of the plugins a
// manifest lists, described as that plugin's.
class ManifestSchema {
public:
    // The built-in schema, without plugins.
    static const ManifestSchema &builtin();
    // The schema of a dialect's manifests: builtin() for AWS; for SCF's formats their own
    // (resources/schema/scf-*.schema.json, with scf-definitions.json merged in).
    static const ManifestSchema &forDialect(Dialect dialect);
    // The schema of `root`'s dialect; for AWS, the built-in schema plus the keys of the
    // plugins listed under `plugins:` in `root` (a list of names, or {modules: [...]}).
    // Cached per set of plugins.
    static std::shared_ptr<const ManifestSchema> forManifest(const YamlNode &root);
    // The plugin names a manifest lists.
    static std::vector<std::string> listedPlugins(const YamlNode &root);

    explicit ManifestSchema(nlohmann::ordered_json document);

    const nlohmann::ordered_json &document() const { return m_document; }

    // Validates `root` and appends one diagnostic per problem, on the offending token, with
    // the given severity (the manifest's configValidationMode decides it).
    // `paths`, when given, receives the validation path of each finding ("functions.hello.
    // handler"), in step with the diagnostics appended.
    // With `memo`, entries validated before with the same content are not validated again.
    void validate(const YamlNode &root, const std::string &fileName,
                  std::vector<Diagnostic> &diagnostics, Severity severity = Severity::Error,
                  std::vector<std::string> *paths = nullptr, ValidationMemo *memo = nullptr) const;

    // Follows $ref chains.
    const nlohmann::ordered_json &resolve(const nlohmann::ordered_json &schema) const;

    // The schema that applies at a path of mapping keys / sequence indices from the root,
    // or nullptr when the schema says nothing about it. For anyOf it picks the object branch.
    const nlohmann::ordered_json *schemaAt(const std::vector<std::string> &path) const;

    // The form of a value that may be written in several (anyOf/oneOf) with the given JSON
    // type ("object" for the mapping form of an event), else the schema itself.
    const nlohmann::ordered_json &formOf(const nlohmann::ordered_json &schema,
                                         const char *type) const;

    // The property names an object schema allows, in schema order.
    std::vector<std::string> propertyNames(const nlohmann::ordered_json &schema) const;

private:
    struct Context;
    void validateNode(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                      const std::string &where) const;
    void validateMapping(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                         const std::string &where) const;
    void validateEntry(const YamlEntry &entry, const nlohmann::ordered_json &schema, Context &ctx,
                       const std::string &where) const;
    // validateEntry, or what it found the last time for an entry with the same content.
    void validateRemembered(const YamlEntry &entry, const nlohmann::ordered_json &schema,
                            Context &ctx, const std::string &where) const;
    void validateScalar(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                        const std::string &where) const;
    bool typeMatches(const YamlNode &node, const nlohmann::ordered_json &type, bool coerce) const;
    const nlohmann::ordered_json *chooseBranch(const YamlNode &node,
                                               const nlohmann::ordered_json &branches) const;

    // The schema's patterns, compiled once (validation runs on every keystroke).
    // Whether `text` matches a schema pattern (ECMA-262 syntax, as JSON Schema has it, run
    // by RE2: linear time whatever the input).
    bool matches(const std::string &text, const std::string &pattern) const;

    // The plugin that adds `key` at the place `where` (a validation path such as
    // "functions.hello"), among all plugins Nimbus knows, if any.
    std::optional<std::string> pluginOwning(const std::string &where, const std::string &key) const;

    nlohmann::ordered_json m_document;
    const std::uint64_t m_id; // tells one schema (with its plugins) from another in memos
    std::vector<std::string> m_unknownPlugins; // listed, but not described in plugins.json
    mutable std::mutex m_patternsMutex;
    mutable std::map<std::string, std::shared_ptr<const re2::RE2>, std::less<>> m_patterns;
};

} // namespace nimbus::manifest
