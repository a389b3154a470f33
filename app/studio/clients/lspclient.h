#pragma once

#include "nimbus/jsonrpc/framing.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QProcess>
#include <functional>

namespace nimbus::studio {

// A Language Server Protocol client of nimbus-lsp over the server's stdio: starts it,
// initialises it, matches responses to requests, keeps the documents it has open in step,
// and when the server dies, says so and starts it again with those documents re-opened,
// so no text the user typed depends on the server staying up.
//
// Lifecycle: NotStarted -> Starting (initialize sent) -> Running -> Stopped; a crash goes
// through Crashed back to Starting, unless it keeps crashing (Failed).
class LspClient : public QObject {
    Q_OBJECT
public:
    enum class State { NotStarted, Starting, Running, Crashed, Failed, Stopped };
    Q_ENUM(State)
    // The result, or the error's message when `error` is not empty.
    using Callback = std::function<void(const QJsonValue &result, const QString &error)>;

    LspClient(QString program, QString rootPath, QObject *parent = nullptr);
    ~LspClient() override;

    void start();
    void stop();
    // Starts a fresh server now (the old one is killed, not waited for); open documents are
    // sent to the new one.
    void restart();
    State state() const { return m_state; }
    QString program() const { return m_program; }
    qint64 processId() const;

    // Sends a request; `callback` runs on this thread. Returns the request's id. Requests
    // made while the server starts are sent once it is initialised.
    int request(const QString &method, const QJsonValue &params, Callback callback);
    void cancel(int id);
    void notify(const QString &method, const QJsonValue &params);

    // Document synchronisation (whole text per change: manifests are small).
    void openDocument(const QString &path, const QString &languageId, const QString &text);
    void changeDocument(const QString &path, const QString &text);
    void saveDocument(const QString &path);
    void closeDocument(const QString &path);
    bool isOpen(const QString &path) const { return m_documents.contains(path); }
    // The text the server was last sent for an open document.
    QString documentText(const QString &path) const { return m_documents.value(path).text; }

    static QString uriFor(const QString &path);
    static QString pathFor(const QString &uri);

signals:
    void stateChanged(nimbus::studio::LspClient::State state);
    void diagnosticsPublished(const QString &path, const QJsonArray &diagnostics);
    // The server died; `message` says how. It is being restarted (or, after repeated
    // crashes, given up on: state() is Failed).
    void serverCrashed(const QString &message);
    void serverLog(const QString &line);

private:
    struct Document {
        QString languageId;
        QString text;
        int version = 0;
    };
    struct Pending {
        QString method;
        QJsonValue params;
        Callback callback;
        bool sent = false;
    };

    void setState(State state);
    void launch();
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void handleMessage(const QJsonObject &message);
    void send(const QJsonObject &message);
    void sendRequest(int id, Pending &pending);
    void initialised(const QJsonValue &result);
    void failSentRequests(const QString &why);

    QString m_program;
    QString m_rootPath;
    QProcess *m_process = nullptr;
    jsonrpc::MessageReader m_reader;
    State m_state = State::NotStarted;
    int m_nextId = 1;
    int m_initializeId = 0;
    QHash<int, Pending> m_pending;
    QHash<QString, Document> m_documents;
    QList<qint64> m_crashTimes; // ms since start, for giving up on a server that keeps dying
    QElapsedTimer m_clock;
    bool m_stopping = false;
};

} // namespace nimbus::studio
