#pragma once
// What every benchmark's report needs: percentiles of samples, and the machine they were
// measured on.

#include <algorithm>
#include <fstream>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

namespace nimbus::bench {

struct Stats {
    double p50 = 0;
    double p99 = 0;
};

// The median and the 99th percentile (nearest rank) of `samples`; zeros when there are none.
inline Stats stats(std::vector<double> samples) {
    if (samples.empty())
        return {};
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        return samples[std::min(samples.size() - 1,
                                static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
    };
    return {at(0.50), at(0.99)};
}

inline std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    }
    return "unknown CPU";
}

// "AMD EPYC, 2 cores, Linux 6.18.4"
inline std::string machine() {
    utsname uts{};
    ::uname(&uts);
    return cpuModel() + ", " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " +
           uts.sysname + " " + uts.release;
}

} // namespace nimbus::bench
