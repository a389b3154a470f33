#pragma once

#include <string>

namespace nimbus::sim {

// Where a function's third-party packages stand (see FunctionDependencies).
enum class DependencyState { None, Installing, Installed, Failed };
const char *describe(DependencyState state); // "none", "installing", "installed", "failed"

struct DependencyStatus {
    DependencyState state = DependencyState::None;
    std::string file;       // as the project names it
    std::string message;    // why it failed: the tool's own words
    std::string importPath; // what the instances import from now ("" for nothing)
    // Its first installation is under way: its invocations wait for it rather than run code
    // that could not import its packages.
    bool awaited() const { return state == DependencyState::Installing && importPath.empty(); }
};

} // namespace nimbus::sim
