#include "lspclient.h"

#include "framedmessage.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QTimer>
#include <QUrl>
#include <csignal>
#include <sys/prctl.h>

namespace nimbus::studio {

namespace {

// A server that dies this many times within a minute is not restarted again.
constexpr int kMaxCrashesPerMinute = 5;

} // namespace

LspClient::LspClient(QString program, QString rootPath, QObject *parent)
    : QObject(parent)
    , m_program(std::move(program))
    , m_rootPath(std::move(rootPath)) {
    m_clock.start();
}

LspClient::~LspClient() {
    stop();
}

QString LspClient::uriFor(const QString &path) {
    return QUrl::fromLocalFile(path).toString();
}

QString LspClient::pathFor(const QString &uri) {
    return QUrl(uri).toLocalFile();
}

qint64 LspClient::processId() const {
    return m_process ? m_process->processId() : 0;
}

void LspClient::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void LspClient::start() {
    if (m_state == State::Starting || m_state == State::Running)
        return;
    m_stopping = false;
    launch();
}

void LspClient::failSentRequests(const QString &why) {
    // Requests in flight will not be answered by the server that had them; the ones not
    // sent yet go to the next.
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (!it->sent) {
            ++it;
            continue;
        }
        Callback callback = std::move(it->callback);
        it = m_pending.erase(it);
        if (callback)
            callback(QJsonValue(), why);
    }
}

void LspClient::restart() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->deleteLater();
        m_process = nullptr;
    }
    failSentRequests(tr("the language server was restarted"));
    m_crashTimes.clear();
    m_stopping = false;
    m_state = State::NotStarted;
    launch();
}

void LspClient::launch() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_reader = jsonrpc::MessageReader();
    m_process = new QProcess(this);
    m_process->setProgram(m_program);
    // A server outlives nothing: if the Studio dies, so does it.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &LspClient::onReadyRead);
    connect(m_process, &QProcess::readyReadStandardError, this, [this] {
        const QString text = QString::fromUtf8(m_process->readAllStandardError());
        for (const QString &line : text.split('\n', Qt::SkipEmptyParts))
            emit serverLog(line);
    });
    connect(m_process, &QProcess::finished, this, &LspClient::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            setState(State::Failed);
            emit serverCrashed(
                tr("%1 could not be started: %2")
                    .arg(QDir::toNativeSeparators(m_program), m_process->errorString()));
        }
    });
    setState(State::Starting);
    m_process->start();

    m_initializeId = m_nextId++;
    const QJsonObject capabilities{
        {"textDocument",
         QJsonObject{{"hover", QJsonObject{{"contentFormat", QJsonArray{"markdown", "plaintext"}}}},
                     {"completion",
                      QJsonObject{{"completionItem", QJsonObject{{"snippetSupport", false}}}}},
                     {"publishDiagnostics", QJsonObject{{"relatedInformation", false}}},
                     {"documentSymbol", QJsonObject{{"hierarchicalDocumentSymbolSupport", true}}},
                     {"codeLens", QJsonObject{}},
                     {"definition", QJsonObject{}}}},
        {"general", QJsonObject{{"positionEncodings", QJsonArray{"utf-16"}}}}};
    send(QJsonObject{{"jsonrpc", "2.0"},
                     {"id", m_initializeId},
                     {"method", "initialize"},
                     {"params", QJsonObject{{"processId", QCoreApplication::applicationPid()},
                                            {"rootUri", uriFor(m_rootPath)},
                                            {"rootPath", m_rootPath},
                                            {"clientInfo", QJsonObject{{"name", "nimbus-studio"}}},
                                            {"capabilities", capabilities}}}});
}

void LspClient::initialised(const QJsonValue &) {
    send(QJsonObject{{"jsonrpc", "2.0"}, {"method", "initialized"}, {"params", QJsonObject{}}});
    setState(State::Running);
    // Documents open before a restart are opened again as they are now.
    for (auto it = m_documents.begin(); it != m_documents.end(); ++it) {
        it->version = 1;
        notify("textDocument/didOpen",
               QJsonObject{{"textDocument", QJsonObject{{"uri", uriFor(it.key())},
                                                        {"languageId", it->languageId},
                                                        {"version", it->version},
                                                        {"text", it->text}}}});
    }
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it)
        if (!it->sent)
            sendRequest(it.key(), *it);
}

void LspClient::stop() {
    if (!m_process)
        return;
    m_stopping = true;
    if (m_state == State::Running) {
        send(QJsonObject{{"jsonrpc", "2.0"}, {"id", m_nextId++}, {"method", "shutdown"}});
        send(QJsonObject{{"jsonrpc", "2.0"}, {"method", "exit"}});
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(500))
            m_process->kill();
    } else {
        m_process->kill();
    }
    m_process->waitForFinished(500);
    m_process->disconnect(this);
    delete m_process;
    m_process = nullptr;
    setState(State::Stopped);
}

void LspClient::onFinished(int exitCode, QProcess::ExitStatus status) {
    if (m_stopping)
        return;
    const QString how = status == QProcess::CrashExit
                            ? tr("nimbus-lsp crashed")
                            : tr("nimbus-lsp exited with code %1").arg(exitCode);
    failSentRequests(how);
    const qint64 now = m_clock.elapsed();
    m_crashTimes.append(now);
    while (!m_crashTimes.isEmpty() && now - m_crashTimes.first() > 60000)
        m_crashTimes.removeFirst();
    if (m_crashTimes.size() >= kMaxCrashesPerMinute) {
        setState(State::Failed);
        emit serverCrashed(how + tr("; it stopped %1 times in a minute, so it was not restarted "
                                    "(Restart Language Server tries again)")
                                     .arg(m_crashTimes.size()));
        return;
    }
    setState(State::Crashed);
    emit serverCrashed(how + tr("; restarted, with your open documents"));
    QTimer::singleShot(200, this, [this] {
        if (m_state == State::Crashed)
            launch();
    });
}

void LspClient::onReadyRead() {
    const QByteArray bytes = m_process->readAllStandardOutput();
    for (auto &frame : m_reader.feed(std::string_view(bytes.constData(), bytes.size()))) {
        if (!frame.error.empty()) {
            emit serverLog(tr("unreadable message from nimbus-lsp: %1")
                               .arg(QString::fromStdString(frame.error)));
            continue;
        }
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(
            QByteArray::fromRawData(frame.body.data(), static_cast<qsizetype>(frame.body.size())),
            &error);
        if (!document.isObject()) {
            emit serverLog(tr("nimbus-lsp sent JSON we cannot read: %1").arg(error.errorString()));
            continue;
        }
        handleMessage(document.object());
    }
}

void LspClient::handleMessage(const QJsonObject &message) {
    const QString method = message.value("method").toString();
    if (!method.isEmpty() && message.contains("id")) {
        // A request from the server: we register no capabilities dynamically and have no
        // configuration to give; answer so it does not wait.
        send(
            QJsonObject{{"jsonrpc", "2.0"}, {"id", message.value("id")}, {"result", QJsonValue()}});
        return;
    }
    if (!method.isEmpty()) {
        const QJsonObject params = message.value("params").toObject();
        if (method == "textDocument/publishDiagnostics")
            emit diagnosticsPublished(pathFor(params.value("uri").toString()),
                                      params.value("diagnostics").toArray());
        else if (method == "window/logMessage" || method == "window/showMessage")
            emit serverLog(params.value("message").toString());
        return;
    }
    const int id = message.value("id").toInt();
    if (id == m_initializeId) {
        if (message.contains("error")) {
            setState(State::Failed);
            emit serverCrashed(
                tr("nimbus-lsp refused to start: %1")
                    .arg(message.value("error").toObject().value("message").toString()));
            return;
        }
        initialised(message.value("result"));
        return;
    }
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // cancelled
    Callback callback = std::move(it->callback);
    m_pending.erase(it);
    if (!callback)
        return;
    if (message.contains("error"))
        callback(QJsonValue(), message.value("error").toObject().value("message").toString());
    else
        callback(message.value("result"), QString());
}

void LspClient::send(const QJsonObject &message) {
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    writeFramedMessage(*m_process, message);
}

void LspClient::sendRequest(int id, Pending &pending) {
    pending.sent = true;
    send(QJsonObject{
        {"jsonrpc", "2.0"}, {"id", id}, {"method", pending.method}, {"params", pending.params}});
}

int LspClient::request(const QString &method, const QJsonValue &params, Callback callback) {
    const int id = m_nextId++;
    Pending &pending = m_pending[id];
    pending.method = method;
    pending.params = params;
    pending.callback = std::move(callback);
    if (m_state == State::Running)
        sendRequest(id, pending);
    return id;
}

void LspClient::cancel(int id) {
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    const bool sent = it->sent;
    m_pending.erase(it);
    if (sent)
        notify("$/cancelRequest", QJsonObject{{"id", id}});
}

void LspClient::notify(const QString &method, const QJsonValue &params) {
    if (m_state != State::Running)
        return; // documents are re-sent when the server is up
    send(QJsonObject{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
}

void LspClient::openDocument(const QString &path, const QString &languageId, const QString &text) {
    Document &d = m_documents[path];
    d.languageId = languageId;
    d.text = text;
    d.version = 1;
    notify("textDocument/didOpen",
           QJsonObject{{"textDocument", QJsonObject{{"uri", uriFor(path)},
                                                    {"languageId", languageId},
                                                    {"version", d.version},
                                                    {"text", text}}}});
}

void LspClient::changeDocument(const QString &path, const QString &text) {
    auto it = m_documents.find(path);
    if (it == m_documents.end())
        return;
    it->text = text;
    ++it->version;
    notify(
        "textDocument/didChange",
        QJsonObject{{"textDocument", QJsonObject{{"uri", uriFor(path)}, {"version", it->version}}},
                    {"contentChanges", QJsonArray{QJsonObject{{"text", text}}}}});
}

void LspClient::saveDocument(const QString &path) {
    if (m_documents.contains(path))
        notify("textDocument/didSave",
               QJsonObject{{"textDocument", QJsonObject{{"uri", uriFor(path)}}}});
}

void LspClient::closeDocument(const QString &path) {
    if (m_documents.remove(path))
        notify("textDocument/didClose",
               QJsonObject{{"textDocument", QJsonObject{{"uri", uriFor(path)}}}});
}

} // namespace nimbus::studio
