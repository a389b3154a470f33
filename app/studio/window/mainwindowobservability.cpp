// The main window's observability: the Metrics, Traces, Failures and Profile panels, their
// commands, and what they ask of the rest (a replay in the debugger, a file opened at a
// line, a profile taken with nimbus). Kept apart from mainwindow.cpp, which wires editing
// and running.
#include "clients/debugsession.h"
#include "clients/profilerun.h"
#include "clients/simulatorconnection.h"
#include "editor/editorarea.h"
#include "mainwindow.h"
#include "models/functionsmodel.h"
#include "panels/debugpanel.h"
#include "panels/explorerpanel.h"
#include "panels/failurespanel.h"
#include "panels/invokepanel.h"
#include "panels/metricspanel.h"
#include "panels/profilepanel.h"
#include "panels/tracespanel.h"
#include "window/commandregistry.h"

#include <QDockWidget>
#include <QFileDialog>
#include <QInputDialog>
#include <QStatusBar>

namespace nimbus::studio {

namespace {

constexpr int kProfiledInvocations = 10;

// Charts, waterfalls and flame graphs want height: a panel shown in a short dock gets more
// room (up to two fifths of the window, leaving the side docks theirs) when brought forward.
void makeRoom(QMainWindow *window, QWidget *panel) {
    QDockWidget *dock = nullptr;
    for (QWidget *w = panel ? panel->parentWidget() : nullptr; w && !dock; w = w->parentWidget())
        dock = qobject_cast<QDockWidget *>(w);
    if (!dock || dock->isFloating())
        return;
    const int wanted = std::min(380, window->height() * 2 / 5);
    const Qt::DockWidgetArea area = window->dockWidgetArea(dock);
    const bool vertical = area == Qt::BottomDockWidgetArea || area == Qt::TopDockWidgetArea;
    if (vertical && dock->height() < wanted)
        window->resizeDocks({dock}, {wanted}, Qt::Vertical);
}

} // namespace

void MainWindow::createObservabilityActions() {
    auto *c = m_commands;
    auto show = [this](auto panel) {
        return [this, panel] {
            showDock(this->*panel);
            makeRoom(this, this->*panel);
        };
    };
    connect(c->add("view.metrics", tr("View"), tr("&Metrics"), this), &QAction::triggered, this,
            show(&MainWindow::m_metrics));
    connect(c->add("view.traces", tr("View"), tr("&Traces"), this), &QAction::triggered, this,
            show(&MainWindow::m_traces));
    connect(c->add("view.failures", tr("View"), tr("&Failures"), this), &QAction::triggered, this,
            show(&MainWindow::m_failures));
    connect(c->add("view.profile", tr("View"), tr("P&rofile"), this), &QAction::triggered, this,
            show(&MainWindow::m_profile));
    connect(c->add("run.profile", tr("Run"), tr("&Profile Function…"), this), &QAction::triggered,
            this, &MainWindow::askAndProfileFunction);
    connect(c->add("run.openProfile", tr("Run"), tr("&Open Profile…"), this), &QAction::triggered,
            this, &MainWindow::openProfileDialog);
    connect(c->add("debug.replayFailure", tr("Debug"), tr("Replay Selected &Failure"), this),
            &QAction::triggered, this, [this] {
                if (!m_failures)
                    return;
                showDock(m_failures);
                if (!m_failures->selectedFailure()) {
                    statusBar()->showMessage(
                        tr("Choose a failure in the Failures panel to replay it"), 8000);
                    return;
                }
                m_failures->replaySelected();
            });
}

void MainWindow::buildObservability(QDockWidget *tabbedWith) {
    m_metrics = new MetricsPanel(m_simulator, m_functions);
    m_traces = new TracesPanel(m_simulator, m_functions);
    m_failures = new FailuresPanel(m_simulator, m_functions, m_projectDir);
    m_profile = new ProfilePanel(m_projectDir);
    m_profileRun = new ProfileRun(m_options.binDir + "/nimbus", this);
    m_projectObjects.append(m_profileRun);

    // Below the editors, with Output: wide enough for charts, waterfalls and flame graphs.
    for (auto [title, name, panel] :
         {std::tuple<QString, const char *, QWidget *>{tr("Metrics"), "metricsDock", m_metrics},
          {tr("Traces"), "tracesDock", m_traces},
          {tr("Failures"), "failuresDock", m_failures},
          {tr("Profile"), "profileDock", m_profile}})
        tabifyDockWidget(tabbedWith, dock(title, name, panel, Qt::BottomDockWidgetArea));

    auto openAt = [this](const QString &path, int line, int column) {
        if (m_editors)
            m_editors->open(path, line, column);
    };
    connect(m_failures, &FailuresPanel::openLocation, this, openAt);
    connect(m_profile, &ProfilePanel::openLocation, this, openAt);
    connect(m_failures, &FailuresPanel::replayRequested, this, &MainWindow::replayFailure);
    connect(m_profile, &ProfilePanel::openRequested, this, &MainWindow::openProfileDialog);
    connect(m_profile, &ProfilePanel::profileRequested, this, &MainWindow::askAndProfileFunction);
    connect(m_profile, &ProfilePanel::cancelRequested, m_profileRun, &ProfileRun::cancel);
    connect(m_profileRun, &ProfileRun::finished, this, [this](const QString &file) {
        m_profile->setIdle();
        if (openProfile(file))
            statusBar()->showMessage(tr("Profiled %1: %2").arg(m_profileRun->function(), file),
                                     10000);
    });
    connect(m_profileRun, &ProfileRun::failed, this, [this](const QString &message) {
        m_profile->setIdle(message);
        statusBar()->showMessage(message, 10000);
    });
}

void MainWindow::replayFailure(qint64 id, const QString &function) {
    if (!m_debug || function.isEmpty())
        return;
    if (m_debug->state() != DebugSession::State::Idle) {
        statusBar()->showMessage(tr("A debug session is running: stop it first (Shift+F5)"), 8000);
        return;
    }
    showDock(m_debugConsole);
    showDock(m_debugPanel);
    // The adapter takes the function, event and environment from the failure itself.
    m_debug->start(DebugSession::Mode::Launch, m_projectDir, function, "{}",
                   QJsonObject{{"replay", QString::number(id)}});
}

void MainWindow::askAndProfileFunction() {
    if (!m_functions || !m_profile)
        return;
    const QStringList names = m_functions->names("event");
    if (names.isEmpty()) {
        statusBar()->showMessage(tr("The project has no event functions to profile"), 8000);
        return;
    }
    const QString selected = m_explorer ? m_explorer->selectedFunction() : QString();
    const QString current = names.contains(selected) ? selected : m_invoke->function();
    bool ok = false;
    const QString function = QInputDialog::getItem(
        this, tr("Profile Function"),
        tr("Invoke this function %1 times under the sampling profiler, with the Invoke panel's "
           "event:")
            .arg(kProfiledInvocations),
        names, std::max(0, static_cast<int>(names.indexOf(current))), false, &ok);
    if (ok && !function.isEmpty())
        profileFunction(function);
}

void MainWindow::profileFunction(const QString &function) {
    if (!m_profileRun || function.isEmpty())
        return;
    showDock(m_profile);
    makeRoom(this, m_profile);
    if (m_profileRun->isRunning()) {
        statusBar()->showMessage(
            tr("%1 is being profiled: wait for it, or cancel it").arg(m_profileRun->function()),
            8000);
        return;
    }
    const QString event = m_invoke->eventIsValid() && !m_invoke->event().trimmed().isEmpty()
                              ? m_invoke->event()
                              : QStringLiteral("{}");
    m_profile->setBusy(
        tr("Profiling %1 (%2 invocations)…").arg(function).arg(kProfiledInvocations));
    m_profileRun->start(m_projectDir, function, event.toUtf8(), kProfiledInvocations);
}

void MainWindow::openProfileDialog() {
    if (!m_profile)
        return;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Profile"), m_profile->file().isEmpty() ? m_projectDir : m_profile->file(),
        tr("Profiles (*.json);;All files (*)"));
    if (!path.isEmpty())
        openProfile(path);
}

bool MainWindow::openProfile(const QString &path) {
    if (!m_profile)
        return false;
    showDock(m_profile);
    makeRoom(this, m_profile);
    return m_profile->openFile(path);
}

} // namespace nimbus::studio
