// The main window's debugging: its actions, and the wiring between the debug session, the
// breakpoints, the editors and the panels (kept apart from mainwindow.cpp, which wires
// editing and running).
#include "clients/debugsession.h"
#include "clients/simulatorconnection.h"
#include "editor/codeeditor.h"
#include "editor/editorarea.h"
#include "mainwindow.h"
#include "models/breakpointsmodel.h"
#include "models/functionsmodel.h"
#include "panels/debugpanel.h"
#include "panels/explorerpanel.h"
#include "panels/invokepanel.h"
#include "window/commandregistry.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonArray>
#include <QStatusBar>
#include <QToolTip>

namespace nimbus::studio {

void MainWindow::createDebugActions() {
    auto *c = m_commands;
    connect(c->add("debug.start", tr("Debug"), tr("Start Debugging / Continue"), this, Qt::Key_F5),
            &QAction::triggered, this, [this] {
                if (!m_debug)
                    return;
                if (m_debug->state() == DebugSession::State::Stopped) {
                    m_debug->continueRun();
                    return;
                }
                if (m_debug->state() != DebugSession::State::Idle)
                    return;
                const QString selected = m_explorer ? m_explorer->selectedFunction() : QString();
                debugFunction(!selected.isEmpty() ? selected : m_invoke->function());
            });
    connect(c->add("debug.attach", tr("Debug"), tr("Debug Requests to the Selected Function"), this),
            &QAction::triggered, this, [this] {
                const QString selected = m_explorer ? m_explorer->selectedFunction() : QString();
                if (!selected.isEmpty() && m_debug && m_debug->state() == DebugSession::State::Idle)
                    startDebugSession(true, selected, {});
            });
    connect(c->add("debug.stepOver", tr("Debug"), tr("Step Over"), this, Qt::Key_F10), &QAction::triggered,
            this, [this] {
                if (m_debug)
                    m_debug->stepOver();
            });
    connect(c->add("debug.stepIn", tr("Debug"), tr("Step Into"), this, Qt::Key_F11), &QAction::triggered,
            this, [this] {
                if (m_debug)
                    m_debug->stepIn();
            });
    connect(c->add("debug.stepOut", tr("Debug"), tr("Step Out"), this, QKeySequence(Qt::SHIFT | Qt::Key_F11)),
            &QAction::triggered, this, [this] {
                if (m_debug)
                    m_debug->stepOut();
            });
    connect(c->add("debug.pause", tr("Debug"), tr("Pause"), this, Qt::Key_F6), &QAction::triggered, this,
            [this] {
                if (m_debug)
                    m_debug->pause();
            });
    connect(c->add("debug.restart", tr("Debug"), tr("Restart"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5)),
            &QAction::triggered, this, [this] {
                if (m_debug)
                    m_debug->restart();
            });
    connect(c->add("debug.stop", tr("Debug"), tr("Stop"), this, QKeySequence(Qt::SHIFT | Qt::Key_F5)),
            &QAction::triggered, this, [this] {
                if (m_debug)
                    m_debug->stop();
            });
    connect(c->add("debug.toggleBreakpoint", tr("Debug"), tr("Toggle Breakpoint"), this, Qt::Key_F9),
            &QAction::triggered, this, [this] {
                CodeEditor *editor = m_editors ? m_editors->current() : nullptr;
                if (!editor || editor->isManifest())
                    return;
                int line = 0, index = 0;
                editor->getCursorPosition(&line, &index);
                m_breakpoints->toggle(editor->path(), line);
            });
    connect(c->add("view.debug", tr("View"), tr("Run and &Debug"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D)),
            &QAction::triggered, this, [this] { showDock(m_debugPanel); });
    connect(c->add("view.debugConsole", tr("View"), tr("Debug &Console"), this,
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Y)),
            &QAction::triggered, this, [this] { showDock(m_debugConsole); });
    updateDebugActions();
}

void MainWindow::updateDebugActions() {
    using S = DebugSession::State;
    const S state = m_debug ? m_debug->state() : S::Idle;
    const bool project = m_debug != nullptr;
    m_commands->action("debug.start")->setEnabled(project && (state == S::Idle || state == S::Stopped));
    m_commands->action("debug.start")->setText(state == S::Stopped ? tr("Continue") : tr("Start Debugging"));
    m_commands->action("debug.attach")->setEnabled(project && state == S::Idle);
    for (const char *id : {"debug.stepOver", "debug.stepIn", "debug.stepOut"})
        m_commands->action(id)->setEnabled(state == S::Stopped);
    m_commands->action("debug.pause")->setEnabled(state == S::Running);
    m_commands->action("debug.restart")->setEnabled(state == S::Running || state == S::Stopped);
    m_commands->action("debug.stop")->setEnabled(state != S::Idle);
    m_commands->action("debug.toggleBreakpoint")->setEnabled(project);
}

void MainWindow::debugFunction(const QString &function) {
    if (!m_debug || function.isEmpty())
        return;
    if (m_debug->state() != DebugSession::State::Idle) {
        statusBar()->showMessage(tr("A debug session is running: stop it first (Shift+F5)"), 8000);
        return;
    }
    const QString kind = m_functions->function(function).value("kind").toString("event");
    if (kind == "service") {
        statusBar()->showMessage(tr("%1 is an http service, a server of its own: debug it with its "
                                    "runtime's debugger")
                                     .arg(function),
                                 10000);
        return;
    }
    showDock(m_debugConsole);
    showDock(m_debugPanel);
    if (kind == "http") {
        startDebugSession(true, function, {});
        return;
    }
    // The event chosen in the Invoke panel, as F5 in VS Code takes the launch configuration's.
    m_invoke->setFunction(function);
    const QString event = m_invoke->eventIsValid() && !m_invoke->event().trimmed().isEmpty()
                              ? m_invoke->event()
                              : QStringLiteral("{}");
    startDebugSession(false, function, event.toUtf8());
}

void MainWindow::startDebugSession(bool attach, const QString &function, const QByteArray &event) {
    const auto mode = attach ? DebugSession::Mode::Attach : DebugSession::Mode::Launch;
    // The session needs the project's simulator: nimbus-dap starts one of its own when none
    // serves the project yet, and then the two would split the requests between them. So
    // while ours is starting (a simulator installing a project's dependencies, or a slow
    // machine), the session waits for it.
    if (!m_simulator || m_simulator->state() != SimulatorConnection::State::Starting) {
        m_debug->start(mode, m_projectDir, function, event);
        return;
    }
    statusBar()->showMessage(tr("Debugging %1 once the simulator has started…").arg(function));
    auto *waiting = new QObject(this);
    connect(m_simulator, &SimulatorConnection::stateChanged, waiting,
            [this, waiting, mode, function, event](SimulatorConnection::State state) {
                if (state == SimulatorConnection::State::Starting)
                    return;
                waiting->deleteLater();
                statusBar()->clearMessage();
                // (Failed or stopped: nimbus-dap starts one, or says why it cannot.)
                if (m_debug->state() == DebugSession::State::Idle)
                    m_debug->start(mode, m_projectDir, function, event);
            });
}

void MainWindow::wireDebugging() {
    connect(m_debug, &DebugSession::stateChanged, this, [this](DebugSession::State state) {
        updateDebugActions();
        if (state != DebugSession::State::Stopped)
            for (CodeEditor *editor : m_editors->editors())
                editor->setExecutionLine(-1);
    });
    connect(m_debug, &DebugSession::stopped, this,
            [this](const QString &reason, const QString &description, const QJsonArray &frames) {
                if (!frames.isEmpty())
                    showExecution(frames.first().toObject(), reason, description);
                raise();
            });
    // Another frame chosen in the Call Stack: its line is shown (the top one already is,
    // with the exception under it when there is one).
    connect(m_debug, &DebugSession::frameSelected, this,
            [this](int frameId, const QJsonObject &frame, const QJsonArray &) {
                const QJsonArray &frames = m_debug->frames();
                if (!frames.isEmpty() && frames.first().toObject().value("id").toInt() != frameId)
                    showExecution(frame, {}, {});
            });
    connect(m_debug, &DebugSession::ended, this, [this](const QString &reason) {
        statusBar()->showMessage(reason, 10000);
        updateDebugActions();
    });
    connect(m_debugPanel, &DebugPanel::openLocation, this,
            [this](const QString &path, int line, int column) { m_editors->open(path, line, column); });
    auto redraw = [this](const QString &file) {
        if (CodeEditor *editor = m_editors->editorFor(file))
            editor->setBreakpointMarkers(m_breakpoints->inFile(file));
    };
    connect(m_breakpoints, &BreakpointsModel::fileChanged, this, redraw);
    connect(m_breakpoints, &BreakpointsModel::verificationChanged, this, redraw);
    connect(m_editors, &EditorArea::editorOpened, this, &MainWindow::attachEditorToDebugging);
    updateDebugActions();
}

void MainWindow::attachEditorToDebugging(CodeEditor *editor) {
    editor->setBreakpointMarkers(m_breakpoints->inFile(editor->path()));
    connect(editor, &CodeEditor::breakpointToggleRequested, this,
            [this, editor](int line) { m_breakpoints->toggle(editor->path(), line); });
    connect(editor, &CodeEditor::breakpointEditRequested, this,
            [this, editor](int line, const QString &kind) { editBreakpoint(editor, line, kind); });
    if (editor->isManifest())
        return;
    // Hovering a name while stopped shows its value in the selected frame.
    connect(editor, &CodeEditor::hoverRequested, this, [this, editor](int line, int column, const QPoint &pos) {
        if (!m_debug || m_debug->state() != DebugSession::State::Stopped)
            return;
        const int position = editor->positionFromLineIndex(line, column);
        const QString word = editor->wordAtLineIndex(line, column);
        if (word.isEmpty() || position < 0)
            return;
        QPointer<CodeEditor> guard(editor);
        m_debug->evaluate(word, "hover", [guard, word, pos](const QJsonObject &body, const QString &error) {
            if (guard && error.isEmpty())
                QToolTip::showText(pos, word + " = " + body.value("result").toString(), guard);
        });
    });
}

void MainWindow::editBreakpoint(CodeEditor *editor, int line, const QString &kind) {
    const Breakpoint *existing = m_breakpoints->at(editor->path(), line);
    Breakpoint b = existing ? *existing : Breakpoint{};
    b.file = editor->path();
    b.line = line;
    if (kind == "remove") {
        m_breakpoints->remove(b.file, line);
        return;
    }
    if (kind == "enable" || kind == "disable") {
        b.enabled = kind == "enable";
        m_breakpoints->set(b);
        return;
    }
    bool ok = false;
    if (kind == "condition" || kind == "edit") {
        const QString condition = QInputDialog::getText(
            this, tr("Breakpoint condition"),
            tr("Stop at line %1 only when this expression is true (empty: always):").arg(line + 1),
            QLineEdit::Normal, b.condition, &ok);
        if (!ok)
            return;
        b.condition = condition.trimmed();
    }
    if (kind == "hit" || kind == "edit") {
        const QString hits = QInputDialog::getText(
            this, tr("Hit count"), tr("Stop when the hit count matches (5, >=3, %2; empty: always):"),
            QLineEdit::Normal, b.hitCondition, &ok);
        if (!ok)
            return;
        b.hitCondition = hits.trimmed();
    }
    if (kind == "log" || (kind == "edit" && !b.logMessage.isEmpty())) {
        const QString message = QInputDialog::getText(
            this, tr("Logpoint"), tr("Log this message instead of stopping ({expression} is replaced by its value):"),
            QLineEdit::Normal, b.logMessage, &ok);
        if (!ok)
            return;
        b.logMessage = message;
    }
    m_breakpoints->set(b);
}

void MainWindow::showExecution(const QJsonObject &frame, const QString &reason, const QString &description) {
    const QString path = frame.value("source").toObject().value("path").toString();
    const int line = frame.value("line").toInt() - 1;
    for (CodeEditor *editor : m_editors->editors())
        editor->setExecutionLine(-1);
    if (path.isEmpty() || !QFileInfo(path).isFile() || line < 0) {
        statusBar()->showMessage(tr("Paused in %1 (no source to show)").arg(frame.value("name").toString()), 8000);
        return;
    }
    CodeEditor *editor = m_editors->open(path, line, 0);
    if (!editor)
        return;
    editor->setExecutionLine(line);
    if (reason == "exception" && !description.isEmpty())
        editor->showException(line, description);
}

} // namespace nimbus::studio
