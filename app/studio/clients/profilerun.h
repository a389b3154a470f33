#pragma once

#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QTemporaryDir>

namespace nimbus::studio {

// `nimbus profile` run in the background: a function invoked a number of times under the
// sampling profiler, its speedscope file written into a temporary folder that lives as long
// as this object. finished() gives the file, failed() nimbus's own words; cancel() stops it.
// The UI never waits for it.
class ProfileRun : public QObject {
    Q_OBJECT
public:
    explicit ProfileRun(QString nimbusProgram, QObject *parent = nullptr);
    ~ProfileRun() override;

    // Starts profiling `function` of `project` with `event` (JSON), `count` invocations;
    // false (and failed()) when one is already running or the event cannot be written.
    bool start(const QString &project, const QString &function, const QByteArray &event, int count);
    void cancel();
    bool isRunning() const { return m_process != nullptr; }
    QString function() const { return m_function; }

signals:
    // `summary` is nimbus's table of the heaviest frames.
    void finished(const QString &file, const QString &summary);
    void failed(const QString &message);

private:
    QString m_program;
    QTemporaryDir m_dir;
    QPointer<QProcess> m_process;
    QString m_function;
    int m_runs = 0;
};

} // namespace nimbus::studio
