#include "simulatorconnection.h"

#include "simulator/statefile.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QUrlQuery>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace nimbus::studio {

namespace {

// How long a long poll waits for events before the simulator answers "none yet".
constexpr int kPollWaitSeconds = 20;
// How long a started simulator may take to advertise itself.
constexpr int kStartTimeoutMs = 30000;

bool processAlive(qint64 pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

} // namespace

// Tencent Cloud SCF's lines: "Report RequestId: … Duration:3ms Memory:128MB MemUsage:12MB",
// after "Init Report RequestId: … Coldstart: 85ms" on a cold start (SCF bills no figure here).
static std::optional<ReportFigures> parseScfReport(const QString &log) {
    static const QRegularExpression line(QStringLiteral("^Report RequestId: (\\S+)(.*)$"),
                                         QRegularExpression::MultilineOption);
    QRegularExpressionMatch match;
    for (auto it = line.globalMatch(log); it.hasNext();)
        match = it.next();
    if (!match.hasMatch())
        return std::nullopt;
    ReportFigures figures;
    figures.requestId = match.captured(1);
    const QString rest = match.captured(2);
    auto number = [](const QString &text, const char *pattern) {
        const auto m = QRegularExpression(QString::fromLatin1(pattern)).match(text);
        return m.hasMatch() ? m.captured(1).toDouble() : -1.0;
    };
    figures.durationMs = number(rest, "\\bDuration:\\s*([0-9.]+)\\s*ms");
    figures.memorySizeMb = static_cast<int>(number(rest, "\\bMemory:\\s*([0-9.]+)\\s*MB"));
    figures.maxMemoryUsedMb =
        static_cast<int>(std::ceil(number(rest, "\\bMemUsage:\\s*([0-9.]+)\\s*MB")));
    const QRegularExpression init(
        "^Init Report RequestId: " + QRegularExpression::escape(figures.requestId) +
            " .*Coldstart:\\s*([0-9.]+)\\s*ms",
        QRegularExpression::MultilineOption);
    if (const auto m = init.match(log); m.hasMatch())
        figures.initDurationMs = m.captured(1).toDouble();
    return figures;
}

std::optional<ReportFigures> parseReport(const QString &log) {
    static const QRegularExpression line(QStringLiteral("^REPORT RequestId: (\\S+)(.*)$"),
                                         QRegularExpression::MultilineOption);
    QRegularExpressionMatch match;
    // The last REPORT line is this invocation's.
    for (auto it = line.globalMatch(log); it.hasNext();)
        match = it.next();
    if (!match.hasMatch())
        return parseScfReport(log);
    ReportFigures figures;
    figures.requestId = match.captured(1);
    const QString rest = match.captured(2);
    auto number = [&](const QString &name) {
        const QRegularExpression re(QRegularExpression::escape(name) + ": ([0-9.]+)");
        const auto m = re.match(rest);
        return m.hasMatch() ? m.captured(1).toDouble() : -1.0;
    };
    figures.durationMs = number("\tDuration");
    if (figures.durationMs < 0)
        figures.durationMs = number(" Duration");
    figures.billedDurationMs = number("Billed Duration");
    figures.memorySizeMb = static_cast<int>(number("Memory Size"));
    figures.maxMemoryUsedMb = static_cast<int>(number("Max Memory Used"));
    figures.initDurationMs = number("Init Duration");
    return figures;
}

SimulatorConnection::SimulatorConnection(QString simProgram, QString projectDir, QObject *parent)
    : QObject(parent)
    , m_program(std::move(simProgram))
    , m_projectDir(std::move(projectDir)) {
    m_stateFilePoll.setInterval(50);
    connect(&m_stateFilePoll, &QTimer::timeout, this, &SimulatorConnection::checkStateFile);
}

SimulatorConnection::~SimulatorConnection() {
    stop();
}

void SimulatorConnection::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void SimulatorConnection::start() {
    if (m_state == State::Starting || m_state == State::Running)
        return;
    m_stopping = false;
    m_failure.clear();
    QFile file(m_projectDir + "/.nimbus/sim.json");
    if (file.open(QIODevice::ReadOnly)) {
        const QJsonObject state = QJsonDocument::fromJson(file.readAll()).object();
        // Serving, as its lock says (a pid can outlive a killed simulator, or be reused).
        const auto live = sim::StateFile::readLive(m_projectDir.toStdString());
        if (live && live->value("pid", 0LL) == state.value("pid").toInteger() && attach(state))
            return;
    }
    launch();
}

void SimulatorConnection::launch() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
        m_process->deleteLater();
    }
    m_stderr.clear();
    m_process = new QProcess(this);
    m_process->setProgram(m_program);
    // A server outlives nothing: if the Studio dies, so does it.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    m_process->setArguments({"--project", m_projectDir});
    m_process->setWorkingDirectory(m_projectDir);
    // Its console log is the event stream's too; only its errors are kept, for Failed.
    m_process->setStandardOutputFile(QProcess::nullDevice());
    connect(m_process, &QProcess::readyReadStandardError, this, [this] {
        m_stderr += QString::fromUtf8(m_process->readAllStandardError());
        if (m_stderr.size() > 64 * 1024)
            m_stderr = m_stderr.right(64 * 1024);
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        m_stateFilePoll.stop();
        m_failure = tr("%1 could not be started: %2").arg(m_program, m_process->errorString());
        setState(State::Failed);
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        m_stateFilePoll.stop();
        if (m_stopping)
            return;
        const QString how = status == QProcess::CrashExit
                                ? tr("nimbus-sim crashed")
                                : tr("nimbus-sim exited with code %1").arg(code);
        if (m_state == State::Starting) {
            const QString said = m_stderr.trimmed();
            m_failure = said.isEmpty() ? how : said;
            setState(State::Failed);
            return;
        }
        connectionLost(how);
    });
    setState(State::Starting);
    m_launchClock.start();
    m_process->start();
    m_stateFilePoll.start();
}

void SimulatorConnection::checkStateFile() {
    QFile file(m_projectDir + "/.nimbus/sim.json");
    if (file.open(QIODevice::ReadOnly)) {
        const QJsonObject state = QJsonDocument::fromJson(file.readAll()).object();
        if (m_process && state.value("pid").toInteger() == m_process->processId()) {
            m_stateFilePoll.stop();
            attach(state);
            return;
        }
    }
    if (m_launchClock.elapsed() > kStartTimeoutMs) {
        m_stateFilePoll.stop();
        m_failure = tr("nimbus-sim did not start serving within %1 s").arg(kStartTimeoutMs / 1000);
        if (m_process)
            m_process->kill();
        setState(State::Failed);
    }
}

bool SimulatorConnection::attach(const QJsonObject &state) {
    const QJsonObject credentials = state.value("credentials").toObject();
    m_endpoint.url = QUrl(state.value("controlPlane").toString());
    m_endpoint.region = state.value("region").toString("us-east-1");
    m_endpoint.accessKeyId = credentials.value("accessKeyId").toString();
    m_endpoint.secretAccessKey = credentials.value("secretAccessKey").toString();
    m_gateway = QUrl(state.value("gateway").toString());
    m_pid = state.value("pid").toInteger();
    if (!m_endpoint.url.isValid() || m_endpoint.accessKeyId.isEmpty())
        return false;
    ++m_generation;
    m_after = 0;
    // A poll of the previous connection may not be deleted yet; it is ignored (generation)
    // and must not stop this connection's first poll.
    m_pollReply.clear();
    setState(State::Running);
    fetchSnapshot();
    return true;
}

void SimulatorConnection::fetchSnapshot() {
    const int generation = m_generation;
    QNetworkReply *reply =
        m_network.get(signedRequest(m_endpoint, "GET", "/_nimbus/instances", {}, {}));
    connect(reply, &QNetworkReply::finished, this, [this, reply, generation] {
        reply->deleteLater();
        if (generation != m_generation)
            return;
        if (reply->error() != QNetworkReply::NoError) {
            connectionLost(reply->errorString());
            return;
        }
        const QJsonObject snapshot = QJsonDocument::fromJson(reply->readAll()).object();
        const bool firstPoll = m_pollReply.isNull() && m_after == 0;
        emit snapshotReceived(snapshot);
        if (firstPoll) {
            // Earlier events (the backlog) are still read, so the log shows what happened
            // before the Studio connected.
            poll();
        }
    });
}

void SimulatorConnection::poll() {
    if (m_state != State::Running)
        return;
    const int generation = m_generation;
    const QString query =
        QStringLiteral("after=%1&limit=2000&wait=%2").arg(m_after).arg(kPollWaitSeconds);
    m_pollReply = m_network.get(signedRequest(m_endpoint, "GET", "/_nimbus/events", query, {}));
    QNetworkReply *reply = m_pollReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, generation] {
        reply->deleteLater();
        if (generation != m_generation || m_state != State::Running)
            return;
        if (reply->error() != QNetworkReply::NoError) {
            connectionLost(reply->errorString());
            return;
        }
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        if (answer.value("reset").toBool())
            fetchSnapshot();
        if (const qint64 dropped = answer.value("dropped").toInteger(); dropped > 0)
            emit eventsDropped(dropped);
        m_after = answer.value("next").toInteger(m_after);
        const QJsonArray events = answer.value("events").toArray();
        if (!events.isEmpty()) {
            emit eventsReceived(events);
            // A reload may change the routes: take a fresh snapshot.
            for (const auto &e : events) {
                const QJsonObject event = e.toObject();
                if (event.value("type") == "platform" &&
                    event.value("message").toString().contains("reloaded")) {
                    fetchSnapshot();
                    break;
                }
            }
        }
        poll();
    });
}

bool SimulatorConnection::simulatorAlive() const {
    if (m_process)
        return m_process->state() != QProcess::NotRunning;
    return processAlive(m_pid);
}

void SimulatorConnection::connectionLost(const QString &why) {
    if (m_stopping || m_state != State::Running)
        return;
    if (simulatorAlive()) {
        // A hiccup (the simulator is busy or reloading): try again shortly.
        const int generation = m_generation;
        QTimer::singleShot(500, this, [this, generation] {
            if (generation == m_generation && m_state == State::Running)
                poll();
        });
        return;
    }
    ++m_generation;
    setState(State::Stopped);
    emit simulatorDied(tr("The simulator stopped (%1); starting it again").arg(why));
    QTimer::singleShot(300, this, [this] {
        if (!m_stopping && m_state == State::Stopped)
            start();
    });
}

void SimulatorConnection::stop() {
    m_stopping = true;
    ++m_generation;
    m_stateFilePoll.stop();
    if (m_pollReply)
        m_pollReply->abort();
    if (m_process) {
        m_process->disconnect(this);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate(); // it removes its sim.json and stops its instances
            if (!m_process->waitForFinished(3000))
                m_process->kill();
            m_process->waitForFinished(1000);
        }
        delete m_process;
        m_process = nullptr;
    }
    setState(State::Stopped);
}

void SimulatorConnection::restart() {
    // Asynchronous: the old simulator is asked to stop (it stops its instances and removes
    // its sim.json), and a new one starts when it has gone; the UI never waits for it.
    const bool attached = !m_process && m_state == State::Running;
    const qint64 pid = m_pid;
    ++m_generation;
    m_stateFilePoll.stop();
    if (m_pollReply)
        m_pollReply->abort();
    setState(State::Starting);
    auto startAgain = [this] {
        m_state = State::Stopped; // quietly: start() announces Starting again
        m_stopping = false;
        start();
    };
    if (m_process && m_process->state() != QProcess::NotRunning) {
        QProcess *old = m_process;
        m_process = nullptr;
        old->disconnect(this);
        connect(old, &QProcess::finished, this, [old, startAgain] {
            old->deleteLater();
            startAgain();
        });
        QTimer::singleShot(5000, old, [old] { old->kill(); });
        old->terminate();
        return;
    }
    if (attached && processAlive(pid)) {
        // Someone else's simulator for this project (a terminal's `nimbus dev`): ask it to
        // stop, then serve the project ourselves once it has.
        ::kill(static_cast<pid_t>(pid), SIGTERM);
        auto *wait = new QTimer(this);
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        connect(wait, &QTimer::timeout, this, [wait, pid, clock, startAgain] {
            if (processAlive(pid) && clock->elapsed() < 5000)
                return;
            wait->deleteLater();
            startAgain();
        });
        wait->start(50);
        return;
    }
    startAgain();
}

void SimulatorConnection::invoke(const QString &function, const QByteArray &payload,
                                 std::function<void(InvokeOutcome)> done) {
    if (m_state != State::Running) {
        InvokeOutcome outcome;
        outcome.error = m_state == State::Failed
                            ? tr("the simulator is not running: %1").arg(m_failure)
                            : tr("the simulator is not running yet");
        done(std::move(outcome));
        return;
    }
    const QString path = "/2015-03-31/functions/" +
                         QString::fromUtf8(QUrl::toPercentEncoding(function)) + "/invocations";
    QNetworkRequest request = signedRequest(m_endpoint, "POST", path, {}, payload,
                                            {{"content-type", "application/json"},
                                             {"x-amz-log-type", "Tail"},
                                             {"x-amz-invocation-type", "RequestResponse"}});
    request.setTransferTimeout(0);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply = m_network.post(request, payload);
    connect(reply, &QNetworkReply::finished, this, [reply, clock, done = std::move(done)] {
        reply->deleteLater();
        InvokeOutcome outcome;
        outcome.elapsedMs = clock->elapsed();
        outcome.payload = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            outcome.error = reply->errorString();
        } else if (status >= 300) {
            const QJsonObject body = QJsonDocument::fromJson(outcome.payload).object();
            outcome.error = QStringLiteral("%1: %2").arg(
                QString::fromUtf8(reply->rawHeader("x-amzn-ErrorType")).section(':', 0, 0),
                body.value("message").toString(body.value("Message").toString()));
        }
        outcome.functionError = QString::fromUtf8(reply->rawHeader("X-Amz-Function-Error"));
        outcome.log =
            QString::fromUtf8(QByteArray::fromBase64(reply->rawHeader("X-Amz-Log-Result")));
        outcome.report = parseReport(outcome.log);
        done(std::move(outcome));
    });
}

void SimulatorConnection::sendHttp(const QByteArray &method, const QString &target,
                                   const QList<QPair<QByteArray, QByteArray>> &headers,
                                   const QByteArray &body, std::function<void(HttpOutcome)> done) {
    if (m_state != State::Running || !m_gateway.isValid()) {
        HttpOutcome outcome;
        outcome.error = tr("the simulator is not running, so its gateway is not serving");
        done(std::move(outcome));
        return;
    }
    QUrl url = m_gateway;
    const qsizetype q = target.indexOf('?');
    url.setPath(target.left(q < 0 ? target.size() : q));
    if (q >= 0)
        url.setQuery(target.mid(q + 1));
    QNetworkRequest request(url);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    request.setTransferTimeout(120000);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
    connect(reply, &QNetworkReply::finished, this, [reply, clock, done = std::move(done)] {
        reply->deleteLater();
        HttpOutcome outcome;
        outcome.elapsedMs = clock->elapsed();
        outcome.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        outcome.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        outcome.headers = reply->rawHeaderPairs();
        outcome.body = reply->readAll();
        if (outcome.status == 0)
            outcome.error = reply->errorString();
        done(std::move(outcome));
    });
}

void SimulatorConnection::getJson(
    const QString &path, const QString &query,
    std::function<void(const QJsonObject &answer, const QString &error)> done) {
    if (m_state != State::Running) {
        done({}, m_state == State::Failed ? tr("the simulator is not running: %1").arg(m_failure)
                                          : tr("the simulator is not running"));
        return;
    }
    QNetworkRequest request = signedRequest(m_endpoint, "GET", path, query, {});
    request.setTransferTimeout(30000);
    QNetworkReply *reply = m_network.get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(reply->readAll(), &parseError);
        const QJsonObject body = document.object();
        if (status == 0) {
            done({}, reply->errorString());
        } else if (status >= 300) {
            const QString message =
                body.value("message").toString(body.value("Message").toString());
            done({}, message.isEmpty() ? tr("the control plane answered %1").arg(status) : message);
        } else if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            done({}, tr("the control plane's answer is not a JSON object"));
        } else {
            done(body, {});
        }
    });
}

} // namespace nimbus::studio
