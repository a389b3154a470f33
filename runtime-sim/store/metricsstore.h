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

    void append(metrics::Invocation invocation) { m_rows.append(std::move(invocation)); }
    // Writes what is buffered, at most `maxRows` of it (0: all); true when some is left.
    // With a background writer, all of it is handed over at once and written there.
    bool flush(std::size_t maxRows = 0) { return m_rows.flush(maxRows); }
    // Writes through `writer` (its thread, its connection) from now on; nullptr: here.
    void setWriter(BackgroundWriter *writer) { m_rows.setWriter(writer); }

    // Records started at or after `sinceMs` (0: all), of `function` ("" for all; the manifest's
    // name), oldest first.
    std::vector<metrics::Invocation> since(long long sinceMs, const std::string &function);

private:
    // Writes a burst in one transaction, trimming now and then (on the writer's thread
    // when there is one: m_sinceTrim is its alone).
    void write(Database &db, const std::vector<metrics::Invocation> &rows);

    Database &m_db;
    std::size_t m_keep;
    long long m_maxAgeMs;
    BufferedRows<metrics::Invocation> m_rows{
        m_db,
        [this](Database &db, const std::vector<metrics::Invocation> &rows) { write(db, rows); }};
    std::size_t m_sinceTrim = 0; // rows added since the last trim
};

} // namespace nimbus::sim
