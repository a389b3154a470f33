#pragma once

#include "database.h"

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

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

    // Queues a job. A job that throws is dropped (its transaction rolled back); the error
    // is kept for lastError().
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

// The rows a store buffers (log lines, metrics records, spans) and how they reach the
// database: in bursts, by the store's `write`, here or on a background writer's thread.
template <typename Row> class BufferedRows {
public:
    using Write = std::function<void(Database &, const std::vector<Row> &)>;

    BufferedRows(Database &db, Write write)
        : m_db(db)
        , m_write(std::move(write)) {}

    void append(Row row) { m_rows.push_back(std::move(row)); }
    bool empty() const { return m_rows.empty(); }
    // Writes through `writer` (its thread, its connection) from now on; nullptr: here.
    void setWriter(BackgroundWriter *writer) { m_writer = writer; }

    // Writes what is buffered, at most `maxRows` of it (0: all); true when some is left.
    // With a background writer, all of it is handed over at once and written there.
    bool flush(std::size_t maxRows = 0) {
        if (m_rows.empty())
            return false;
        if (m_writer) {
            m_writer->post([write = m_write, rows = std::exchange(m_rows, {})](Database &db) {
                write(db, rows);
            });
            return false;
        }
        m_write(m_db, takeOldest(m_rows, maxRows));
        return !m_rows.empty();
    }
    // Everything appended so far is written (a read's first step).
    void settle() {
        flush();
        if (m_writer)
            m_writer->sync();
    }

private:
    Database &m_db;
    Write m_write;
    BackgroundWriter *m_writer = nullptr;
    std::vector<Row> m_rows;
};

} // namespace nimbus::sim
