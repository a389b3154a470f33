#include "spanstore.h"

#include <chrono>

namespace nimbus::sim {

void SpanStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS spans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT NOT NULL,
    function TEXT NOT NULL,
    start_us INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_us);
)");
}

void SpanStore::write(Database &db, const std::vector<tracing::Span> &buffer) {
    Database::Transaction transaction(db);
    Statement row =
        db.prepare("INSERT INTO spans (trace_id, function, start_us, record) VALUES (?, ?, ?, ?)");
    for (const auto &span : buffer) {
        row.reset()
            .bind(1, span.traceId)
            .bind(2, span.function)
            .bind(3, static_cast<long long>(span.startUs))
            .bind(4, tracing::toJson(span).dump());
        row.run();
    }
    const long long nowUs = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    // Now and then, by id (see MetricsStore::write).
    m_sinceTrim += buffer.size();
    if (m_sinceTrim >= trimInterval(m_keep)) {
        m_sinceTrim = 0;
        Statement old = db.prepare("DELETE FROM spans WHERE start_us < ?1 OR id <= (SELECT "
                                   "MAX(id) FROM spans) - ?2");
        old.bind(1, nowUs - m_maxAgeMs * 1000).bind(2, static_cast<long long>(m_keep));
        old.run();
    }
    transaction.commit();
}

namespace {

void readSpans(Statement &row, std::vector<tracing::Span> &out) {
    while (row.step()) {
        try {
            out.push_back(tracing::spanFromJson(nlohmann::json::parse(row.text(0))));
        } catch (const std::exception &) {
            // A record this version cannot read (written by another) is left out.
        }
    }
}

} // namespace

std::vector<tracing::Trace> SpanStore::recent(long long sinceMs, const std::string &function, const std::string &alias,
                                              std::size_t limit) {
    m_rows.settle();
    Statement ids = m_db.prepare(
        "SELECT trace_id FROM spans WHERE start_us >= ?1 AND (?2 = '' OR function = ?2 OR function = ?4) "
        "GROUP BY trace_id ORDER BY MAX(start_us) DESC LIMIT ?3");
    ids.bind(1, sinceMs * 1000).bind(2, function).bind(3, static_cast<long long>(limit)).bind(4, alias);
    std::vector<std::string> traceIds;
    while (ids.step())
        traceIds.push_back(ids.text(0));
    std::vector<tracing::Span> spans;
    for (const std::string &id : traceIds) {
        Statement row = m_db.prepare("SELECT record FROM spans WHERE trace_id = ? ORDER BY id");
        row.bind(1, id);
        readSpans(row, spans);
    }
    return tracing::groupTraces(std::move(spans));
}

std::vector<tracing::Span> SpanStore::trace(const std::string &traceId) {
    m_rows.settle();
    Statement row = m_db.prepare("SELECT record FROM spans WHERE trace_id = ? ORDER BY id");
    row.bind(1, traceId);
    std::vector<tracing::Span> spans;
    readSpans(row, spans);
    return spans;
}

} // namespace nimbus::sim
