#include "nimbus/metrics/prometheus.h"

#include <iomanip>
#include <map>
#include <sstream>

namespace nimbus::metrics {

namespace {

// Numbers as Prometheus reads them: integers plainly, others with enough digits.
std::string number(double value) {
    std::ostringstream out;
    out << std::setprecision(12) << value;
    return out.str();
}

} // namespace

const std::vector<double> &durationBuckets() {
    static const std::vector<double> buckets{
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
    return buckets;
}

std::string escapeLabelValue(const std::string &value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void Counters::add(const Invocation &i) {
    std::lock_guard lock(m_mutex);
    ++m_byOutcome[{i.function, outcomeName(i.outcome)}];
    m_coldStarts[i.function] += i.coldStart() ? 1 : 0;
    if (i.outcome == Outcome::Throttled)
        return; // it never ran: no duration
    auto &h = m_durations[i.function];
    if (h.buckets.empty())
        h.buckets.assign(durationBuckets().size(), 0);
    const double seconds = i.durationMs / 1000.0;
    for (std::size_t b = 0; b < durationBuckets().size(); ++b)
        if (seconds <= durationBuckets()[b])
            ++h.buckets[b];
    ++h.count;
    h.sum += seconds;
}

std::string Counters::prometheusText(const InstanceCounts &instances) const {
    std::lock_guard lock(m_mutex);
    const auto label = [](const std::string &name, const std::string &value) {
        return name + "=\"" + escapeLabelValue(value) + "\"";
    };
    std::ostringstream out;
    out << "# HELP nimbus_invocations_total Invocations by function and outcome.\n"
           "# TYPE nimbus_invocations_total counter\n";
    for (const auto &[key, count] : m_byOutcome)
        out << "nimbus_invocations_total{" << label("function", key.first) << ','
            << label("outcome", key.second) << "} " << count << '\n';
    out << "# HELP nimbus_invocation_duration_seconds How long invocations ran.\n"
           "# TYPE nimbus_invocation_duration_seconds histogram\n";
    for (const auto &[function, h] : m_durations) {
        const std::string fn = label("function", function);
        for (std::size_t b = 0; b < durationBuckets().size(); ++b)
            out << "nimbus_invocation_duration_seconds_bucket{" << fn << ",le=\""
                << number(durationBuckets()[b]) << "\"} " << h.buckets[b] << '\n';
        out << "nimbus_invocation_duration_seconds_bucket{" << fn << ",le=\"+Inf\"} " << h.count
            << '\n'
            << "nimbus_invocation_duration_seconds_sum{" << fn << "} " << number(h.sum) << '\n'
            << "nimbus_invocation_duration_seconds_count{" << fn << "} " << h.count << '\n';
    }
    out << "# HELP nimbus_cold_starts_total Invocations that started a new instance.\n"
           "# TYPE nimbus_cold_starts_total counter\n";
    for (const auto &[function, count] : m_coldStarts)
        out << "nimbus_cold_starts_total{" << label("function", function) << "} " << count
            << '\n';
    out << "# HELP nimbus_instances Function instances by state.\n"
           "# TYPE nimbus_instances gauge\n";
    for (const auto &[function, states] : instances)
        for (const auto &[state, count] : states)
            out << "nimbus_instances{" << label("function", function) << ','
                << label("state", state) << "} " << count << '\n';
    return out.str();
}

std::string prometheusText(const std::vector<Invocation> &invocations,
                           const InstanceCounts &instances) {
    Counters counters;
    for (const auto &i : invocations)
        counters.add(i);
    return counters.prometheusText(instances);
}

} // namespace nimbus::metrics
