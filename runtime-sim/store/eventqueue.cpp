#include "eventqueue.h"

namespace nimbus::sim {

void EventQueue::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    function TEXT NOT NULL,
    qualifier TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_due ON events (next_attempt_ms);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    function TEXT NOT NULL,
    request_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_ms INTEGER NOT NULL);
)");
    // Added later: stores made before it get the column now.
    for (const char *column : {"trace TEXT NOT NULL DEFAULT ''",
                               "trigger TEXT NOT NULL DEFAULT 'async'"}) {
        try {
            m_db.exec(std::string("ALTER TABLE events ADD COLUMN ") + column);
        } catch (const StoreError &) {
            // It is there already.
        }
    }
}

long long EventQueue::enqueue(QueuedEvent event) {
    Statement insert = m_db.prepare(
        "INSERT INTO events (request_id, function, qualifier, payload, attempts, "
        "next_attempt_ms, last_error, created_ms, trace, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, event.requestId)
        .bind(2, event.function)
        .bind(3, event.qualifier)
        .bind(4, event.payload)
        .bind(5, static_cast<long long>(event.attempts))
        .bind(6, event.nextAttemptMs)
        .bind(7, event.lastError)
        .bind(8, event.createdMs)
        .bind(9, event.trace)
        .bind(10, event.trigger);
    insert.run();
    return m_db.lastInsertId();
}

namespace {
QueuedEvent readEvent(Statement &row) {
    QueuedEvent e;
    e.id = row.integer(0);
    e.requestId = row.text(1);
    e.function = row.text(2);
    e.qualifier = row.text(3);
    e.payload = row.text(4);
    e.attempts = static_cast<int>(row.integer(5));
    e.nextAttemptMs = row.integer(6);
    e.lastError = row.text(7);
    e.createdMs = row.integer(8);
    e.trace = row.text(9);
    e.trigger = row.text(10);
    return e;
}
} // namespace

std::vector<QueuedEvent> EventQueue::due(long long nowMs, int limit) {
    Statement row = m_db.prepare(
        "SELECT id, request_id, function, qualifier, payload, attempts, next_attempt_ms, "
        "last_error, created_ms, trace, trigger FROM events WHERE next_attempt_ms <= ? ORDER BY next_attempt_ms, "
        "id LIMIT ?");
    row.bind(1, nowMs).bind(2, static_cast<long long>(limit));
    std::vector<QueuedEvent> out;
    while (row.step())
        out.push_back(readEvent(row));
    return out;
}

std::optional<long long> EventQueue::nextDueMs() {
    Statement row = m_db.prepare("SELECT MIN(next_attempt_ms) FROM events");
    if (!row.step() || row.isNull(0))
        return std::nullopt;
    return row.integer(0);
}

std::size_t EventQueue::size() {
    Statement row = m_db.prepare("SELECT COUNT(*) FROM events");
    row.step();
    return static_cast<std::size_t>(row.integer(0));
}

void EventQueue::reschedule(long long id, int attempts, long long nextAttemptMs,
                            const std::string &error) {
    Statement update = m_db.prepare(
        "UPDATE events SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?");
    update.bind(1, static_cast<long long>(attempts)).bind(2, nextAttemptMs).bind(3, error).bind(4, id);
    update.run();
}

void EventQueue::remove(long long id) {
    Statement statement = m_db.prepare("DELETE FROM events WHERE id = ?");
    statement.bind(1, id);
    statement.run();
}

void EventQueue::deadLetter(const QueuedEvent &event, const std::string &queue,
                            const std::string &error) {
    Database::Transaction transaction(m_db);
    Statement insert = m_db.prepare(
        "INSERT INTO dead_letters (queue, function, request_id, payload, error, attempts, "
        "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, queue)
        .bind(2, event.function)
        .bind(3, event.requestId)
        .bind(4, event.payload)
        .bind(5, error)
        .bind(6, static_cast<long long>(event.attempts))
        .bind(7, event.createdMs);
    insert.run();
    remove(event.id);
    transaction.commit();
}

std::vector<DeadLetter> EventQueue::deadLetters(const std::string &queue,
                                                const std::string &function, int limit) {
    Statement row = m_db.prepare(
        "SELECT id, queue, function, request_id, payload, error, attempts, created_ms FROM "
        "dead_letters WHERE (?1 = '' OR queue = ?1) AND (?2 = '' OR function = ?2) ORDER BY id "
        "LIMIT ?3");
    row.bind(1, queue).bind(2, function).bind(3, static_cast<long long>(limit));
    std::vector<DeadLetter> out;
    while (row.step())
        out.push_back({row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4),
                       row.text(5), static_cast<int>(row.integer(6)), row.integer(7)});
    return out;
}

void EventQueue::deleteDeadLetter(long long id) {
    Statement statement = m_db.prepare("DELETE FROM dead_letters WHERE id = ?");
    statement.bind(1, id);
    statement.run();
}

} // namespace nimbus::sim
