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

// A helper file Nimbus hands to processes it starts: a library it preloads
// (libnimbus-portmap.so) or a program it runs inside a sandbox (nimbus-sandbox-relay). Beside
// the running binary (the build tree), in <prefix>/lib/nimbus (installed) or ../lib (the
// VS Code extension's servers), else in the build tree's bin/. Empty when there is none.
std::string helperFile(const std::string &fileName);

} // namespace nimbus::resources
