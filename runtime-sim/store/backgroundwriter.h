#pragma once

#include "database.h"

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace nimbus::sim {

// Writes nobody waits for (functions' logs, metrics records, spans), done on a thread of
// their own with a database connection of their own. SQLite's work, the rows' JSON, and the
// fsyncs of WAL checkpoints then never hold the event loop: under load they had stalled
// every request in flight for milliseconds at a time (bench/README.md, http). Jobs run one
// at a time, in the order they were posted.
class BackgroundWriter {
public:
    using Job = std::function<void(Database &)>;

    // Opens its own connection to the database file at `path`; nullptr (with the reason)
    // when it cannot.
    static std::unique_ptr<BackgroundWriter> open(const std::string &path, std::string &error);
    // Runs what was posted, then ends the thread.
    ~BackgroundWriter();

    // Queues a job. A job that throws StoreError is dropped; the error is kept for
    // lastError().
    void post(Job job);
    // Waits until every job posted before has run: what they wrote is then visible to any
    // connection's next read.
    void sync();
    // The last job's error, if one failed ("" when none has).
    std::string lastError() const;
    // Jobs that failed since start.
    long long failures() const { return m_failures.load(); }

private:
    explicit BackgroundWriter(std::unique_ptr<Database> db)
        : m_db(std::move(db)) {}

    std::unique_ptr<Database> m_db; // used on the writer's thread only
    mutable std::mutex m_errorMutex;
    std::string m_lastError;
    std::atomic<long long> m_failures{0};
    boost::asio::thread_pool m_thread{1}; // declared last: joined before the rest goes
};

} // namespace nimbus::sim
