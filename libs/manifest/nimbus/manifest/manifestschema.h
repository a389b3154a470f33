#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/yamltree.h"

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace nimbus::manifest {

// The manifest's JSON Schema (resources/schema/serverless.schema.json, compiled into the
// library) and the operations on it: validating a YAML tree, and looking up what the schema
// says about a place in the document (for completion and hover in the language server).
//
// It implements the part of draft-07 the schema uses: type, enum, properties,
// additionalProperties, propertyNames, required, pattern, minimum/maximum, minLength/
// maxLength, minProperties/maxProperties, items, anyOf/oneOf, $ref to #/definitions.
class ManifestSchema {
public:
    // The built-in schema.
    static const ManifestSchema &builtin();

    explicit ManifestSchema(nlohmann::ordered_json document);

    const nlohmann::ordered_json &document() const { return m_document; }

    // Validates `root` and appends one diagnostic per problem, on the offending token.
    void validate(const YamlNode &root, const std::string &fileName,
                  std::vector<Diagnostic> &diagnostics) const;

    // Follows $ref chains.
    const nlohmann::ordered_json &resolve(const nlohmann::ordered_json &schema) const;

    // The schema that applies at a path of mapping keys / sequence indices from the root,
    // or nullptr when the schema says nothing about it. For anyOf it picks the object branch.
    const nlohmann::ordered_json *schemaAt(const std::vector<std::string> &path) const;

    // The property names an object schema allows, in schema order.
    std::vector<std::string> propertyNames(const nlohmann::ordered_json &schema) const;

private:
    struct Context;
    void validateNode(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                      const std::string &where) const;
    void validateMapping(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                         const std::string &where) const;
    void validateScalar(const YamlNode &node, const nlohmann::ordered_json &schema, Context &ctx,
                        const std::string &where) const;
    bool typeMatches(const YamlNode &node, const nlohmann::ordered_json &type) const;
    const nlohmann::ordered_json *chooseBranch(const YamlNode &node,
                                               const nlohmann::ordered_json &branches) const;

    // The schema's patterns, compiled once (validation runs on every keystroke).
    // Whether `text` matches a schema pattern (ECMA-262 syntax, as JSON Schema has it, run
    // by RE2: linear time whatever the input).
    bool matches(const std::string &text, const std::string &pattern) const;

    nlohmann::ordered_json m_document;
    mutable std::mutex m_patternsMutex;
    mutable std::map<std::string, std::shared_ptr<const re2::RE2>, std::less<>> m_patterns;
};

} // namespace nimbus::manifest
