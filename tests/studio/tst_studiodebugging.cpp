// Debugging in the Studio, in-process (offscreen), through the real nimbus-dap and nimbus-sim
// on a Python project: what a user does with breakpoints, F5, the debug panels and keys.
#include "clients/debugsession.h"
#include "editor/codeeditor.h"
#include "editor/editorarea.h"
#include "models/breakpointsmodel.h"
#include "models/functionsmodel.h"
#include "panels/debugpanel.h"
#include "panels/explorerpanel.h"
#include "panels/invokepanel.h"
#include "panels/requestpanel.h"
#include "studiowindow.h"
#include "tempproject.h"
#include "testpaths.h"
#include "window/commandregistry.h"
#include "window/mainwindow.h"

#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSettings>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QTreeView>
#include <csignal>
#include <memory>

using namespace nimbus::studio;

namespace {

constexpr int kTimeout = 30000;

const char *kManifest = R"(service: debugme
provider:
  name: aws
  runtime: python3.11
functions:
  main:
    handler: handler.main
    events:
      - httpApi: GET /main
  boom:
    handler: handler.boom
  big:
    handler: handler.big
  slow:
    handler: handler.slow
    timeout: 2
  nodefn:
    handler: app.handler
    runtime: nodejs20.x
)";

const char *kHandler = R"(def helper(x):
    doubled = x * 2
    return doubled


def main(event, context):
    name = event.get("name", "world")
    total = helper(3)
    print("computed", total)
    return {"statusCode": 200, "body": "hello " + name + " " + str(total)}


def boom(event, context):
    raise ValueError("it went boom")


def big(event, context):
    items = list(range(250))
    return len(items)


def slow(event, context):
    import time
    time.sleep(30)
)";

// Lines of handler.py, zero-based, as the editor counts.
constexpr int kDoubledLine = 1;
constexpr int kNameLine = 6;
constexpr int kTotalLine = 7;
constexpr int kPrintLine = 8;
constexpr int kRaiseLine = 13;
constexpr int kBigReturnLine = 18;

} // namespace

class TestStudioDebugging : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void thePanelFitsAShortDockArea();
    void aGutterClickSetsABreakpointThatPersists();
    void launchStopsAtTheBreakpointWithVariables();
    void watchAndConsoleEvaluateInTheFrame();
    void stepOverIntoAndOut();
    void continueRunsToTheResult();
    void restartAndHover();
    void aConditionalBreakpointStopsOnlyWhenTrue();
    void aLogpointLogsWithoutStopping();
    void anExceptionStopsAtTheRaisingLine();
    void attachStopsARequestFromTheRequestPanel();
    void largeCollectionsArePaged();
    void aTimeoutEndsTheSessionWithItsReason();
    void aNodeFunctionIsDebuggedToo();
    void aDeadAdapterIsReportedAndEditingGoesOn();

private:
    CodeEditor *handler();
    void launch(const QString &function, const QString &event);
    void waitEnded();
    QString console() const;

    QTemporaryDir m_home;
    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<MainWindow> m_window;
};

void TestStudioDebugging::initTestCase() {
    qputenv("XDG_CONFIG_HOME", m_home.filePath("config").toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath("data").toUtf8());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_home.filePath("config"));
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("handler.py", kHandler);
    m_project->write("app.js", "exports.handler = async () => ({ ok: true });\n");
    m_window = openStudio(m_project->path());
    QVERIFY(m_window);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->functions()->names().size(), 5, kTimeout);
}

void TestStudioDebugging::cleanupTestCase() {
    if (m_window && m_window->debugSession())
        m_window->debugSession()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Idle, kTimeout);
    m_window->close();
    m_window.reset();
}

void TestStudioDebugging::cleanup() {
    // Each test leaves no session and no breakpoints behind.
    DebugSession *session = m_window->debugSession();
    if (session->state() != DebugSession::State::Idle)
        session->stop();
    QTRY_COMPARE_WITH_TIMEOUT(session->state(), DebugSession::State::Idle, kTimeout);
    m_window->breakpoints()->removeAll();
    m_window->breakpoints()->setExceptionFilters(false, true);
    m_window->debugConsole()->output()->clear();
}

CodeEditor *TestStudioDebugging::handler() {
    return m_window->editors()->open(m_project->filePath("handler.py"));
}

QString TestStudioDebugging::console() const {
    return m_window->debugConsole()->output()->toPlainText();
}

void TestStudioDebugging::launch(const QString &function, const QString &event) {
    m_window->invokePanel()->setFunction(function);
    m_window->invokePanel()->setEvent(event);
    m_window->explorer()->selectFunction(function);
    m_window->commands()->action("debug.start")->trigger(); // F5
}

void TestStudioDebugging::waitEnded() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Idle, kTimeout);
}

// Four sections of lists must not push Run and Debug over the docks below it when the left
// dock area is short: each section gives way down to its title line.
void TestStudioDebugging::thePanelFitsAShortDockArea() {
    const int line = m_window->debugPanel()->fontMetrics().height();
    QVERIFY2(m_window->debugPanel()->minimumSizeHint().height() < 16 * line,
             qPrintable(QString::number(m_window->debugPanel()->minimumSizeHint().height())));
}

void TestStudioDebugging::aGutterClickSetsABreakpointThatPersists() {
    CodeEditor *editor = handler();
    emit editor->breakpointToggleRequested(kNameLine); // what a click in the gutter sends
    QCOMPARE(m_window->breakpoints()->rowCount(), 1);
    QCOMPARE(editor->breakpointMarkerLines(), QList<int>{kNameLine});
    QCOMPARE(m_window->breakpoints()->index(0, 0).data().toString(), QString("handler.py:%1").arg(kNameLine + 1));
    // F9 toggles it at the cursor too.
    editor->setCursorPosition(kTotalLine, 0);
    m_window->commands()->action("debug.toggleBreakpoint")->trigger();
    QCOMPARE(editor->breakpointMarkerLines(), (QList<int>{kNameLine, kTotalLine}));
    // Kept with the project: saved and restored.
    const QVariant saved = m_window->breakpoints()->save();
    BreakpointsModel restored;
    restored.restore(saved);
    QCOMPARE(restored.rowCount(), 2);
    QCOMPARE(restored.all().at(1).line, kTotalLine);
    emit editor->breakpointToggleRequested(kNameLine);
    QCOMPARE(editor->breakpointMarkerLines(), QList<int>{kTotalLine});
}

void TestStudioDebugging::launchStopsAtTheBreakpointWithVariables() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kTotalLine);
    launch("main", R"({"name": "Ada"})");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Stopped, kTimeout);
    QCOMPARE(m_window->editors()->current()->path(), editor->path());
    QCOMPARE(editor->executionLine(), kTotalLine);
    QVERIFY(m_window->breakpoints()->all().first().verified);
    // Variables: the locals, with `event` expandable and `name` set.
    VariablesModel *variables = m_window->debugPanel()->variables();
    QTRY_VERIFY_WITH_TIMEOUT(variables->rowCount() >= 1, kTimeout);
    const QModelIndex locals = variables->index(0, 0);
    QTRY_VERIFY_WITH_TIMEOUT(variables->rowCount(locals) >= 2, kTimeout);
    QModelIndex event, name;
    for (int r = 0; r < variables->rowCount(locals); ++r) {
        const QModelIndex i = variables->index(r, 0, locals);
        if (i.data().toString() == "event")
            event = i;
        if (i.data().toString() == "name")
            name = i;
    }
    QVERIFY(event.isValid() && name.isValid());
    QCOMPARE(name.siblingAtColumn(VariablesModel::ValueColumn).data().toString(), QString("'Ada'"));
    QVERIFY(variables->hasChildren(event));
    QVERIFY(variables->canFetchMore(event));
    variables->fetchMore(event);
    QTRY_VERIFY_WITH_TIMEOUT(variables->rowCount(event) >= 1, kTimeout);
    QCOMPARE(m_window->debugPanel()->callStack()->item(0)->text().section(' ', 0, 0), QString("main"));
    // A value edited in place (setVariable) is what the function then uses.
    QVERIFY(variables->setData(name.siblingAtColumn(VariablesModel::ValueColumn), "'Grace'", Qt::EditRole));
    QTRY_COMPARE_WITH_TIMEOUT(name.siblingAtColumn(VariablesModel::ValueColumn).data().toString(), QString("'Grace'"), kTimeout);
    m_window->commands()->action("debug.start")->trigger(); // F5: continue
    waitEnded();
    QVERIFY2(console().contains("hello Grace 6"), qPrintable(console()));
    QCOMPARE(editor->executionLine(), -1);
}

void TestStudioDebugging::watchAndConsoleEvaluateInTheFrame() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kPrintLine);
    m_window->debugPanel()->setWatchExpressions({"total + 1", "undefined_name"});
    launch("main", R"({"name": "Watcher"})");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Stopped, kTimeout);
    VariablesModel *watches = m_window->debugPanel()->watches();
    QTRY_COMPARE_WITH_TIMEOUT(watches->index(0, VariablesModel::ValueColumn).data().toString(), QString("7"), kTimeout);
    QVERIFY(!watches->index(1, VariablesModel::ValueColumn).data().toString().isEmpty());
    QLineEdit *input = m_window->debugConsole()->input();
    input->setText("name.upper()");
    QTest::keyClick(input, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(console().contains("'WATCHER'"), kTimeout);
    m_window->debugPanel()->setWatchExpressions({});
    m_window->debugSession()->continueRun();
    waitEnded();
}

void TestStudioDebugging::stepOverIntoAndOut() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kNameLine);
    launch("main", "{}");
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kNameLine, kTimeout);
    m_window->commands()->action("debug.stepOver")->trigger(); // F10
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kTotalLine, kTimeout);
    m_window->commands()->action("debug.stepIn")->trigger(); // F11
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kDoubledLine, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugPanel()->callStack()->count() >= 2, true, kTimeout);
    QCOMPARE(m_window->debugPanel()->callStack()->item(0)->text().section(' ', 0, 0), QString("helper"));
    m_window->commands()->action("debug.stepOut")->trigger(); // Shift+F11
    QTRY_VERIFY2_WITH_TIMEOUT(m_window->debugSession()->state() == DebugSession::State::Stopped &&
                                  editor->executionLine() != kDoubledLine,
                              qPrintable(QString::number(editor->executionLine())), kTimeout);
    // Back in the caller: on the line that called (its assignment still to finish) or the next.
    QVERIFY2(editor->executionLine() == kTotalLine || editor->executionLine() == kPrintLine,
             qPrintable(QString::number(editor->executionLine())));
    QCOMPARE(m_window->debugPanel()->callStack()->item(0)->text().section(' ', 0, 0), QString("main"));
    m_window->commands()->action("debug.stop")->trigger(); // Shift+F5
    waitEnded();
}

void TestStudioDebugging::continueRunsToTheResult() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kNameLine);
    launch("main", R"({"name": "Result"})");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Stopped, kTimeout);
    m_window->debugSession()->continueRun();
    waitEnded();
    const QString text = console();
    QVERIFY2(text.contains("computed 6"), qPrintable(text));          // the function's output
    QVERIFY2(text.contains("hello Result 6"), qPrintable(text));      // its result
    QVERIFY2(text.contains("REPORT RequestId:"), qPrintable(text));   // the platform's line
    QVERIFY2(text.contains("main returned"), qPrintable(text));       // why the session ended
}

void TestStudioDebugging::restartAndHover() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kTotalLine);
    launch("main", R"({"name": "Hover"})");
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kTotalLine, kTimeout);
    // Hovering a name shows its value in the stopped frame.
    const int column = static_cast<int>(editor->text(kNameLine).indexOf("name")) + 1;
    emit editor->hoverRequested(kNameLine, column, editor->mapToGlobal(QPoint(40, 40)));
    QTRY_VERIFY_WITH_TIMEOUT(QToolTip::text().contains("name = 'Hover'"), kTimeout);
    // Ctrl+Shift+F5: the function is invoked again and stops at the same breakpoint.
    QSignalSpy stopped(m_window->debugSession(), &DebugSession::stopped);
    m_window->commands()->action("debug.restart")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    QCOMPARE(editor->executionLine(), kTotalLine);
    QTRY_VERIFY_WITH_TIMEOUT(console().contains("Restarting"), kTimeout);
    m_window->commands()->action("debug.stop")->trigger();
    waitEnded();
}

void TestStudioDebugging::aConditionalBreakpointStopsOnlyWhenTrue() {
    CodeEditor *editor = handler();
    Breakpoint b;
    b.file = editor->path();
    b.line = kTotalLine;
    b.condition = "name == 'stop here'";
    m_window->breakpoints()->set(b);
    launch("main", R"({"name": "go on"})");
    waitEnded();
    QVERIFY(console().contains("hello go on 6"));
    launch("main", R"({"name": "stop here"})");
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kTotalLine, kTimeout);
    m_window->debugSession()->continueRun();
    waitEnded();
}

void TestStudioDebugging::aLogpointLogsWithoutStopping() {
    CodeEditor *editor = handler();
    Breakpoint b;
    b.file = editor->path();
    b.line = kTotalLine;
    b.logMessage = "name is {name}";
    m_window->breakpoints()->set(b);
    QSignalSpy stopped(m_window->debugSession(), &DebugSession::stopped);
    launch("main", R"({"name": "Logged"})");
    waitEnded();
    QCOMPARE(stopped.size(), 0);
    QVERIFY2(console().contains("name is Logged"), qPrintable(console()));
}

void TestStudioDebugging::anExceptionStopsAtTheRaisingLine() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->setExceptionFilters(false, true); // uncaught
    QSignalSpy stopped(m_window->debugSession(), &DebugSession::stopped);
    launch("boom", "{}");
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    QCOMPARE(stopped.first().at(0).toString(), QString("exception"));
    QVERIFY2(stopped.first().at(1).toString().contains("it went boom"), qPrintable(stopped.first().at(1).toString()));
    QCOMPARE(editor->executionLine(), kRaiseLine);
    QVERIFY(editor->annotation(kRaiseLine).contains("it went boom"));
    m_window->debugSession()->continueRun();
    waitEnded();
    QVERIFY2(console().contains("ValueError"), qPrintable(console()));
}

void TestStudioDebugging::attachStopsARequestFromTheRequestPanel() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kNameLine);
    m_window->explorer()->selectFunction("main");
    m_window->commands()->action("debug.attach")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Running, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(console().contains("Attached to main"), kTimeout);
    RequestPanel *request = m_window->requestPanel();
    request->setRequest("GET", "/main");
    QSignalSpy answered(request, &RequestPanel::answered);
    request->send();
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kNameLine, kTimeout);
    QCOMPARE(answered.size(), 0); // held at the breakpoint
    m_window->debugSession()->continueRun();
    QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, kTimeout);
    QCOMPARE(answered.first().first().toInt(), 200);
    m_window->debugSession()->stop(); // detach: the function runs normally again
    waitEnded();
}

void TestStudioDebugging::largeCollectionsArePaged() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kBigReturnLine);
    launch("big", "{}");
    QTRY_VERIFY2_WITH_TIMEOUT(editor->executionLine() == kBigReturnLine, qPrintable(console()), kTimeout);
    VariablesModel *variables = m_window->debugPanel()->variables();
    QTRY_VERIFY_WITH_TIMEOUT(variables->rowCount() >= 1 && variables->rowCount(variables->index(0, 0)) >= 1, kTimeout);
    const QModelIndex locals = variables->index(0, 0);
    QModelIndex items;
    for (int r = 0; r < variables->rowCount(locals); ++r)
        if (variables->index(r, 0, locals).data().toString() == "items")
            items = variables->index(r, 0, locals);
    QVERIFY(items.isValid());
    variables->fetchMore(items);
    // 250 elements: three pages, fetched one at a time when opened.
    QCOMPARE(variables->rowCount(items), 3);
    QCOMPARE(variables->index(2, 0, items).data().toString(), QString("[200…249]"));
    const QModelIndex last = variables->index(2, 0, items);
    QVERIFY(variables->canFetchMore(last));
    variables->fetchMore(last);
    QTRY_COMPARE_WITH_TIMEOUT(variables->rowCount(last), 50, kTimeout);
    QCOMPARE(variables->index(49, VariablesModel::ValueColumn, last).data().toString(), QString("249"));
    m_window->debugSession()->continueRun();
    waitEnded();
}

void TestStudioDebugging::aTimeoutEndsTheSessionWithItsReason() {
    // Not stopped, the function runs into its 2 s timeout; the session ends and says so.
    launch("slow", "{}");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->debugSession()->state(), DebugSession::State::Running, kTimeout);
    waitEnded();
    QVERIFY2(console().contains("timed out"), qPrintable(console()));
    QVERIFY2(console().contains("slow failed"), qPrintable(console()));
}

void TestStudioDebugging::aNodeFunctionIsDebuggedToo() {
    QSignalSpy ended(m_window->debugSession(), &DebugSession::ended);
    launch("nodefn", "{}");
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 1, kTimeout);
    QVERIFY2(console().contains(QRegularExpression("Debug instance started \\(pid \\d+, Node v")),
             qPrintable(console()));
    QVERIFY2(console().contains(R"(Result: {"ok":true})"), qPrintable(console()));
    QCOMPARE(m_window->debugSession()->state(), DebugSession::State::Idle);
}

void TestStudioDebugging::aDeadAdapterIsReportedAndEditingGoesOn() {
    CodeEditor *editor = handler();
    m_window->breakpoints()->toggle(editor->path(), kNameLine);
    launch("main", "{}");
    QTRY_COMPARE_WITH_TIMEOUT(editor->executionLine(), kNameLine, kTimeout);
    QSignalSpy ended(m_window->debugSession(), &DebugSession::ended);
    ::kill(static_cast<pid_t>(m_window->debugSession()->adapterPid()), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 1, kTimeout);
    QVERIFY2(ended.first().first().toString().contains("debug adapter stopped"),
             qPrintable(ended.first().first().toString()));
    QCOMPARE(editor->executionLine(), -1);
    QVERIFY(m_window->commands()->action("debug.start")->isEnabled());
    // The function it held is let go by the simulator; a new session works.
    m_window->breakpoints()->removeAll();
    launch("main", R"({"name": "after"})");
    waitEnded();
    QVERIFY2(console().contains("hello after 6"), qPrintable(console()));
}

QTEST_MAIN(TestStudioDebugging)
#include "tst_studiodebugging.moc"
