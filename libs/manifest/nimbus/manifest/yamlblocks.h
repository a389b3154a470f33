#pragma once

#include "nimbus/manifest/yamltree.h"

#include <memory>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>

namespace nimbus::manifest {

// Parses a document that is edited again and again (an editor's buffer) and re-parses only
// the blocks an edit changed.
//
// A manifest is a mapping of top-level keys, and its large values are mappings too
// (`functions`, `resources.Resources`): each key line at a mapping's indentation starts a
// block that ends where the next one starts. Blocks are parsed on their own and remembered
// by their text, so after an edit inside one function only that function's lines are parsed
// again; the others are reused, moved to their new lines. The tree and diagnostics are the
// same as parseYaml's on the whole text.
//
// What could join blocks is checked for first: anchors and aliases, document markers and
// directives, tabs in indentation, or lines indented out of line with their block send the
// text to parseYaml whole, as does any block that is not YAML on its own (an unclosed
// bracket or quote runs past its block), so that syntax errors are always found and
// reported as parseYaml reports them.
class YamlBlockParser {
public:
    YamlParseResult parse(std::string_view text, const std::string &fileName);

    // What the last parse did, for tests and benchmarks.
    struct Stats {
        bool whole = false; // parsed as one text (blocks could not be used)
        int blocks = 0;     // blocks the text was split into
        int parsed = 0;     // of those, parsed now (the rest were remembered)
    };
    const Stats &lastStats() const { return m_stats; }

    struct Block; // a block's tree and diagnostics, with lines counted from its first

private:
    class Splitter;

    // Looked up by the text's view, without a copy.
    struct TextHash {
        using is_transparent = void;
        size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
    };
    using Blocks = std::unordered_map<std::string, std::shared_ptr<const Block>, TextHash,
                                      std::equal_to<>>;

    std::string m_fileName;
    // By text: the blocks of the last parse (only those, so memory follows the document).
    Blocks m_blocks;
    Stats m_stats;
};

} // namespace nimbus::manifest
