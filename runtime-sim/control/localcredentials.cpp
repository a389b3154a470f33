#include "localcredentials.h"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <sstream>
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
