#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::tracing {

// A trace and the span a request came from: what `traceparent` (W3C Trace Context) and
// `X-Amzn-Trace-Id` (AWS X-Ray) both carry, in their own spellings.
struct TraceContext {
    std::string traceId;  // 32 lowercase hex digits, not all zero
    std::string parentId; // 16 lowercase hex digits: the caller's span ("" at a trace's start)
    bool sampled = true;
};

// "00-<trace id>-<parent id>-<flags>"; nothing for anything malformed (as the spec says:
// then start a new trace).
std::optional<TraceContext> parseTraceparent(std::string_view header);
// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0|1" (fields in any order, Parent and
// Sampled optional); nothing when Root is missing or malformed.
std::optional<TraceContext> parseAmznTraceId(std::string_view header);

// A new trace (X-Ray's ids begin with the time in seconds, which W3C ids may too).
TraceContext startTrace();
std::string newSpanId();

// The context a request continues: its traceparent, else its X-Amzn-Trace-Id, else a new
// trace.
TraceContext continueTrace(std::string_view traceparent, std::string_view amznTraceId);

// The headers that hand `context` on, with `spanId` as the parent of what comes next.
std::string formatTraceparent(const TraceContext &context, const std::string &spanId);
std::string formatAmznTraceId(const TraceContext &context, const std::string &spanId);

} // namespace nimbus::tracing
