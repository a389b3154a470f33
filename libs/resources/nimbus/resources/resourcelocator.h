#pragma once

#include <string>

namespace nimbus::resources {

// The folder holding Nimbus's data files (schema/, templates/, runtimes/, ...):
//   1. $NIMBUS_RESOURCES, when set;
//   2. <prefix>/share/nimbus next to an installed binary;
//   3. the source tree's resources/ for binaries run from the build tree.
std::string resourcesDir();

// resourcesDir() + "/" + relative.
std::string resourcePath(const std::string &relative);

} // namespace nimbus::resources
