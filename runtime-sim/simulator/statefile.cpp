#include "statefile.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <sys/stat.h>
#include <thread>
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

// Whether `pid` is gone or on its way out: a zombie, or still running its exit (PF_EXITING in
// /proc/PID/stat's flags), as a simulator just killed with SIGKILL is for a moment, while the
// kernel tears down its memory before it closes its files (and lets its lock go).
bool processEnding(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat)
        return true;
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto end = text.rfind(')');
    if (end == std::string::npos)
        return true;
    std::istringstream fields(text.substr(end + 2));
    std::string state;
    long long ppid = 0, group = 0, session = 0, tty = 0, foreground = 0;
    unsigned long long flags = 0;
    if (!(fields >> state >> ppid >> group >> session >> tty >> foreground >> flags))
        return false;
    constexpr unsigned long long kExiting = 0x4; // PF_EXITING
    return state == "Z" || state == "X" || (flags & kExiting) != 0;
}

// The state file, when it holds a simulator's pid.
std::optional<nlohmann::json> readState(const std::string &projectDir) {
    std::ifstream in(StateFile::pathFor(projectDir));
    if (!in)
        return std::nullopt;
    nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    if (!state.is_object() || !state.contains("pid") || !state["pid"].is_number_integer())
        return std::nullopt;
    return state;
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
    int why = 0; // errno of the last try
    const auto tryLock = [&] {
        const bool done = ::fcntl(fd, F_OFD_SETLK, &region) == 0;
        why = done ? 0 : errno;
        return done;
    };
    bool locked = tryLock();
    if (!locked && (why == EAGAIN || why == EACCES)) {
        // A simulator killed a moment ago holds its lock until the kernel has ended it: wait
        // for that (at most two seconds), never for a live one.
        const auto state = readState(projectDir);
        const pid_t holder = state ? (*state)["pid"].get<pid_t>() : 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!locked && holder > 0 && processEnding(holder) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            locked = tryLock();
        }
    }
    if (!locked) {
        error = why == EAGAIN || why == EACCES ? "another simulator holds " + path
                                               : "cannot lock " + path + ": " + std::strerror(why);
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<nlohmann::json> StateFile::readLive(const std::string &projectDir) {
    auto state = readState(projectDir);
    if (!state)
        return std::nullopt;
    const auto pid = (*state)["pid"].get<pid_t>();
    // A simulator killed with its parent can stay a zombie until whoever adopted it reaps it:
    // dead all the same, as is one still on its way out.
    if (pid <= 0 || processEnding(pid))
        return std::nullopt;
    if (const auto held = lockHeld(projectDir); held && !*held)
        return std::nullopt;
    return state;
}

} // namespace nimbus::sim
