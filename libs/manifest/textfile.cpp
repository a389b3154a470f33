#include "nimbus/manifest/textfile.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nimbus::manifest {

std::optional<std::string> readTextFile(const std::string &path, std::uintmax_t maxBytes) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) ||
        std::filesystem::file_size(path, ec) > maxBytes || ec)
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return std::nullopt;
    return text.str();
}

} // namespace nimbus::manifest
