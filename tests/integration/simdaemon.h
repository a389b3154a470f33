#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"

#include <QJsonObject>
#include <QProcess>
#include <QStringList>

// A real nimbus-sim daemon on a project, for the suites that drive the binaries: start()
// returns once the daemon's own .nimbus/sim.json names it, and the destructor stops it
// (SIGTERM, then SIGKILL) however the test ended.
class SimDaemon {
public:
    explicit SimDaemon(QString project, QStringList extraArgs = {});
    ~SimDaemon();
    SimDaemon(const SimDaemon &) = delete;
    SimDaemon &operator=(const SimDaemon &) = delete;

    // False (with what the daemon printed in error()) when no state file appeared in 10 s.
    bool start();
    QString error() const { return m_error; }

    // sim.json as the daemon wrote it: pid, gateway, controlPlane, credentials, ...
    const QJsonObject &state() const { return m_state; }
    // A Lambda client for the control plane, signed with the credentials sim.json holds.
    nimbus::lambdaclient::LambdaClient client() const;
    QProcess &process() { return m_process; }

    void stop();

private:
    QString m_project;
    QStringList m_args;
    QProcess m_process;
    QJsonObject m_state;
    QString m_error;
};
