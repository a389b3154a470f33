#include "logstore.h"

#include <map>

namespace nimbus::sim {

void LogStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    log_group TEXT NOT NULL,
    stream TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_by_group ON logs (log_group, id);
)");
}

void LogStore::write(Database &db, const std::vector<LogEvent> &buffer) {
    Database::Transaction transaction(db);
    std::map<std::string, std::size_t> groups; // lines added, by group
    Statement row = db.prepare(
        "INSERT INTO logs (log_group, stream, timestamp_ms, message) VALUES (?, ?, ?, ?)");
    for (const auto &event : buffer) {
        row.reset()
            .bind(1, event.group)
            .bind(2, event.stream)
            .bind(3, event.timestampMs)
            .bind(4, event.message);
        row.run();
        ++groups[event.group];
    }
    // Each group is trimmed to its newest `keep` now and then, not at every flush: the scan
    // to the keep-th line is what costs (see MetricsStore::write).
    for (const auto &[group, added] : groups) {
        std::size_t &since = m_sinceTrim[group];
        since += added;
        if (since < trimInterval(m_keep))
            continue;
        since = 0;
        Statement trim =
            db.prepare("DELETE FROM logs WHERE log_group = ?1 AND id <= (SELECT id FROM logs WHERE "
                       "log_group = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
        trim.bind(1, group).bind(2, static_cast<long long>(m_keep));
        trim.run();
    }
    transaction.commit();
}

std::vector<LogEvent> LogStore::filter(const std::string &group, long long startMs,
                                       long long endMs, const std::string &pattern,
                                       long long afterId, int limit) {
    m_rows.settle();
    Statement row = m_db.prepare(
        "SELECT id, log_group, stream, timestamp_ms, message FROM logs WHERE log_group = ?1 AND "
        "id > ?2 AND timestamp_ms >= ?3 AND (?4 = 0 OR timestamp_ms <= ?4) ORDER BY id");
    row.bind(1, group).bind(2, afterId).bind(3, startMs).bind(4, endMs);
    std::vector<LogEvent> out;
    while (row.step() && static_cast<int>(out.size()) < limit) {
        LogEvent event{row.integer(0), row.text(1), row.text(2), row.integer(3), row.text(4)};
        if (matchesFilterPattern(pattern, event.message))
            out.push_back(std::move(event));
    }
    return out;
}

std::vector<std::string> LogStore::groups(const std::string &prefix) {
    m_rows.settle();
    Statement row = m_db.prepare("SELECT DISTINCT log_group FROM logs WHERE substr(log_group, 1, "
                                 "length(?1)) = ?1 ORDER BY log_group");
    row.bind(1, prefix);
    std::vector<std::string> out;
    while (row.step())
        out.push_back(row.text(0));
    return out;
}

bool matchesFilterPattern(const std::string &pattern, const std::string &message) {
    std::vector<std::string> all, any;
    std::size_t i = 0;
    while (i < pattern.size()) {
        while (i < pattern.size() && pattern[i] == ' ')
            ++i;
        if (i >= pattern.size())
            break;
        const bool optional = pattern[i] == '?';
        if (optional)
            ++i;
        std::string term;
        if (i < pattern.size() && pattern[i] == '"') {
            const std::size_t close = pattern.find('"', i + 1);
            term = pattern.substr(i + 1, close == std::string::npos ? std::string::npos
                                                                     : close - i - 1);
            i = close == std::string::npos ? pattern.size() : close + 1;
        } else {
            const std::size_t space = pattern.find(' ', i);
            term = pattern.substr(i, space == std::string::npos ? std::string::npos : space - i);
            i = space == std::string::npos ? pattern.size() : space;
        }
        if (!term.empty())
            (optional ? any : all).push_back(term);
    }
    for (const auto &term : all)
        if (message.find(term) == std::string::npos)
            return false;
    if (any.empty())
        return true;
    for (const auto &term : any)
        if (message.find(term) != std::string::npos)
            return true;
    return false;
}

} // namespace nimbus::sim
