#include "nimbus/metrics/metrics.h"
#include "nimbus/metrics/prometheus.h"

#include <QProcess>
#include <QtTest>

using namespace nimbus::metrics;

// What the simulator will record of each invocation, summed up per function as `nimbus
// metrics` prints it, and rendered in Prometheus's text format — read back by the
// Prometheus project's own Python parser (Debian's python3-prometheus-client).
class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void percentilesAreNearestRank();
    void summaryCountsErrorsThrottlesAndColdStarts();
    void summaryJsonHasTheDocumentedKeys();
    void summariesSayHowLongInvocationsWaited();
    void seriesHaveEveryBucketOfTheRange();
    void recordsRoundTripAndNameTheBadField_data();
    void recordsRoundTripAndNameTheBadField();
    void labelValuesAreEscaped();
    void prometheusTextIsReadByPrometheusOwnParser();
};

namespace {

Invocation run(const std::string &fn, double ms, Outcome outcome = Outcome::Success,
               std::optional<double> init = std::nullopt, int memory = 40) {
    Invocation i;
    i.function = fn;
    i.qualifier = "$LATEST";
    i.requestId = "r";
    i.startMs = 1795650000000;
    i.durationMs = ms;
    i.billedDurationMs = ms;
    i.initDurationMs = init;
    i.memorySizeMb = 256;
    i.maxMemoryUsedMb = memory;
    i.outcome = outcome;
    i.errorType = isError(outcome) ? "ValueError" : "";
    i.trigger = "invoke";
    return i;
}

} // namespace

void TestMetrics::percentilesAreNearestRank() {
    std::vector<double> hundred;
    for (int i = 100; i >= 1; --i)
        hundred.push_back(i);
    QCOMPARE(percentile(hundred, 50), 50.0);
    QCOMPARE(percentile(hundred, 90), 90.0);
    QCOMPARE(percentile(hundred, 99), 99.0);
    QCOMPARE(percentile(hundred, 100), 100.0);
    QCOMPARE(percentile({7}, 99), 7.0);
    QCOMPARE(percentile({1, 2, 3}, 50), 2.0);
    QCOMPARE(percentile({}, 50), 0.0);
}

void TestMetrics::summaryCountsErrorsThrottlesAndColdStarts() {
    std::vector<Invocation> all;
    all.push_back(run("hello", 10, Outcome::Success, 80.0, 41));
    for (int i = 1; i <= 8; ++i)
        all.push_back(run("hello", i));
    all.push_back(run("hello", 3000, Outcome::Timeout, std::nullopt, 60));
    all.push_back(run("hello", 0, Outcome::Throttled, std::nullopt, 0));
    all.push_back(run("fail", 2, Outcome::Error, 70.0));
    all.push_back(run("fail", 1, Outcome::Crash));
    all.push_back(run("fail", 1, Outcome::OutOfMemory, std::nullopt, 256));
    const auto summaries = summarize(all);
    QCOMPARE(summaries.size(), std::size_t(2));
    const auto &fail = summaries[0];
    QCOMPARE(fail.function, std::string("fail"));
    QCOMPARE(fail.invocations, 3LL);
    QCOMPARE(fail.errors, 3LL); // an error, a crash and running out of memory
    QCOMPARE(fail.coldStarts, 1LL);
    QCOMPARE(fail.maxMemoryMb, 256);
    const auto &hello = summaries[1];
    QCOMPARE(hello.invocations, 11LL);
    QCOMPARE(hello.errors, 1LL); // the timeout
    QCOMPARE(hello.throttles, 1LL);
    QCOMPARE(hello.coldStarts, 1LL);
    // The ten that ran: 1..8, 10 and 3000 ms; the throttled one has no duration.
    QCOMPARE(hello.p50Ms, 5.0);
    QCOMPARE(hello.p90Ms, 10.0);
    QCOMPARE(hello.p99Ms, 3000.0);
    QCOMPARE(hello.maxMemoryMb, 60);
}

void TestMetrics::summaryJsonHasTheDocumentedKeys() {
    const auto json = toJson(summarize({run("hello", 4)}).front());
    for (const char *key : {"function", "invocations", "errors", "throttles", "coldStarts", "p50Ms",
                            "p90Ms", "p99Ms", "queuedP99Ms", "maxMemoryMB"})
        QVERIFY2(json.contains(key), key);
    QCOMPARE(json.size(), std::size_t(10));
    QCOMPARE(json["p99Ms"].get<double>(), 4.0);
}

void TestMetrics::summariesSayHowLongInvocationsWaited() {
    // What they waited for an instance, at the 99th percentile of those that ran; a
    // throttled one never ran.
    std::vector<Invocation> all;
    for (int i = 1; i <= 100; ++i) {
        Invocation invocation = run("hello", 2);
        invocation.queuedMs = i;
        all.push_back(invocation);
    }
    Invocation throttled = run("hello", 0);
    throttled.outcome = Outcome::Throttled;
    throttled.queuedMs = 5000;
    all.push_back(throttled);
    QCOMPARE(summarize(all).front().queuedP99Ms, 99.0);
    // And a record keeps it.
    QCOMPARE(invocationFromJson(toJson(all.front())).queuedMs, 1.0);
}

void TestMetrics::recordsRoundTripAndNameTheBadField_data() {
    QTest::addColumn<QString>("record");
    QTest::addColumn<QString>("error");
    QTest::newRow("not an object") << "[]"
                                   << "not a JSON object";
    QTest::newRow("no function") << R"({"startMs": 1, "durationMs": 1, "outcome": "success"})"
                                 << "missing \"function\"";
    QTest::newRow("duration a string")
        << R"({"function": "f", "startMs": 1, "durationMs": "1", "outcome": "success"})"
        << "\"durationMs\" has the wrong type (string)";
    QTest::newRow("unknown outcome")
        << R"({"function": "f", "startMs": 1, "durationMs": 1, "outcome": "meh"})"
        << "unknown \"outcome\" 'meh'";
}

void TestMetrics::recordsRoundTripAndNameTheBadField() {
    QFETCH(QString, record);
    QFETCH(QString, error);
    const Invocation cold = run("hello", 12.5, Outcome::Timeout, 91.25, 77);
    const Invocation back = invocationFromJson(toJson(cold));
    QCOMPARE(toJson(back), toJson(cold));
    QVERIFY(back.coldStart());
    QCOMPARE(back.outcome, Outcome::Timeout);
    try {
        invocationFromJson(nlohmann::json::parse(record.toStdString()));
        QFAIL("accepted");
    } catch (const std::invalid_argument &e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(error), e.what());
    }
}

void TestMetrics::labelValuesAreEscaped() {
    const std::string escaped = escapeLabelValue("a\"b\\c\n");
    QCOMPARE(escaped, std::string("a\\\"b\\\\c\\n"));
}

void TestMetrics::prometheusTextIsReadByPrometheusOwnParser() {
    if (!QFile::exists("/usr/bin/python3"))
        QSKIP("needs /usr/bin/python3 with python3-prometheus-client");
    std::vector<Invocation> all{run("hello", 0.8, Outcome::Success, 80.0), run("hello", 4),
                                run("hello", 1500, Outcome::Timeout),
                                run("hello", 0, Outcome::Throttled), run("odd \"name\"", 20)};
    const std::string text = prometheusText(all, {{"hello", {{"idle", 2}, {"busy", 1}}}});
    // Every sample, as the reference parser reads it: name, labels, value.
    QProcess python;
    python.start("/usr/bin/python3",
                 {"-c", "import sys, json\n"
                        "from prometheus_client.parser import text_string_to_metric_families\n"
                        "out = []\n"
                        "for family in text_string_to_metric_families(sys.stdin.read()):\n"
                        "    for s in family.samples:\n"
                        "        out.append([family.type, s.name, s.labels, s.value])\n"
                        "print(json.dumps(out))\n"});
    QVERIFY(python.waitForStarted());
    python.write(QByteArray::fromStdString(text));
    python.closeWriteChannel();
    QVERIFY(python.waitForFinished(20000));
    const QByteArray err = python.readAllStandardError();
    if (err.contains("No module named 'prometheus_client'"))
        QSKIP("needs Debian's python3-prometheus-client");
    QVERIFY2(python.exitCode() == 0, err.constData());
    const auto samples = nlohmann::json::parse(python.readAllStandardOutput().toStdString());
    const auto value = [&](const std::string &name, const nlohmann::json &labels) {
        for (const auto &s : samples)
            if (s[1] == name && s[2] == labels)
                return s[3].get<double>();
        return -1.0;
    };
    QCOMPARE(value("nimbus_invocations_total", {{"function", "hello"}, {"outcome", "success"}}),
             2.0);
    QCOMPARE(value("nimbus_invocations_total", {{"function", "hello"}, {"outcome", "timeout"}}),
             1.0);
    QCOMPARE(value("nimbus_invocations_total", {{"function", "hello"}, {"outcome", "throttled"}}),
             1.0);
    QCOMPARE(
        value("nimbus_invocations_total", {{"function", "odd \"name\""}, {"outcome", "success"}}),
        1.0);
    QCOMPARE(value("nimbus_invocation_duration_seconds_bucket",
                   {{"function", "hello"}, {"le", "0.001"}}),
             1.0);
    QCOMPARE(value("nimbus_invocation_duration_seconds_bucket",
                   {{"function", "hello"}, {"le", "0.005"}}),
             2.0);
    QCOMPARE(
        value("nimbus_invocation_duration_seconds_bucket", {{"function", "hello"}, {"le", "2.5"}}),
        3.0);
    QCOMPARE(value("nimbus_invocation_duration_seconds_count", {{"function", "hello"}}), 3.0);
    QCOMPARE(value("nimbus_cold_starts_total", {{"function", "hello"}}), 1.0);
    QCOMPARE(value("nimbus_instances", {{"function", "hello"}, {"state", "busy"}}), 1.0);
    for (const auto &s : samples)
        if (s[1] == "nimbus_invocation_duration_seconds_bucket")
            QCOMPARE(s[0].get<std::string>(), std::string("histogram"));
}

void TestMetrics::seriesHaveEveryBucketOfTheRange() {
    const std::int64_t t0 = 1795650000000; // a multiple of the minute
    auto at = [&](Invocation i, std::int64_t offsetMs) {
        i.startMs = t0 + offsetMs;
        return i;
    };
    const std::vector<Invocation> invocations = {
        at(run("a", 10), 1000),
        at(run("a", 30, Outcome::Timeout), 2000),
        at(run("a", 20, Outcome::Success, 100.0), 3000),
        at(run("a", 5, Outcome::Throttled), 125000), // the third minute
        at(run("b", 7), 61000),
        at(run("a", 99), t0 - 1), // before the range: left out
    };
    const auto series = timeSeries(invocations, t0 + 5, t0 + 180000, 60000);
    QCOMPARE(series.size(), std::size_t(2));
    QCOMPARE(series[0].function, std::string("a"));
    QCOMPARE(series[0].points.size(), std::size_t(3)); // every minute, empty ones too
    const SeriesPoint &first = series[0].points[0];
    QCOMPARE(first.startMs, t0); // buckets start at multiples of their size
    QCOMPARE(first.invocations, 3LL);
    QCOMPARE(first.errors, 1LL);
    QCOMPARE(first.coldStarts, 1LL);
    QCOMPARE(first.p50Ms, 20.0);
    QCOMPARE(first.p99Ms, 30.0);
    QCOMPARE(series[0].points[1].invocations, 0LL);
    QCOMPARE(series[0].points[2].throttles, 1LL);
    QCOMPARE(series[0].points[2].p50Ms, 0.0); // a throttled invocation has no duration
    QCOMPARE(series[1].points[1].invocations, 1LL);
    const auto j = toJson(series[1]);
    QCOMPARE(j["points"].size(), std::size_t(3));
    QVERIFY(j["points"][0].contains("p99Ms"));
    QVERIFY(timeSeries(invocations, t0, t0 + 1000, 0).empty()); // no bucket size: nothing
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
