// The Studio's workbench in-process (offscreen), against the real nimbus-lsp and nimbus-sim:
// what a user does in the first minutes, step by step.
#include "clients/lspclient.h"
#include "clients/simulatorconnection.h"
#include "editor/codeeditor.h"
#include "editor/editorarea.h"
#include "models/functionsmodel.h"
#include "models/instancesmodel.h"
#include "models/logmodel.h"
#include "models/problemsmodel.h"
#include "panels/explorerpanel.h"
#include "panels/invokepanel.h"
#include "panels/outputpanel.h"
#include "panels/requestpanel.h"
#include "panels/welcomepage.h"
#include "projectfiles.h"
#include "studiowindow.h"
#include "tempproject.h"
#include "testpaths.h"
#include "window/banner.h"
#include "window/commandpalette.h"
#include "window/commandregistry.h"
#include "window/mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <csignal>
#include <memory>

using namespace nimbus::studio;

namespace {

constexpr int kTimeout = 20000;

int lineOf(const QString &text, const QString &needle) {
    const QStringList lines = text.split('\n');
    for (int i = 0; i < lines.size(); ++i)
        if (lines[i].contains(needle))
            return i;
    return -1;
}

} // namespace

class TestStudioWorkbench : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void opensTheProjectWithItsFunctionsListed();
    void explorerOpensTheHandlerAtItsDefinition();
    void explorerRevealsAFunctionInTheManifest();
    void editingTheManifestShowsADiagnosticAtItsLine();
    void acceptingACompletionInsertsIt();
    void goToDefinitionOpensTheHandler();
    void codeLensesStandAboveEachFunction();
    void invokeShowsTheResultAndTheReportFigures();
    void invokeShowsAFunctionErrorWithItsStack();
    void theLogStreamsIntoTheOutputPanel();
    void theSimulatorPanelShowsInstancesAndRoutes();
    void theRequestPanelCallsTheGateway();
    void theCommandPaletteRunsAnyAction();
    void aFailedInstallationIsListedAndItsLensOpensTheFile();
    void aKilledLanguageServerIsRestartedWithNoTextLost();
    void aKilledSimulatorIsRestarted();
    void restartCommandsBringTheServersBack();
    void layoutAndOpenFilesAreRestoredPerProject();
    void unsavedTextIsOfferedBackAfterACrash();
    void theWelcomePageListsTemplatesAndRecentProjects();

private:
    CodeEditor *manifestEditor();

    QTemporaryDir m_home; // XDG folders: settings and recovery stay out of the user's
    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<MainWindow> m_window;
};

void TestStudioWorkbench::initTestCase() {
    QVERIFY(m_home.isValid());
    qputenv("XDG_CONFIG_HOME", m_home.filePath("config").toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath("data").toUtf8());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_home.filePath("config"));
    m_project = std::make_unique<TempProject>();
    copyProject(nimbusSourcePath("examples/python-hello"), m_project->path());
    m_window = openStudio(m_project->path());
    QVERIFY(m_window);
}

void TestStudioWorkbench::cleanupTestCase() {
    if (m_window) {
        // Nothing asks: discard what the tests left unsaved.
        for (CodeEditor *editor :
             m_window->editors() ? m_window->editors()->editors() : QList<CodeEditor *>())
            editor->setModified(false);
        m_window->close();
    }
    m_window.reset();
}

CodeEditor *TestStudioWorkbench::manifestEditor() {
    return m_window->editors()->open(m_project->filePath("serverless.yml"));
}

void TestStudioWorkbench::opensTheProjectWithItsFunctionsListed() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->functions()->names().size(), 4, kTimeout);
    QCOMPARE(m_window->functions()->names(), QStringList({"hello", "getUser", "fail", "nightly"}));
    // Grouped by kind, each under its own name, with its runtime and events below it.
    FunctionsModel *model = m_window->functions();
    QCOMPARE(model->rowCount(), 1);
    QVERIFY(model->index(0, 0).data().toString().startsWith("Event functions"));
    const QModelIndex hello = model->indexOf("hello");
    QVERIFY(hello.isValid());
    QCOMPARE(hello.siblingAtColumn(1).data().toString(), QString("python3.11"));
    QStringList details;
    for (int r = 0; r < model->rowCount(hello); ++r)
        details << model->index(r, 0, hello).data().toString();
    QCOMPARE(details, QStringList({"handler: handler.hello", "event: httpApi GET /hello"}));
    // The manifest is opened on a first visit, and the simulator serves the project.
    QVERIFY(m_window->editors()->editorFor(m_project->filePath("serverless.yml")));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->statusText().contains("Simulator: running · http://127.0.0.1:"), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->statusText().contains("Language server: ready"), kTimeout);
}

void TestStudioWorkbench::explorerOpensTheHandlerAtItsDefinition() {
    QTRY_VERIFY_WITH_TIMEOUT(m_window->functions()->indexOf("fail").isValid(), kTimeout);
    QTreeView *tree = m_window->explorer()->functionsView();
    const QModelIndex fail = m_window->functions()->indexOf("fail");
    tree->scrollTo(fail);
    tree->setCurrentIndex(fail);
    emit tree->doubleClicked(fail);
    CodeEditor *editor = m_window->editors()->current();
    QVERIFY(editor);
    QCOMPARE(QFileInfo(editor->path()).fileName(), QString("handler.py"));
    int line = 0, index = 0;
    editor->getCursorPosition(&line, &index);
    QVERIFY2(line == lineOf(editor->text(), "def fail("), qPrintable(editor->text(line)));
}

void TestStudioWorkbench::explorerRevealsAFunctionInTheManifest() {
    m_window->revealInManifest("nightly");
    CodeEditor *editor = m_window->editors()->current();
    QCOMPARE(QFileInfo(editor->path()).fileName(), QString("serverless.yml"));
    int line = 0, index = 0;
    editor->getCursorPosition(&line, &index);
    QCOMPARE(line, lineOf(editor->text(), "  nightly:"));
}

void TestStudioWorkbench::editingTheManifestShowsADiagnosticAtItsLine() {
    CodeEditor *editor = manifestEditor();
    const int line = lineOf(editor->text(), "memorySize: 512");
    QVERIFY(line > 0);
    const QString original = editor->text(line);
    // The user types a runtime the platform does not have, under getUser.
    editor->insertAt("    runtime: python2.1\n", line, 0);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->problems()->problemsFor(editor->path()).isEmpty(),
                             kTimeout);
    const Problem problem = m_window->problems()->problemsFor(editor->path()).first();
    QCOMPARE(problem.line, line);
    QVERIFY2(problem.message.contains("python2.1"), qPrintable(problem.message));
    QCOMPARE(m_window->problems()->rowCount(), 1);
    QCOMPARE(editor->problems().size(), 1);
    QVERIFY(!editor->problemsAt(line, problem.column + 1).isEmpty());
    // A runtime the schema does not know is a warning (configValidationMode: warn).
    QVERIFY2(m_window->statusText().contains("0 error(s), 1 warning(s)"),
             qPrintable(m_window->statusText()));
    // Undoing the edit clears it.
    editor->undo();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->problems()->problemsFor(editor->path()).isEmpty(), kTimeout);
    QCOMPARE(editor->text(line), original);
}

void TestStudioWorkbench::acceptingACompletionInsertsIt() {
    CodeEditor *editor = manifestEditor();
    const QString before = editor->text();
    const int line = lineOf(editor->text(), "description: Always raises");
    QVERIFY(line > 0);
    editor->insertAt("    timeo\n", line + 1, 0);
    editor->setCursorPosition(line + 1, 9);
    emit editor->completionRequested(line + 1, 9);
    QTRY_VERIFY_WITH_TIMEOUT(editor->isListActive(), kTimeout);
    // Enter accepts the first (best) suggestion.
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(editor->text(line + 1).startsWith("    timeout"), kTimeout);
    editor->selectAll();
    editor->replaceSelectedText(before);
    QCOMPARE(editor->text(), before);
}

void TestStudioWorkbench::goToDefinitionOpensTheHandler() {
    CodeEditor *editor = manifestEditor();
    editor->cancelList();
    const int line = lineOf(editor->text(), "handler: api/users.get_user");
    QVERIFY(line > 0);
    const int column = static_cast<int>(editor->text(line).indexOf("get_user")) + 2;
    editor->setCursorPosition(line, column);
    QTest::keyClick(editor, Qt::Key_F12);
    QTRY_VERIFY2_WITH_TIMEOUT(m_window->editors()->current() &&
                                  m_window->editors()->current()->path().endsWith("api/users.py"),
                              qPrintable(m_window->statusBar()->currentMessage() + " / " +
                                         m_window->editors()->current()->path()),
                              kTimeout);
    CodeEditor *handler = m_window->editors()->current();
    int at = 0, index = 0;
    handler->getCursorPosition(&at, &index);
    QCOMPARE(at, lineOf(handler->text(), "def get_user("));
    QCOMPARE(handler->languageId(), QString("python"));
}

void TestStudioWorkbench::codeLensesStandAboveEachFunction() {
    CodeEditor *editor = manifestEditor();
    QTRY_VERIFY_WITH_TIMEOUT(editor->codeLenses().size() >= 4, kTimeout);
    const int hello = lineOf(editor->text(), "  hello:");
    QStringList titles;
    for (const auto &lens : editor->codeLenses())
        if (lens.line == hello)
            titles << lens.title;
    QVERIFY2(titles.contains("▶ Invoke"), qPrintable(titles.join(',')));
    // Drawn above the function's line (refreshed shortly after any edit).
    QTRY_VERIFY_WITH_TIMEOUT(editor->annotation(hello - 1).contains("▶ Invoke"), kTimeout);
}

void TestStudioWorkbench::invokeShowsTheResultAndTheReportFigures() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
    // Clicking the Invoke lens runs the function with the panel's event.
    CodeEditor *editor = manifestEditor();
    QTRY_VERIFY_WITH_TIMEOUT(!editor->codeLenses().isEmpty(), kTimeout);
    InvokePanel *panel = m_window->invokePanel();
    panel->setEvent(R"({"name": "Studio"})");
    QVERIFY(panel->eventIsValid());
    for (const auto &lens : editor->codeLenses())
        if (lens.command == "nimbus.invoke" && lens.arguments.at(1).toString() == "hello") {
            emit editor->lensActivated(lens);
            break;
        }
    QTRY_VERIFY_WITH_TIMEOUT(panel->resultStatus()->text().contains("succeeded"), kTimeout);
    QVERIFY(panel->resultView()->toPlainText().contains("Hello, Studio!"));
    const QString figures = panel->figures()->text();
    QVERIFY2(figures.contains("Duration:") && figures.contains("Billed Duration:") &&
                 figures.contains("Max Memory Used:") && figures.contains("Init Duration:"),
             qPrintable(figures));
    QCOMPARE(panel->history()->rowCount(), 1);
    // An event that is not JSON is caught as it is typed, and cannot be sent.
    panel->setEvent(R"({"name": )");
    QVERIFY(!panel->eventIsValid());
    QVERIFY(!panel->invokeButton()->isEnabled());
    panel->setEvent("{}");
    QVERIFY(panel->invokeButton()->isEnabled());
}

void TestStudioWorkbench::invokeShowsAFunctionErrorWithItsStack() {
    InvokePanel *panel = m_window->invokePanel();
    panel->setFunction("fail");
    panel->setEvent("{}");
    panel->invoke();
    QTRY_VERIFY_WITH_TIMEOUT(panel->resultStatus()->text().contains("failed"), kTimeout);
    QVERIFY2(panel->resultStatus()->text().contains("ValueError: this function always fails"),
             qPrintable(panel->resultStatus()->text()));
    QVERIFY(panel->resultView()->toPlainText().contains("handler.py"));
    QCOMPARE(panel->history()->rowCount(), 2);
}

void TestStudioWorkbench::theLogStreamsIntoTheOutputPanel() {
    LogModel *log = m_window->log();
    auto contains = [log](const QString &text) {
        for (int r = 0; r < log->rowCount(); ++r)
            if (log->index(r).data().toString().contains(text))
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(contains("[hello] REPORT RequestId:"), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(contains("[fail] START RequestId:"), kTimeout);
    // Filtering by function and by text.
    OutputPanel *output = m_window->outputPanel();
    output->functionFilter()->setCurrentIndex(output->functionFilter()->findData("fail"));
    QVERIFY(output->filter()->rowCount() > 0);
    for (int r = 0; r < output->filter()->rowCount(); ++r)
        QCOMPARE(output->filter()->index(r, 0).data(LogModel::FunctionRole).toString(),
                 QString("fail"));
    output->textFilter()->setText("REPORT");
    QCOMPARE(output->filter()->rowCount(), 1);
    output->textFilter()->clear();
    output->functionFilter()->setCurrentIndex(0);
}

void TestStudioWorkbench::theSimulatorPanelShowsInstancesAndRoutes() {
    InstancesModel *instances = m_window->instances();
    QTRY_VERIFY_WITH_TIMEOUT(instances->rowCount() >= 2, kTimeout);
    QStringList states;
    for (int r = 0; r < instances->rowCount(); ++r)
        states << instances->index(r, InstancesModel::StateColumn).data().toString();
    QVERIFY2(states.contains("idle"), qPrintable(states.join(',')));
    RoutesModel *routes = m_window->routes();
    QTRY_VERIFY_WITH_TIMEOUT(routes->rowCount() >= 2, kTimeout);
    bool hello = false;
    for (int r = 0; r < routes->rowCount(); ++r)
        hello = hello || (routes->index(r, RoutesModel::PathColumn).data().toString() == "/hello" &&
                          routes->index(r, RoutesModel::UrlColumn)
                              .data()
                              .toString()
                              .startsWith(m_window->simulator()->gatewayUrl().toString()));
    QVERIFY(hello);
}

void TestStudioWorkbench::theRequestPanelCallsTheGateway() {
    m_window->requestFunction("getUser");
    RequestPanel *panel = m_window->requestPanel();
    QCOMPARE(panel->path()->text(), QString("/users/id"));
    panel->setRequest("GET", "/hello?name=Request");
    QCOMPARE(panel->query()->text(), QString("name=Request"));
    QSignalSpy answered(panel, &RequestPanel::answered);
    panel->send();
    QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, kTimeout);
    QCOMPARE(answered.first().first().toInt(), 200);
    QVERIFY(panel->status()->text().contains("200"));
    QVERIFY2(panel->responseBody()->toPlainText().contains("\"message\": \"Hello, Request!\""),
             qPrintable(panel->responseBody()->toPlainText()));
    QVERIFY(panel->responseHeaders()->toPlainText().toLower().contains(
        "content-type: application/json"));
}

void TestStudioWorkbench::theCommandPaletteRunsAnyAction() {
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
    CommandPalette *palette = m_window->palette();
    QTRY_VERIFY(palette->isVisible());
    QVERIFY(palette->list()->count() >= 20);
    QTest::keyClicks(palette->input(), "restart sim");
    QVERIFY(palette->list()->count() >= 1);
    QVERIFY2(palette->list()->item(0)->text().startsWith("Run: Restart Simulator"),
             qPrintable(palette->list()->item(0)->text()));
    QTest::keyClick(palette->input(), Qt::Key_Escape);
    QVERIFY(!palette->isVisible());
    // Quick Open finds files by name.
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY(palette->isVisible());
    QTest::keyClicks(palette->input(), "users");
    QVERIFY(palette->list()->count() >= 1);
    QCOMPARE(palette->list()->item(0)->text(), QString("api/users.py"));
    QTest::keyClick(palette->input(), Qt::Key_Return);
    QTRY_VERIFY(m_window->editors()->current()->path().endsWith("api/users.py"));
    // Every action has a name and can be found by it.
    for (QAction *action : m_window->commands()->actions())
        QVERIFY2(!m_window->commands()->paletteTitle(action).isEmpty(),
                 qPrintable(action->objectName()));
}

void TestStudioWorkbench::aFailedInstallationIsListedAndItsLensOpensTheFile() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
    // A requirement pip cannot find (offline): the simulator installs it as the file appears,
    // and the function list follows what it reports.
    m_project->write("requirements.txt", "--no-index\nno-such-package-for-studio==1.0\n");
    FunctionsModel *functions = m_window->functions();
    auto dependencies = [&] {
        return functions->function("hello").value("dependencies").toObject();
    };
    QTRY_VERIFY_WITH_TIMEOUT(dependencies().value("state").toString() == "failed", 60000);
    QVERIFY(dependencies().value("message").toString().contains("no-such-package-for-studio"));
    const QModelIndex hello = functions->indexOf("hello");
    QStringList rows;
    for (int r = 0; r < functions->rowCount(hello); ++r)
        rows << functions->index(r, 0, hello).data().toString();
    QVERIFY2(rows.contains("dependencies: requirements.txt — install failed"),
             qPrintable(rows.join(" | ")));
    // The lens on the function says so; activating it opens the file and says why.
    CodeEditor *editor = manifestEditor();
    CodeLens failed;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const auto &lens : editor->codeLenses())
                if (lens.command == "nimbus.dependencies" &&
                    lens.arguments.at(1).toString() == "hello")
                    failed = lens;
            return failed.title == "requirements.txt: install failed";
        }(),
        kTimeout);
    emit editor->lensActivated(failed);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->editors()->current() &&
            m_window->editors()->current()->path().endsWith("requirements.txt"),
        kTimeout);
    QVERIFY2(m_window->banner()->text().contains("no-such-package-for-studio"),
             qPrintable(m_window->banner()->text()));
    m_window->banner()->dismiss();
    m_window->editors()->close(m_window->editors()->current(), true);
    QFile::remove(m_project->filePath("requirements.txt"));
}

void TestStudioWorkbench::aKilledLanguageServerIsRestartedWithNoTextLost() {
    CodeEditor *editor = manifestEditor();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lsp()->state(), LspClient::State::Running, kTimeout);
    editor->append("\n# typed but not saved\n");
    const QString typed = editor->text();
    QVERIFY(editor->isModified());
    QSignalSpy crashed(m_window->lsp(), &LspClient::serverCrashed);
    ::kill(static_cast<pid_t>(m_window->lsp()->processId()), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(crashed.size(), 1, kTimeout);
    QVERIFY(m_window->banner()->text().contains("nimbus-lsp"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lsp()->state(), LspClient::State::Running, kTimeout);
    QCOMPARE(editor->text(), typed);
    // The restarted server has the unsaved text: a new mistake in it is diagnosed.
    const int line = lineOf(editor->text(), "timeout: 10");
    editor->insertAt("  runtime: cobol1\n", line, 0);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->problems()->problemsFor(editor->path()).isEmpty(),
                             kTimeout);
    const Problem problem = m_window->problems()->problemsFor(editor->path()).first();
    QVERIFY2(problem.line == line,
             qPrintable(QString::number(problem.line) + ": " + problem.message));
    editor->undo();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->problems()->problemsFor(editor->path()).isEmpty(), kTimeout);
}

void TestStudioWorkbench::aKilledSimulatorIsRestarted() {
    SimulatorConnection *simulator = m_window->simulator();
    QTRY_COMPARE_WITH_TIMEOUT(simulator->state(), SimulatorConnection::State::Running, kTimeout);
    const qint64 pid = simulator->simulatorPid();
    QSignalSpy died(simulator, &SimulatorConnection::simulatorDied);
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(died.size(), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(simulator->state(), SimulatorConnection::State::Running, kTimeout);
    QVERIFY(simulator->simulatorPid() != pid);
    InvokePanel *panel = m_window->invokePanel();
    panel->setFunction("hello");
    panel->setEvent(R"({"name": "again"})");
    panel->invoke();
    QTRY_VERIFY_WITH_TIMEOUT(panel->resultStatus()->text().contains("succeeded"), kTimeout);
    QVERIFY(panel->resultView()->toPlainText().contains("Hello, again!"));
}

void TestStudioWorkbench::restartCommandsBringTheServersBack() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lsp()->state(), LspClient::State::Running, kTimeout);
    const qint64 lspPid = m_window->lsp()->processId();
    m_window->commands()->action("run.restartLanguageServer")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lsp()->state(), LspClient::State::Running, kTimeout);
    QVERIFY(m_window->lsp()->processId() != lspPid);
    // The restarted server has the manifest: symbols come back for it.
    CodeEditor *editor = manifestEditor();
    QVERIFY(m_window->lsp()->isOpen(editor->path()));

    SimulatorConnection *simulator = m_window->simulator();
    QTRY_COMPARE_WITH_TIMEOUT(simulator->state(), SimulatorConnection::State::Running, kTimeout);
    const qint64 simPid = simulator->simulatorPid();
    QElapsedTimer clock;
    clock.start();
    m_window->commands()->action("run.restartSimulator")->trigger();
    QVERIFY2(clock.elapsed() < 200, "restarting the simulator must not wait on the UI thread");
    QTRY_VERIFY_WITH_TIMEOUT(simulator->state() == SimulatorConnection::State::Running &&
                                 simulator->simulatorPid() != simPid,
                             kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->routes()->rowCount() >= 2, kTimeout);
}

void TestStudioWorkbench::layoutAndOpenFilesAreRestoredPerProject() {
    TempProject other;
    copyProject(nimbusSourcePath("examples/python-hello"), other.path());
    StudioOptions options;
    options.binDir = QFileInfo(nimbusBinary("nimbus-lsp")).absolutePath();
    options.startSimulator = false;
    {
        MainWindow window(options);
        window.show();
        QVERIFY(window.openProject(other.path()));
        window.editors()->open(other.filePath("handler.py"), 5, 0);
        window.invokePanel()->setEvent(R"({"kept": true})");
        window.close();
    }
    MainWindow window(options);
    window.show();
    QVERIFY(window.openProject(other.path()));
    QStringList names;
    for (const QString &path : window.editors()->openFiles())
        names << QFileInfo(path).fileName();
    QCOMPARE(names, QStringList({"serverless.yml", "handler.py"}));
    QCOMPARE(QFileInfo(window.editors()->current()->path()).fileName(), QString("handler.py"));
    QCOMPARE(window.invokePanel()->event(), QString(R"({"kept": true})"));
    QVERIFY(MainWindow::recentProjects().contains(QFileInfo(other.path()).canonicalFilePath()));
    window.close();
}

void TestStudioWorkbench::unsavedTextIsOfferedBackAfterACrash() {
    TempProject other;
    copyProject(nimbusSourcePath("examples/python-hello"), other.path());
    StudioOptions options;
    options.binDir = QFileInfo(nimbusBinary("nimbus-lsp")).absolutePath();
    options.startSimulator = false;
    const QString handler = other.filePath("handler.py");
    {
        auto window = std::make_unique<MainWindow>(options);
        QVERIFY(window->openProject(other.path()));
        CodeEditor *editor = window->editors()->open(handler);
        editor->append("\n# work in progress\n");
        // Written within a second or so of the change.
        QTRY_COMPARE_WITH_TIMEOUT(window->editors()->recovery().entries().size(), 1, 5000);
        // A crash: the window goes without saving, asking or closing its editors.
        window.reset();
    }
    QTest::qWait(50);
    MainWindow window(options);
    window.show();
    QVERIFY(window.openProject(other.path()));
    QTRY_VERIFY(window.editors()->banner()->text().contains("handler.py"));
    QCOMPARE(window.editors()->recovery().entries().size(), 1);
    QList<QPushButton *> buttons = window.editors()->banner()->findChildren<QPushButton *>();
    QPushButton *restoreButton = nullptr;
    for (QPushButton *b : buttons)
        if (b->text() == "Restore")
            restoreButton = b;
    QVERIFY(restoreButton);
    restoreButton->click();
    CodeEditor *editor = window.editors()->editorFor(handler);
    QVERIFY(editor);
    QVERIFY(editor->text().contains("# work in progress"));
    QVERIFY(editor->isModified());
    QVERIFY(editor->save());
    window.editors()->recovery().remove(handler);
    QVERIFY(other.read("handler.py").contains("# work in progress"));
}

void TestStudioWorkbench::theWelcomePageListsTemplatesAndRecentProjects() {
    StudioOptions options;
    options.binDir = QFileInfo(nimbusBinary("nimbus-lsp")).absolutePath();
    options.startSimulator = false;
    MainWindow window(options);
    window.showWelcome();
    WelcomePage *welcome = window.welcomePage();
    QVERIFY(welcome);
    QStringList templates;
    for (int i = 0; i < welcome->templates()->count(); ++i)
        templates << welcome->templates()->item(i)->data(Qt::UserRole).toString();
    QVERIFY(templates.contains("python-event") && templates.contains("node-http"));
    QVERIFY(welcome->recent()->count() >= 1);
    QVERIFY(welcome->recent()->item(0)->data(Qt::UserRole).toString().size() > 0);
    // Creating a project runs `nimbus init` and opens it.
    QTemporaryDir parent;
    welcome->templates()->setCurrentRow(static_cast<int>(templates.indexOf("node-event")));
    welcome->folder()->setText(parent.filePath("fresh"));
    welcome->createProject();
    const QString fresh = QFileInfo(parent.path()).canonicalFilePath() + "/fresh";
    QTRY_COMPARE_WITH_TIMEOUT(window.projectDir(), fresh, kTimeout);
    QVERIFY(QFileInfo::exists(fresh + "/serverless.yml"));
    QTRY_VERIFY_WITH_TIMEOUT(window.functions() && !window.functions()->names().isEmpty(),
                             kTimeout);
    window.close();
}

QTEST_MAIN(TestStudioWorkbench)
#include "tst_studioworkbench.moc"
