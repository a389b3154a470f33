#pragma once

#include <optional>
#include <string>

namespace nimbus::resources {

// The absolute path of an executable program on $PATH (python3, node, go, ...), as a shell
// would find it; nothing when there is none.
std::optional<std::string> findProgram(const std::string &name);

} // namespace nimbus::resources
