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

std::string helperFile(const std::string &fileName) {
    std::error_code ec;
    const fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    // Last, the build tree's bin/: for programs run from the build tree, such as tests.
    for (const fs::path &candidate :
         {dir / fileName, dir.parent_path() / "lib" / "nimbus" / fileName,
          dir.parent_path() / "lib" / fileName, fs::path(NIMBUS_BUILD_BIN_DIR) / fileName})
        if (!candidate.empty() && fs::is_regular_file(candidate, ec))
            return candidate.string();
    return {};
}

std::string resourcePath(const std::string &relative) {
    return (fs::path(resourcesDir()) / relative).string();
}

} // namespace nimbus::resources
