// The Studio's observability panels — Metrics, Traces, Failures and Profile: their models on
// hand-written answers, then the panels in-process (offscreen) against the real nimbus-sim,
// nimbus-dap and nimbus on a Python project that succeeds and fails.
#include "clients/debugsession.h"
#include "clients/profilerun.h"
#include "clients/simulatorconnection.h"
#include "editor/codeeditor.h"
#include "editor/editorarea.h"
#include "models/failuresmodel.h"
#include "models/flamegraph.h"
#include "models/functionsmodel.h"
#include "models/metricsmodel.h"
#include "models/tracesmodel.h"
#include "panels/debugpanel.h"
#include "panels/failurespanel.h"
#include "panels/flamegraphview.h"
#include "panels/invokepanel.h"
#include "panels/metricspanel.h"
#include "panels/panelstate.h"
#include "panels/profilepanel.h"
#include "panels/tracespanel.h"
#include "panels/waterfallview.h"
#include "studiowindow.h"
#include "tempproject.h"
#include "window/commandregistry.h"
#include "window/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QClipboard>
#include <QDockWidget>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <memory>

using namespace nimbus::studio;

namespace {

constexpr int kTimeout = 30000;

const char *kManifest = R"(service: observe
provider:
  name: aws
  runtime: python3.11
functions:
  hello:
    handler: handler.hello
  boom:
    handler: handler.boom
  work:
    handler: handler.work
)";

const char *kHandler = R"(import json


def hello(event, context):
    return {"greeting": "hello " + event.get("name", "world")}


def parse_order(text):
    order = json.loads(text)
    quantity = int(order["quantity"])
    return order, quantity


def boom(event, context):
    order_text = event.get("order", '{"quantity": "many"}')
    order, quantity = parse_order(order_text)
    return {"quantity": quantity}


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work(event, context):
    total = 0
    for _ in range(int(event.get("rounds", 20))):
        total += fib(18)
    return {"total": total}
)";

// Lines of handler.py, one-based as a traceback counts them.
constexpr int kQuantityLine = 10;

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

// Frames 0 main, 1 parse, 2 loads (a library's), 3 fib; two invocations, the second in
// milliseconds. main: 760 µs in all, 10 its own; parse 250 (50 own); loads 200 own; fib 500
// own, three levels deep.
// (No "$schema" URL: moc takes the "//" in a raw string for a comment.)
const char *kSpeedscope = R"({
  "name": "checkout",
  "shared": {"frames": [
    {"name": "main", "file": "/p/handler.py", "line": 1},
    {"name": "parse", "file": "/p/handler.py", "line": 5},
    {"name": "loads", "file": "/usr/lib/python3.11/json/__init__.py", "line": 346},
    {"name": "fib", "file": "/p/handler.py", "line": 20}]},
  "profiles": [
    {"type": "sampled", "name": "checkout #1", "unit": "microseconds", "startValue": 0,
     "endValue": 260, "samples": [[0, 1, 2], [0, 1, 2], [0, 1], [0]],
     "weights": [100, 100, 50, 10]},
    {"type": "sampled", "name": "checkout #2", "unit": "milliseconds", "startValue": 0,
     "endValue": 0.5, "samples": [[0, 3, 3, 3]], "weights": [0.5]}]})";

QJsonObject jsonObject(const char *text) {
    return QJsonDocument::fromJson(text).object();
}

int findSpan(const TraceRecord &trace, const QString &name) {
    for (int i = 0; i < trace.spans.size(); ++i)
        if (trace.spans[i].name == name)
            return i;
    return -1;
}

int findNode(const FlameGraph &graph, const QString &name, int depth) {
    for (int i = 0; i < graph.nodes().size(); ++i)
        if (graph.node(i).name == name && graph.node(i).depth == depth)
            return i;
    return -1;
}

// Every row's text of a tree widget, children under their parents, "  " per level.
QStringList treeText(QTreeWidget *tree) {
    QStringList lines;
    std::function<void(QTreeWidgetItem *, int)> walk = [&](QTreeWidgetItem *item, int level) {
        QString line = QString(level * 2, ' ') + item->text(0);
        if (!item->text(1).isEmpty())
            line += " = " + item->text(1);
        lines << line;
        for (int i = 0; i < item->childCount(); ++i)
            walk(item->child(i), level + 1);
    };
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        walk(tree->topLevelItem(i), 0);
    return lines;
}

// Saves a picture of a widget when NIMBUS_TEST_SHOTS names a folder (to look at a panel as
// the test left it).
void shoot(QWidget *widget, const QString &name) {
    const QString dir = qEnvironmentVariable("NIMBUS_TEST_SHOTS");
    if (!dir.isEmpty())
        widget->grab().save(dir + "/" + name + ".png");
}

} // namespace

class TestStudioObservability : public QObject {
    Q_OBJECT

private slots:
    // The models, on hand-written answers.
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

    // The panels, against a real simulator.
    void initTestCase();
    void cleanupTestCase();
    void metricsShowAnEmptyStateBeforeAnyInvocation();
    void metricsCountTheInvocationsAndErrors();
    void panelsAskNothingWhenHidden();
    void tracesListTheInvocationWithItsSpans();
    void failuresShowTheErrorWithItsScene();
    void aFrameOpensItsLineInTheEditor();
    void replayInTheDebuggerStopsAtTheFailure();
    void theProfilePanelShowsAFileAndItsHeaviestFrame();
    void theProfilePanelSaysWhatIsWrongWithAFile();
    void profileFunctionRunsNimbusProfile();
    void panelsSayWhenTheSimulatorIsNotRunning();

private:
    void invoke(const QString &function, const QByteArray &payload);
    void showDock(const char *name);

    QTemporaryDir m_home;
    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<MainWindow> m_window;
};

// ---- models -----------------------------------------------------------------------------

void TestStudioObservability::metricsAreRead() {
    const MetricsSnapshot snapshot = metricsFromJson(jsonObject(R"({
        "Functions": [
          {"function": "boom", "invocations": 4, "errors": 3, "throttles": 1, "coldStarts": 1,
           "p50Ms": 2.5, "p90Ms": 8, "p99Ms": 9.75, "maxMemoryMB": 31},
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

void TestStudioObservability::theWaterfallPlacesEachSpan_data() {
    QTest::addColumn<QString>("span");
    QTest::addColumn<int>("depth");
    QTest::addColumn<double>("start");
    QTest::addColumn<double>("width");
    QTest::newRow("the root spans the whole trace") << "GET /orders" << 0 << 0.0 << 1.0;
    QTest::newRow("a child is one level in, from its own start") << "orders" << 1 << 0.1 << 0.5;
    QTest::newRow("a grandchild is two levels in") << "Invoke stock" << 2 << 0.2 << 0.1;
    QTest::newRow("a span whose parent was not recorded is a root") << "late" << 0 << 0.9 << 0.1;
}

void TestStudioObservability::theWaterfallPlacesEachSpan() {
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

void TestStudioObservability::theTimeScaleTicksAtRoundSteps_data() {
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

void TestStudioObservability::theTimeScaleTicksAtRoundSteps() {
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

void TestStudioObservability::theWaterfallModelNestsSpansUnderTheirParents() {
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

void TestStudioObservability::aFailureSceneIsRead() {
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

void TestStudioObservability::theFlameGraphMergesStacksAndFindsTheHeaviestFrame() {
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

void TestStudioObservability::theFlameGraphZoomsIntoAFrame() {
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

void TestStudioObservability::aBadProfileIsReportedWithItsFile_data() {
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

void TestStudioObservability::aBadProfileIsReportedWithItsFile() {
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

void TestStudioObservability::initTestCase() {
    qputenv("XDG_CONFIG_HOME", m_home.filePath("config").toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath("data").toUtf8());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_home.filePath("config"));
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("handler.py", kHandler);
    m_window = openStudio(m_project->path());
    QVERIFY(m_window);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->functions()->names().size(), 3, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
}

void TestStudioObservability::cleanupTestCase() {
    if (!m_window)
        return;
    if (m_window->debugSession()->state() != DebugSession::State::Idle)
        m_window->debugSession()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Idle,
                              kTimeout);
    m_window->close();
    m_window.reset();
}

void TestStudioObservability::invoke(const QString &function, const QByteArray &payload) {
    bool done = false;
    m_window->simulator()->invoke(function, payload, [&done](const InvokeOutcome &outcome) {
        QVERIFY2(outcome.error.isEmpty(), qPrintable(outcome.error));
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, kTimeout);
}

void TestStudioObservability::showDock(const char *name) {
    auto *dock = m_window->findChild<QDockWidget *>(name);
    QVERIFY2(dock, name);
    dock->show();
    dock->raise();
    QTRY_VERIFY(dock->widget()->isVisible());
}

void TestStudioObservability::metricsShowAnEmptyStateBeforeAnyInvocation() {
    m_window->commands()->action("view.metrics")->trigger();
    MetricsPanel *metrics = m_window->metricsPanel();
    QTRY_VERIFY(metrics->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(
        metrics->states()->showsMessage() &&
            metrics->states()->messageLabel()->text().startsWith("No invocations"),
        kTimeout);
    QCOMPARE(metrics->states()->messageLabel()->text(),
             QString("No invocations in the last hour — invoke a function to see its metrics"));
    QCOMPARE(metrics->table()->rowCount(), 0);
}

void TestStudioObservability::metricsCountTheInvocationsAndErrors() {
    for (int i = 0; i < 3; ++i)
        invoke("hello", R"({"name": "metrics"})");
    invoke("boom", "{}");
    MetricsPanel *metrics = m_window->metricsPanel();
    QVERIFY(metrics->isPolling()); // in view, the simulator running: it refreshes by itself
    QTRY_VERIFY_WITH_TIMEOUT(
        metrics->table()->rowOf("boom") >= 0 && metrics->table()->rowOf("hello") >= 0, kTimeout);
    MetricsTableModel *table = metrics->table();
    const int hello = table->rowOf("hello");
    const int boom = table->rowOf("boom");
    QTRY_COMPARE_WITH_TIMEOUT(
        table->index(hello, MetricsTableModel::InvocationsColumn).data().toInt(), 3, kTimeout);
    QCOMPARE(table->index(hello, MetricsTableModel::ErrorsColumn).data().toInt(), 0);
    QCOMPARE(table->index(hello, MetricsTableModel::ColdStartsColumn).data().toInt(), 1);
    QCOMPARE(table->index(boom, MetricsTableModel::InvocationsColumn).data().toInt(), 1);
    QCOMPARE(table->index(boom, MetricsTableModel::ErrorsColumn).data().toInt(), 1);
    QVERIFY(table->index(hello, MetricsTableModel::P99Column).data().toString() != "–");
    QVERIFY(!metrics->states()->showsMessage());
    // Charts: a line per function (and the errors) over time, and the durations.
    QTRY_VERIFY_WITH_TIMEOUT(metrics->invocationsChart()->series().size() == 3, kTimeout);
    QStringList names;
    for (QAbstractSeries *series : metrics->invocationsChart()->series())
        names << series->name();
    QCOMPARE(names, QStringList({"boom", "hello", "Errors (all)"}));
    QCOMPARE(metrics->durationChart()->series().size(), 4); // p50 and p99 each
    // One function alone: its own lines.
    QSignalSpy refreshed(metrics, &MetricsPanel::refreshed);
    metrics->setFunction("boom");
    QTRY_VERIFY_WITH_TIMEOUT(refreshed.size() >= 1 && metrics->table()->rowCount() == 1, kTimeout);
    names.clear();
    for (QAbstractSeries *series : metrics->invocationsChart()->series())
        names << series->name();
    QCOMPARE(names, QStringList({"Invocations", "Errors"}));
    shoot(metrics, "metrics");
    metrics->setFunction({});
}

void TestStudioObservability::panelsAskNothingWhenHidden() {
    showDock("metricsDock");
    QVERIFY(m_window->metricsPanel()->isPolling());
    // Another tab in front: the metrics are not asked for.
    showDock("outputDock");
    // (Behind another tab, a dock is moved out of sight rather than hidden.)
    QTRY_VERIFY(!m_window->metricsPanel()->isPolling());
    QVERIFY(!m_window->tracesPanel()->isPolling());
    QVERIFY(!m_window->failuresPanel()->isPolling());
    // Closed: nothing either.
    auto *dock = m_window->findChild<QDockWidget *>("tracesDock");
    dock->close();
    QVERIFY(!m_window->tracesPanel()->isPolling());
}

void TestStudioObservability::tracesListTheInvocationWithItsSpans() {
    m_window->commands()->action("view.traces")->trigger();
    TracesPanel *traces = m_window->tracesPanel();
    QTRY_VERIFY(traces->isVisible());
    QVERIFY(traces->isPolling());
    QTRY_VERIFY_WITH_TIMEOUT(traces->traces()->rowCount() >= 4, kTimeout);
    // The newest first: boom's, which failed.
    const TraceRecord &newest = traces->traces()->traces().first();
    QCOMPARE(newest.name, QString("Invoke boom"));
    QVERIFY(newest.error);
    QCOMPARE(traces->traces()->index(0, TracesModel::StatusColumn).data().toString(),
             QString("Error"));
    QCOMPARE(traces->selectedTrace(), newest.traceId); // shown at once
    // A hello trace: the control plane's span, and under it the function's.
    QString helloTrace;
    for (const TraceRecord &t : traces->traces()->traces())
        if (t.name == "Invoke hello" && !t.error)
            helloTrace = t.traceId;
    QVERIFY(!helloTrace.isEmpty());
    traces->traceList()->selectRow(traces->traces()->rowOf(helloTrace));
    QCOMPARE(traces->selectedTrace(), helloTrace);
    WaterfallModel *waterfall = traces->waterfall();
    QCOMPARE(waterfall->rowCount(), 1);
    const QModelIndex root = waterfall->index(0, 0);
    QCOMPARE(root.data().toString(), QString("Invoke hello"));
    QStringList children;
    for (int r = 0; r < waterfall->rowCount(root); ++r)
        children << waterfall->index(r, 0, root).data().toString();
    QVERIFY2(children.contains("hello"), qPrintable(children.join(", ")));
    // Selecting the function's span shows its ids and attributes.
    const int span = findSpan(waterfall->trace(), "hello");
    traces->selectSpan(span);
    const QStringList details = treeText(traces->spanDetails());
    QVERIFY2(details.contains("Function = hello"), qPrintable(details.join("\n")));
    QVERIFY2(details.contains("Trace ID = " + helloTrace), qPrintable(details.join("\n")));
    QVERIFY2(details.contains("Parent ID = " + waterfall->trace().spans.first().spanId),
             qPrintable(details.join("\n")));
    QVERIFY2(details.filter("faas.").size() >= 1, qPrintable(details.join("\n")));
    // The waterfall's rows are text a screen reader reaches: name, duration, placement.
    WaterfallView *view = traces->waterfallView();
    QCOMPARE(view->accessibleName(), QString("Trace waterfall"));
    const QModelIndex helloRow = waterfall->itemForSpan(span)->index();
    QVERIFY(
        helloRow.siblingAtColumn(WaterfallModel::DurationColumn).data().toString().endsWith("s"));
    QVERIFY(helloRow.siblingAtColumn(WaterfallModel::TimelineColumn)
                .data(Qt::AccessibleTextRole)
                .toString()
                .startsWith("starts at +"));
    QVERIFY(view->visualRect(helloRow).height() > 0); // expanded: the child row is shown
    shoot(traces, "traces");
}

void TestStudioObservability::failuresShowTheErrorWithItsScene() {
    m_window->commands()->action("view.failures")->trigger();
    FailuresPanel *failures = m_window->failuresPanel();
    QTRY_VERIFY(failures->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(failures->failures()->rowCount() >= 1, kTimeout);
    QCOMPARE(failures->failures()->index(0, FailuresModel::FunctionColumn).data().toString(),
             QString("boom"));
    const QString error =
        failures->failures()->index(0, FailuresModel::ErrorColumn).data().toString();
    QVERIFY2(error.startsWith("ValueError: invalid literal for int()"), qPrintable(error));
    const FailureRecord *failure = failures->selectedFailure();
    QVERIFY(failure); // the newest is shown at once
    QCOMPARE(failure->errorType, QString("ValueError"));
    QVERIFY(failures->headline()->text().contains("ValueError"));
    QVERIFY(failures->replayButton()->isEnabled());
    // The scene: the event, the log, the stack.
    QCOMPARE(failures->eventView()->toPlainText(), QString("{\n}"));
    QVERIFY(failures->logView()->toPlainText().contains("[ERROR] ValueError"));
    QVERIFY(failures->stackView()->toPlainText().contains("parse_order"));
    // The frames, when the runtime sent them: the failing one last, with its locals.
    const QStringList frames = treeText(failures->framesTree());
    if (failure->frames.isEmpty()) {
        QVERIFY2(frames.first().contains("sent no frames"), qPrintable(frames.join("\n")));
    } else {
        QVERIFY2(frames.first().startsWith("boom  handler.py:"), qPrintable(frames.join("\n")));
        QVERIFY2(
            frames.contains(QString("parse_order  handler.py:%1 = raised here").arg(kQuantityLine)),
            qPrintable(frames.join("\n")));
        if (!failure->frames.last().locals.isEmpty())
            QVERIFY2(frames.filter(QRegularExpression("^  text = ")).size() == 1,
                     qPrintable(frames.join("\n")));
    }
    // Copy Event takes the event to the clipboard.
    failures->copyEventButton()->click();
    QCOMPARE(QGuiApplication::clipboard()->text(), QString("{\n}"));
    shoot(failures, "failures");
}

void TestStudioObservability::aFrameOpensItsLineInTheEditor() {
    FailuresPanel *failures = m_window->failuresPanel();
    QTreeWidget *tree = failures->framesTree();
    if (failures->selectedFailure()->frames.isEmpty())
        QSKIP("The Python runtime sent no frames for this failure");
    QTreeWidgetItem *failing = tree->topLevelItem(tree->topLevelItemCount() - 1);
    emit tree->itemActivated(failing, 0); // a double-click, or Enter
    CodeEditor *editor = m_window->editors()->current();
    QVERIFY(editor);
    QCOMPARE(QFileInfo(editor->path()).fileName(), QString("handler.py"));
    int line = 0, index = 0;
    editor->getCursorPosition(&line, &index);
    QCOMPARE(line, kQuantityLine - 1);
}

void TestStudioObservability::replayInTheDebuggerStopsAtTheFailure() {
    FailuresPanel *failures = m_window->failuresPanel();
    QVERIFY(failures->selectedFailure());
    QSignalSpy stopped(m_window->debugSession(), &DebugSession::stopped);
    failures->replayButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Stopped,
                              kTimeout);
    QCOMPARE(m_window->debugSession()->function(), QString("boom"));
    QVERIFY(stopped.size() >= 1);
    const QString console = m_window->debugConsole()->output()->toPlainText();
    QVERIFY2(console.contains(
                 QString("Replaying failure #%1 of boom").arg(failures->selectedFailure()->id)),
             qPrintable(console));
    QCOMPARE(stopped.first().at(0).toString(), QString("exception"));
    QVERIFY2(stopped.first().at(1).toString().contains("invalid literal"),
             qPrintable(stopped.first().at(1).toString()));
    // The stack shows the failing frame with the handler under it.
    const QJsonArray frames = m_window->debugSession()->frames();
    QVERIFY(!frames.isEmpty());
    QStringList names;
    for (const auto &f : frames)
        names << f.toObject().value("name").toString();
    QVERIFY2(names.contains("boom"), qPrintable(names.join(", ")));
    m_window->debugSession()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Idle,
                              kTimeout);
}

void TestStudioObservability::theProfilePanelShowsAFileAndItsHeaviestFrame() {
    const QString path = m_project->write("checkout.speedscope.json", kSpeedscope);
    QVERIFY(m_window->openProfile(path));
    ProfilePanel *profile = m_window->profilePanel();
    QTRY_VERIFY(profile->isVisible());
    QVERIFY(!profile->states()->showsMessage());
    QCOMPARE(profile->hotFramesView()->model()->index(0, HotFramesModel::FunctionColumn).data(),
             QVariant("fib"));
    QVERIFY2(profile->summary()->text().contains("checkout"),
             qPrintable(profile->summary()->text()));
    // A click zooms into a box; Reset Zoom shows everything again.
    FlameGraphView *view = profile->flameGraph();
    QTRY_VERIFY(view->width() > 100);
    QVERIFY(!profile->resetZoomButton()->isEnabled());
    const int parse = findNode(view->graph(), "parse", 2);
    view->zoomTo(parse);
    QCOMPARE(view->zoomedNode(), parse);
    QVERIFY(profile->resetZoomButton()->isEnabled());
    QVERIFY(view->describe(parse).contains("self 50 µs (6.6%)"));
    QVERIFY(view->describe(parse).contains("total 250 µs (32.9%)"));
    QVERIFY(view->describe(parse).contains("handler.py:5"));
    profile->resetZoomButton()->click();
    QCOMPARE(view->zoomedNode(), 0);
    // The box under a point: the root spans the top row.
    QCOMPARE(view->nodeAt(QPoint(view->width() / 2, 4)), 0);
    shoot(profile, "profile");
}

void TestStudioObservability::theProfilePanelSaysWhatIsWrongWithAFile() {
    ProfilePanel *profile = m_window->profilePanel();
    const QString broken = m_project->write("broken.json", R"({"profiles": 3})");
    QVERIFY(!m_window->openProfile(broken));
    QVERIFY(profile->states()->showsMessage());
    QVERIFY2(profile->states()->messageLabel()->text().startsWith(broken + ": not a speedscope"),
             qPrintable(profile->states()->messageLabel()->text()));
    const QString empty = m_project->write(
        "empty.json", R"({"shared": {"frames": []}, "profiles": [{"type": "sampled",
        "unit": "microseconds", "samples": [], "weights": []}]})");
    QVERIFY(!m_window->openProfile(empty));
    QVERIFY2(profile->states()->messageLabel()->text().contains(empty + " holds no samples"),
             qPrintable(profile->states()->messageLabel()->text()));
}

void TestStudioObservability::profileFunctionRunsNimbusProfile() {
    m_window->invokePanel()->setFunction("work");
    m_window->invokePanel()->setEvent(R"({"rounds": 40})");
    ProfilePanel *profile = m_window->profilePanel();
    QSignalSpy finished(m_window->profileRun(), &ProfileRun::finished);
    QSignalSpy failed(m_window->profileRun(), &ProfileRun::failed);
    m_window->profileFunction("work");
    QVERIFY(profile->isBusy());
    QVERIFY(m_window->profileRun()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, 90000);
    QVERIFY(!profile->isBusy());
    if (!failed.isEmpty()) {
        const QString message = failed.first().first().toString();
        if (message.contains("wrote no profile"))
            QSKIP("This runtime has no profiler here yet");
        QFAIL(qPrintable(message));
    }
    if (profile->states()->showsMessage() &&
        profile->states()->messageLabel()->text().contains("holds no samples"))
        QSKIP("The profiler caught no samples");
    QVERIFY2(!profile->states()->showsMessage(),
             qPrintable(profile->states()->messageLabel()->text()));
    QCOMPARE(profile->graph().profileCount(), 10);
    QStringList names;
    for (const auto &frame : profile->graph().hotFrames())
        names << frame.name;
    QVERIFY2(names.contains("fib"), qPrintable(names.join(", ")));
}

void TestStudioObservability::panelsSayWhenTheSimulatorIsNotRunning() {
    showDock("metricsDock");
    MetricsPanel *metrics = m_window->metricsPanel();
    m_window->simulator()->stop();
    QTRY_VERIFY(metrics->states()->showsMessage());
    QVERIFY2(metrics->states()->messageLabel()->text().startsWith("The simulator is not running"),
             qPrintable(metrics->states()->messageLabel()->text()));
    QVERIFY(!metrics->isPolling());
    QCOMPARE(metrics->table()->rowCount(), 0);
    shoot(metrics, "metrics-stopped");
}

QTEST_MAIN(TestStudioObservability)
#include "tst_studioobservability.moc"
