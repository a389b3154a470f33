#pragma once

#include <chrono>

namespace nimbus::sim {

// Now, in milliseconds since the epoch: the time stamps of events, messages and records.
inline long long nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace nimbus::sim
