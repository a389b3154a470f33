// The models behind the Studio's observability panels, on hand-written answers: metrics and
// their series, the traces' waterfall layout and time scale, a failure's scene, and the flame
// graph of a speedscope profile (merging, zoom, and what is wrong with a bad file).
#include "models/failuresmodel.h"
#include "models/flamegraph.h"
#include "models/metricsmodel.h"
#include "models/tracesmodel.h"
#include "observabilitydata.h"
#include "tempproject.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace nimbus::studio;
using observability::findNode;
using observability::findSpan;
using observability::kSpeedscope;

namespace {

// Three spans and an orphan, as /_nimbus/traces answers: a root of 100 µs, a child from +10
// for 50, its child from +20 for 10, and a span whose parent was not recorded.
const char *kTrace = R"({"traceId": "t1", "name": "GET /orders", "startUs": 1000,
    "durationUs": 100, "error": true, "spans": [
    {"traceId": "t1", "spanId": "a", "parentId": "", "name": "GET /orders", "kind": "server",
     "function": "", "startUs": 1000, "durationUs": 100, "status": "error",
     "statusMessage": "502", "attributes": {"http.status_code": "502"}},
    {"traceId": "t1", "spanId": "b", "parentId": "a", "name": "orders", "kind": "internal",
     "function": "orders", "startUs": 1010, "durationUs": 50, "status": "ok",
     "statusMessage": "", "attributes": {}},
    {"traceId": "t1", "spanId": "c", "parentId": "b", "name": "Invoke stock", "kind": "server",
     "function": "stock", "startUs": 1020, "durationUs": 10, "status": "error",
     "statusMessage": "KeyError", "attributes": {}},
    {"traceId": "t1", "spanId": "d", "parentId": "gone", "name": "late", "kind": "consumer",
     "function": "audit", "startUs": 1090, "durationUs": 10, "status": "ok",
     "statusMessage": "", "attributes": {}}]})";

QJsonObject jsonObject(const char *text) {
    return QJsonDocument::fromJson(text).object();
}

} // namespace

class TestStudioObservabilityModels : public QObject {
    Q_OBJECT

private slots:
    void metricsAreRead();
    void theWaterfallPlacesEachSpan_data();
    void theWaterfallPlacesEachSpan();
    void theTimeScaleTicksAtRoundSteps_data();
    void theTimeScaleTicksAtRoundSteps();
    void theWaterfallModelNestsSpansUnderTheirParents();
    void aFailureSceneIsRead();
    void theFlameGraphMergesStacksAndFindsTheHeaviestFrame();
    void theFlameGraphZoomsIntoAFrame();
    void aBadProfileIsReportedWithItsFile_data();
    void aBadProfileIsReportedWithItsFile();

};

// ---- models -----------------------------------------------------------------------------

void TestStudioObservabilityModels::metricsAreRead() {
    const MetricsSnapshot snapshot = metricsFromJson(jsonObject(R"({
        "Functions": [
          {"function": "boom", "invocations": 4, "errors": 3, "throttles": 1, "coldStarts": 1,
           "p50Ms": 2.5, "p90Ms": 8, "p99Ms": 9.75, "queuedP99Ms": 41.5, "maxMemoryMB": 31},
          {"function": "hello", "invocations": 2, "errors": 0, "throttles": 0, "coldStarts": 1,
           "p50Ms": 1, "p90Ms": 1, "p99Ms": 1, "maxMemoryMB": 20}],
        "Series": [{"function": "boom", "points": [
          {"startMs": 60000, "invocations": 0, "errors": 0, "throttles": 0, "coldStarts": 0,
           "p50Ms": 0, "p99Ms": 0},
          {"startMs": 120000, "invocations": 4, "errors": 3, "throttles": 1, "coldStarts": 1,
           "p50Ms": 2.5, "p99Ms": 9.75}]}]})"));
    QCOMPARE(snapshot.functions.size(), 2);
    QCOMPARE(snapshot.totalInvocations(), 6);
    QCOMPARE(snapshot.series.size(), 1);
    QCOMPARE(snapshot.series[0].points.size(), 2);
    QVERIFY(!snapshot.series[0].points[0].hasDurations()); // an empty bucket: no line to 0
    QVERIFY(snapshot.series[0].points[1].hasDurations());

    MetricsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFunctions(snapshot.functions);
    QCOMPARE(model.rowCount(), 2);
    const int boom = model.rowOf("boom");
    QCOMPARE(model.index(boom, MetricsTableModel::InvocationsColumn).data().toInt(), 4);
    QCOMPARE(model.index(boom, MetricsTableModel::ErrorsColumn).data().toInt(), 3);
    QCOMPARE(model.index(boom, MetricsTableModel::ThrottlesColumn).data().toInt(), 1);
    QCOMPARE(model.index(boom, MetricsTableModel::P99Column).data().toString(), QString("9.75"));
    QCOMPARE(model.index(boom, MetricsTableModel::QueuedP99Column).data().toString(),
             QString("41.5"));
    QCOMPARE(model.index(boom, MetricsTableModel::MemoryColumn).data().toInt(), 31);
    QCOMPARE(model.headerData(MetricsTableModel::ColdStartsColumn, Qt::Horizontal, Qt::DisplayRole)
                 .toString(),
             QString("Cold starts"));
    // A refresh with the same functions updates in place (no reset: the selection stays).
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QList<FunctionMetrics> again = snapshot.functions;
    again[0].invocations = 5;
    model.setFunctions(again);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(model.index(boom, MetricsTableModel::InvocationsColumn).data().toInt(), 5);
    // The ranges come with buckets that chart them in 30 to 75 points.
    for (const MetricsRange &range : metricsRanges()) {
        QVERIFY2(range.spanMs / range.bucketMs >= 30 && range.spanMs / range.bucketMs <= 75,
                 qPrintable(range.label));
    }
}

void TestStudioObservabilityModels::theWaterfallPlacesEachSpan_data() {
    QTest::addColumn<QString>("span");
    QTest::addColumn<int>("depth");
    QTest::addColumn<double>("start");
    QTest::addColumn<double>("width");
    QTest::newRow("the root spans the whole trace") << "GET /orders" << 0 << 0.0 << 1.0;
    QTest::newRow("a child is one level in, from its own start") << "orders" << 1 << 0.1 << 0.5;
    QTest::newRow("a grandchild is two levels in") << "Invoke stock" << 2 << 0.2 << 0.1;
    QTest::newRow("a span whose parent was not recorded is a root") << "late" << 0 << 0.9 << 0.1;
}

void TestStudioObservabilityModels::theWaterfallPlacesEachSpan() {
    QFETCH(QString, span);
    QFETCH(int, depth);
    QFETCH(double, start);
    QFETCH(double, width);
    const TraceRecord trace = traceFromJson(jsonObject(kTrace));
    const WaterfallLayout layout(trace);
    QCOMPARE(layout.durationUs(), 100);
    QCOMPARE(layout.maxDepth(), 2);
    const int index = findSpan(trace, span);
    QVERIFY(index >= 0);
    const WaterfallLayout::Row &row = layout.rows().at(index);
    QCOMPARE(row.span, index);
    QCOMPARE(row.depth, depth);
    QVERIFY2(qAbs(row.start - start) < 1e-9, qPrintable(QString::number(row.start)));
    QVERIFY2(qAbs(row.width - width) < 1e-9, qPrintable(QString::number(row.width)));
}

void TestStudioObservabilityModels::theTimeScaleTicksAtRoundSteps_data() {
    QTest::addColumn<qint64>("durationUs");
    QTest::addColumn<int>("maximum");
    QTest::addColumn<qint64>("stepUs");
    QTest::addColumn<QString>("lastLabel");
    QTest::newRow("a millisecond in five ticks: every 200 µs") << 1000LL << 5 << 200LL << "1.0 ms";
    QTest::newRow("98 ms in six ticks: every 20 ms") << 98299LL << 6 << 20000LL << "80 ms";
    QTest::newRow("3.5 s in seven ticks: every half second")
        << 3500000LL << 7 << 500000LL << "3.5 s";
    QTest::newRow("a few microseconds: every one") << 5LL << 10 << 1LL << "5 µs";
}

void TestStudioObservabilityModels::theTimeScaleTicksAtRoundSteps() {
    QFETCH(qint64, durationUs);
    QFETCH(int, maximum);
    QFETCH(qint64, stepUs);
    QFETCH(QString, lastLabel);
    QCOMPARE(WaterfallLayout::tickStepUs(durationUs, maximum), stepUs);
    TraceRecord trace;
    TraceSpan span;
    span.spanId = "a";
    span.startUs = 0;
    span.durationUs = durationUs;
    trace.spans = {span};
    const auto ticks = WaterfallLayout(trace).ticks(maximum);
    QVERIFY(ticks.size() <= maximum + 1);
    QCOMPARE(ticks.first().label, QString("0"));
    QCOMPARE(ticks.last().label, lastLabel);
}

void TestStudioObservabilityModels::theWaterfallModelNestsSpansUnderTheirParents() {
    WaterfallModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTrace(traceFromJson(jsonObject(kTrace)));
    QCOMPARE(model.rowCount(), 2); // the root, and the orphan
    const QModelIndex root = model.index(0, WaterfallModel::NameColumn);
    QCOMPARE(root.data().toString(), QString("GET /orders"));
    QVERIFY(root.data(WaterfallModel::ErrorRole).toBool());
    const QModelIndex orders = model.index(0, 0, root);
    QCOMPARE(orders.data().toString(), QString("orders"));
    QCOMPARE(orders.siblingAtColumn(WaterfallModel::DurationColumn).data().toString(),
             QString("50 µs"));
    const QModelIndex stock = model.index(0, 0, orders);
    QCOMPARE(stock.data().toString(), QString("Invoke stock"));
    QCOMPARE(stock.data(Qt::AccessibleTextRole).toString(),
             QString("Invoke stock (error: KeyError)"));
    QCOMPARE(stock.siblingAtColumn(WaterfallModel::TimelineColumn)
                 .data(Qt::AccessibleTextRole)
                 .toString(),
             QString("starts at +20 µs, lasts 10 µs"));
    QCOMPARE(model.itemForSpan(3)->text(), QString("late"));
    model.clearTrace();
    QCOMPARE(model.rowCount(), 0);
}

void TestStudioObservabilityModels::aFailureSceneIsRead() {
    const QList<FailureRecord> failures = failuresFromJson(jsonObject(R"({"Failures": [{
        "id": 7, "function": "boom", "qualifier": "$LATEST", "requestId": "r-1",
        "time": "2026-01-02T03:04:05.000Z", "timeMs": 1767323045000,
        "errorType": "ValueError", "errorMessage": "invalid literal",
        "stackTrace": ["  File \"/p/handler.py\", line 16, in boom\n"],
        "event": {"order": "x", "n": [1, 2]}, "context": {"functionName": "observe-dev-boom"},
        "environment": {"TABLE": "orders", "API_KEY": "****"},
        "log": "START\n[ERROR] ValueError\n", "trigger": "invoke",
        "frames": [{"name": "boom", "file": "/p/handler.py", "line": 16,
                    "locals": {"order_text": "'x'", "count": 3}},
                   {"name": "parse_order", "file": "handler.py", "line": 10, "locals": {}}]}]})"));
    QCOMPARE(failures.size(), 1);
    const FailureRecord &f = failures.first();
    QCOMPARE(f.id, 7);
    QCOMPARE(f.headline(), QString("ValueError: invalid literal"));
    QCOMPARE(f.frames.size(), 2);
    QCOMPARE(f.frames[0].locals.size(), 2);
    QVERIFY(f.frames[0].locals.contains(qMakePair(QString("count"), QString("3"))));
    QCOMPARE(f.frames[1].line, 10);
    QVERIFY(f.prettyEvent().contains("\"order\": \"x\""));
    QCOMPARE(f.environment.value("API_KEY").toString(), QString("****"));

    FailuresModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFailures(failures);
    QCOMPARE(model.index(0, FailuresModel::FunctionColumn).data().toString(), QString("boom"));
    QCOMPARE(model.index(0, FailuresModel::ErrorColumn).data().toString(),
             QString("ValueError: invalid literal"));
    QCOMPARE(model.index(0, 0).data(FailuresModel::FailureIdRole).toLongLong(), 7);
}

void TestStudioObservabilityModels::theFlameGraphMergesStacksAndFindsTheHeaviestFrame() {
    const FlameGraph graph = FlameGraph::fromSpeedscope(kSpeedscope);
    QVERIFY2(graph.isValid(), qPrintable(graph.error()));
    QVERIFY(!graph.isEmpty());
    QCOMPARE(graph.name(), QString("checkout"));
    QCOMPARE(graph.profileCount(), 2);
    QCOMPARE(graph.sampleCount(), 5);
    QCOMPARE(graph.totalUs(), 760.0); // the milliseconds profile in microseconds
    // One tree: main under the root, its callees heaviest first.
    const FlameGraph::Node &root = graph.node(0);
    QCOMPARE(root.children.size(), 1);
    const FlameGraph::Node &main = graph.node(root.children.first());
    QCOMPARE(main.name, QString("main"));
    QCOMPARE(main.totalUs, 760.0);
    QCOMPARE(main.selfUs, 10.0);
    QCOMPARE(graph.node(main.children.at(0)).name, QString("fib"));
    QCOMPARE(graph.node(main.children.at(1)).name, QString("parse"));
    QCOMPARE(graph.maxDepth(), 4); // root, main, fib, fib, fib
    const int parse = findNode(graph, "parse", 2);
    QCOMPARE(graph.node(parse).totalUs, 250.0);
    QCOMPARE(graph.node(parse).selfUs, 50.0);
    // The top table: fib's own time is the heaviest; recursion counts its total once.
    const auto &hot = graph.hotFrames();
    QCOMPARE(hot.size(), 4);
    QCOMPARE(hot.first().name, QString("fib"));
    QCOMPARE(hot.first().selfUs, 500.0);
    QCOMPARE(hot.first().totalUs, 500.0);
    QCOMPARE(hot.at(1).name, QString("loads"));
    QCOMPARE(hot.last().name, QString("main"));
    QCOMPARE(hot.last().totalUs, 760.0);

    HotFramesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGraph(graph, "/p");
    QCOMPARE(model.index(0, HotFramesModel::FunctionColumn).data().toString(), QString("fib"));
    QCOMPARE(model.index(0, HotFramesModel::SelfPercentColumn).data().toString(), QString("65.8%"));
    QCOMPARE(model.index(0, HotFramesModel::LocationColumn).data().toString(),
             QString("handler.py:20"));
}

void TestStudioObservabilityModels::theFlameGraphZoomsIntoAFrame() {
    const FlameGraph graph = FlameGraph::fromSpeedscope(kSpeedscope);
    const int parse = findNode(graph, "parse", 2);
    const QList<FlameGraph::Box> boxes = graph.boxes(parse, 1000, 1);
    // root and main above (dimmed), parse across the width, loads 200 of its 250 µs.
    QCOMPARE(boxes.size(), 4);
    QVERIFY(boxes[0].ancestor && boxes[1].ancestor && !boxes[2].ancestor);
    QCOMPARE(boxes[2].node, parse);
    QCOMPARE(boxes[2].width, 1000.0);
    QCOMPARE(graph.node(boxes[3].node).name, QString("loads"));
    QCOMPARE(boxes[3].x, 0.0);
    QCOMPARE(boxes[3].width, 800.0);
    QCOMPARE(boxes[3].depth, 3);
    QCOMPARE(graph.pathTo(boxes[3].node).size(), 4);
    // Unzoomed, main's callees share its width; a box narrower than the minimum is left out.
    const QList<FlameGraph::Box> all = graph.boxes(0, 760, 60);
    for (const FlameGraph::Box &box : all)
        QVERIFY2(box.width >= 60, qPrintable(graph.node(box.node).name));
    QVERIFY(findNode(graph, "main", 1) >= 0);
}

void TestStudioObservabilityModels::aBadProfileIsReportedWithItsFile_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("error");
    QTest::newRow("a file that is not JSON") << QByteArray("{\"shared\": ") << "not JSON";
    QTest::newRow("an empty file") << QByteArray("\n") << "is empty";
    QTest::newRow("JSON that is not speedscope's")
        << QByteArray(R"({"traceEvents": []})") << "not a speedscope profile";
    QTest::newRow("a sample naming a frame that is not there")
        << QByteArray(R"({"shared": {"frames": [{"name": "a"}]}, "profiles": [{"type": "sampled",
            "unit": "microseconds", "samples": [[0, 7]], "weights": [5]}]})")
        << "profiles[0].samples[0] names frame 7, but there are 1 frames";
    QTest::newRow("more samples than weights")
        << QByteArray(R"({"shared": {"frames": [{"name": "a"}]}, "profiles": [{"type": "sampled",
            "unit": "microseconds", "samples": [[0], [0]], "weights": [5]}]})")
        << "has 2 samples but 1 weights";
    QTest::newRow("an evented profile")
        << QByteArray(R"({"shared": {"frames": []}, "profiles": [{"type": "evented",
            "unit": "microseconds", "events": []}]})")
        << "only sampled profiles are shown";
}

void TestStudioObservabilityModels::aBadProfileIsReportedWithItsFile() {
    QFETCH(QByteArray, contents);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.speedscope.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(contents);
    file.close();
    const FlameGraph graph = FlameGraph::load(path);
    QVERIFY(!graph.isValid());
    QVERIFY2(graph.error().startsWith(path), qPrintable(graph.error()));
    QVERIFY2(graph.error().contains(error), qPrintable(graph.error()));
    const FlameGraph missing = FlameGraph::load(dir.filePath("missing.json"));
    QVERIFY(missing.error().startsWith("Cannot read " + dir.filePath("missing.json")));
}

// ---- panels -----------------------------------------------------------------------------

QTEST_MAIN(TestStudioObservabilityModels)
#include "tst_studioobservabilitymodels.moc"
