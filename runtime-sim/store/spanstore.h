#pragma once

#include "backgroundwriter.h"
#include "database.h"
#include "nimbus/tracing/span.h"

#include <string>
#include <vector>

namespace nimbus::sim {

// Every span the simulator records (nimbus/tracing), in SQLite, for `nimbus traces` and the
// Studio. Spans are buffered and written together by flush(); the store keeps the newest
// `keep` spans and none older than `maxAgeMs`. Methods throw StoreError.
class SpanStore {
public:
    explicit SpanStore(Database &db, std::size_t keep = 100000,
                       long long maxAgeMs = 7LL * 24 * 3600 * 1000)
        : m_db(db)
        , m_keep(keep)
        , m_maxAgeMs(maxAgeMs) {}
    void migrate();

    void append(tracing::Span span) { m_rows.append(std::move(span)); }
    // Writes what is buffered, at most `maxRows` of it (0: all); true when some is left.
    // With a background writer, all of it is handed over at once and written there.
    bool flush(std::size_t maxRows = 0) { return m_rows.flush(maxRows); }
    // Writes through `writer` (its thread, its connection) from now on; nullptr: here.
    void setWriter(BackgroundWriter *writer) { m_rows.setWriter(writer); }

    // The newest `limit` traces with a span started at or after `sinceMs` (0: any), and
    // touching `function` or `alias` ("" for any: the manifest's and the deployed name), with all their spans.
    std::vector<tracing::Trace> recent(long long sinceMs, const std::string &function, const std::string &alias,
                                       std::size_t limit);
    // One trace's spans (none when unknown).
    std::vector<tracing::Span> trace(const std::string &traceId);

private:
    // Writes a burst in one transaction, trimming now and then (on the writer's thread
    // when there is one: m_sinceTrim is its alone).
    void write(Database &db, const std::vector<tracing::Span> &rows);

    Database &m_db;
    std::size_t m_keep;
    long long m_maxAgeMs;
    BufferedRows<tracing::Span> m_rows{
        m_db, [this](Database &db, const std::vector<tracing::Span> &rows) { write(db, rows); }};
    std::size_t m_sinceTrim = 0; // rows added since the last trim
};

} // namespace nimbus::sim
