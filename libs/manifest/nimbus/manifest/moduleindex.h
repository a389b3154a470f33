#pragma once

#include "nimbus/manifest/manifest.h"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nimbus::manifest {

// The top-level names a Python or Node module defines or exports, each with where it is
// defined, read from the source text in one pass.
//   Python: def / async def / class / assignment / from-import / import-as, at column 0.
//   Node:   exports.name = / exports['name'] = / module.exports.name =,
//           module.exports = { name, name: v, name() {} }, export function / const / let /
//           var / class, export { a, b as name }, export default (as 'default').
struct ModuleIndex {
    struct Name {
        std::string name;
        int line = 0;          // zero-based
        int column = 0;        // zero-based byte column of the name
        std::string signature; // the defining line, trimmed
        bool callable = false; // a function definition or an export (offered as a handler)
    };
    std::vector<Name> names; // in source order; a name may appear more than once
    std::unordered_map<std::string, std::size_t> first; // name -> its first entry
    // Node: relative modules whose exports this one passes on whole
    // (module.exports = require('./x'), export * from './x').
    std::vector<std::string> reexports;

    static ModuleIndex parse(std::string_view text, RuntimeFamily family);
    const Name *find(const std::string &name) const;

    // The index of a file, parsed once and reused until the file's size or modification
    // time changes; nullptr when the file cannot be read.
    static std::shared_ptr<const ModuleIndex> ofFile(const std::string &path, RuntimeFamily family);
};

} // namespace nimbus::manifest
