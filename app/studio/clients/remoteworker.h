#pragma once

#include <QObject>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace nimbus::studio {

// Runs blocking work (a LambdaClient call, a deploy) on its own thread, one job after
// another, so the window never waits on the network. A job returns what to do with its
// result; that continuation runs on the thread that owns the worker (the UI thread).
// Jobs must not touch widgets or models: they capture values, and their continuations do
// the rest. Destroying the worker waits for the job in flight and drops the queued ones.
class RemoteWorker : public QObject {
    Q_OBJECT
public:
    using Continuation = std::function<void()>;
    using Job = std::function<Continuation()>;

    explicit RemoteWorker(QObject *parent = nullptr);
    ~RemoteWorker() override;

    void post(Job job);
    // Jobs queued or running.
    int pending() const;

signals:
    void busyChanged(bool busy);

private:
    void run();
    void finished(const Continuation &continuation);

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    int m_pending = 0; // queued + running; touched on the UI thread only
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace nimbus::studio
