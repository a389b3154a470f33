#include "nimbus/resources/programlocator.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::resources {

std::optional<std::string> findProgram(const std::string &name) {
    const char *pathVariable = std::getenv("PATH");
    std::stringstream dirs(pathVariable ? pathVariable : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        std::error_code ec;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec))
            return candidate.string();
    }
    return std::nullopt;
}

} // namespace nimbus::resources
