// The Studio's observability panels — Metrics, Traces, Failures and Profile — in-process
// (offscreen) against the real nimbus-sim, nimbus-dap and nimbus on a Python project that
// succeeds and fails. (Their models: tst_studioobservabilitymodels.)
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
#include "observabilitydata.h"
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
using observability::findNode;
using observability::findSpan;
using observability::kSpeedscope;

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
