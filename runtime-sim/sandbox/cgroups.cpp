#include "cgroups.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

std::string slurp(const std::string &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool writeText(const std::string &path, const std::string &text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// The number after `key` in a "key value" file (memory.events, memory.oom_control).
long long keyedValue(const std::string &text, const std::string &key) {
    std::istringstream lines(text);
    std::string name;
    long long value = 0;
    while (lines >> name >> value)
        if (name == key)
            return value;
    return 0;
}

struct Mount {
    std::string root;  // the part of the hierarchy it shows
    std::string point; // where it is mounted
};

// The cgroup2 mount (controllers empty) or the v1 mount holding `controller`.
std::optional<Mount> findMount(const std::string &controller) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        // id parent dev root point options [optional...] - fstype source superoptions
        std::istringstream fields(line);
        std::string id, parent, dev, root, point, options, field;
        fields >> id >> parent >> dev >> root >> point >> options;
        while (fields >> field && field != "-") {
        }
        std::string type, source, super;
        fields >> type >> source >> super;
        if (controller.empty()
                ? type == "cgroup2"
                : type == "cgroup" &&
                      ("," + super + ",").find("," + controller + ",") != std::string::npos)
            return Mount{root, point};
    }
    return std::nullopt;
}

// This process's group in the hierarchy holding `controller` ("" for cgroup v2), as a folder.
std::string ownGroup(const std::string &controller) {
    const std::optional<Mount> mount = findMount(controller);
    if (!mount)
        return {};
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
        // hierarchy-id:controllers:path
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        const bool match =
            controller.empty()
                ? line.compare(0, first, "0") == 0 && controllers.empty()
                : ("," + controllers + ",").find("," + controller + ",") != std::string::npos;
        if (!match)
            continue;
        if (mount->root != "/" && path.starts_with(mount->root))
            path = path.substr(mount->root.size());
        return (fs::path(mount->point) / fs::path(path).relative_path()).lexically_normal();
    }
    return {};
}

bool alive(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

// Groups left by simulators that were killed: removed when they hold nothing more.
void removeStale(const std::string &base) {
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("nimbus-") || !entry.is_directory(ec))
            continue;
        const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + 7));
        if (owner <= 0 || alive(owner))
            continue;
        for (const auto &group : fs::directory_iterator(entry.path(), ec))
            if (group.is_directory(ec))
                ::rmdir(group.path().c_str());
        ::rmdir(entry.path().c_str());
    }
}

// Makes `base`/nimbus-<pid>-<n> (a process may run several simulators: tests do); empty
// when it cannot.
std::string makeOwnFolder(const std::string &base, std::string &why) {
    if (base.empty() || ::access(base.c_str(), W_OK) != 0) {
        why = base.empty() ? "no cgroup hierarchy is mounted"
                           : "this user cannot create groups in " + base;
        return {};
    }
    removeStale(base);
    static std::atomic<unsigned> next{0};
    const std::string dir =
        base + "/nimbus-" + std::to_string(::getpid()) + "-" + std::to_string(++next);
    if (::mkdir(dir.c_str(), 0755) != 0) {
        why = "cannot create " + dir + ": " + std::strerror(errno);
        return {};
    }
    return dir;
}

bool hasControllers(const std::string &file) {
    const std::string text = " " + slurp(file) + " ";
    auto has = [&](const char *name) {
        return text.find(std::string(" ") + name + " ") != std::string::npos ||
               text.find(std::string(" ") + name + "\n") != std::string::npos;
    };
    return has("memory") && has("pids");
}

} // namespace

std::shared_ptr<CgroupTree> CgroupTree::create(std::string &why) {
    auto tree = std::shared_ptr<CgroupTree>(new CgroupTree());
    // cgroup v2, where our group can hand memory and pids on to groups of ours.
    const std::string unified = ownGroup("");
    if (!unified.empty() && hasControllers(unified + "/cgroup.controllers")) {
        // A group may pass controllers on only while it holds no processes itself, which
        // ours does unless it is the root; systemd delegates a group that can.
        if (hasControllers(unified + "/cgroup.subtree_control") ||
            writeText(unified + "/cgroup.subtree_control", "+memory +pids")) {
            const std::string dir = makeOwnFolder(unified, why);
            if (!dir.empty() && writeText(dir + "/cgroup.subtree_control", "+memory +pids")) {
                tree->m_version = 2;
                tree->m_memoryBase = tree->m_pidsBase = dir;
                if (tree->canMoveIntoGroups(why))
                    return tree;
                return nullptr;
            }
            if (!dir.empty())
                ::rmdir(dir.c_str());
        }
        why = "cgroup v2 does not delegate the memory and pids controllers to " + unified;
    } else {
        why = "cgroup v2 has no memory controller here";
    }
    // cgroup v1's memory and pids hierarchies (a hybrid or legacy system).
    std::string v1Why;
    const std::string memory = makeOwnFolder(ownGroup("memory"), v1Why);
    const std::string pids =
        memory.empty() ? std::string() : makeOwnFolder(ownGroup("pids"), v1Why);
    if (!memory.empty() && !pids.empty()) {
        tree->m_version = 1;
        tree->m_memoryBase = memory;
        tree->m_pidsBase = pids;
        why.clear();
        if (tree->canMoveIntoGroups(why))
            return tree;
        return nullptr;
    }
    if (!memory.empty())
        ::rmdir(memory.c_str());
    why += "; cgroup v1: " + v1Why;
    return nullptr;
}

bool CgroupTree::canMoveIntoGroups(std::string &why) {
    // Moving a process needs write access to the groups' common ancestor too (cgroup v2's
    // delegation rule), which no file's mode shows: a child of ours tries, as an instance
    // would, before any instance depends on it.
    std::string error;
    auto probe = makeGroup(64LL << 20, 16, error);
    if (!probe) {
        why = error;
        return false;
    }
    const pid_t child = ::fork();
    if (child == 0) {
        for (const int fd : probe->procsDescriptors())
            if (::write(fd, "0", 1) != 1)
                ::_exit(1);
        ::_exit(0);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        why = "this user cannot move processes into groups under " + m_memoryBase;
        return false;
    }
    return true;
}

CgroupTree::~CgroupTree() {
    // Killed instances leave their groups once the kernel has reaped their last process.
    for (int wait = 0; wait < 100 && !m_leftovers.empty(); ++wait) {
        removeFinished();
        if (!m_leftovers.empty())
            ::usleep(10000);
    }
    ::rmdir(m_memoryBase.c_str());
    if (m_pidsBase != m_memoryBase)
        ::rmdir(m_pidsBase.c_str());
}

std::string CgroupTree::describe() const {
    return m_version == 2 ? "cgroup v2 memory.max" : "cgroup v1 memory.limit_in_bytes";
}

std::unique_ptr<InstanceCgroup> CgroupTree::makeGroup(long long memoryBytes, long long maxProcesses,
                                                      std::string &error) {
    removeFinished();
    auto group = std::unique_ptr<InstanceCgroup>(new InstanceCgroup());
    group->m_version = m_version;
    group->m_tree = shared_from_this();
    const std::string name = "/instance-" + std::to_string(++m_next);
    auto make = [&](const std::string &base) -> std::string {
        const std::string dir = base + name;
        if (::mkdir(dir.c_str(), 0755) != 0) {
            error = "cannot create " + dir + ": " + std::strerror(errno);
            return {};
        }
        group->m_dirs.push_back(dir);
        const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            error = "cannot open " + dir + "/cgroup.procs: " + std::strerror(errno);
            return {};
        }
        group->m_procs.push_back(fd);
        return dir;
    };
    const std::string memory = make(m_memoryBase);
    if (memory.empty())
        return nullptr;
    group->m_memoryDir = memory;
    const std::string bytes = std::to_string(memoryBytes);
    const std::string pidsDir = m_pidsBase == m_memoryBase ? memory : make(m_pidsBase);
    if (pidsDir.empty())
        return nullptr;
    bool limited = false;
    if (m_version == 2) {
        limited = writeText(memory + "/memory.max", bytes);
        writeText(memory + "/memory.swap.max", "0"); // none where swap is not accounted
    } else {
        limited = writeText(memory + "/memory.limit_in_bytes", bytes);
        writeText(memory + "/memory.memsw.limit_in_bytes", bytes);
    }
    if (!limited || !writeText(pidsDir + "/pids.max", std::to_string(maxProcesses))) {
        error = "cannot set the limits of " + memory + ": " + std::strerror(errno);
        return nullptr;
    }
    return group;
}

void CgroupTree::removeLater(std::string dir) {
    m_leftovers.push_back(std::move(dir));
}

void CgroupTree::removeFinished() {
    std::erase_if(m_leftovers, [](const std::string &dir) {
        return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
    });
}

InstanceCgroup::~InstanceCgroup() {
    killAll();
    for (const int fd : m_procs)
        ::close(fd);
    // A group empties once its last process is reaped; until then it is removed later.
    for (const auto &dir : m_dirs)
        if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && m_tree)
            m_tree->removeLater(dir);
}

bool InstanceCgroup::add(pid_t pid) const {
    const std::string text = std::to_string(pid);
    for (const int fd : m_procs)
        if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            return false;
    return true;
}

std::string InstanceCgroup::readFile(const std::string &dir, const char *name) const {
    return slurp(dir + "/" + name);
}

bool InstanceCgroup::outOfMemory() const {
    if (m_version == 2)
        return keyedValue(readFile(m_memoryDir, "memory.events"), "oom_kill") > 0;
    return keyedValue(readFile(m_memoryDir, "memory.oom_control"), "oom_kill") > 0;
}

long long InstanceCgroup::peakBytes() const {
    const std::string text =
        readFile(m_memoryDir, m_version == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
    return text.empty() ? -1 : std::atoll(text.c_str());
}

void InstanceCgroup::killAll() const {
    if (m_version == 2 && writeText(m_memoryDir + "/cgroup.kill", "1"))
        return;
    std::istringstream pids(readFile(m_memoryDir, "cgroup.procs"));
    pid_t pid = 0;
    while (pids >> pid)
        ::kill(pid, SIGKILL);
}

} // namespace nimbus::sim
