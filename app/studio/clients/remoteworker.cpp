#include "remoteworker.h"

#include <QMetaObject>
#include <QPointer>

namespace nimbus::studio {

RemoteWorker::RemoteWorker(QObject *parent)
    : QObject(parent)
    , m_thread([this] { run(); }) {}

RemoteWorker::~RemoteWorker() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_queue.clear();
    }
    m_wake.notify_all();
    m_thread.join();
}

void RemoteWorker::post(Job job) {
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(job));
    }
    if (m_pending++ == 0)
        emit busyChanged(true);
    m_wake.notify_one();
}

int RemoteWorker::pending() const {
    return m_pending;
}

void RemoteWorker::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping)
                return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        Continuation continuation;
        try {
            continuation = job();
        } catch (const std::exception &) {
            // A job reports its own failures; one that throws still frees the queue.
        }
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        // Queued to this object's thread; dropped with the object if it is destroyed first
        // (the destructor holds the mutex only briefly and then joins this thread).
        QMetaObject::invokeMethod(
            this, [this, continuation] { finished(continuation); }, Qt::QueuedConnection);
    }
}

void RemoteWorker::finished(const Continuation &continuation) {
    if (continuation)
        continuation();
    if (--m_pending == 0)
        emit busyChanged(false);
}

} // namespace nimbus::studio
