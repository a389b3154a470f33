#pragma once

#include "../process/childprocess.h"
#include "cgroups.h"
#include "socketbridge.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

struct SandboxView;

// How instances are contained, for a whole pool.
struct ContainmentSettings {
    std::shared_ptr<CgroupTree> cgroups; // null: memory sampled, processes by RLIMIT_NPROC
    bool sandbox = false;                // run under bubblewrap
    bool network = true;                 // a sandboxed instance may reach the network
    std::string tmpRoot;                 // private /tmp folders' parent (unsandboxed)
};

// What one instance needs to be contained.
struct ContainmentRequest {
    std::string function; // for names and messages
    int memoryMb = 1024;  // the cgroup's memory.max
    int ephemeralStorageMb = 512;
    // What a sandbox shows read-only: its code, packages, layers, the runtime's files.
    std::vector<std::string> readOnly;
    std::vector<std::string> writable; // e.g. a profile's output folder
    // Its Runtime API, and its debugger's agent port when it is debugged ("127.0.0.1:PORT",
    // NIMBUS_DEBUG_AGENT), which a sandbox without a network reaches through SocketBridges
    // served on `io`.
    boost::asio::io_context *io = nullptr;
    unsigned short runtimeApiPort = 0;
    std::string debugAgent;
};

// One instance's containment: its resource limits (open files, processes, file size, no
// core dumps), its control group where the kernel lets us make one, its private /tmp, and
// bubblewrap around its command when sandboxed. Ends them all when destroyed.
class InstanceContainment {
public:
    // Fits `spec` (RuntimeLauncher::prepare's) with them. nullptr with `error` set when the
    // instance cannot run as asked (sandboxed without bubblewrap installed).
    static std::unique_ptr<InstanceContainment> contain(ChildProcess::Spec &spec,
                                                        const ContainmentRequest &request,
                                                        const ContainmentSettings &settings,
                                                        std::string &error);
    ~InstanceContainment();
    InstanceContainment(const InstanceContainment &) = delete;
    InstanceContainment &operator=(const InstanceContainment &) = delete;

    bool sandboxed() const { return m_sandboxed; }
    // The group holding its memory and processes; null when memory is sampled.
    InstanceCgroup *cgroup() const { return m_cgroup.get(); }
    // How its memory limit holds, for the REPORT: "cgroup v2 memory.max" or "sampled".
    const std::string &memoryLimit() const { return m_memoryLimit; }
    // Its /tmp as it sees it, and the bytes in it (its private folder; a sandbox's tmpfs is
    // sized exactly, so 0 there), counted at most once a second.
    const std::string &tmpDir() const { return m_tmpDir; }
    long long tmpBytes() const;

private:
    InstanceContainment() = default;
    // Without a network: the sockets, their bridges and the relay that carry the Runtime API
    // (and the debugger's connections) into the sandbox.
    bool bridgePorts(const ContainmentRequest &request, const ContainmentSettings &settings,
                     SandboxView &view, std::string &error);

    bool m_sandboxed = false;
    std::unique_ptr<InstanceCgroup> m_cgroup;
    std::string m_memoryLimit = "sampled";
    std::string m_tmpDir;
    bool m_ownsTmp = false;
    // Without a network: the way to its Runtime API, and to its debugger.
    std::vector<std::shared_ptr<SocketBridge>> m_bridges;
    std::string m_bridgeFolder;
    mutable std::optional<std::chrono::steady_clock::time_point> m_tmpCheckedAt;
    mutable long long m_tmpBytes = 0;
};

// A folder for one simulator's instances' private /tmp folders, in the system's temporary
// folder, readable by this user only ("nimbus-UID-PID-N"); those of simulators that died are
// removed on the way.
std::string makePrivateTmpRoot();
void removePrivateTmpRoot(const std::string &root);

// The process limit RLIMIT_NPROC can offer where no cgroup holds one: it counts every task of
// the user, so it is set 1,024 above what the machine runs now.
long long fallbackProcessLimit();

} // namespace nimbus::sim
