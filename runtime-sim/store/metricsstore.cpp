#include "metricsstore.h"

#include <chrono>

namespace nimbus::sim {

void MetricsStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS invocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS invocations_by_start ON invocations (start_ms);
)");
}

void MetricsStore::write(Database &db, const std::vector<metrics::Invocation> &buffer) {
    Database::Transaction transaction(db);
    Statement row =
        db.prepare("INSERT INTO invocations (function, start_ms, record) VALUES (?, ?, ?)");
    for (const auto &invocation : buffer) {
        row.reset()
            .bind(1, invocation.function)
            .bind(2, static_cast<long long>(invocation.startMs))
            .bind(3, metrics::toJson(invocation).dump());
        row.run();
    }
    const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    // Trimmed now and then, not at every flush, and by id (AUTOINCREMENT: rows go only from
    // the oldest end, so the newest `keep` are those above MAX(id) - keep). A scan to the
    // keep-th row (OFFSET) at every flush had cost the event loop milliseconds five times
    // a second under load.
    m_sinceTrim += buffer.size();
    if (m_sinceTrim >= trimInterval(m_keep)) {
        m_sinceTrim = 0;
        Statement old = db.prepare("DELETE FROM invocations WHERE start_ms < ?1 OR id <= "
                                   "(SELECT MAX(id) FROM invocations) - ?2");
        old.bind(1, now - m_maxAgeMs).bind(2, static_cast<long long>(m_keep));
        old.run();
    }
    transaction.commit();
}

std::vector<metrics::Invocation> MetricsStore::since(long long sinceMs,
                                                     const std::string &function) {
    m_rows.settle();
    Statement row = m_db.prepare("SELECT record FROM invocations WHERE start_ms >= ?1 AND (?2 = '' "
                                 "OR function = ?2) ORDER BY id");
    row.bind(1, sinceMs).bind(2, function);
    std::vector<metrics::Invocation> out;
    while (row.step()) {
        try {
            out.push_back(metrics::invocationFromJson(nlohmann::json::parse(row.text(0))));
        } catch (const std::exception &) {
            // A record this version cannot read (written by another) is left out.
        }
    }
    return out;
}

} // namespace nimbus::sim
