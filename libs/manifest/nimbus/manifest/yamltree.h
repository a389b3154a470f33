#pragma once

#include "nimbus/manifest/diagnostic.h"

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::manifest {

struct YamlEntry;

// A YAML document as a plain tree that remembers where every node came from.
// It is our vocabulary for YAML; only yamltree.cpp knows yaml-cpp.
struct YamlNode {
    enum class Kind { Null, Scalar, Sequence, Mapping };
    // Plain scalars get their type from their text (YAML 1.2 core schema); quoted and
    // block scalars are always strings.
    enum class Style { Plain, Quoted, Block };

    Kind kind = Kind::Null;
    Style style = Style::Plain;
    std::string scalar;
    SourceRange range;
    std::vector<YamlNode> items;    // Sequence
    std::vector<YamlEntry> entries; // Mapping, in document order
    // A placeholder for a variable that did not resolve (reported already): validation
    // does not judge it again.
    bool placeholder = false;

    bool isNull() const { return kind == Kind::Null; }
    bool isScalar() const { return kind == Kind::Scalar; }
    bool isSequence() const { return kind == Kind::Sequence; }
    bool isMapping() const { return kind == Kind::Mapping; }

    const YamlNode *find(std::string_view key) const;
    YamlNode *find(std::string_view key);
    const YamlEntry *findEntry(std::string_view key) const;

    // The JSON type a scalar denotes: "string", "integer", "number", "boolean" or "null".
    std::string scalarType() const;
    // The type the text would have unquoted: '128' is an integer. The framework coerces
    // quoted values so ('128' is a valid memorySize), and so do toInteger and toBoolean.
    std::string plainType() const;
    std::optional<long long> toInteger() const;
    std::optional<bool> toBoolean() const;
    // Human name of the node's type for messages: "a mapping", "a list", "a string", ...
    std::string describeType() const;

    static YamlNode makeScalar(std::string text, Style style, SourceRange range);
};

struct YamlEntry {
    YamlNode key;
    YamlNode value;
};

struct YamlParseResult {
    YamlNode root;
    std::vector<Diagnostic> diagnostics; // syntax errors and duplicate keys
    bool ok = true;                      // false when the text is not YAML at all
    // Not YAML, but the rest of it is once the lines at fault are left out: `root` holds that
    // (completion, symbols and hover keep working where the text parses).
    bool recovered = false;
};

// The error for `key` repeating `first` in one mapping (the repeat is left out of the tree).
Diagnostic duplicateKeyDiagnostic(const std::string &fileName, const YamlNode &key,
                                  const YamlNode &first);

// Parses text as one YAML document. Never throws: syntax errors become diagnostics.
YamlParseResult parseYaml(std::string_view text, const std::string &fileName);

// A value as JSON, its scalars typed as YAML 1.2 types them.
nlohmann::json yamlToJson(const YamlNode &node);

} // namespace nimbus::manifest
