#pragma once

#include "nimbus/manifest/manifest.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nimbus::manifest {

// A handler string split the way the runtimes split it.
//   Python "pkg/mod.func" or "pkg.mod.func": module path pkg/mod, function func.
//   Node   "src/handler.main": module src/handler, function main.
struct HandlerReference {
    std::string modulePath; // relative, '/'-separated, no extension
    std::string function;
};

std::optional<HandlerReference> parseHandler(const std::string &handler, RuntimeFamily family);

// Where a handler function is defined.
struct HandlerDefinition {
    std::string file;      // absolute path of the source file
    int line = 0;          // zero-based
    int column = 0;        // zero-based byte column of the function's name
    std::string signature; // the defining line, trimmed, e.g. "def main(event, context):"
};

struct HandlerLookup {
    std::optional<HandlerDefinition> definition;
    std::string error; // why it was not found, when it was not
};

struct ModuleIndex;

// What one pass over a project has learned about module files: whether each exists, its
// index and its canonical path. A check of 500 handlers in one module looks at the file
// once, not 500 times. Files change between checks, so one lives for one check.
class ModuleFiles {
public:
    struct File {
        bool exists = false;
        std::shared_ptr<const ModuleIndex> index; // nullptr when it cannot be read
        std::string canonical;                    // the absolute path, symlinks resolved
    };
    const File &at(const std::string &path, RuntimeFamily family);

private:
    std::unordered_map<std::string, File> m_files; // by family and path
};

// Finds a handler's module in the project and the function's definition in it:
// Python top-level def / async def / assignment / import; Node exports.name,
// module.exports.name, module.exports = { name }, ESM export function/const/{ name }.
// With `files`, what it learned about files is kept for the next lookups.
HandlerLookup locateHandler(const std::string &projectDir, const std::string &handler,
                            RuntimeFamily family, ModuleFiles *files = nullptr);

// The names of the top-level functions a Python or Node module defines or exports, in
// source order (for completing handler values).
std::vector<std::string> definedFunctions(const std::string &file, RuntimeFamily family);

// The source files a module path may live in, in the order the runtime tries them.
std::vector<std::string> moduleCandidates(const HandlerReference &ref, RuntimeFamily family);

} // namespace nimbus::manifest
