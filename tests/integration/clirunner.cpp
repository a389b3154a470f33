#include "clirunner.h"

#include "testpaths.h"

#include <QProcess>
#include <QtTest>

CliRun runNimbus(const QStringList &arguments, const QString &workingDir, int timeoutMs) {
    QProcess process;
    if (!workingDir.isEmpty())
        process.setWorkingDirectory(workingDir);
    process.start(nimbusBinary("nimbus"), arguments);
    CliRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        qWarning("nimbus %s did not finish in time", qPrintable(arguments.join(' ')));
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}
