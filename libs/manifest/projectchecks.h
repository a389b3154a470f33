#pragma once

#include "nimbus/manifest/manifestloader.h"

namespace nimbus::manifest {

// Checks that need the project's files and the whole model (handler modules, runtimes,
// bootstrap files, schedules, routes); appends what they find.
void checkProject(const Manifest &manifest, const LoadOptions &options,
                  std::vector<Diagnostic> &diagnostics);

} // namespace nimbus::manifest
