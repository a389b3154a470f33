#include "profilerun.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace nimbus::studio {

ProfileRun::ProfileRun(QString nimbusProgram, QObject *parent)
    : QObject(parent)
    , m_program(std::move(nimbusProgram))
    , m_dir(QDir::tempPath() + "/nimbus-studio-profile-XXXXXX") {}

ProfileRun::~ProfileRun() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

bool ProfileRun::start(const QString &project, const QString &function, const QByteArray &event,
                       int count) {
    if (m_process) {
        emit failed(tr("%1 is being profiled already").arg(m_function));
        return false;
    }
    if (!m_dir.isValid()) {
        emit failed(tr("No temporary folder for the profile: %1").arg(m_dir.errorString()));
        return false;
    }
    m_function = function;
    const int run = ++m_runs;
    // The event goes in a file: it may be long, and a command line has its limits.
    const QString safeName = QString(function).replace(QRegularExpression("[^A-Za-z0-9_.-]"), "_");
    const QString eventFile = m_dir.filePath(QStringLiteral("event-%1.json").arg(run));
    const QString out =
        m_dir.filePath(QStringLiteral("%1-%2.speedscope.json").arg(safeName).arg(run));
    QFile file(eventFile);
    if (!file.open(QIODevice::WriteOnly) || file.write(event) != event.size()) {
        emit failed(tr("Cannot write the event to %1: %2").arg(eventFile, file.errorString()));
        return false;
    }
    file.close();
    auto *process = new QProcess(this);
    m_process = process;
    process->setProgram(m_program);
    process->setArguments({"profile", function, "--project", project, "--event", eventFile,
                           "--count", QString::number(count), "--out", out});
    process->setWorkingDirectory(project);
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || process != m_process)
            return;
        m_process = nullptr;
        process->deleteLater();
        emit failed(tr("%1 could not be started: %2").arg(m_program, process->errorString()));
    });
    connect(process, &QProcess::finished, this,
            [this, process, out](int code, QProcess::ExitStatus status) {
                if (process != m_process)
                    return;
                m_process = nullptr;
                process->deleteLater();
                const QString said = QString::fromUtf8(process->readAllStandardError()).trimmed();
                const QString summary = QString::fromUtf8(process->readAllStandardOutput());
                if (status == QProcess::CrashExit)
                    emit failed(tr("nimbus profile stopped before it finished"));
                else if (code != 0 || !QFileInfo(out).isFile())
                    emit failed(said.isEmpty() ? tr("nimbus profile exited with code %1").arg(code)
                                               : said);
                else
                    emit finished(out, summary);
            });
    process->start();
    return true;
}

void ProfileRun::cancel() {
    if (!m_process)
        return;
    QProcess *process = m_process;
    m_process = nullptr;
    process->disconnect(this);
    process->kill();
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    emit failed(tr("Profiling %1 was cancelled").arg(m_function));
}

} // namespace nimbus::studio
