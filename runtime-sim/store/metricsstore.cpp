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

void MetricsStore::flush() {
    if (m_buffer.empty())
        return;
    std::vector<metrics::Invocation> buffer = std::move(m_buffer);
    m_buffer.clear();
    Database::Transaction transaction(m_db);
    for (const auto &invocation : buffer) {
        Statement row =
            m_db.prepare("INSERT INTO invocations (function, start_ms, record) VALUES (?, ?, ?)");
        row.bind(1, invocation.function)
            .bind(2, static_cast<long long>(invocation.startMs))
            .bind(3, metrics::toJson(invocation).dump());
        row.run();
    }
    const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    Statement old = m_db.prepare("DELETE FROM invocations WHERE start_ms < ?1 OR id <= (SELECT id "
                                 "FROM invocations ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    old.bind(1, now - m_maxAgeMs).bind(2, static_cast<long long>(m_keep));
    old.run();
    transaction.commit();
}

std::vector<metrics::Invocation> MetricsStore::since(long long sinceMs,
                                                     const std::string &function) {
    flush();
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
