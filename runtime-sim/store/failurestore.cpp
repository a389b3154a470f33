#include "failurestore.h"

#include <algorithm>
#include <cctype>

namespace nimbus::sim {

void FailureStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    request_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_request ON failures (request_id);
)");
}

long long FailureStore::add(failures::Failure failure) {
    Database::Transaction transaction(m_db);
    failure.id = 0;
    Statement row = m_db.prepare(
        "INSERT INTO failures (function, request_id, time_ms, record) VALUES (?, ?, ?, ?)");
    row.bind(1, failure.function)
        .bind(2, failure.requestId)
        .bind(3, static_cast<long long>(failure.timeMs))
        .bind(4, failures::toJson(failure).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace));
    row.run();
    const long long id = m_db.lastInsertId();
    Statement old = m_db.prepare(
        "DELETE FROM failures WHERE id <= (SELECT id FROM failures ORDER BY id DESC LIMIT 1 "
        "OFFSET ?1)");
    old.bind(1, static_cast<long long>(m_keep));
    old.run();
    transaction.commit();
    return id;
}

namespace {

std::optional<failures::Failure> read(Statement &row) {
    try {
        failures::Failure failure = failures::failureFromJson(nlohmann::json::parse(row.text(1)));
        failure.id = row.integer(0);
        return failure;
    } catch (const std::exception &) {
        return std::nullopt; // written by another version: left out
    }
}

} // namespace

std::vector<failures::Failure> FailureStore::recent(long long sinceMs, const std::string &function, const std::string &alias,
                                                    std::size_t limit) {
    Statement row = m_db.prepare("SELECT id, record FROM failures WHERE time_ms >= ?1 AND (?2 = '' "
                                 "OR function = ?2 OR function = ?4) ORDER BY id DESC LIMIT ?3");
    row.bind(1, sinceMs).bind(2, function).bind(3, static_cast<long long>(limit)).bind(4, alias);
    std::vector<failures::Failure> out;
    while (row.step())
        if (auto failure = read(row))
            out.push_back(std::move(*failure));
    return out;
}

std::optional<failures::Failure> FailureStore::find(const std::string &key) {
    const bool number = !key.empty() && key.size() < 19 &&
                        std::all_of(key.begin(), key.end(),
                                    [](unsigned char c) { return std::isdigit(c); });
    Statement row = m_db.prepare(number ? "SELECT id, record FROM failures WHERE id = ?1"
                                        : "SELECT id, record FROM failures WHERE request_id = ?1");
    if (number)
        row.bind(1, std::stoll(key));
    else
        row.bind(1, key);
    if (row.step())
        return read(row);
    return std::nullopt;
}

} // namespace nimbus::sim
