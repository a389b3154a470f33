#pragma once

#include "nimbus/deploy/deployer.h"

#include <functional>
#include <string>

namespace nimbus::sim {

// What fills a deployment plan's dependencies, for `nimbus package`, `nimbus deploy` and the
// Studio's deploy alike: installs (where they are not yet) the packages each function of the
// plan declares, then adds them to the plan: Python's at the package's root, Node's beside
// their package.json (in place of a node_modules of the project's own, which may hold dev
// dependencies). The same folders as the simulator's, so what `nimbus dev` installed is
// packaged as it is; a Python runtime that is not the local interpreter's version gets
// Lambda's platform wheels in a folder of their own. `progress` hears "installing
// dependencies from FILE (TOOL)" before each installation.
deploy::DependencyStep packageDependencies(std::function<void(const std::string &)> progress);

} // namespace nimbus::sim
