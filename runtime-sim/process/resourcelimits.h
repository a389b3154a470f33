#pragma once

#include <sys/types.h>

namespace nimbus::sim {

// The resource limits a function instance starts with, as Lambda sets them (1,024 open
// files, 1,024 processes and threads, no core dumps) and a file no larger than its
// ephemeral storage. Applied with setrlimit() between fork and exec, or with prlimit() to
// a process that is already running (an idle template taking its assignment).
struct ResourceLimits {
    long long openFiles = 1024;
    // RLIMIT_NPROC counts every process and thread of the user, not the instance's alone, and
    // does not hold root at all: a cgroup's pids.max is the exact limit (sandbox/cgroups.h);
    // this is the fallback, set above what the user already runs.
    long long processes = 0; // 0: not limited here
    long long fileSizeBytes = 512LL << 20;
    long long coreBytes = 0;

    // Sets them on the calling process; async-signal-safe (for a forked child). False with
    // errno set when one cannot be set.
    bool apply() const;
    // Sets them on a running process of ours.
    bool applyTo(pid_t pid) const;
};

} // namespace nimbus::sim
