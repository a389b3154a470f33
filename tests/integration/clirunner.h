#pragma once

#include <QProcessEnvironment>
#include <QStringList>

// Runs the real `nimbus` binary and captures what it printed.
struct CliRun {
    int exitCode = -1;
    QString out;
    QString err;
};

CliRun runNimbus(const QStringList &arguments, const QString &workingDir = {},
                 int timeoutMs = 30000);
