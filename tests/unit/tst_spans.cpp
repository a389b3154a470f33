#include "nimbus/tracing/span.h"

#include <QtTest>

using namespace nimbus::tracing;
using nlohmann::json;

// Spans as the simulator records them: their JSON, traces assembled as call trees, and the
// OTLP/HTTP JSON export a collector takes.
class TestSpans : public QObject {
    Q_OBJECT
private slots:
    void jsonRoundTrips();
    void malformedJsonIsRefusedByName();
    void tracesAreCallTreesNewestFirst();
    void aParentCycleIsCutNotLooped();
    void otlpRequestFollowsTheJsonEncoding();
};

namespace {

Span span(const std::string &trace, const std::string &id, const std::string &parent,
          const std::string &name, std::int64_t start, std::int64_t duration,
          const std::string &function = {}) {
    Span s;
    s.traceId = trace;
    s.spanId = id;
    s.parentId = parent;
    s.name = name;
    s.startUs = start;
    s.durationUs = duration;
    s.function = function;
    return s;
}

const std::string kTrace = "0af7651916cd43dd8448eb211c80319c";

} // namespace

void TestSpans::jsonRoundTrips() {
    Span s = span(kTrace, "b7ad6b7169203331", "00f067aa0ba902b7", "GET /orders", 1700000000000000,
                  1234, "orders");
    s.kind = "server";
    s.error = true;
    s.statusMessage = "function error ValueError";
    s.attributes = {{"http.response.status_code", "502"}};
    const json j = toJson(s);
    QCOMPARE(j["status"].get<std::string>(), std::string("error"));
    const Span back = spanFromJson(j);
    QCOMPARE(back.traceId, s.traceId);
    QCOMPARE(back.parentId, s.parentId);
    QCOMPARE(back.kind, std::string("server"));
    QCOMPARE(back.startUs, s.startUs);
    QCOMPARE(back.durationUs, s.durationUs);
    QVERIFY(back.error);
    QCOMPARE(back.statusMessage, s.statusMessage);
    QCOMPARE(back.attributes, s.attributes);
}

void TestSpans::malformedJsonIsRefusedByName() {
    json j = toJson(span(kTrace, "b7ad6b7169203331", "", "f", 1, 2));
    j.erase("spanId");
    try {
        spanFromJson(j);
        QFAIL("a span without spanId was read");
    } catch (const std::invalid_argument &e) {
        QVERIFY(std::string(e.what()).find("spanId") != std::string::npos);
    }
    j = toJson(span(kTrace, "b7ad6b7169203331", "", "f", 1, 2));
    j["startUs"] = "soon";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, spanFromJson(j));
}

void TestSpans::tracesAreCallTreesNewestFirst() {
    // gateway -> front -> Invoke back -> back, recorded in the order they finished (deepest
    // first), plus an older trace.
    std::vector<Span> spans = {
        span(kTrace, "4444444444444444", "3333333333333333", "back", 1300, 50, "back"),
        span(kTrace, "3333333333333333", "2222222222222222", "Invoke back", 1250, 120, "back"),
        span(kTrace, "2222222222222222", "1111111111111111", "front", 1100, 400, "front"),
        span(kTrace, "5555555555555555", "1111111111111111", "front (init)", 1010, 80, "front"),
        span(kTrace, "1111111111111111", "", "GET /front", 1000, 600),
        span("11111111111111111111111111111111", "6666666666666666", "", "old", 10, 5),
    };
    const auto traces = groupTraces(spans);
    QCOMPARE(traces.size(), std::size_t(2));
    QCOMPARE(traces[0].traceId, kTrace); // newest first
    std::vector<std::string> order;
    for (const auto &s : traces[0].spans)
        order.push_back(s.name);
    const std::vector<std::string> expected = {"GET /front", "front (init)", "front",
                                               "Invoke back", "back"};
    QCOMPARE(order, expected);
    QCOMPARE(traces[0].startUs(), std::int64_t(1000));
    QCOMPARE(traces[0].durationUs(), std::int64_t(600));
    QCOMPARE(traces[0].root()->name, std::string("GET /front"));
    const json j = toJson(traces[0]);
    QCOMPARE(j["name"].get<std::string>(), std::string("GET /front"));
    QCOMPARE(j["spans"].size(), std::size_t(5));
    QVERIFY(!j["error"].get<bool>());
}

void TestSpans::aParentCycleIsCutNotLooped() {
    // Ids from a misbehaving caller: each span names the other as its parent.
    const auto traces = groupTraces({span(kTrace, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "a", 1, 1),
                                     span(kTrace, "bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "b", 2, 1)});
    QCOMPARE(traces.size(), std::size_t(1));
    QCOMPARE(traces[0].spans.size(), std::size_t(2)); // both kept, once each
}

void TestSpans::otlpRequestFollowsTheJsonEncoding() {
    Span gateway = span(kTrace, "1111111111111111", "", "GET /front", 1000, 600, "front");
    gateway.kind = "server";
    Span function = span(kTrace, "2222222222222222", "1111111111111111", "front", 1100, 400, "front");
    function.error = true;
    function.statusMessage = "ValueError";
    const json request = otlpExportRequest({gateway, function});
    const json &resources = request["resourceSpans"];
    QCOMPARE(resources.size(), std::size_t(2)); // the gateway ("nimbus") and the function
    std::map<std::string, json> byService;
    for (const auto &r : resources) {
        const auto &attribute = r["resource"]["attributes"][0];
        QCOMPARE(attribute["key"].get<std::string>(), std::string("service.name"));
        byService[attribute["value"]["stringValue"].get<std::string>()] = r;
    }
    QVERIFY(byService.count("nimbus"));
    QVERIFY(byService.count("nimbus:front"));
    const json &out = byService["nimbus:front"]["scopeSpans"][0]["spans"][0];
    QCOMPARE(out["traceId"].get<std::string>(), kTrace); // hex, not base64
    QCOMPARE(out["parentSpanId"].get<std::string>(), std::string("1111111111111111"));
    QCOMPARE(out["startTimeUnixNano"].get<std::string>(), std::string("1100000")); // a string
    QCOMPARE(out["endTimeUnixNano"].get<std::string>(), std::string("1500000"));
    QCOMPARE(out["kind"].get<int>(), 1);          // internal
    QCOMPARE(out["status"]["code"].get<int>(), 2); // error
    QCOMPARE(out["status"]["message"].get<std::string>(), std::string("ValueError"));
    const json &root = byService["nimbus"]["scopeSpans"][0]["spans"][0];
    QVERIFY(!root.contains("parentSpanId")); // a root has none
    QCOMPARE(root["kind"].get<int>(), 2);       // server
}

QTEST_APPLESS_MAIN(TestSpans)
#include "tst_spans.moc"
