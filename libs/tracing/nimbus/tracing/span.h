#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nimbus::tracing {

// One timed step of a trace, as the simulator records it: the gateway serving a request,
// the control plane taking an Invoke, a function running.
struct Span {
    std::string traceId;  // 32 hex digits
    std::string spanId;   // 16 hex digits
    std::string parentId; // "" at a trace's root
    std::string name;     // "GET /orders", "Invoke checkout", "checkout"
    // OpenTelemetry's span kinds that apply here: "server" (the gateway and the control plane
    // answering a caller) and "internal" (a function's run; an asynchronous one is "consumer").
    std::string kind = "internal";
    std::string function;     // the function it concerns, as the manifest names it ("" for none)
    std::int64_t startUs = 0; // Unix time, microseconds
    std::int64_t durationUs = 0;
    bool error = false;
    std::string statusMessage; // why it failed: an error type, an HTTP status
    std::map<std::string, std::string> attributes;
};

// {"traceId", "spanId", "parentId", "name", "kind", "function", "startUs", "durationUs",
//  "status": "ok"|"error", "statusMessage", "attributes"}
nlohmann::json toJson(const Span &span);
// Reads what toJson wrote; throws std::invalid_argument naming the bad field.
Span spanFromJson(const nlohmann::json &json);

// A trace: its spans, parents before children, siblings by start.
struct Trace {
    std::string traceId;
    std::vector<Span> spans;
    std::int64_t startUs() const;
    std::int64_t durationUs() const; // from the first start to the last end
    bool error() const;              // any span failed
    const Span *root() const;        // the span without a parent here (the first, if several)
};

// Groups spans by trace, newest trace first, each trace's spans ordered as in Trace.
std::vector<Trace> groupTraces(std::vector<Span> spans);

// {"traceId", "startUs", "durationUs", "error", "name" (the root's), "spans": [...]}
nlohmann::json toJson(const Trace &trace);

// An OTLP/HTTP JSON ExportTraceServiceRequest (opentelemetry-proto, trace/v1) of these
// spans: one resource per function (service.name "nimbus:<function>", the gateway and control
// plane as "nimbus"), ids as hex, times as nanosecond strings, as the JSON encoding says.
nlohmann::json otlpExportRequest(const std::vector<Span> &spans);

} // namespace nimbus::tracing
