#pragma once

#include "signedrequest.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QTimer>
#include <functional>
#include <optional>

class QNetworkReply;

namespace nimbus::studio {

// The figures of a REPORT line, as Lambda writes them.
struct ReportFigures {
    QString requestId;
    double durationMs = -1;
    double billedDurationMs = -1;
    int memorySizeMb = -1;
    int maxMemoryUsedMb = -1;
    double initDurationMs = -1; // only on a cold start
};
// Reads "REPORT RequestId: … Duration: 1.2 ms Billed Duration: 2 ms …" from a log, or SCF's
// "Report RequestId: … Duration:3ms Memory:128MB MemUsage:12MB" (no billed duration: -1).
std::optional<ReportFigures> parseReport(const QString &log);

// How an invocation through the control plane ended.
struct InvokeOutcome {
    QString error;         // set when the invocation could not be made (not a function error)
    QString functionError; // X-Amz-Function-Error: the function failed
    QByteArray payload;    // the result, or the error document
    QString log;           // the log tail (START … REPORT)
    std::optional<ReportFigures> report;
    qint64 elapsedMs = 0; // as the Studio measured it
};

// What the gateway answered to a request.
struct HttpOutcome {
    QString error; // the request failed before an answer (refused, timed out)
    int status = 0;
    QString reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    qint64 elapsedMs = 0;
};

// The project's simulator, as the Studio sees it: attaches to the nimbus-sim already
// serving the project (its .nimbus/sim.json) or starts one, follows its live event stream,
// and sends signed requests to its control plane and plain ones to its gateway. A simulator
// that dies is noticed and started again. Everything is asynchronous: nothing here waits
// on the UI thread.
class SimulatorConnection : public QObject {
    Q_OBJECT
public:
    enum class State { Stopped, Starting, Running, Failed };
    Q_ENUM(State)

    SimulatorConnection(QString simProgram, QString projectDir, QObject *parent = nullptr);
    ~SimulatorConnection() override;

    void start();
    void restart();
    void stop();

    State state() const { return m_state; }
    // Why the simulator is not running (its own words), when state() is Failed.
    QString failure() const { return m_failure; }
    bool ownsProcess() const { return m_process != nullptr; }
    qint64 simulatorPid() const { return m_pid; }
    QUrl gatewayUrl() const { return m_gateway; }
    QUrl controlPlaneUrl() const { return m_endpoint.url; }
    const ControlPlaneEndpoint &endpoint() const { return m_endpoint; }

    // Invokes a function with `payload` (RequestResponse, log tail included).
    void invoke(const QString &function, const QByteArray &payload,
                std::function<void(InvokeOutcome)> done);
    // Sends a request to the gateway: `target` is the path with its query.
    void sendHttp(const QByteArray &method, const QString &target,
                  const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body,
                  std::function<void(HttpOutcome)> done);
    // GETs a JSON object from the control plane (`path` with `query`, already encoded):
    // the object, or why there is none (not running, unreachable, the control plane's own
    // error message) in `error`.
    void getJson(const QString &path, const QString &query,
                 std::function<void(const QJsonObject &answer, const QString &error)> done);

signals:
    void stateChanged(nimbus::studio::SimulatorConnection::State state);
    // The instances running and the gateway's routes, on connecting and after a reload.
    void snapshotReceived(const QJsonObject &snapshot);
    // Events from the live stream, in order, in batches as they arrive.
    void eventsReceived(const QJsonArray &events);
    // The stream lost `count` events (the Studio fell behind); shown in the log.
    void eventsDropped(qint64 count);
    // The simulator died (and is being started again); `message` says how.
    void simulatorDied(const QString &message);

private:
    void setState(State state);
    void launch();
    void checkStateFile();
    bool attach(const QJsonObject &state);
    void fetchSnapshot();
    void poll();
    void connectionLost(const QString &why);
    bool simulatorAlive() const;

    QString m_program;
    QString m_projectDir;
    QNetworkAccessManager m_network;
    QProcess *m_process = nullptr;
    QString m_stderr;
    State m_state = State::Stopped;
    QString m_failure;
    qint64 m_pid = 0;
    ControlPlaneEndpoint m_endpoint;
    QUrl m_gateway;
    QTimer m_stateFilePoll;
    QElapsedTimer m_launchClock;
    qint64 m_after = 0;
    QPointer<QNetworkReply> m_pollReply;
    int m_generation = 0; // bumps on every (re)connection; stale replies are ignored
    bool m_stopping = false;
    int m_restarts = 0;
};

} // namespace nimbus::studio
