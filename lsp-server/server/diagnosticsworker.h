#pragma once

#include "../document/textdocument.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace nimbus::lsp {

// Computes diagnostics on a thread of its own, so a check of a large manifest never holds
// up completion or hover. Jobs are snapshots of documents; for each document only the
// latest snapshot is computed, and a result is published only if no newer snapshot (or
// close) of that document has been submitted meanwhile.
class DiagnosticsWorker {
public:
    using Compute = std::function<nlohmann::json(const TextDocument &)>; // -> notification
    using Send = std::function<void(const nlohmann::json &)>;

    DiagnosticsWorker(Compute compute, Send send);
    ~DiagnosticsWorker(); // finishes the job in hand, drops the rest
    DiagnosticsWorker(const DiagnosticsWorker &) = delete;
    DiagnosticsWorker &operator=(const DiagnosticsWorker &) = delete;

    void submit(TextDocument snapshot);
    // The document was closed: nothing more is published for it.
    void forget(const std::string &uri);
    // Blocks until every submitted job has been computed (for an orderly exit).
    void drain();

private:
    void run();

    Compute m_compute;
    Send m_send;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::map<std::string, TextDocument> m_pending; // by URI, latest snapshot only
    std::deque<std::string> m_order;               // URIs in submission order
    std::map<std::string, unsigned long> m_generation;
    bool m_busy = false;
    bool m_stop = false;
    std::thread m_thread; // last: starts once the members above exist
};

} // namespace nimbus::lsp
