#pragma once

#include "nimbus/metrics/metrics.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nimbus::metrics {

// Instances now, by function and state ("starting", "idle", "busy").
using InstanceCounts = std::map<std::string, std::map<std::string, int>>;

// The bucket bounds of the duration histogram, in seconds.
const std::vector<double> &durationBuckets();

// Counters since the simulator started, as Prometheus wants them: they only go up (a restart
// is a reset, which Prometheus understands), whatever the store's retention drops.
// Thread-safe.
class Counters {
public:
    void add(const Invocation &invocation);
    std::string prometheusText(const InstanceCounts &instances) const;

private:
    struct Histogram {
        std::vector<long long> buckets;
        long long count = 0;
        double sum = 0;
    };
    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, std::string>, long long> m_byOutcome;
    std::map<std::string, Histogram> m_durations;
    std::map<std::string, long long> m_coldStarts;
};

// The Prometheus text exposition format (version 0.0.4) of the recorded invocations:
// nimbus_invocations_total{function,outcome}, the nimbus_invocation_duration_seconds
// histogram{function}, nimbus_cold_starts_total{function}, nimbus_instances{function,state}.
std::string prometheusText(const std::vector<Invocation> &invocations,
                           const InstanceCounts &instances);

// A label value with \, " and newline escaped as the format requires.
std::string escapeLabelValue(const std::string &value);

} // namespace nimbus::metrics
