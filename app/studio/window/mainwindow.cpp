#include "mainwindow.h"

#include "banner.h"
#include "clients/debugsession.h"
#include "clients/lspclient.h"
#include "clients/simulatorconnection.h"
#include "commandpalette.h"
#include "commandregistry.h"
#include "editor/codeeditor.h"
#include "editor/editorarea.h"
#include "editor/findbar.h"
#include "editor/lspfeatures.h"
#include "models/breakpointsmodel.h"
#include "models/functionsmodel.h"
#include "models/instancesmodel.h"
#include "models/logmodel.h"
#include "models/problemsmodel.h"
#include "nimbus/manifest/manifestloader.h"
#include "panels/debugpanel.h"
#include "panels/deployedpanel.h"
#include "panels/explorerpanel.h"
#include "panels/gitpanel.h"
#include "panels/invokepanel.h"
#include "panels/outlinepanel.h"
#include "panels/outputpanel.h"
#include "panels/problemspanel.h"
#include "panels/requestpanel.h"
#include "panels/simulatorpanel.h"
#include "panels/welcomepage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QCryptographicHash>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

constexpr int kMaxRecentProjects = 10;

QString projectKey(const QString &dir) {
    return "projects/" +
           QString::fromLatin1(
               QCryptographicHash::hash(dir.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

} // namespace

MainWindow::MainWindow(StudioOptions options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(std::move(options)) {
    setWindowTitle(tr("Nimbus Studio"));
    setAccessibleName(tr("Nimbus Studio"));
    setDockNestingEnabled(true);
    resize(1400, 900);
    m_commands = new CommandRegistry(this);
    m_stack = new QStackedWidget(this);
    setCentralWidget(m_stack);
    m_palette = new CommandPalette(m_commands, this);
    m_simStatus = new QLabel(this);
    m_lspStatus = new QLabel(this);
    m_problemStatus = new QLabel(this);
    statusBar()->addPermanentWidget(m_problemStatus);
    statusBar()->addPermanentWidget(m_lspStatus);
    statusBar()->addPermanentWidget(m_simStatus);
    createActions();
    createDebugActions();
    createObservabilityActions();
    createMenus();
}

MainWindow::~MainWindow() {
    closeProject();
}

QDockWidget *MainWindow::dock(const QString &title, const QString &name, QWidget *widget,
                              Qt::DockWidgetArea area) {
    auto *d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setAccessibleName(title);
    d->setWidget(widget);
    d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable |
                   QDockWidget::DockWidgetFloatable);
    addDockWidget(area, d);
    m_docks.append(d);
    return d;
}

void MainWindow::showDock(QWidget *panel) {
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == panel) {
            d->show();
            d->raise();
            panel->setFocus();
        }
}

void MainWindow::createActions() {
    auto *c = m_commands;
    connect(c->add("file.openFolder", tr("File"), tr("Open &Folder…"), this,
                   QKeySequence(Qt::CTRL | Qt::Key_K, Qt::CTRL | Qt::Key_O)),
            &QAction::triggered, this, &MainWindow::openFolderDialog);
    connect(c->add("file.save", tr("File"), tr("&Save"), this, QKeySequence::Save),
            &QAction::triggered, this, [this] {
                if (m_editors)
                    m_editors->saveCurrent();
            });
    connect(c->add("file.saveAll", tr("File"), tr("Save A&ll"), this,
                   QKeySequence(QKeyCombination(Qt::CTRL | Qt::Key_K), QKeyCombination(Qt::Key_S))),
            &QAction::triggered, this, [this] {
                if (m_editors)
                    m_editors->saveAll();
            });
    connect(c->add("file.close", tr("File"), tr("&Close Editor"), this,
                   QKeySequence(Qt::CTRL | Qt::Key_W)),
            &QAction::triggered, this, [this] {
                if (m_editors && m_editors->current())
                    m_editors->close(m_editors->current());
            });
    connect(c->add("file.closeFolder", tr("File"), tr("Close Fol&der"), this), &QAction::triggered,
            this, [this] {
                if (!m_projectDir.isEmpty() && (!m_editors || m_editors->closeAll()))
                    showWelcome();
            });
    connect(c->add("file.quit", tr("File"), tr("&Quit"), this, QKeySequence(Qt::CTRL | Qt::Key_Q)),
            &QAction::triggered, this, &QWidget::close);

    connect(c->add("edit.undo", tr("Edit"), tr("&Undo"), this), &QAction::triggered, this, [this] {
        if (m_editors && m_editors->current())
            m_editors->current()->undo();
    });
    connect(c->add("edit.redo", tr("Edit"), tr("&Redo"), this), &QAction::triggered, this, [this] {
        if (m_editors && m_editors->current())
            m_editors->current()->redo();
    });
    connect(c->add("edit.find", tr("Edit"), tr("&Find"), this, QKeySequence::Find),
            &QAction::triggered, this, [this] {
                if (m_findBar && m_editors && m_editors->current())
                    m_findBar->open(m_editors->current(), false);
            });
    connect(c->add("edit.replace", tr("Edit"), tr("&Replace"), this,
                   QKeySequence(Qt::CTRL | Qt::Key_H)),
            &QAction::triggered, this, [this] {
                if (m_findBar && m_editors && m_editors->current())
                    m_findBar->open(m_editors->current(), true);
            });
    connect(c->add("edit.completion", tr("Edit"), tr("Trigger &Suggest"), this),
            &QAction::triggered, this, [this] {
                if (m_editors && m_editors->current()) {
                    int line = 0, index = 0;
                    m_editors->current()->getCursorPosition(&line, &index);
                    emit m_editors->current()->completionRequested(line, index);
                }
            });

    connect(c->add("view.commandPalette", tr("View"), tr("&Command Palette…"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)),
            &QAction::triggered, m_palette, &CommandPalette::showCommands);
    connect(c->add("go.quickOpen", tr("Go"), tr("Go to &File…"), this,
                   QKeySequence(Qt::CTRL | Qt::Key_P)),
            &QAction::triggered, this, [this] {
                if (!m_projectDir.isEmpty())
                    m_palette->showFiles(m_projectDir, projectFiles());
            });
    connect(c->add("go.definition", tr("Go"), tr("Go to &Definition"), this), &QAction::triggered,
            this, [this] {
                if (m_editors && m_editors->current()) {
                    int line = 0, index = 0;
                    m_editors->current()->getCursorPosition(&line, &index);
                    emit m_editors->current()->definitionRequested(line, index);
                }
            });
    connect(c->add("view.explorer", tr("View"), tr("&Explorer"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)),
            &QAction::triggered, this, [this] { showDock(m_explorer); });
    connect(c->add("view.outline", tr("View"), tr("Out&line"), this), &QAction::triggered, this,
            [this] { showDock(m_outline); });
    connect(c->add("view.problems", tr("View"), tr("&Problems"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M)),
            &QAction::triggered, this, [this] { showDock(m_problemsPanel); });
    connect(c->add("view.output", tr("View"), tr("&Output"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U)),
            &QAction::triggered, this, [this] { showDock(m_output); });
    connect(c->add("view.simulator", tr("View"), tr("&Simulator"), this), &QAction::triggered, this,
            [this] { showDock(m_simulatorPanel); });
    connect(c->add("view.invoke", tr("View"), tr("&Invoke Panel"), this), &QAction::triggered, this,
            [this] { showDock(m_invoke); });
    connect(c->add("view.deployed", tr("View"), tr("&Deployed Functions"), this),
            &QAction::triggered, this, [this] {
                showDock(m_deployed);
                if (m_deployed)
                    m_deployed->refresh();
            });
    connect(c->add("view.git", tr("View"), tr("&Git"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G)),
            &QAction::triggered, this, [this] {
                showDock(m_git);
                if (m_git)
                    m_git->refresh();
            });
    // The Deploy menu's commands act in the Deployed Functions panel, brought forward.
    auto inDeployedPanel = [this](auto act) {
        return [this, act] {
            if (!m_deployed)
                return;
            showDock(m_deployed);
            act(m_deployed);
        };
    };
    connect(c->add("deploy.deploy", tr("Deploy"), tr("&Deploy Project…"), this), &QAction::triggered,
            this, inDeployedPanel([](DeployedPanel *p) { p->deploy(); }));
    connect(c->add("deploy.function", tr("Deploy"), tr("Deploy &Function…"), this),
            &QAction::triggered, this, inDeployedPanel([this](DeployedPanel *p) {
                p->deploy(m_explorer ? m_explorer->selectedFunction() : QString());
            }));
    connect(c->add("deploy.publish", tr("Deploy"), tr("&Publish Version…"), this),
            &QAction::triggered, this,
            inDeployedPanel([](DeployedPanel *p) { p->publishVersion(p->selectedFunction()); }));
    connect(c->add("deploy.alias", tr("Deploy"), tr("Create or Edit &Alias…"), this),
            &QAction::triggered, this,
            inDeployedPanel([](DeployedPanel *p) { p->editAlias(p->selectedFunction()); }));
    connect(c->add("deploy.refresh", tr("Deploy"), tr("&Refresh Deployed Functions"), this),
            &QAction::triggered, this, [this] {
                if (m_deployed)
                    m_deployed->refresh();
            });
    connect(c->add("view.request", tr("View"), tr("&Request Panel"), this), &QAction::triggered,
            this, [this] { showDock(m_request); });

    connect(c->add("run.invoke", tr("Run"), tr("&Invoke Function"), this,
                   QKeySequence(Qt::CTRL | Qt::Key_F5)),
            &QAction::triggered, this, [this] {
                if (!m_invoke)
                    return;
                const QString selected = m_explorer ? m_explorer->selectedFunction() : QString();
                if (!selected.isEmpty() && m_functions->function(selected).value("kind") == "event")
                    m_invoke->setFunction(selected);
                showDock(m_invoke);
                m_invoke->invoke();
            });
    connect(c->add("run.sendRequest", tr("Run"), tr("Send &Request"), this), &QAction::triggered,
            this, [this] {
                if (!m_request)
                    return;
                showDock(m_request);
                m_request->send();
            });
    connect(c->add("run.restartSimulator", tr("Run"), tr("Restart &Simulator"), this),
            &QAction::triggered, this, [this] {
                if (m_simulator)
                    m_simulator->restart();
            });
    connect(c->add("run.restartLanguageServer", tr("Run"), tr("Restart &Language Server"), this),
            &QAction::triggered, this, [this] {
                if (m_lsp)
                    m_lsp->restart();
            });
    connect(c->add("run.refreshFunctions", tr("Run"), tr("Re&fresh Functions"), this),
            &QAction::triggered, this, &MainWindow::refreshFunctions);
    connect(c->add("help.about", tr("Help"), tr("&About Nimbus Studio"), this), &QAction::triggered,
            this, [this] {
                QMessageBox::about(this, tr("About Nimbus Studio"),
                                   tr("<b>Nimbus Studio %1</b><p>Edit, run and watch serverless "
                                      "functions on a local simulator.</p>")
                                       .arg(QApplication::applicationVersion()));
            });
}

void MainWindow::createMenus() {
    auto menu = [this](const QString &title, const QStringList &ids) {
        QMenu *m = menuBar()->addMenu(title);
        for (const QString &id : ids) {
            if (id.isEmpty())
                m->addSeparator();
            else
                m->addAction(m_commands->action(id));
        }
        return m;
    };
    QMenu *file = menu(tr("&File"), {"file.openFolder"});
    QMenu *recent = file->addMenu(tr("Open &Recent"));
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        for (const QString &path : recentProjects())
            connect(recent->addAction(path), &QAction::triggered, this,
                    [this, path] { openProject(path); });
        if (recent->isEmpty())
            recent->addAction(tr("No recent projects"))->setEnabled(false);
    });
    for (const QString id :
         {"", "file.save", "file.saveAll", "", "file.close", "file.closeFolder", "", "file.quit"})
        id.isEmpty() ? (void)file->addSeparator() : file->addAction(m_commands->action(id));
    menu(tr("&Edit"),
         {"edit.undo", "edit.redo", "", "edit.find", "edit.replace", "", "edit.completion"});
    menu(tr("&View"), {"view.commandPalette", "", "view.explorer", "view.outline", "view.problems",
                       "view.output", "view.simulator", "view.invoke", "view.request",
                       "view.deployed", "view.git", "", "view.metrics", "view.traces",
                       "view.failures", "view.profile"});
    menu(tr("&Go"), {"go.quickOpen", "go.definition"});
    menu(tr("&Run"), {"run.invoke", "run.sendRequest", "", "run.profile", "run.openProfile", "",
                      "run.refreshFunctions", "run.restartSimulator",
                      "run.restartLanguageServer"});
    menu(tr("De&ploy"), {"deploy.deploy", "deploy.function", "", "deploy.publish", "deploy.alias",
                         "", "deploy.refresh", "view.deployed"});
    menu(tr("&Debug"), {"debug.start", "debug.attach", "", "debug.stepOver", "debug.stepIn",
                        "debug.stepOut", "debug.pause", "", "debug.restart", "debug.stop", "",
                        "debug.replayFailure", "", "debug.toggleBreakpoint", "view.debug",
                        "view.debugConsole"});
    menu(tr("&Help"), {"help.about"});
}

QStringList MainWindow::recentProjects() {
    QStringList out;
    for (const QString &path : QSettings().value("recentProjects").toStringList())
        if (QFileInfo(path).isDir())
            out.append(path);
    return out;
}

void MainWindow::showWelcome() {
    closeProject();
    setWindowTitle(tr("Nimbus Studio"));
    m_welcome = new WelcomePage(recentProjects(), m_options.binDir + "/nimbus", m_stack);
    connect(m_welcome, &WelcomePage::openFolderRequested, this, &MainWindow::openFolderDialog);
    connect(m_welcome, &WelcomePage::openProject, this, [this](const QString &path) {
        QMetaObject::invokeMethod(
            this, [this, path] { openProject(path); }, Qt::QueuedConnection);
    });
    m_stack->addWidget(m_welcome);
    m_stack->setCurrentWidget(m_welcome);
    updateStatus();
}

void MainWindow::openFolderDialog() {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open Folder"), m_projectDir.isEmpty() ? QDir::homePath() : m_projectDir);
    if (!dir.isEmpty())
        openProject(dir);
}

bool MainWindow::openProject(const QString &dir) {
    const QFileInfo info(dir);
    if (!info.isDir()) {
        statusBar()->showMessage(tr("%1: no such folder").arg(dir), 8000);
        return false;
    }
    if (m_editors && !m_editors->closeAll())
        return false;
    closeProject();
    m_projectDir = info.canonicalFilePath();
    QSettings settings;
    QStringList recent = settings.value("recentProjects").toStringList();
    recent.removeAll(m_projectDir);
    recent.prepend(m_projectDir);
    settings.setValue("recentProjects", recent.mid(0, kMaxRecentProjects));
    setWindowTitle(tr("%1 — Nimbus Studio").arg(info.fileName()));
    buildProject();
    restoreProjectState();
    m_editors->offerRecovery();
    return true;
}

void MainWindow::buildProject() {
    const QString bin = m_options.binDir;
    m_lsp = new LspClient(bin + "/nimbus-lsp", m_projectDir, this);
    m_simulator = new SimulatorConnection(bin + "/nimbus-sim", m_projectDir, this);
    m_functions = new FunctionsModel(this);
    m_problems = new ProblemsModel(this);
    m_problems->setProjectDir(m_projectDir);
    m_log = new LogModel(this);
    m_instances = new InstancesModel(this);
    m_routes = new RoutesModel(this);
    m_triggers = new TriggersModel(this);
    m_features = new LspFeatures(m_lsp, m_problems, this);
    m_breakpoints = new BreakpointsModel(this);
    m_debug = new DebugSession(bin + "/nimbus-dap", m_breakpoints, this);
    // m_debug before the clients it may be using, m_breakpoints after the session.
    m_projectObjects = {m_features, m_debug,     m_lsp,    m_simulator,  m_functions,
                        m_problems, m_log, m_instances, m_routes, m_breakpoints};

    // The centre: a banner for servers' news, the editors, the find bar.
    m_workbench = new QWidget(m_stack);
    auto *centre = new QVBoxLayout(m_workbench);
    centre->setContentsMargins(0, 0, 0, 0);
    centre->setSpacing(0);
    m_banner = new Banner(tr("Notification"), m_workbench);
    centre->addWidget(m_banner);
    m_editors = new EditorArea(m_projectDir, m_workbench);
    centre->addWidget(m_editors, 1);
    m_findBar = new FindBar(m_workbench);
    centre->addWidget(m_findBar);
    m_stack->addWidget(m_workbench);
    m_stack->setCurrentWidget(m_workbench);

    m_explorer = new ExplorerPanel(m_functions, m_projectDir);
    m_outline = new OutlinePanel();
    m_problemsPanel = new ProblemsPanel(m_problems);
    m_output = new OutputPanel(m_log);
    m_simulatorPanel = new SimulatorPanel(m_simulator, m_instances, m_routes, m_triggers);
    m_invoke = new InvokePanel(m_simulator, m_functions, m_projectDir);
    m_request = new RequestPanel(m_simulator);
    m_debugPanel = new DebugPanel(m_debug, m_breakpoints,
                                  {m_commands->action("debug.start"), m_commands->action("debug.stepOver"),
                                   m_commands->action("debug.stepIn"), m_commands->action("debug.stepOut"),
                                   m_commands->action("debug.restart"), m_commands->action("debug.stop")});
    m_debugConsole = new DebugConsole(m_debug);
    m_deployed = new DeployedPanel(
        {m_projectDir,
         [this] { return m_simulator ? m_simulator->endpoint() : ControlPlaneEndpoint{}; },
         [this] { return m_invoke ? m_invoke->event() : QStringLiteral("{}"); }},
        m_log);
    m_git = new GitPanel(m_projectDir);

    QDockWidget *explorer =
        dock(tr("Explorer"), "explorerDock", m_explorer, Qt::LeftDockWidgetArea);
    QDockWidget *outline = dock(tr("Outline"), "outlineDock", m_outline, Qt::LeftDockWidgetArea);
    tabifyDockWidget(explorer, outline);
    QDockWidget *debug = dock(tr("Run and Debug"), "debugDock", m_debugPanel, Qt::LeftDockWidgetArea);
    tabifyDockWidget(explorer, debug);
    explorer->raise();
    QDockWidget *invoke = dock(tr("Invoke"), "invokeDock", m_invoke, Qt::RightDockWidgetArea);
    QDockWidget *request = dock(tr("Request"), "requestDock", m_request, Qt::RightDockWidgetArea);
    tabifyDockWidget(invoke, request);
    QDockWidget *deployed =
        dock(tr("Deployed Functions"), "deployedDock", m_deployed, Qt::RightDockWidgetArea);
    tabifyDockWidget(invoke, deployed);
    invoke->raise();
    QDockWidget *output = dock(tr("Output"), "outputDock", m_output, Qt::BottomDockWidgetArea);
    QDockWidget *problems =
        dock(tr("Problems"), "problemsDock", m_problemsPanel, Qt::BottomDockWidgetArea);
    QDockWidget *simulator =
        dock(tr("Simulator"), "simulatorDock", m_simulatorPanel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(output, problems);
    tabifyDockWidget(output, simulator);
    QDockWidget *console = dock(tr("Debug Console"), "debugConsoleDock", m_debugConsole, Qt::BottomDockWidgetArea);
    tabifyDockWidget(output, console);
    QDockWidget *gitDock = dock(tr("Git"), "gitDock", m_git, Qt::BottomDockWidgetArea);
    tabifyDockWidget(output, gitDock);
    buildObservability(output);
    output->raise();
    resizeDocks({explorer, invoke}, {280, 440}, Qt::Horizontal);
    resizeDocks({output}, {240}, Qt::Vertical);

    // The Deployed Functions panel lists the simulator's once it runs.
    connect(m_deployed, &DeployedPanel::outputWanted, this, [this] { showDock(m_output); });
    // Back from a terminal where git ran: show the tree as it is now.
    connect(qApp, &QGuiApplication::applicationStateChanged, m_git,
            [this](Qt::ApplicationState state) {
                if (state == Qt::ApplicationActive && m_git->isVisible())
                    m_git->refresh();
            });
    // A version links back to the commit it was deployed from.
    connect(m_deployed, &DeployedPanel::showCommit, this, [this](const QString &commit) {
        showDock(m_git);
        if (!m_git->selectCommit(commit))
            statusBar()->showMessage(
                tr("Commit %1 is not in this repository (another clone, or history rewritten)")
                    .arg(commit),
                8000);
    });
    connect(m_simulator, &SimulatorConnection::stateChanged, m_deployed,
            [this](SimulatorConnection::State s) {
                if (s == SimulatorConnection::State::Running &&
                    m_deployed->connection().isProjectSimulator())
                    m_deployed->refresh();
            });

    // Clients -> models.
    connect(m_simulator, &SimulatorConnection::eventsReceived, m_log, &LogModel::appendEvents);
    connect(m_simulator, &SimulatorConnection::eventsReceived, this,
            [this](const QJsonArray &events) {
                bool dependencies = false;
                for (const auto &e : events) {
                    m_instances->applyEvent(e.toObject());
                    // An installation of packages began or ended: the list shows where each
                    // function's stand.
                    dependencies |= e.toObject().value("type").toString() == "platform" &&
                                    e.toObject().value("message").toString().contains("install");
                }
                if (dependencies) {
                    refreshFunctions();
                    // (and the manifest's lenses, which say where each function's stand)
                    const QString manifest = QString::fromStdString(
                        manifest::ManifestLoader::findManifestFile(m_projectDir.toStdString())
                            .value_or(""));
                    if (CodeEditor *editor = m_editors->editorFor(manifest))
                        m_features->refresh(editor);
                }
            });
    connect(m_simulator, &SimulatorConnection::eventsDropped, this, [this](qint64 count) {
        m_log->appendNotice(tr("%1 log lines were lost: the stream outran the Studio").arg(count));
    });
    connect(m_simulator, &SimulatorConnection::snapshotReceived, this,
            [this](const QJsonObject &s) {
                m_instances->setSnapshot(s.value("instances").toArray());
                m_routes->setRoutes(s.value("routes").toArray());
                m_triggers->setSnapshot(s);
            });
    connect(m_simulator, &SimulatorConnection::simulatorDied, this, [this](const QString &message) {
        m_banner->showMessage(message, Banner::Tone::Warning);
        m_log->appendNotice(message);
        m_instances->clear();
    });
    connect(m_simulator, &SimulatorConnection::stateChanged, this,
            [this](SimulatorConnection::State s) {
                if (s == SimulatorConnection::State::Failed)
                    m_log->appendNotice(
                        tr("The simulator is not running: %1").arg(m_simulator->failure()));
                updateStatus();
            });
    connect(m_lsp, &LspClient::serverCrashed, this, [this](const QString &message) {
        m_banner->showMessage(message + tr(" — no text was lost."), Banner::Tone::Warning);
    });
    connect(m_lsp, &LspClient::stateChanged, this, [this](LspClient::State s) {
        if (s == LspClient::State::Running)
            refreshFunctions();
        updateStatus();
    });
    connect(m_problems, &ProblemsModel::fileProblemsChanged, this, &MainWindow::updateStatus);

    // Views' intent -> clients and other views.
    connect(m_editors, &EditorArea::editorOpened, m_features, &LspFeatures::attach);
    connect(m_editors, &EditorArea::editorClosing, m_features, &LspFeatures::detach);
    connect(m_editors, &EditorArea::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 6000); });
    connect(m_editors, &EditorArea::fileSaved, this, [this](const QString &path) {
        if (CodeEditor *editor = m_editors->editorFor(path))
            m_features->saved(editor);
        if (QString::fromStdString(
                manifest::ManifestLoader::findManifestFile(m_projectDir.toStdString())
                    .value_or("")) == QFileInfo(path).absoluteFilePath()) {
            refreshFunctions();
            // A simulator that could not start on the old manifest may on this one.
            if (m_simulator->state() == SimulatorConnection::State::Failed &&
                m_options.startSimulator)
                m_simulator->start();
        }
    });
    connect(m_editors, &EditorArea::currentEditorChanged, this, [this](CodeEditor *editor) {
        if (editor && editor->isManifest())
            m_features->refresh(editor);
    });
    connect(
        m_features, &LspFeatures::openLocation, this,
        [this](const QString &path, int line, int column) { m_editors->open(path, line, column); });
    connect(m_features, &LspFeatures::symbolsChanged, m_outline, &OutlinePanel::setSymbols);
    connect(m_features, &LspFeatures::lensActivated, this, &MainWindow::onLensActivated);
    connect(m_features, &LspFeatures::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 6000); });
    connect(
        m_outline, &OutlinePanel::openLocation, this,
        [this](const QString &path, int line, int column) { m_editors->open(path, line, column); });
    connect(
        m_problemsPanel, &ProblemsPanel::openLocation, this,
        [this](const QString &path, int line, int column) { m_editors->open(path, line, column); });
    connect(m_explorer, &ExplorerPanel::openHandler, this, &MainWindow::openHandler);
    connect(m_explorer, &ExplorerPanel::revealInManifest, this, &MainWindow::revealInManifest);
    connect(m_explorer, &ExplorerPanel::invokeFunction, this, &MainWindow::invokeFunction);
    connect(m_explorer, &ExplorerPanel::requestFunction, this, &MainWindow::requestFunction);
    connect(m_explorer, &ExplorerPanel::debugFunction, this, &MainWindow::debugFunction);
    connect(m_explorer, &ExplorerPanel::openFile, this,
            [this](const QString &path) { m_editors->open(path); });
    // The Invoke panel follows the Explorer's selection, by mouse, keyboard or screen reader
    // (an accessibility client selects rows without moving the current index).
    auto follow = [this](const QModelIndex &index) {
        const QString name =
            index.siblingAtColumn(0).data(FunctionsModel::FunctionNameRole).toString();
        if (m_functions->function(name).value("kind") == "event")
            m_invoke->setFunction(name);
    };
    QItemSelectionModel *selection = m_explorer->functionsView()->selectionModel();
    connect(selection, &QItemSelectionModel::currentChanged, this, follow);
    connect(selection, &QItemSelectionModel::selectionChanged, this,
            [follow](const QItemSelection &selected) {
                if (!selected.indexes().isEmpty())
                    follow(selected.indexes().first());
            });
    connect(m_simulatorPanel, &SimulatorPanel::requestRoute, this,
            [this](const QString &method, const QString &path) {
                m_request->setRequest(method, path);
                showDock(m_request);
            });
    connect(m_palette, &CommandPalette::openFile, this,
            [this](const QString &path) { m_editors->open(path); });

    wireDebugging();
    m_lsp->start();
    if (m_options.startSimulator)
        m_simulator->start();
    updateStatus();
}

void MainWindow::closeProject() {
    if (m_projectDir.isEmpty() && !m_welcome)
        return;
    if (!m_projectDir.isEmpty() && m_editors)
        saveProjectState();
    if (m_debug)
        m_debug->stop();
    if (m_lsp)
        m_lsp->stop();
    if (m_simulator)
        m_simulator->stop();
    for (QDockWidget *d : std::as_const(m_docks)) {
        removeDockWidget(d);
        delete d;
    }
    m_docks.clear();
    if (m_workbench) {
        m_stack->removeWidget(m_workbench);
        delete m_workbench;
    }
    if (m_welcome) {
        m_stack->removeWidget(m_welcome);
        delete m_welcome;
    }
    for (QObject *o : std::as_const(m_projectObjects))
        delete o;
    m_projectObjects.clear();
    m_workbench = nullptr;
    m_welcome = nullptr;
    m_banner = nullptr;
    m_findBar = nullptr;
    m_lsp = nullptr;
    m_simulator = nullptr;
    m_features = nullptr;
    m_functions = nullptr;
    m_problems = nullptr;
    m_log = nullptr;
    m_instances = nullptr;
    m_routes = nullptr;
    m_triggers = nullptr;
    m_editors = nullptr;
    m_explorer = nullptr;
    m_outline = nullptr;
    m_problemsPanel = nullptr;
    m_output = nullptr;
    m_simulatorPanel = nullptr;
    m_invoke = nullptr;
    m_request = nullptr;
    m_breakpoints = nullptr;
    m_debug = nullptr;
    m_debugPanel = nullptr;
    m_debugConsole = nullptr;
    m_deployed = nullptr;
    m_git = nullptr;
    m_metrics = nullptr;
    m_traces = nullptr;
    m_failures = nullptr;
    m_profile = nullptr;
    m_profileRun = nullptr;
    m_projectDir.clear();
    updateDebugActions();
}

void MainWindow::saveProjectState() {
    QSettings settings;
    settings.beginGroup(projectKey(m_projectDir));
    settings.setValue("geometry", saveGeometry());
    settings.setValue("windowState", saveState());
    settings.setValue("openFiles", m_editors->openFiles());
    settings.setValue("currentFile",
                      m_editors->current() ? m_editors->current()->path() : QString());
    QVariantMap splitters;
    for (QSplitter *s : findChildren<QSplitter *>())
        if (!s->objectName().isEmpty())
            splitters.insert(s->objectName(), s->saveState());
    settings.setValue("splitters", splitters);
    settings.setValue("invokeFunction", m_invoke->function());
    settings.setValue("invokeEvent", m_invoke->event());
    settings.setValue("breakpoints", m_breakpoints->save());
    settings.setValue("watches", m_debugPanel->watchExpressions());
    settings.endGroup();
}

void MainWindow::restoreProjectState() {
    QSettings settings;
    settings.beginGroup(projectKey(m_projectDir));
    if (settings.contains("geometry"))
        restoreGeometry(settings.value("geometry").toByteArray());
    if (settings.contains("windowState"))
        restoreState(settings.value("windowState").toByteArray());
    m_breakpoints->restore(settings.value("breakpoints"));
    m_debugPanel->setWatchExpressions(settings.value("watches").toStringList());
    const QVariantMap splitters = settings.value("splitters").toMap();
    for (QSplitter *s : findChildren<QSplitter *>())
        if (splitters.contains(s->objectName()))
            s->restoreState(splitters.value(s->objectName()).toByteArray());
    QStringList files = settings.value("openFiles").toStringList();
    if (!settings.contains("openFiles")) {
        // A first visit opens the manifest.
        if (const auto manifest =
                manifest::ManifestLoader::findManifestFile(m_projectDir.toStdString()))
            files = {QString::fromStdString(*manifest)};
    }
    for (const QString &file : files)
        if (QFileInfo(file).isFile())
            m_editors->open(file);
    const QString current = settings.value("currentFile").toString();
    if (!current.isEmpty() && m_editors->editorFor(current))
        m_editors->open(current);
    const QString event = settings.value("invokeEvent").toString();
    if (!event.isEmpty())
        m_invoke->setEvent(event);
    const QString function = settings.value("invokeFunction").toString();
    if (!function.isEmpty())
        m_invoke->setProperty("pendingFunction", function);
    settings.endGroup();
}

void MainWindow::refreshFunctions() {
    if (!m_lsp)
        return;
    QPointer<MainWindow> self(this);
    const QString project = m_projectDir;
    m_lsp->request(
        "workspace/executeCommand",
        QJsonObject{{"command", "nimbus.listFunctions"}, {"arguments", QJsonArray{project}}},
        [self, project](const QJsonValue &result, const QString &error) {
            if (!self || self->m_projectDir != project || !self->m_functions)
                return;
            if (!error.isEmpty()) {
                // The manifest does not load: the Problems panel says why; keep
                // the last list.
                self->statusBar()->showMessage(tr("Functions not listed: %1").arg(error), 8000);
                return;
            }
            self->m_functions->setFunctions(result.toArray());
            const QString pending = self->m_invoke->property("pendingFunction").toString();
            if (!pending.isEmpty()) {
                self->m_invoke->setFunction(pending);
                self->m_invoke->setProperty("pendingFunction", QString());
            }
            emit self->functionsListed();
        });
}

void MainWindow::openHandler(const QString &function) {
    const QJsonObject f = m_functions->function(function);
    const QJsonObject definition = f.value("definition").toObject();
    if (definition.isEmpty()) {
        statusBar()->showMessage(tr("%1: its handler was not found in the project; showing it in "
                                    "the manifest")
                                     .arg(function),
                                 8000);
        revealInManifest(function);
        return;
    }
    m_editors->open(definition.value("file").toString(), definition.value("line").toInt(),
                    definition.value("column").toInt());
}

void MainWindow::revealInManifest(const QString &function) {
    const QJsonObject manifest = m_functions->function(function).value("manifest").toObject();
    if (manifest.isEmpty())
        return;
    m_editors->open(manifest.value("file").toString(), manifest.value("line").toInt(),
                    manifest.value("column").toInt());
}

void MainWindow::invokeFunction(const QString &function) {
    m_invoke->setFunction(function);
    showDock(m_invoke);
    m_invoke->invoke();
}

void MainWindow::requestFunction(const QString &function) {
    const QJsonArray routes = m_functions->function(function).value("routes").toArray();
    const QJsonObject route = routes.isEmpty() ? QJsonObject() : routes.first().toObject();
    m_request->setRequest(route.value("method").toString("GET"), route.value("path").toString("/"));
    showDock(m_request);
}

void MainWindow::onLensActivated(const CodeLens &lens) {
    const QString function = lens.arguments.size() > 1 ? lens.arguments[1].toString() : QString();
    if (lens.command == "nimbus.invoke") {
        invokeFunction(function);
    } else if (lens.command == "nimbus.debug") {
        debugFunction(function);
    } else if (lens.command == "nimbus.dependencies") {
        // The file that declares the packages; a failure's reason, in the tool's words.
        const QJsonObject deps = m_functions->function(function).value("dependencies").toObject();
        if (deps.isEmpty())
            return;
        m_editors->open(QDir(m_projectDir).filePath(deps.value("file").toString()));
        if (deps.value("state").toString() == "failed")
            m_banner->showMessage(tr("%1 could not install %2 for %3: %4")
                                      .arg(deps.value("tool").toString(),
                                           deps.value("file").toString(), function,
                                           deps.value("message").toString().section('\n', -2)),
                                  Banner::Tone::Warning);
    }
}

void MainWindow::updateStatus() {
    if (!m_simulator || !m_lsp) {
        m_simStatus->setText(tr("No project"));
        m_lspStatus->clear();
        m_problemStatus->clear();
        return;
    }
    using S = SimulatorConnection::State;
    switch (m_simulator->state()) {
    case S::Running:
        m_simStatus->setText(
            tr("Simulator: running · %1").arg(m_simulator->gatewayUrl().toString()));
        break;
    case S::Starting:
        m_simStatus->setText(tr("Simulator: starting…"));
        break;
    case S::Stopped:
        m_simStatus->setText(tr("Simulator: stopped"));
        break;
    case S::Failed:
        m_simStatus->setText(tr("Simulator: not running (see Output)"));
        break;
    }
    using L = LspClient::State;
    switch (m_lsp->state()) {
    case L::Running:
        m_lspStatus->setText(tr("Language server: ready"));
        break;
    case L::Starting:
    case L::Crashed:
        m_lspStatus->setText(tr("Language server: starting…"));
        break;
    case L::Failed:
        m_lspStatus->setText(tr("Language server: failed"));
        break;
    case L::NotStarted:
    case L::Stopped:
        m_lspStatus->setText(tr("Language server: stopped"));
        break;
    }
    m_problemStatus->setText(tr("%n error(s)", nullptr, m_problems->errorCount()) + ", " +
                             tr("%n warning(s)", nullptr, m_problems->warningCount()));
}

QString MainWindow::statusText() const {
    return m_simStatus->text() + " | " + m_lspStatus->text() + " | " + m_problemStatus->text();
}

QStringList MainWindow::projectFiles() const {
    // Folders of tools and dependencies are not descended into at all: a node_modules of
    // 100,000 files would otherwise stall the window.
    static const QSet<QString> skipped{".nimbus",     ".git",  "node_modules", "__pycache__",
                                       ".serverless", ".venv", "venv",         ".mypy_cache"};
    QStringList files;
    const QDir root(m_projectDir);
    std::function<void(const QString &)> walk = [&](const QString &dir) {
        for (const QFileInfo &entry : QDir(dir).entryInfoList(
                 QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name)) {
            if (files.size() >= 20000)
                return;
            if (entry.isDir()) {
                if (!skipped.contains(entry.fileName()) && !entry.isSymLink())
                    walk(entry.absoluteFilePath());
            } else {
                files.append(root.relativeFilePath(entry.absoluteFilePath()));
            }
        }
    };
    walk(m_projectDir);
    return files;
}

void MainWindow::closeKeepingRecovery() {
    m_keepRecovery = true;
    close();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    if (m_editors && m_editors->hasUnsavedChanges() && !m_keepRecovery) {
        const auto answer =
            QMessageBox::question(this, tr("Unsaved changes"),
                                  tr("Some files have unsaved changes. Save them before quitting?"),
                                  QMessageBox::SaveAll | QMessageBox::Discard | QMessageBox::Cancel,
                                  QMessageBox::SaveAll);
        if (answer == QMessageBox::Cancel ||
            (answer == QMessageBox::SaveAll && !m_editors->saveAll())) {
            event->ignore();
            return;
        }
        if (answer == QMessageBox::Discard)
            m_editors->recovery().clear();
    }
    closeProject();
    event->accept();
}

} // namespace nimbus::studio
