#include "diagnosticsworker.h"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace nimbus::lsp {

DiagnosticsWorker::DiagnosticsWorker(Compute compute, Send send)
    : m_compute(std::move(compute))
    , m_send(std::move(send))
    , m_thread([this] { run(); }) {}

DiagnosticsWorker::~DiagnosticsWorker() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void DiagnosticsWorker::submit(TextDocument snapshot) {
    {
        std::lock_guard lock(m_mutex);
        const std::string uri = snapshot.uri();
        ++m_generation[uri];
        if (m_pending.insert_or_assign(uri, std::move(snapshot)).second)
            m_order.push_back(uri);
    }
    m_wake.notify_one();
}

void DiagnosticsWorker::forget(const std::string &uri) {
    std::lock_guard lock(m_mutex);
    ++m_generation[uri];
    m_pending.erase(uri);
    m_order.erase(std::remove(m_order.begin(), m_order.end(), uri), m_order.end());
}

void DiagnosticsWorker::drain() {
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_stop || (m_pending.empty() && !m_busy); });
}

void DiagnosticsWorker::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stop || !m_order.empty(); });
        if (m_stop)
            break;
        const std::string uri = m_order.front();
        m_order.pop_front();
        auto node = m_pending.extract(uri);
        const unsigned long generation = m_generation[uri];
        m_busy = true;
        lock.unlock();
        // Exceptions never cross this thread's edge: a document the engine chokes on gets
        // no new diagnostics, and the server goes on.
        std::optional<nlohmann::json> notification;
        try {
            notification = m_compute(node.mapped());
        } catch (const std::exception &e) {
            std::fprintf(stderr, "nimbus-lsp: diagnostics of %s failed: %s\n", uri.c_str(),
                         e.what());
        }
        lock.lock();
        // A newer snapshot or a close while we computed makes this result stale. Sending
        // under the lock orders it before any close that follows.
        if (notification && m_generation[uri] == generation)
            m_send(*notification);
        m_busy = false;
        if (m_pending.empty())
            m_idle.notify_all();
    }
    m_idle.notify_all();
}

} // namespace nimbus::lsp
