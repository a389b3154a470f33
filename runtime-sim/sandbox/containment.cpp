#include "containment.h"

#include "bubblewrap.h"
#include "nimbus/resources/resourcelocator.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

// Lambda's limits: 1,024 open files, 1,024 processes and threads.
constexpr long long kMaxOpenFiles = 1024;
constexpr long long kMaxProcesses = 1024;

fs::path systemTmp() {
    std::error_code ec;
    const fs::path system = fs::temp_directory_path(ec);
    return ec ? fs::path("/tmp") : system;
}

} // namespace

std::string makePrivateTmpRoot() {
    const std::string mine = "nimbus-" + std::to_string(::getuid()) + "-";
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(systemTmp(), ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(mine))
            continue;
        const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + mine.size()));
        struct stat st {};
        const bool ours = ::lstat(entry.path().c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
                          st.st_uid == ::getuid();
        if (ours && owner > 0 && owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH)
            fs::remove_all(entry.path(), ec);
    }
    // mkdtemp: a new folder with a name no one could have taken first (0700).
    std::string pattern = (systemTmp() / (mine + std::to_string(::getpid()) + "-XXXXXX")).string();
    return ::mkdtemp(pattern.data()) ? pattern : std::string();
}

void removePrivateTmpRoot(const std::string &root) {
    std::error_code ec;
    if (!root.empty())
        fs::remove_all(root, ec);
}

long long fallbackProcessLimit() {
    // /proc/loadavg's fourth field: "running/total" tasks of the whole machine.
    std::ifstream in("/proc/loadavg");
    std::string a, b, c, tasks;
    in >> a >> b >> c >> tasks;
    const auto slash = tasks.find('/');
    const long long total = slash == std::string::npos ? 0 : std::atoll(tasks.c_str() + slash + 1);
    return total + kMaxProcesses;
}

std::unique_ptr<InstanceContainment>
InstanceContainment::contain(ChildProcess::Spec &spec, const ContainmentRequest &request,
                             const ContainmentSettings &settings, std::string &error) {
    auto containment = std::unique_ptr<InstanceContainment>(new InstanceContainment());
    const long long tmpBytes = static_cast<long long>(request.ephemeralStorageMb) << 20;

    ResourceLimits limits;
    limits.openFiles = kMaxOpenFiles;
    limits.fileSizeBytes = tmpBytes;
    limits.coreBytes = 0;
    if (settings.cgroups) {
        std::string why;
        containment->m_cgroup = settings.cgroups->makeGroup(
            static_cast<long long>(request.memoryMb) << 20, kMaxProcesses, why);
        if (containment->m_cgroup) {
            containment->m_memoryLimit = settings.cgroups->describe();
            spec.cgroupProcs = containment->m_cgroup->procsDescriptors();
        } else {
            containment->m_memoryLimit = "sampled (" + why + ")";
        }
    }
    if (!containment->m_cgroup)
        limits.processes = fallbackProcessLimit();
    spec.limits = limits;

    if (settings.sandbox) {
        SandboxView view;
        view.bubblewrap = findBubblewrap();
        if (view.bubblewrap.empty()) {
            error = "instances run sandboxed (--sandbox, or custom.nimbus.sandbox) under "
                    "bubblewrap, which is not installed; install it (Debian: apt-get install "
                    "bubblewrap) or run without --sandbox";
            return nullptr;
        }
        view.readOnly = request.readOnly;
        // The interpreter's own installation, wherever it is (pyenv and nvm keep theirs in
        // the home folder, which the sandbox hides).
        const fs::path prefix = fs::path(spec.executable).parent_path().parent_path();
        if (!prefix.empty() && prefix != "/")
            view.readOnly.push_back(prefix.string());
        view.writable = request.writable;
        view.tmpBytes = tmpBytes;
        view.network = settings.network;
        if (!settings.network && !containment->bridgePorts(request, settings, view, error))
            return nullptr;
        wrapInBubblewrap(spec, view);
        containment->m_sandboxed = true;
        containment->m_tmpDir = "/tmp";
        return containment;
    }

    // Unsandboxed, /tmp stays the machine's: the instance's own is its TMPDIR (which Python's
    // tempfile and Node's os.tmpdir() use), removed with it.
    const fs::path root = settings.tmpRoot.empty() ? systemTmp() : fs::path(settings.tmpRoot);
    std::string pattern = (root / (request.function + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data())) {
        containment->m_tmpDir = pattern;
        containment->m_ownsTmp = true;
        spec.environment["TMPDIR"] = pattern;
    }
    return containment;
}

bool InstanceContainment::bridgePorts(const ContainmentRequest &request,
                                      const ContainmentSettings &settings, SandboxView &view,
                                      std::string &error) {
    view.relay = resources::helperFile("nimbus-sandbox-relay");
    if (view.relay.empty()) {
        error = "a sandbox without a network (custom.nimbus.sandbox's network: false) needs "
                "nimbus-sandbox-relay beside nimbus-sim, and it is missing; build it (ninja "
                "nimbus-sandbox-relay) or reinstall Nimbus";
        return false;
    }
    if (!request.io || request.runtimeApiPort == 0) {
        error = "internal: no Runtime API to bridge into the sandbox";
        return false;
    }
    std::vector<SandboxView::RelayedPort> ports = {{request.runtimeApiPort, kBridgeSocketName}};
    if (!request.debugAgent.empty()) {
        // The debugger listens on the machine's loopback (nimbus-dap's agent port); the
        // instance connects to the same address inside.
        const auto colon = request.debugAgent.rfind(':');
        const long port = colon == std::string::npos
                              ? 0
                              : std::strtol(request.debugAgent.c_str() + colon + 1, nullptr, 10);
        if (request.debugAgent.substr(0, colon) != "127.0.0.1" || port <= 0 || port > 65535 ||
            port == request.runtimeApiPort) {
            error = "a function sandboxed without a network can be debugged through a debugger "
                    "on 127.0.0.1 only, and its agent is at '" +
                    request.debugAgent + "'";
            return false;
        }
        ports.push_back({static_cast<unsigned short>(port), kDebugBridgeSocketName});
    }
    // The sockets' folder: beside the instances' private /tmp folders, this user's only.
    const fs::path root = settings.tmpRoot.empty() ? systemTmp() : fs::path(settings.tmpRoot);
    std::string pattern = (root / (request.function + "-net-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) {
        error = "cannot make a folder for the Runtime API's socket in " + root.string() + ": " +
                std::strerror(errno);
        return false;
    }
    m_bridgeFolder = pattern;
    for (const auto &carried : ports) {
        auto bridge = SocketBridge::open(*request.io, m_bridgeFolder + "/" + carried.socketName,
                                         carried.port, error);
        if (!bridge)
            return false;
        m_bridges.push_back(std::move(bridge));
    }
    view.bridgeFolder = m_bridgeFolder;
    view.relayedPorts = std::move(ports);
    return true;
}

InstanceContainment::~InstanceContainment() {
    m_cgroup.reset(); // ends what is left of the instance first
    std::error_code ec;
    if (m_ownsTmp)
        fs::remove_all(m_tmpDir, ec);
    for (const auto &bridge : m_bridges)
        bridge->close();
    if (!m_bridgeFolder.empty())
        fs::remove_all(m_bridgeFolder, ec);
}

long long InstanceContainment::tmpBytes() const {
    if (!m_ownsTmp)
        return 0;
    // At the end of each invocation, but a walk at most once a second, of at most 100,000
    // entries: a function that leaves many files in /tmp must not pay for them on every call.
    const auto now = std::chrono::steady_clock::now();
    if (m_tmpCheckedAt && now - *m_tmpCheckedAt < std::chrono::seconds(1))
        return m_tmpBytes;
    long long total = 0;
    int entries = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(
             m_tmpDir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && ++entries <= 100000; it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec))
            total += static_cast<long long>(it->file_size(ec));
    }
    m_tmpCheckedAt = now;
    m_tmpBytes = total;
    return total;
}

} // namespace nimbus::sim
