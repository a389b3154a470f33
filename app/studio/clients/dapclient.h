#pragma once

#include "nimbus/jsonrpc/framing.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <functional>

namespace nimbus::studio {

// A Debug Adapter Protocol client of nimbus-dap over its stdio: starts the adapter,
// numbers requests and matches their responses, passes events on, and reports an adapter
// that dies. One adapter process per debug session, as VS Code runs them.
class DapClient : public QObject {
    Q_OBJECT
public:
    // The response's body, or the error's message when `error` is not empty.
    using Callback = std::function<void(const QJsonObject &body, const QString &error)>;

    DapClient(QString program, QObject *parent = nullptr);
    ~DapClient() override;

    bool start(QString *error = nullptr);
    void stop();
    // Ends the adapter without waiting: a disconnect first when asked (so it lets go of the
    // function in the simulator before it exits), then end of input; killed if it lingers.
    // The client deletes itself when the adapter has gone.
    void shutdown(bool sendDisconnect, bool terminateDebuggee);
    bool isRunning() const;
    qint64 processId() const;

    int request(const QString &command, const QJsonObject &arguments = {}, Callback callback = {});

signals:
    void event(const QString &event, const QJsonObject &body);
    // The adapter exited while a session was on; `message` says how.
    void adapterDied(const QString &message);
    void adapterLog(const QString &line);

private:
    void onReadyRead();

    QString m_program;
    QProcess *m_process = nullptr;
    jsonrpc::MessageReader m_reader;
    int m_seq = 1;
    QHash<int, Callback> m_pending;
    bool m_stopping = false;
};

} // namespace nimbus::studio
