#include "nimbus/resources/resourcelocator.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::resources {

std::string resourcesDir() {
    if (const char *env = std::getenv("NIMBUS_RESOURCES"); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed =
            exe.parent_path().parent_path() / NIMBUS_INSTALL_DATADIR / "nimbus";
        if (fs::is_directory(installed / "templates", ec))
            return installed.string();
    }
    return NIMBUS_SOURCE_RESOURCES_DIR;
}

std::string resourcePath(const std::string &relative) {
    return (fs::path(resourcesDir()) / relative).string();
}

} // namespace nimbus::resources
