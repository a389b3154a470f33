#include "localcredentials.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

std::string randomText(std::size_t length, const std::string &alphabet) {
    std::string bytes(length, '\0');
    RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), static_cast<int>(length));
    std::string out;
    for (unsigned char b : bytes)
        out += alphabet[b % alphabet.size()];
    return out;
}

} // namespace

bool ensurePrivateStateDir(const std::string &stateDir, std::string &error) {
    std::error_code ec;
    fs::create_directories(fs::path(stateDir).parent_path(), ec);
    if (::mkdir(stateDir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create " + stateDir + ": " + std::strerror(errno);
        return false;
    }
    struct stat st {};
    if (::lstat(stateDir.c_str(), &st) != 0) {
        error = "cannot read " + stateDir + ": " + std::strerror(errno);
        return false;
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
        error = stateDir + " is not a folder of its own (a link or a file): the simulator keeps "
                           "its keys there; remove it and start again";
        return false;
    }
    if (st.st_uid != ::geteuid()) {
        error = stateDir + " belongs to another user (uid " + std::to_string(st.st_uid) +
                "): the simulator keeps its keys there; remove it (or run as its owner)";
        return false;
    }
    if ((st.st_mode & 0077) != 0 && ::chmod(stateDir.c_str(), 0700) != 0) {
        error = "cannot make " + stateDir + " private (0700): " + std::strerror(errno);
        return false;
    }
    return true;
}

std::optional<sigv4::Credentials> loadOrCreateCredentials(const std::string &stateDir,
                                                          std::string &error) {
    const fs::path path = fs::path(stateDir) / "credentials.json";
    std::error_code ec;
    if (fs::exists(path, ec)) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        const auto stored = nlohmann::json::parse(text.str(), nullptr, false);
        if (stored.is_object() && stored.value("accessKeyId", "").size() >= 16 &&
            stored.value("secretAccessKey", "").size() >= 30)
            return sigv4::Credentials{stored["accessKeyId"], stored["secretAccessKey"], ""};
        error = path.string() + " is damaged; delete it to have new credentials made";
        return std::nullopt;
    }
    fs::create_directories(stateDir, ec);
    // The shapes AWS uses: a 20-character key id, a 40-character secret.
    sigv4::Credentials made{"NIMB" + randomText(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                            randomText(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789+/"),
                            ""};
    const std::string text =
        nlohmann::json{{"accessKeyId", made.accessKeyId}, {"secretAccessKey", made.secretAccessKey}}
            .dump(2) +
        "\n";
    const std::string temporary = path.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fsync(fd) != 0) {
        if (fd >= 0)
            ::close(fd);
        error = "cannot write " + temporary;
        return std::nullopt;
    }
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "cannot write " + path.string();
        return std::nullopt;
    }
    return made;
}

} // namespace nimbus::sim
