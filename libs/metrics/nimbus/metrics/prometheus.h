#pragma once

#include "nimbus/metrics/metrics.h"

#include <map>
#include <string>
#include <vector>

namespace nimbus::metrics {

// Instances now, by function and state ("starting", "idle", "busy").
using InstanceCounts = std::map<std::string, std::map<std::string, int>>;

// The bucket bounds of the duration histogram, in seconds.
const std::vector<double> &durationBuckets();

// The Prometheus text exposition format (version 0.0.4) of the recorded invocations:
// nimbus_invocations_total{function,outcome}, the nimbus_invocation_duration_seconds
// histogram{function}, nimbus_cold_starts_total{function}, nimbus_instances{function,state}.
std::string prometheusText(const std::vector<Invocation> &invocations,
                           const InstanceCounts &instances);

// A label value with \, " and newline escaped as the format requires.
std::string escapeLabelValue(const std::string &value);

} // namespace nimbus::metrics
