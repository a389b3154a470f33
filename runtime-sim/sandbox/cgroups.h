#pragma once

#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nimbus::sim {

// One instance's control group (in each hierarchy that holds a controller we use): the
// kernel holds it to its memory size exactly — no sampling, no overshoot — and to Lambda's
// 1,024 processes and threads, whatever it forks.
class InstanceCgroup {
public:
    ~InstanceCgroup(); // ends whatever is left in it, and removes it (or leaves that to its tree)
    InstanceCgroup(const InstanceCgroup &) = delete;
    InstanceCgroup &operator=(const InstanceCgroup &) = delete;

    // Open cgroup.procs files (close-on-exec) a new process writes "0" to before exec.
    const std::vector<int> &procsDescriptors() const { return m_procs; }
    // Moves a running process (with its threads) in.
    bool add(pid_t pid) const;
    // The kernel stopped it for going over its memory: an OOM kill inside the group.
    bool outOfMemory() const;
    // Its highest memory use so far, in bytes; -1 when the kernel does not keep it.
    long long peakBytes() const;
    // Kills every process still in it (one that left the instance's process group included).
    void killAll() const;

private:
    friend class CgroupTree;
    InstanceCgroup() = default;
    std::string readFile(const std::string &dir, const char *name) const;

    int m_version = 2;
    std::string m_memoryDir; // where memory.* lives
    std::vector<std::string> m_dirs;
    std::vector<int> m_procs;
    std::shared_ptr<class CgroupTree> m_tree; // removes what could not be removed at once
};

// Where this simulator makes its instances' groups: a folder of its own beside its own group,
// in cgroup v2 when the memory and pids controllers can be delegated there, else in v1's
// memory and pids hierarchies, when this user may write to them.
class CgroupTree : public std::enable_shared_from_this<CgroupTree> {
public:
    // The tree, or nullptr with `why` saying what is missing (for the log: memory is then
    // sampled, and processes are held by RLIMIT_NPROC).
    static std::shared_ptr<CgroupTree> create(std::string &why);
    ~CgroupTree(); // removes its folders
    CgroupTree(const CgroupTree &) = delete;
    CgroupTree &operator=(const CgroupTree &) = delete;

    int version() const { return m_version; }
    // "cgroup v2 memory.max", "cgroup v1 memory.limit_in_bytes": what the REPORT names.
    std::string describe() const;
    // Its folder in the hierarchy with the memory controller (<own group>/nimbus-<pid>-<n>).
    const std::string &memoryFolder() const { return m_memoryBase; }

    // A group for one instance, limited to `memoryBytes` and `maxProcesses`; nullptr with
    // `error` set when it cannot be made.
    std::unique_ptr<InstanceCgroup> makeGroup(long long memoryBytes, long long maxProcesses,
                                              std::string &error);

private:
    friend class InstanceCgroup;
    CgroupTree() = default;
    // Whether a process of ours can join a group of the tree.
    bool canMoveIntoGroups(std::string &why);
    void removeLater(std::string dir);
    void removeFinished();

    int m_version = 2;
    std::string m_memoryBase;             // our folder, in the hierarchy with the memory controller
    std::string m_pidsBase;               // the same for pids (the same folder in v2)
    std::vector<std::string> m_leftovers; // groups to remove once their last process is gone
    unsigned long m_next = 0;
};

} // namespace nimbus::sim
