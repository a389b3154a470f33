#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::metrics {

// How an invocation ended. Timeouts, crashes and running out of memory are errors, as the
// platform counts them; a throttled invocation never ran.
enum class Outcome { Success, Error, Timeout, Crash, OutOfMemory, Throttled };

const char *outcomeName(Outcome outcome); // "success", "error", "timeout", ...
std::optional<Outcome> parseOutcome(const std::string &name);
bool isError(Outcome outcome);

// One invocation, as the simulator records it.
struct Invocation {
    std::string function;  // as the manifest names it
    std::string qualifier; // "$LATEST", a version or an alias
    std::string requestId;
    std::int64_t startMs = 0; // Unix time
    double durationMs = 0;
    double billedDurationMs = 0;
    std::optional<double> initDurationMs; // set on a cold start
    double queuedMs = 0;                  // how long it waited for an instance
    int memorySizeMb = 0;
    int maxMemoryUsedMb = 0;
    Outcome outcome = Outcome::Success;
    std::string errorType;
    std::string trigger; // "invoke", "gateway", "async", "schedule", "debug", ...

    bool coldStart() const { return initDurationMs.has_value(); }
};

nlohmann::json toJson(const Invocation &invocation);
// Reads what toJson wrote; throws std::invalid_argument naming the bad field.
Invocation invocationFromJson(const nlohmann::json &json);

// What `nimbus metrics` prints for one function.
struct FunctionSummary {
    std::string function;
    long long invocations = 0; // throttled ones included
    long long errors = 0;
    long long throttles = 0;
    long long coldStarts = 0;
    double p50Ms = 0, p90Ms = 0, p99Ms = 0; // of the invocations that ran
    double queuedP99Ms = 0;                 // their wait for an instance
    int maxMemoryMb = 0;
};

// {"function", "invocations", "errors", "throttles", "coldStarts", "p50Ms", "p90Ms", "p99Ms",
//  "queuedP99Ms", "maxMemoryMB"}
nlohmann::json toJson(const FunctionSummary &summary);

// One summary per function, in name order.
std::vector<FunctionSummary> summarize(const std::vector<Invocation> &invocations);

// One function's figures in one time bucket, for charts over time.
struct SeriesPoint {
    std::int64_t startMs = 0; // the bucket's start (Unix time, a multiple of the bucket size)
    long long invocations = 0, errors = 0, throttles = 0, coldStarts = 0;
    double p50Ms = 0, p99Ms = 0;
};
struct FunctionSeries {
    std::string function;
    std::vector<SeriesPoint> points; // every bucket from `fromMs` to `toMs`, empty ones too
};
// Per function (in name order), the invocations started in [fromMs, toMs) by buckets of
// `bucketMs`; buckets with nothing are there with zeros, so a chart's x axis is even.
std::vector<FunctionSeries> timeSeries(const std::vector<Invocation> &invocations,
                                       std::int64_t fromMs, std::int64_t toMs,
                                       std::int64_t bucketMs);
// {"function", "points": [{"startMs", "invocations", "errors", "throttles", "coldStarts",
//  "p50Ms", "p99Ms"}]}
nlohmann::json toJson(const FunctionSeries &series);

// The nearest-rank percentile (0 < p <= 100) of `values`; 0 for none.
double percentile(std::vector<double> values, double p);

} // namespace nimbus::metrics
