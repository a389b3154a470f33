#pragma once

#include "backgroundwriter.h"
#include "database.h"
#include "nimbus/metrics/metrics.h"

#include <string>
#include <vector>

namespace nimbus::sim {

// Every invocation's record (nimbus/metrics) in SQLite, for `nimbus metrics` and the
// Prometheus endpoint. Records are buffered and written together by flush(); the store
// keeps the newest `keep` records and none older than `maxAgeMs`. Methods throw StoreError.
class MetricsStore {
public:
    explicit MetricsStore(Database &db, std::size_t keep = 100000,
                          long long maxAgeMs = 7LL * 24 * 3600 * 1000)
        : m_db(db)
        , m_keep(keep)
        , m_maxAgeMs(maxAgeMs) {}
    void migrate();

    void append(metrics::Invocation invocation) { m_buffer.push_back(std::move(invocation)); }
    // Writes what is buffered, at most `maxRows` of it (0: all); true when some is left.
    // With a background writer, all of it is handed over at once and written there.
    bool flush(std::size_t maxRows = 0);
    // Writes through `writer` (its thread, its connection) from now on; nullptr: here.
    void setWriter(BackgroundWriter *writer) { m_writer = writer; }

    // Records started at or after `sinceMs` (0: all), of `function` ("" for all; the manifest's
    // name), oldest first.
    std::vector<metrics::Invocation> since(long long sinceMs, const std::string &function);

private:
    void write(Database &db, const std::vector<metrics::Invocation> &rows);
    // Everything appended so far is written (a read's first step).
    void settle();

    Database &m_db;
    BackgroundWriter *m_writer = nullptr;
    std::size_t m_keep;
    long long m_maxAgeMs;
    std::vector<metrics::Invocation> m_buffer;
    std::size_t m_sinceTrim = 0; // rows added since the last trim
};

} // namespace nimbus::sim
