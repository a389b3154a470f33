#include "resourcelimits.h"

#include <sys/resource.h>

namespace nimbus::sim {

namespace {

// (prlimit with pid 0 is the calling process: one loop for both.)
bool setLimits(pid_t pid, const ResourceLimits &limits) {
    struct Limit {
        int resource;
        long long value;
    };
    const Limit all[] = {{RLIMIT_NOFILE, limits.openFiles},
                         {RLIMIT_NPROC, limits.processes},
                         {RLIMIT_FSIZE, limits.fileSizeBytes},
                         {RLIMIT_CORE, limits.coreBytes}};
    for (const Limit &limit : all) {
        if (limit.value <= 0 && limit.resource != RLIMIT_CORE)
            continue; // not limited here
        rlimit current{};
        if (::prlimit(pid, static_cast<__rlimit_resource>(limit.resource), nullptr, &current) != 0)
            return false;
        rlimit wanted{};
        wanted.rlim_cur = static_cast<rlim_t>(limit.value);
        // The hard limit comes down too, so the function cannot raise it again; never above
        // what we hold ourselves (only privileged processes may raise one).
        wanted.rlim_max = wanted.rlim_cur;
        if (current.rlim_max != RLIM_INFINITY && wanted.rlim_cur > current.rlim_max)
            wanted.rlim_cur = wanted.rlim_max = current.rlim_max;
        if (::prlimit(pid, static_cast<__rlimit_resource>(limit.resource), &wanted, nullptr) != 0)
            return false;
    }
    return true;
}

} // namespace

bool ResourceLimits::apply() const {
    return setLimits(0, *this);
}

bool ResourceLimits::applyTo(pid_t pid) const {
    return setLimits(pid, *this);
}

} // namespace nimbus::sim
