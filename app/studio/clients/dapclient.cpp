#include "dapclient.h"

#include "framedmessage.h"

#include <QJsonDocument>
#include <QTimer>
#include <csignal>
#include <sys/prctl.h>

namespace nimbus::studio {

DapClient::DapClient(QString program, QObject *parent)
    : QObject(parent)
    , m_program(std::move(program)) {}

DapClient::~DapClient() {
    stop();
}

bool DapClient::isRunning() const {
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 DapClient::processId() const {
    return m_process ? m_process->processId() : 0;
}

bool DapClient::start(QString *error) {
    m_stopping = false;
    m_process = new QProcess(this);
    m_process->setProgram(m_program);
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &DapClient::onReadyRead);
    connect(m_process, &QProcess::readyReadStandardError, this, [this] {
        for (const QString &line :
             QString::fromUtf8(m_process->readAllStandardError()).split('\n', Qt::SkipEmptyParts))
            emit adapterLog(line);
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        if (m_stopping)
            return;
        const QString how = status == QProcess::CrashExit
                                ? tr("nimbus-dap crashed")
                                : tr("nimbus-dap exited with code %1").arg(code);
        auto pending = std::move(m_pending);
        m_pending.clear();
        for (auto &callback : pending)
            if (callback)
                callback({}, how);
        emit adapterDied(how);
    });
    m_process->start();
    if (!m_process->waitForStarted(5000)) {
        if (error)
            *error = tr("%1 could not be started: %2").arg(m_program, m_process->errorString());
        return false;
    }
    return true;
}

void DapClient::stop() {
    if (!m_process)
        return;
    m_stopping = true;
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->closeWriteChannel();
        m_process->terminate();
        if (!m_process->waitForFinished(1000))
            m_process->kill();
        m_process->waitForFinished(500);
    }
    delete m_process;
    m_process = nullptr;
    m_pending.clear();
}

void DapClient::shutdown(bool sendDisconnect, bool terminateDebuggee) {
    if (!isRunning()) {
        deleteLater();
        return;
    }
    m_stopping = true; // its exit is expected now: no adapterDied
    connect(m_process, &QProcess::finished, this, &QObject::deleteLater);
    auto endInput = [this] {
        if (m_process)
            m_process->closeWriteChannel();
    };
    if (sendDisconnect)
        request("disconnect", QJsonObject{{"terminateDebuggee", terminateDebuggee}},
                [endInput](const QJsonObject &, const QString &) { endInput(); });
    else
        endInput();
    QTimer::singleShot(5000, this, [this] {
        if (m_process && m_process->state() != QProcess::NotRunning)
            m_process->kill();
    });
}

int DapClient::request(const QString &command, const QJsonObject &arguments, Callback callback) {
    const int seq = m_seq++;
    if (!isRunning()) {
        if (callback)
            callback({}, tr("the debug adapter is not running"));
        return seq;
    }
    m_pending.insert(seq, std::move(callback));
    const QJsonObject message{
        {"seq", seq}, {"type", "request"}, {"command", command}, {"arguments", arguments}};
    writeFramedMessage(*m_process, message);
    return seq;
}

void DapClient::onReadyRead() {
    const QByteArray bytes = m_process->readAllStandardOutput();
    for (auto &frame : m_reader.feed(std::string_view(bytes.constData(), bytes.size()))) {
        if (!frame.error.empty()) {
            emit adapterLog(tr("unreadable message from nimbus-dap: %1")
                                .arg(QString::fromStdString(frame.error)));
            continue;
        }
        const QJsonObject message =
            QJsonDocument::fromJson(QByteArray::fromStdString(frame.body)).object();
        const QString type = message.value("type").toString();
        if (type == "event") {
            emit event(message.value("event").toString(), message.value("body").toObject());
        } else if (type == "response") {
            const Callback callback = m_pending.take(message.value("request_seq").toInt());
            if (!callback)
                continue;
            if (message.value("success").toBool())
                callback(message.value("body").toObject(), QString());
            else
                callback({}, message.value("message").toString(tr("the request failed")));
        } else if (type == "request") {
            // Reverse requests (runInTerminal, startDebugging) are not used by nimbus-dap.
            const QJsonObject reply{{"seq", m_seq++},
                                    {"type", "response"},
                                    {"request_seq", message.value("seq")},
                                    {"command", message.value("command")},
                                    {"success", false},
                                    {"message", "not supported by nimbus-studio"}};
            writeFramedMessage(*m_process, reply);
        }
    }
}

} // namespace nimbus::studio
