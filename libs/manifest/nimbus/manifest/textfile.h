#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nimbus::manifest {

// The whole text of a project file the manifest's tools read (a handler module, a file a
// variable names, a manifest not open in the editor): a regular file (a FIFO would block)
// of at most `maxBytes`. Nothing when it is not one or cannot be read.
std::optional<std::string> readTextFile(const std::string &path,
                                        std::uintmax_t maxBytes = 16 * 1024 * 1024);

} // namespace nimbus::manifest
