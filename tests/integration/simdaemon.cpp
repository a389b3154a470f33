#include "simdaemon.h"

#include "testpaths.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QtTest>

SimDaemon::SimDaemon(QString project, QStringList extraArgs)
    : m_project(std::move(project)), m_args(std::move(extraArgs)) {
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

SimDaemon::~SimDaemon() { stop(); }

bool SimDaemon::start() {
    m_state = {};
    m_error.clear();
    m_process.start(nimbusBinary("nimbus-sim"), QStringList{"--project", m_project} + m_args);
    if (!m_process.waitForStarted()) {
        m_error = "nimbus-sim did not start: " + m_process.errorString();
        return false;
    }
    // A state file left by an earlier daemon does not count: it must name this process.
    const QString path = QDir(m_project).filePath(".nimbus/sim.json");
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000 && m_process.state() == QProcess::Running) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly)) {
            const QJsonObject state = QJsonDocument::fromJson(file.readAll()).object();
            if (state["pid"].toInt() == int(m_process.processId()) &&
                state.contains("controlPlane")) {
                m_state = state;
                return true;
            }
        }
        QTest::qWait(20);
    }
    m_error = "no sim.json from nimbus-sim; it said: " + QString::fromUtf8(m_process.readAll());
    return false;
}

nimbus::lambdaclient::LambdaClient SimDaemon::client() const {
    nimbus::lambdaclient::Endpoint endpoint;
    endpoint.url = m_state["controlPlane"].toString().toStdString();
    const QJsonObject credentials = m_state["credentials"].toObject();
    endpoint.credentials = {credentials["accessKeyId"].toString().toStdString(),
                            credentials["secretAccessKey"].toString().toStdString(), ""};
    return nimbus::lambdaclient::LambdaClient(endpoint);
}

void SimDaemon::stop() {
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished();
    }
}
