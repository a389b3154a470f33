#pragma once

#include <QJsonObject>
#include <QMainWindow>
#include <QPointer>

class QDockWidget;
class QLabel;
class QStackedWidget;

namespace nimbus::studio {

class Banner;
class BreakpointsModel;
class DebugConsole;
class DebugPanel;
class DebugSession;
class DeployedPanel;
class CodeEditor;
class CommandPalette;
class CommandRegistry;
class EditorArea;
class ExplorerPanel;
class FailuresPanel;
class GitPanel;
class FindBar;
class FunctionsModel;
class InstancesModel;
class InvokePanel;
class LogModel;
class LspClient;
class LspFeatures;
class MetricsPanel;
class OutlinePanel;
class OutputPanel;
class ProblemsModel;
class ProblemsPanel;
class ProfilePanel;
class ProfileRun;
class RequestPanel;
class RoutesModel;
class TriggersModel;
class SimulatorConnection;
class SimulatorPanel;
class TracesPanel;
class WelcomePage;
struct CodeLens;

// Where the Studio finds its servers and keeps its settings.
struct StudioOptions {
    QString binDir; // nimbus-lsp, nimbus-sim and nimbus live here
    bool startSimulator = true;
};

// The workbench window: the Explorer on the left, editors in the middle, Invoke and Request
// on the right, Problems, Output, Simulator, Metrics, Traces, Failures and Profile below,
// the command palette over it all. It owns one project's clients (nimbus-lsp, the
// simulator) and models and wires them to the panels; the panels never talk to each other
// or to a process directly.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(StudioOptions options, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens a project folder (closing the current one, which may ask to save).
    bool openProject(const QString &dir);
    QString projectDir() const { return m_projectDir; }
    void showWelcome();
    // Closes without asking about unsaved changes, which stay in the recovery store and are
    // offered back next time (SIGTERM: the session is ending).
    void closeKeepingRecovery();
    static QStringList recentProjects();

    // The parts, for tests and the command line.
    CommandRegistry *commands() const { return m_commands; }
    CommandPalette *palette() const { return m_palette; }
    LspClient *lsp() const { return m_lsp; }
    SimulatorConnection *simulator() const { return m_simulator; }
    FunctionsModel *functions() const { return m_functions; }
    ProblemsModel *problems() const { return m_problems; }
    LogModel *log() const { return m_log; }
    InstancesModel *instances() const { return m_instances; }
    RoutesModel *routes() const { return m_routes; }
    TriggersModel *triggers() const { return m_triggers; }
    EditorArea *editors() const { return m_editors; }
    ExplorerPanel *explorer() const { return m_explorer; }
    InvokePanel *invokePanel() const { return m_invoke; }
    RequestPanel *requestPanel() const { return m_request; }
    OutputPanel *outputPanel() const { return m_output; }
    SimulatorPanel *simulatorPanel() const { return m_simulatorPanel; }
    ProblemsPanel *problemsPanel() const { return m_problemsPanel; }
    OutlinePanel *outlinePanel() const { return m_outline; }
    BreakpointsModel *breakpoints() const { return m_breakpoints; }
    DebugSession *debugSession() const { return m_debug; }
    DebugPanel *debugPanel() const { return m_debugPanel; }
    DebugConsole *debugConsole() const { return m_debugConsole; }
    DeployedPanel *deployedPanel() const { return m_deployed; }
    GitPanel *gitPanel() const { return m_git; }
    MetricsPanel *metricsPanel() const { return m_metrics; }
    TracesPanel *tracesPanel() const { return m_traces; }
    FailuresPanel *failuresPanel() const { return m_failures; }
    ProfilePanel *profilePanel() const { return m_profile; }
    ProfileRun *profileRun() const { return m_profileRun; }
    WelcomePage *welcomePage() const { return m_welcome; }
    Banner *banner() const { return m_banner; }
    QString statusText() const;

    // Asks nimbus-lsp for the project's functions again.
    void refreshFunctions();
    // Shows the handler of a function, the function in the manifest.
    void openHandler(const QString &function);
    void revealInManifest(const QString &function);
    void invokeFunction(const QString &function);
    void requestFunction(const QString &function);
    // Debugs a function: launched with the Invoke panel's event (an event function), or
    // attached so that every request stops at the breakpoints (an http function).
    void debugFunction(const QString &function);
    // Starts a debug session once the project's simulator serves (at once when it does).
    void startDebugSession(bool attach, const QString &function, const QByteArray &event);
    // Debugs a failure the simulator kept again: its function with the same event and
    // environment, stopping where the error leaves the handler.
    void replayFailure(qint64 id, const QString &function);
    // Runs `nimbus profile` on a function (10 invocations with the Invoke panel's event) in
    // the background, and shows the profile in the Profile panel.
    void profileFunction(const QString &function);
    // Shows a speedscope file in the Profile panel.
    bool openProfile(const QString &path);

signals:
    // The project's functions are listed (each time they are).
    void functionsListed();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void buildProject();
    void closeProject();
    void saveProjectState();
    void restoreProjectState();
    void onLensActivated(const CodeLens &lens);
    void updateStatus();
    void openFolderDialog();
    QDockWidget *dock(const QString &title, const QString &name, QWidget *widget,
                      Qt::DockWidgetArea area);
    void showDock(QWidget *panel);
    QStringList projectFiles() const;
    void createDebugActions();
    void wireDebugging();
    void attachEditorToDebugging(CodeEditor *editor);
    void editBreakpoint(CodeEditor *editor, int line, const QString &kind);
    void showExecution(const QJsonObject &frame, const QString &reason, const QString &description);
    void updateDebugActions();
    void createObservabilityActions();
    void buildObservability(QDockWidget *tabbedWith);
    void askAndProfileFunction();
    void openProfileDialog();

    StudioOptions m_options;
    QString m_projectDir;
    CommandRegistry *m_commands;
    CommandPalette *m_palette;
    QStackedWidget *m_stack;
    WelcomePage *m_welcome = nullptr;
    QWidget *m_workbench = nullptr;
    Banner *m_banner = nullptr;
    FindBar *m_findBar = nullptr;
    QList<QDockWidget *> m_docks;
    QLabel *m_simStatus;
    QLabel *m_lspStatus;
    QLabel *m_problemStatus;

    // One project's clients, models and panels (rebuilt per project).
    LspClient *m_lsp = nullptr;
    SimulatorConnection *m_simulator = nullptr;
    LspFeatures *m_features = nullptr;
    FunctionsModel *m_functions = nullptr;
    ProblemsModel *m_problems = nullptr;
    LogModel *m_log = nullptr;
    InstancesModel *m_instances = nullptr;
    RoutesModel *m_routes = nullptr;
    TriggersModel *m_triggers = nullptr;
    EditorArea *m_editors = nullptr;
    ExplorerPanel *m_explorer = nullptr;
    OutlinePanel *m_outline = nullptr;
    ProblemsPanel *m_problemsPanel = nullptr;
    OutputPanel *m_output = nullptr;
    SimulatorPanel *m_simulatorPanel = nullptr;
    InvokePanel *m_invoke = nullptr;
    RequestPanel *m_request = nullptr;
    BreakpointsModel *m_breakpoints = nullptr;
    DebugSession *m_debug = nullptr;
    DebugPanel *m_debugPanel = nullptr;
    DebugConsole *m_debugConsole = nullptr;
    DeployedPanel *m_deployed = nullptr;
    GitPanel *m_git = nullptr;
    MetricsPanel *m_metrics = nullptr;
    TracesPanel *m_traces = nullptr;
    FailuresPanel *m_failures = nullptr;
    ProfilePanel *m_profile = nullptr;
    ProfileRun *m_profileRun = nullptr;
    QList<QObject *> m_projectObjects; // deleted on close
    bool m_keepRecovery = false;
};

} // namespace nimbus::studio
