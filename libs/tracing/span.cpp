#include "nimbus/tracing/span.h"

#include <algorithm>
#include <stdexcept>

namespace nimbus::tracing {

using nlohmann::json;

json toJson(const Span &span) {
    return json{{"traceId", span.traceId},
                {"spanId", span.spanId},
                {"parentId", span.parentId},
                {"name", span.name},
                {"kind", span.kind},
                {"function", span.function},
                {"startUs", span.startUs},
                {"durationUs", span.durationUs},
                {"status", span.error ? "error" : "ok"},
                {"statusMessage", span.statusMessage},
                {"attributes", span.attributes}};
}

namespace {

template <typename T> T field(const json &object, const char *name, bool required = true) {
    const auto it = object.find(name);
    if (it == object.end()) {
        if (required)
            throw std::invalid_argument(std::string("span: missing '") + name + "'");
        return T{};
    }
    try {
        return it->get<T>();
    } catch (const json::exception &) {
        throw std::invalid_argument(std::string("span: '") + name + "' has the wrong type");
    }
}

} // namespace

Span spanFromJson(const json &object) {
    if (!object.is_object())
        throw std::invalid_argument("span: not an object");
    Span span;
    span.traceId = field<std::string>(object, "traceId");
    span.spanId = field<std::string>(object, "spanId");
    span.parentId = field<std::string>(object, "parentId", false);
    span.name = field<std::string>(object, "name");
    span.kind = field<std::string>(object, "kind", false);
    if (span.kind.empty())
        span.kind = "internal";
    span.function = field<std::string>(object, "function", false);
    span.startUs = field<std::int64_t>(object, "startUs");
    span.durationUs = field<std::int64_t>(object, "durationUs");
    span.error = field<std::string>(object, "status", false) == "error";
    span.statusMessage = field<std::string>(object, "statusMessage", false);
    span.attributes = field<std::map<std::string, std::string>>(object, "attributes", false);
    return span;
}

std::int64_t Trace::startUs() const {
    std::int64_t start = spans.empty() ? 0 : spans.front().startUs;
    for (const Span &span : spans)
        start = std::min(start, span.startUs);
    return start;
}

std::int64_t Trace::durationUs() const {
    std::int64_t end = startUs();
    for (const Span &span : spans)
        end = std::max(end, span.startUs + span.durationUs);
    return end - startUs();
}

bool Trace::error() const {
    return std::any_of(spans.begin(), spans.end(), [](const Span &s) { return s.error; });
}

const Span *Trace::root() const {
    return spans.empty() ? nullptr : &spans.front();
}

namespace {

// Depth-first from the roots (spans whose parent is not in the trace), children by start,
// so that a listing reads as the call tree.
std::vector<Span> treeOrder(std::vector<Span> spans) {
    std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) {
        return a.startUs != b.startUs ? a.startUs < b.startUs : a.spanId < b.spanId;
    });
    std::map<std::string, std::vector<std::size_t>> children;
    std::vector<std::size_t> roots;
    std::map<std::string, std::size_t> byId;
    for (std::size_t i = 0; i < spans.size(); ++i)
        byId.emplace(spans[i].spanId, i);
    for (std::size_t i = 0; i < spans.size(); ++i) {
        if (!spans[i].parentId.empty() && byId.count(spans[i].parentId))
            children[spans[i].parentId].push_back(i);
        else
            roots.push_back(i);
    }
    std::vector<Span> out;
    std::vector<bool> seen(spans.size(), false);
    std::vector<std::size_t> stack(roots.rbegin(), roots.rend());
    while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        if (seen[i])
            continue; // a cycle of parent ids (bad input) is cut
        seen[i] = true;
        out.push_back(spans[i]);
        const auto &kids = children[spans[i].spanId];
        for (auto it = kids.rbegin(); it != kids.rend(); ++it)
            stack.push_back(*it);
    }
    for (std::size_t i = 0; i < spans.size(); ++i)
        if (!seen[i])
            out.push_back(spans[i]);
    return out;
}

} // namespace

std::vector<Trace> groupTraces(std::vector<Span> spans) {
    std::map<std::string, std::vector<Span>> byTrace;
    for (Span &span : spans)
        byTrace[span.traceId].push_back(std::move(span));
    std::vector<Trace> traces;
    for (auto &[id, members] : byTrace)
        traces.push_back(Trace{id, treeOrder(std::move(members))});
    std::sort(traces.begin(), traces.end(), [](const Trace &a, const Trace &b) {
        return a.startUs() > b.startUs();
    });
    return traces;
}

json toJson(const Trace &trace) {
    json spans = json::array();
    for (const Span &span : trace.spans)
        spans.push_back(toJson(span));
    const Span *root = trace.root();
    return json{{"traceId", trace.traceId},
                {"name", root ? root->name : std::string()},
                {"startUs", trace.startUs()},
                {"durationUs", trace.durationUs()},
                {"error", trace.error()},
                {"spans", std::move(spans)}};
}

namespace {

int otlpKind(const std::string &kind) {
    // SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    if (kind == "server")
        return 2;
    if (kind == "client")
        return 3;
    if (kind == "producer")
        return 4;
    if (kind == "consumer")
        return 5;
    return 1;
}

json otlpAttribute(const std::string &key, const std::string &value) {
    return json{{"key", key}, {"value", {{"stringValue", value}}}};
}

} // namespace

json otlpExportRequest(const std::vector<Span> &spans) {
    std::map<std::string, json> byService;
    for (const Span &span : spans) {
        const std::string service = span.function.empty() || span.kind == "server"
                                        ? std::string("nimbus")
                                        : "nimbus:" + span.function;
        json attributes = json::array();
        if (!span.function.empty())
            attributes.push_back(otlpAttribute("faas.name", span.function));
        for (const auto &[key, value] : span.attributes)
            attributes.push_back(otlpAttribute(key, value));
        json out{{"traceId", span.traceId},
                 {"spanId", span.spanId},
                 {"name", span.name},
                 {"kind", otlpKind(span.kind)},
                 // Nanoseconds as decimal strings: the JSON encoding of fixed64.
                 {"startTimeUnixNano", std::to_string(span.startUs * 1000)},
                 {"endTimeUnixNano", std::to_string((span.startUs + span.durationUs) * 1000)},
                 {"attributes", std::move(attributes)},
                 // StatusCode: 1 ok, 2 error.
                 {"status", span.error ? json{{"code", 2}, {"message", span.statusMessage}}
                                       : json{{"code", 1}}}};
        if (!span.parentId.empty())
            out["parentSpanId"] = span.parentId;
        byService[service].push_back(std::move(out));
    }
    json resourceSpans = json::array();
    for (auto &[service, serviceSpans] : byService) {
        resourceSpans.push_back(
            {{"resource", {{"attributes", json::array({otlpAttribute("service.name", service)})}}},
             {"scopeSpans",
              json::array({{{"scope", {{"name", "nimbus-sim"}}}, {"spans", std::move(serviceSpans)}}})}});
    }
    return json{{"resourceSpans", std::move(resourceSpans)}};
}

} // namespace nimbus::tracing
