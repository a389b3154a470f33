#pragma once

#include "dapclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

namespace nimbus::studio {

class BreakpointsModel;

// One debugging session of a function through nimbus-dap, as a DAP client drives it:
// initialize, launch (an event function, with an event) or attach (an http function: every
// request stops at the breakpoints), the breakpoints and exception filters, configurationDone;
// then stops, steps and evaluations. The protocol's order is kept here; the panels only ask.
// States: Idle -> Starting -> Running <-> Stopped -> Idle (ended, with the reason).
class DebugSession : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Stopped };
    Q_ENUM(State)
    enum class Mode { Launch, Attach };

    DebugSession(QString adapterProgram, BreakpointsModel *breakpoints, QObject *parent = nullptr);
    ~DebugSession() override;

    // Starts a session; false (with the reason in ended()) if the adapter cannot start.
    // `extraLaunchArguments` go into the launch (or attach) request as they are, over the
    // usual ones: {"replay": "<failure id>"} debugs a failed invocation again.
    bool start(Mode mode, const QString &project, const QString &function,
               const QByteArray &event = "{}", const QJsonObject &extraLaunchArguments = {});
    State state() const { return m_state; }
    Mode mode() const { return m_mode; }
    QString function() const { return m_function; }
    qint64 adapterPid() const { return m_client ? m_client->processId() : 0; }

    void continueRun();
    void stepOver();
    void stepIn();
    void stepOut();
    void pause();
    void restart();
    // Ends the session (terminating a launched function; an attached one goes back to
    // ordinary instances).
    void stop();

    // The frame evaluations and Variables refer to (the top one when stopped).
    int currentFrameId() const { return m_frameId; }
    void selectFrame(int frameId);
    const QJsonArray &frames() const { return m_frames; }

    using Reply = std::function<void(const QJsonObject &body, const QString &error)>;
    // context: "watch", "repl", "hover".
    void evaluate(const QString &expression, const QString &context, Reply reply);
    void variables(int reference, int start, int count, Reply reply);
    void setVariable(int containerReference, const QString &name, const QString &value,
                     Reply reply);
    void scopes(int frameId, Reply reply);

signals:
    void stateChanged(nimbus::studio::DebugSession::State state);
    // Stopped: why ("breakpoint", "step", "exception", "entry", "pause"), the exception's
    // text when there is one, and the stack (top first).
    void stopped(const QString &reason, const QString &description, const QJsonArray &frames);
    // The selected frame changed (a click in the Call Stack): its scopes.
    void frameSelected(int frameId, const QJsonObject &frame, const QJsonArray &scopes);
    void output(const QString &category, const QString &text);
    // The session ended; `reason` says how (the function returned, failed, the adapter died).
    void ended(const QString &reason);

private:
    void setState(State state);
    void sendBreakpoints(const QString &file);
    void sendExceptionFilters();
    void configure();
    void onEvent(const QString &event, const QJsonObject &body);
    void fetchStack(const QString &reason, const QString &description);
    void finish(const QString &reason);
    void step(const QString &command);

    QString m_adapterProgram;
    QPointer<BreakpointsModel> m_breakpoints;
    DapClient *m_client = nullptr;
    State m_state = State::Idle;
    Mode m_mode = Mode::Launch;
    QString m_function;
    int m_threadId = 1;
    int m_frameId = 0;
    QJsonArray m_frames;
    bool m_configured = false;
    QString m_exitReason;
    bool m_disconnectSent = false;
    int m_sessionNumber = 0; // bumps per session: timers of an earlier one do nothing
};

} // namespace nimbus::studio
