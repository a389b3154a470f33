#include "statefile.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

std::string StateFile::pathFor(const std::string &projectDir) {
    return (fs::path(projectDir) / ".nimbus" / "sim.json").string();
}

bool StateFile::write(const std::string &projectDir, const nlohmann::json &state,
                      std::string &error) {
    const fs::path path = pathFor(projectDir);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
        error = "cannot create " + path.parent_path().string() + ": " + ec.message();
        return false;
    }
    const std::string temporary = path.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot write " + temporary + ": " + std::strerror(errno);
        return false;
    }
    const std::string text = state.dump(2) + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::fchmod(fd, 0600);
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "cannot write " + path.string() + ": " + std::strerror(errno);
        ::unlink(temporary.c_str());
        return false;
    }
    return true;
}

void StateFile::remove(const std::string &projectDir) {
    std::error_code ec;
    fs::remove(pathFor(projectDir), ec);
}

std::string StateFile::lockPathFor(const std::string &projectDir) {
    return (fs::path(projectDir) / ".nimbus" / "sim.lock").string();
}

namespace {

// A write lock over the whole file, owned by the open file description (not the process:
// another descriptor of the same process conflicts with it, and closing one leaves it).
struct flock wholeFileWriteLock() {
    struct flock region {};
    region.l_type = F_WRLCK;
    region.l_whence = SEEK_SET;
    region.l_start = 0;
    region.l_len = 0;
    return region;
}

// Whether some process holds the project's serving lock; nothing when there is no lock file.
std::optional<bool> lockHeld(const std::string &projectDir) {
    const int fd = ::open(StateFile::lockPathFor(projectDir).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    struct flock region = wholeFileWriteLock();
    const bool asked = ::fcntl(fd, F_OFD_GETLK, &region) == 0;
    ::close(fd);
    if (!asked)
        return std::nullopt;
    return region.l_type != F_UNLCK;
}

} // namespace

int StateFile::lock(const std::string &projectDir, std::string &error) {
    const std::string path = lockPathFor(projectDir);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return -1;
    }
    struct flock region = wholeFileWriteLock();
    if (::fcntl(fd, F_OFD_SETLK, &region) != 0) {
        error = errno == EAGAIN || errno == EACCES
                    ? "another simulator holds " + path
                    : "cannot lock " + path + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<nlohmann::json> StateFile::readLive(const std::string &projectDir) {
    std::ifstream in(pathFor(projectDir));
    if (!in)
        return std::nullopt;
    nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    if (!state.is_object() || !state.contains("pid") || !state["pid"].is_number_integer())
        return std::nullopt;
    if (const auto held = lockHeld(projectDir))
        return *held ? std::optional(state) : std::nullopt;
    const auto pid = state["pid"].get<pid_t>();
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH))
        return std::nullopt;
    // A simulator killed with its parent can stay a zombie until whoever adopted it reaps it:
    // dead all the same.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    if (const auto end = text.rfind(')'); end != std::string::npos && end + 2 < text.size() &&
                                          (text[end + 2] == 'Z' || text[end + 2] == 'X'))
        return std::nullopt;
    return state;
}

} // namespace nimbus::sim
