#include "debugsession.h"

#include "models/breakpointsmodel.h"

#include <QJsonDocument>
#include <QTimer>

namespace nimbus::studio {

DebugSession::DebugSession(QString adapterProgram, BreakpointsModel *breakpoints, QObject *parent)
    : QObject(parent)
    , m_adapterProgram(std::move(adapterProgram))
    , m_breakpoints(breakpoints) {
    // Breakpoints changed during a session go to the adapter at once.
    connect(breakpoints, &BreakpointsModel::fileChanged, this, [this](const QString &file) {
        if (m_configured && m_state != State::Idle)
            sendBreakpoints(file);
    });
    connect(breakpoints, &BreakpointsModel::exceptionFiltersChanged, this, [this] {
        if (m_configured && m_state != State::Idle)
            sendExceptionFilters();
    });
}

DebugSession::~DebugSession() {
    if (m_client)
        m_client->stop();
}

void DebugSession::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

bool DebugSession::start(Mode mode, const QString &project, const QString &function,
                         const QByteArray &event, const QJsonObject &extraLaunchArguments) {
    if (m_state != State::Idle)
        return false;
    m_mode = mode;
    m_function = function;
    // The last session's adapter may still be letting go of its function in the simulator:
    // a new session starts when it has gone, so the two never overlap there.
    for (DapClient *previous : findChildren<DapClient *>()) {
        if (previous == m_client)
            continue;
        setState(State::Starting);
        connect(
            previous, &QObject::destroyed, this,
            [this, mode, project, function, event, extraLaunchArguments] {
                if (m_state != State::Starting || m_client)
                    return;
                m_state = State::Idle; // quietly: start() announces Starting again
                start(mode, project, function, event, extraLaunchArguments);
            },
            Qt::SingleShotConnection);
        return true;
    }
    m_mode = mode;
    m_function = function;
    m_configured = false;
    m_disconnectSent = false;
    ++m_sessionNumber;
    m_exitReason.clear();
    m_frames = {};
    m_client = new DapClient(m_adapterProgram, this);
    connect(m_client, &DapClient::event, this, &DebugSession::onEvent);
    connect(m_client, &DapClient::adapterDied, this, [this](const QString &how) {
        finish(tr("The debug adapter stopped (%1); back to editing").arg(how));
    });
    connect(m_client, &DapClient::adapterLog, this,
            [this](const QString &line) { emit output("console", line + "\n"); });
    QString error;
    if (!m_client->start(&error)) {
        m_client->deleteLater();
        m_client = nullptr;
        emit ended(error);
        return false;
    }
    setState(State::Starting);
    const QJsonObject initialize{{"clientID", "nimbus-studio"},  {"clientName", "Nimbus Studio"},
                                 {"adapterID", "nimbus"},        {"pathFormat", "path"},
                                 {"linesStartAt1", true},        {"columnsStartAt1", true},
                                 {"supportsVariableType", true}, {"supportsVariablePaging", true}};
    // The event as JSON: an object or array as parsed, anything else as its text.
    const QJsonDocument parsed = QJsonDocument::fromJson(event);
    const QJsonValue payload = parsed.isObject()  ? QJsonValue(parsed.object())
                               : parsed.isArray() ? QJsonValue(parsed.array())
                                                  : QJsonValue(QString::fromUtf8(event));
    m_client->request(
        "initialize", initialize,
        [this, mode, project, function, payload,
         extraLaunchArguments](const QJsonObject &, const QString &error) {
            if (!error.isEmpty()) {
                finish(tr("nimbus-dap refused to start: %1").arg(error));
                return;
            }
            QJsonObject arguments{{"type", "nimbus"}, {"project", project}, {"function", function}};
            if (mode == Mode::Launch)
                arguments.insert("event", payload);
            for (auto it = extraLaunchArguments.begin(); it != extraLaunchArguments.end(); ++it)
                arguments.insert(it.key(), it.value());
            m_client->request(mode == Mode::Launch ? "launch" : "attach", arguments,
                              [this](const QJsonObject &, const QString &error) {
                                  if (!error.isEmpty()) {
                                      // The adapter's own words: a runtime it cannot debug, an
                                      // http function launched instead of attached, ...
                                      finish(error);
                                      return;
                                  }
                                  if (m_state == State::Starting)
                                      setState(State::Running);
                              });
        });
    return true;
}

void DebugSession::configure() {
    for (const QString &file : m_breakpoints->files())
        sendBreakpoints(file);
    sendExceptionFilters();
    m_configured = true;
    m_client->request("configurationDone", {}, {});
}

void DebugSession::sendBreakpoints(const QString &file) {
    if (!m_client)
        return;
    QJsonArray list;
    for (const Breakpoint &b : m_breakpoints->inFile(file)) {
        if (!b.enabled)
            continue;
        QJsonObject entry{{"line", b.line + 1}};
        if (!b.condition.isEmpty())
            entry.insert("condition", b.condition);
        if (!b.hitCondition.isEmpty())
            entry.insert("hitCondition", b.hitCondition);
        if (!b.logMessage.isEmpty())
            entry.insert("logMessage", b.logMessage);
        list.append(entry);
    }
    QPointer<BreakpointsModel> model = m_breakpoints;
    m_client->request("setBreakpoints",
                      QJsonObject{{"source", QJsonObject{{"path", file}}}, {"breakpoints", list}},
                      [model, file](const QJsonObject &body, const QString &error) {
                          if (model && error.isEmpty())
                              model->setVerification(file, body.value("breakpoints").toArray());
                      });
}

void DebugSession::sendExceptionFilters() {
    if (m_client)
        m_client->request(
            "setExceptionBreakpoints",
            QJsonObject{{"filters", QJsonArray::fromStringList(m_breakpoints->exceptionFilters())}},
            {});
}

void DebugSession::onEvent(const QString &event, const QJsonObject &body) {
    if (event == "initialized") {
        configure();
    } else if (event == "stopped") {
        m_threadId = body.value("threadId").toInt(m_threadId);
        fetchStack(body.value("reason").toString(),
                   body.value("text").toString(body.value("description").toString()));
    } else if (event == "continued") {
        setState(State::Running);
    } else if (event == "output") {
        emit output(body.value("category").toString("console"), body.value("output").toString());
    } else if (event == "exited") {
        const int code = body.value("exitCode").toInt();
        m_exitReason = code == 0 ? tr("%1 returned; the session ended").arg(m_function)
                                 : tr("%1 failed; the session ended").arg(m_function);
    } else if (event == "terminated") {
        finish(m_exitReason.isEmpty() ? tr("The session ended") : m_exitReason);
    }
}

void DebugSession::fetchStack(const QString &reason, const QString &description) {
    m_client->request(
        "stackTrace", QJsonObject{{"threadId", m_threadId}, {"startFrame", 0}, {"levels", 100}},
        [this, reason, description](const QJsonObject &body, const QString &error) {
            if (!error.isEmpty()) {
                emit output("stderr", tr("The stack could not be read: %1\n").arg(error));
                return;
            }
            m_frames = body.value("stackFrames").toArray();
            setState(State::Stopped);
            emit stopped(reason, description, m_frames);
            if (!m_frames.isEmpty())
                selectFrame(m_frames.first().toObject().value("id").toInt());
        });
}

void DebugSession::selectFrame(int frameId) {
    m_frameId = frameId;
    QJsonObject frame;
    for (const auto &f : m_frames)
        if (f.toObject().value("id").toInt() == frameId)
            frame = f.toObject();
    scopes(frameId, [this, frameId, frame](const QJsonObject &body, const QString &error) {
        if (error.isEmpty() && m_frameId == frameId)
            emit frameSelected(frameId, frame, body.value("scopes").toArray());
    });
}

void DebugSession::step(const QString &command) {
    if (m_state != State::Stopped || !m_client)
        return;
    setState(State::Running);
    m_client->request(command, QJsonObject{{"threadId", m_threadId}},
                      [this, command](const QJsonObject &, const QString &error) {
                          if (!error.isEmpty())
                              emit output("stderr", tr("%1: %2\n").arg(command, error));
                      });
}

void DebugSession::continueRun() {
    step("continue");
}
void DebugSession::stepOver() {
    step("next");
}
void DebugSession::stepIn() {
    step("stepIn");
}
void DebugSession::stepOut() {
    step("stepOut");
}

void DebugSession::pause() {
    if (m_state == State::Running && m_client)
        m_client->request("pause", QJsonObject{{"threadId", m_threadId}}, {});
}

void DebugSession::restart() {
    if (!m_client || m_mode != Mode::Launch || m_state == State::Idle)
        return;
    m_client->request("restart", {}, [this](const QJsonObject &, const QString &error) {
        if (!error.isEmpty())
            emit output("stderr", tr("restart: %1\n").arg(error));
        else
            setState(State::Running);
    });
}

void DebugSession::stop() {
    if (!m_client && m_state == State::Starting) {
        // Still waiting for the last session's adapter to go: nothing was started yet.
        setState(State::Idle);
        emit ended(tr("Cancelled before %1 was started").arg(m_function));
        return;
    }
    if (!m_client || m_state == State::Idle)
        return;
    m_disconnectSent = true;
    m_client->request(
        "disconnect", QJsonObject{{"terminateDebuggee", m_mode == Mode::Launch}},
        [this](const QJsonObject &, const QString &) {
            finish(m_mode == Mode::Launch
                       ? tr("Stopped: %1 was ended").arg(m_function)
                       : tr("Detached: %1 runs in ordinary instances again").arg(m_function));
        });
    // An adapter that does not answer is not waited for.
    QTimer::singleShot(3000, this, [this, session = m_sessionNumber] {
        if (session == m_sessionNumber && m_state != State::Idle)
            finish(tr("Stopped (the debug adapter did not answer)"));
    });
}

void DebugSession::finish(const QString &reason) {
    if (m_state == State::Idle)
        return;
    setState(State::Idle);
    m_configured = false;
    m_frames = {};
    if (m_breakpoints)
        m_breakpoints->clearVerification();
    if (m_client) {
        DapClient *client = m_client;
        m_client = nullptr;
        client->disconnect(this);
        // The adapter is told to let go of the function (unless it was already) and left
        // to exit by itself: killed before it detaches, it would leave the function bound
        // to a debugger that is gone. Out of the client's own signal first.
        const bool disconnect = !m_disconnectSent;
        const bool terminate = m_mode == Mode::Launch;
        QTimer::singleShot(0, client, [client, disconnect, terminate] {
            client->shutdown(disconnect, terminate);
        });
    }
    emit ended(reason);
}

void DebugSession::evaluate(const QString &expression, const QString &context, Reply reply) {
    if (!m_client) {
        reply({}, tr("no debug session"));
        return;
    }
    QJsonObject arguments{{"expression", expression}, {"context", context}};
    if (m_state == State::Stopped)
        arguments.insert("frameId", m_frameId);
    m_client->request("evaluate", arguments, std::move(reply));
}

void DebugSession::variables(int reference, int start, int count, Reply reply) {
    if (!m_client) {
        reply({}, tr("no debug session"));
        return;
    }
    QJsonObject arguments{{"variablesReference", reference}};
    if (count > 0) {
        arguments.insert("start", start);
        arguments.insert("count", count);
    }
    m_client->request("variables", arguments, std::move(reply));
}

void DebugSession::setVariable(int containerReference, const QString &name, const QString &value,
                               Reply reply) {
    if (!m_client) {
        reply({}, tr("no debug session"));
        return;
    }
    m_client->request(
        "setVariable",
        QJsonObject{{"variablesReference", containerReference}, {"name", name}, {"value", value}},
        std::move(reply));
}

void DebugSession::scopes(int frameId, Reply reply) {
    if (!m_client) {
        reply({}, tr("no debug session"));
        return;
    }
    m_client->request("scopes", QJsonObject{{"frameId", frameId}}, std::move(reply));
}

} // namespace nimbus::studio
