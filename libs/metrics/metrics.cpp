#include "nimbus/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace nimbus::metrics {

namespace {

struct OutcomeName {
    Outcome outcome;
    const char *name;
};
constexpr OutcomeName outcomeNames[] = {
    {Outcome::Success, "success"},           {Outcome::Error, "error"},
    {Outcome::Timeout, "timeout"},           {Outcome::Crash, "crash"},
    {Outcome::OutOfMemory, "out-of-memory"}, {Outcome::Throttled, "throttled"},
};

template <typename T> T field(const nlohmann::json &json, const char *name, bool required) {
    const auto it = json.find(name);
    if (it == json.end() || it->is_null()) {
        if (required)
            throw std::invalid_argument(std::string("invocation record: missing \"") + name + "\"");
        return T{};
    }
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument(std::string("invocation record: \"") + name +
                                    "\" has the wrong type (" + it->type_name() + ")");
    }
}

} // namespace

const char *outcomeName(Outcome outcome) {
    for (const auto &o : outcomeNames)
        if (o.outcome == outcome)
            return o.name;
    return "error";
}

std::optional<Outcome> parseOutcome(const std::string &name) {
    for (const auto &o : outcomeNames)
        if (name == o.name)
            return o.outcome;
    return std::nullopt;
}

bool isError(Outcome outcome) {
    return outcome != Outcome::Success && outcome != Outcome::Throttled;
}

nlohmann::json toJson(const Invocation &i) {
    nlohmann::json json{
        {"function", i.function},
        {"qualifier", i.qualifier},
        {"requestId", i.requestId},
        {"startMs", i.startMs},
        {"durationMs", i.durationMs},
        {"billedDurationMs", i.billedDurationMs},
        {"initDurationMs", i.initDurationMs ? nlohmann::json(*i.initDurationMs) : nlohmann::json()},
        {"queuedMs", i.queuedMs},
        {"memorySizeMb", i.memorySizeMb},
        {"maxMemoryUsedMb", i.maxMemoryUsedMb},
        {"outcome", outcomeName(i.outcome)},
        {"errorType", i.errorType},
        {"trigger", i.trigger}};
    return json;
}

Invocation invocationFromJson(const nlohmann::json &json) {
    if (!json.is_object())
        throw std::invalid_argument("invocation record: not a JSON object");
    Invocation i;
    i.function = field<std::string>(json, "function", true);
    i.qualifier = field<std::string>(json, "qualifier", false);
    i.requestId = field<std::string>(json, "requestId", false);
    i.startMs = field<std::int64_t>(json, "startMs", true);
    i.durationMs = field<double>(json, "durationMs", true);
    i.billedDurationMs = field<double>(json, "billedDurationMs", false);
    if (json.contains("initDurationMs") && !json["initDurationMs"].is_null())
        i.initDurationMs = field<double>(json, "initDurationMs", true);
    i.queuedMs = field<double>(json, "queuedMs", false);
    i.memorySizeMb = field<int>(json, "memorySizeMb", false);
    i.maxMemoryUsedMb = field<int>(json, "maxMemoryUsedMb", false);
    const auto outcome = field<std::string>(json, "outcome", true);
    const auto parsed = parseOutcome(outcome);
    if (!parsed)
        throw std::invalid_argument("invocation record: unknown \"outcome\" '" + outcome +
                                    "' (success, error, timeout, crash, out-of-memory, "
                                    "throttled)");
    i.outcome = *parsed;
    i.errorType = field<std::string>(json, "errorType", false);
    i.trigger = field<std::string>(json, "trigger", false);
    return i;
}

nlohmann::json toJson(const FunctionSummary &s) {
    return {{"function", s.function},
            {"invocations", s.invocations},
            {"errors", s.errors},
            {"throttles", s.throttles},
            {"coldStarts", s.coldStarts},
            {"p50Ms", s.p50Ms},
            {"p90Ms", s.p90Ms},
            {"p99Ms", s.p99Ms},
            {"queuedP99Ms", s.queuedP99Ms},
            {"maxMemoryMB", s.maxMemoryMb}};
}

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

std::vector<FunctionSummary> summarize(const std::vector<Invocation> &invocations) {
    struct Accumulator {
        FunctionSummary summary;
        std::vector<double> durations, queued;
    };
    std::map<std::string, Accumulator> byFunction;
    for (const auto &i : invocations) {
        auto &a = byFunction[i.function];
        a.summary.function = i.function;
        ++a.summary.invocations;
        if (i.outcome == Outcome::Throttled) {
            ++a.summary.throttles;
            continue; // it never ran: no duration, no memory
        }
        if (isError(i.outcome))
            ++a.summary.errors;
        if (i.coldStart())
            ++a.summary.coldStarts;
        a.durations.push_back(i.durationMs);
        a.queued.push_back(i.queuedMs);
        a.summary.maxMemoryMb = std::max(a.summary.maxMemoryMb, i.maxMemoryUsedMb);
    }
    std::vector<FunctionSummary> out;
    out.reserve(byFunction.size());
    for (auto &[name, a] : byFunction) {
        a.summary.p50Ms = percentile(a.durations, 50);
        a.summary.p90Ms = percentile(a.durations, 90);
        a.summary.p99Ms = percentile(a.durations, 99);
        a.summary.queuedP99Ms = percentile(a.queued, 99);
        out.push_back(std::move(a.summary));
    }
    return out;
}

std::vector<FunctionSeries> timeSeries(const std::vector<Invocation> &invocations,
                                       std::int64_t fromMs, std::int64_t toMs,
                                       std::int64_t bucketMs) {
    std::vector<FunctionSeries> out;
    if (bucketMs <= 0 || toMs <= fromMs)
        return out;
    const std::int64_t first = fromMs - fromMs % bucketMs;
    const std::size_t buckets = static_cast<std::size_t>((toMs - first + bucketMs - 1) / bucketMs);
    if (buckets > 100000)
        return out; // a bucket too small for the range: nobody charts that many points
    struct Bucket {
        SeriesPoint point;
        std::vector<double> durations;
    };
    std::map<std::string, std::vector<Bucket>> byFunction;
    for (const Invocation &invocation : invocations) {
        if (invocation.startMs < first || invocation.startMs >= toMs)
            continue;
        auto &series = byFunction[invocation.function];
        if (series.empty()) {
            series.resize(buckets);
            for (std::size_t i = 0; i < buckets; ++i)
                series[i].point.startMs = first + static_cast<std::int64_t>(i) * bucketMs;
        }
        Bucket &bucket = series[static_cast<std::size_t>((invocation.startMs - first) / bucketMs)];
        ++bucket.point.invocations;
        if (isError(invocation.outcome))
            ++bucket.point.errors;
        if (invocation.outcome == Outcome::Throttled)
            ++bucket.point.throttles;
        else
            bucket.durations.push_back(invocation.durationMs);
        if (invocation.coldStart())
            ++bucket.point.coldStarts;
    }
    for (auto &[function, series] : byFunction) {
        FunctionSeries result{function, {}};
        for (Bucket &bucket : series) {
            bucket.point.p50Ms = percentile(bucket.durations, 50);
            bucket.point.p99Ms = percentile(bucket.durations, 99);
            result.points.push_back(bucket.point);
        }
        out.push_back(std::move(result));
    }
    return out;
}

nlohmann::json toJson(const FunctionSeries &series) {
    nlohmann::json points = nlohmann::json::array();
    for (const SeriesPoint &p : series.points)
        points.push_back({{"startMs", p.startMs},
                          {"invocations", p.invocations},
                          {"errors", p.errors},
                          {"throttles", p.throttles},
                          {"coldStarts", p.coldStarts},
                          {"p50Ms", p.p50Ms},
                          {"p99Ms", p.p99Ms}});
    return {{"function", series.function}, {"points", std::move(points)}};
}

} // namespace nimbus::metrics
