// Functions' logs as the CloudWatch Logs API serves them (FilterLogEvents and
// DescribeLogGroups, JSON 1.1 over POST / with X-Amz-Target), so `aws logs tail` and
// `nimbus logs` read them alike; the dead-letter queues and the metrics (Nimbus extensions).
#include "../simulator/simulator.h"
#include "controlplane.h"
#include "nimbus/metrics/prometheus.h"

#include <chrono>
#include <set>

namespace nimbus::sim {

using nlohmann::json;

namespace {

net::Response logsError(unsigned status, const std::string &type, const std::string &message) {
    net::Response response = net::makeResponse(
        status, json{{"__type", type}, {"message", message}}.dump(), "application/x-amz-json-1.1");
    response.set("x-amzn-ErrorType", type);
    return response;
}

net::Response logsAnswer(const json &body) {
    return net::makeResponse(200, body.dump(), "application/x-amz-json-1.1");
}

} // namespace

net::Response ControlPlane::logsRequest(const ApiRequest &r, const std::string &operation) {
    const json body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
    if (!body.is_object())
        return logsError(400, "SerializationException", "the request body is not a JSON object");
    auto number = [&](const char *key, long long fallback) {
        return body.contains(key) && body[key].is_number_integer() ? body[key].get<long long>()
                                                                   : fallback;
    };
    if (operation == "DescribeLogGroups") {
        json groups = json::array();
        for (const auto &name : m_logs->groups(body.value("logGroupNamePrefix", "")))
            groups.push_back({{"logGroupName", name},
                              {"arn", "arn:aws:logs:" + region() + ":" + m_options.account +
                                          ":log-group:" + name + ":*"},
                              {"storedBytes", 0}});
        return logsAnswer({{"logGroups", groups}});
    }
    if (operation != "FilterLogEvents")
        return logsError(400, "UnknownOperationException",
                         "Logs operation " + operation +
                             " is not served here (FilterLogEvents and DescribeLogGroups are)");
    std::string group = body.value("logGroupName", body.value("logGroupIdentifier", ""));
    if (group.empty())
        return logsError(400, "InvalidParameterException", "logGroupName is required");
    const std::string prefix = "/aws/lambda/";
    const std::string function = group.rfind(prefix, 0) == 0 ? group.substr(prefix.size()) : "";
    const auto existing = m_logs->groups(group);
    const bool known = std::find(existing.begin(), existing.end(), group) != existing.end() ||
                       (!function.empty() && (m_store->function(function).has_value() ||
                                              m_simulator.findFunction(function) != nullptr));
    if (!known)
        return logsError(400, "ResourceNotFoundException", "The specified log group does not exist.");
    const long long after = body.contains("nextToken") && body["nextToken"].is_string()
                                ? std::atoll(body["nextToken"].get<std::string>().c_str())
                                : 0;
    const int limit = static_cast<int>(std::clamp(number("limit", 10000), 1LL, 10000LL));
    const auto events = m_logs->filter(group, number("startTime", 0), number("endTime", 0),
                                       body.value("filterPattern", ""), after, limit + 1);
    json out = json::array();
    std::set<std::string> streams;
    for (std::size_t i = 0; i < events.size() && static_cast<int>(i) < limit; ++i) {
        const auto &e = events[i];
        out.push_back({{"logStreamName", e.stream},
                       {"timestamp", e.timestampMs},
                       {"ingestionTime", e.timestampMs},
                       {"message", e.message + "\n"},
                       {"eventId", std::to_string(e.id)}});
        streams.insert(e.stream);
    }
    json searched = json::array();
    for (const auto &s : streams)
        searched.push_back({{"logStreamName", s}, {"searchedCompletely", true}});
    json answer{{"events", out}, {"searchedLogStreams", searched}};
    if (static_cast<int>(events.size()) > limit)
        answer["nextToken"] = std::to_string(events[static_cast<std::size_t>(limit) - 1].id);
    return logsAnswer(answer);
}

net::Response ControlPlane::deadLetters(const ApiRequest &r) {
    if (r.steps.size() == 3 && r.method == "DELETE") {
        m_queue->deleteDeadLetter(std::atoll(r.steps[2].c_str()));
        return apiResponse(204, json());
    }
    if (r.steps.size() != 2 || r.method != "GET")
        return lambdaError(lambda::unknownOperation("Unknown operation " + r.method +
                                                    " on dead letters"));
    std::string function = r.param("function");
    // A function may be named as the manifest names it; its events carry the name the
    // caller used, so match either.
    std::vector<std::string> names{function};
    if (const manifest::Function *fn = function.empty() ? nullptr : m_simulator.findFunction(function)) {
        names = {fn->name, fn->deployedName};
    }
    json letters = json::array();
    for (const auto &name : names) {
        for (const auto &d : m_queue->deadLetters(r.param("queue"), name, 1000))
            letters.push_back({{"Id", d.id},
                               {"Queue", d.queue},
                               {"FunctionName", d.function},
                               {"RequestId", d.requestId},
                               {"Payload", d.payload},
                               {"Error", d.error},
                               {"Attempts", d.attempts},
                               {"Timestamp", d.createdMs}});
    }
    return apiResponse(200, {{"DeadLetters", letters}});
}

net::Response ControlPlane::metricsSummary(const ApiRequest &r) {
    // ?since=MS (Unix time) and ?function=NAME. A function named as the manifest or by its
    // deployed name selects both its own invocations and its deployed versions'.
    const long long since = std::atoll(r.param("since").c_str());
    const std::string function = r.param("function");
    std::set<std::string> names{function};
    if (const manifest::Function *fn =
            function.empty() ? nullptr : m_simulator.findFunction(function))
        names = {fn->name, fn->deployedName};
    std::vector<metrics::Invocation> selected;
    for (auto &record : m_metrics->since(since, ""))
        if (function.empty() || names.count(record.function))
            selected.push_back(std::move(record));
    json summaries = json::array();
    for (const auto &summary : metrics::summarize(selected))
        summaries.push_back(metrics::toJson(summary));
    json answer{{"Functions", summaries}};
    // ?bucket=MS: the same as series over time, for charts (from `since` to now).
    if (const long long bucket = std::atoll(r.param("bucket").c_str()); bucket > 0) {
        const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        json series = json::array();
        for (const auto &s : metrics::timeSeries(selected, since > 0 ? since : now - 3600000,
                                                 now + 1, std::max(bucket, 1000LL)))
            series.push_back(metrics::toJson(s));
        answer["Series"] = std::move(series);
    }
    return apiResponse(200, answer);
}

namespace {

// The manifest's and the deployed name of the function a query names (both empty: all).
std::pair<std::string, std::string> functionNames(Simulator &simulator, const std::string &name) {
    if (const manifest::Function *fn = name.empty() ? nullptr : simulator.findFunction(name))
        return {fn->name, fn->deployedName};
    return {name, name};
}

std::size_t limitParam(const ApiRequest &r, std::size_t fallback) {
    const long long limit = std::atoll(r.param("limit").c_str());
    return limit > 0 ? static_cast<std::size_t>(std::min(limit, 10000LL)) : fallback;
}

} // namespace

net::Response ControlPlane::tracesRequest(const ApiRequest &r, const std::string &traceId) {
    if (!traceId.empty()) {
        auto spans = m_spans->trace(traceId);
        if (spans.empty())
            return lambdaError(404, "ResourceNotFoundException", "No trace " + traceId);
        const auto traces = tracing::groupTraces(std::move(spans));
        return apiResponse(200, tracing::toJson(traces.front()));
    }
    const auto [function, alias] = functionNames(m_simulator, r.param("function"));
    json traces = json::array();
    for (const auto &trace : m_spans->recent(std::atoll(r.param("since").c_str()), function,
                                             alias, limitParam(r, 50)))
        traces.push_back(tracing::toJson(trace));
    return apiResponse(200, {{"Traces", std::move(traces)}});
}

net::Response ControlPlane::failuresRequest(const ApiRequest &r, const std::string &id) {
    if (!id.empty()) {
        auto found = m_failures->find(id);
        if (!found)
            return lambdaError(404, "ResourceNotFoundException",
                               "No failure " + id + " (nimbus failures lists them)");
        return apiResponse(200, failures::toJson(*found));
    }
    const auto [function, alias] = functionNames(m_simulator, r.param("function"));
    json list = json::array();
    for (const auto &failure : m_failures->recent(std::atoll(r.param("since").c_str()), function,
                                                  alias, limitParam(r, 100)))
        list.push_back(failures::toJson(failure));
    return apiResponse(200, {{"Failures", std::move(list)}});
}

net::Response ControlPlane::prometheusMetrics() {
    metrics::InstanceCounts instances;
    const json snapshot = m_simulator.events().snapshot();
    for (const auto &instance : snapshot.value("instances", json::array()))
        ++instances[instance.value("function", "")][instance.value("state", "")];
    auto response = net::makeResponse(200, m_counters.prometheusText(instances));
    response.set(boost::beast::http::field::content_type,
                 "text/plain; version=0.0.4; charset=utf-8");
    return response;
}

} // namespace nimbus::sim
