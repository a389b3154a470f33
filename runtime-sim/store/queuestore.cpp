#include "queuestore.h"

namespace nimbus::sim {

namespace {

constexpr const char *kMessageColumns =
    "id, queue, message_id, body, attributes, system_attributes, md5_body, md5_attributes, "
    "sent_ms, visible_ms, receive_count, first_receive_ms, receipt, group_id, dedup_id, "
    "dead_letter_source";

QueueMessage readMessage(Statement &row) {
    QueueMessage m;
    m.id = row.integer(0);
    m.queue = row.text(1);
    m.messageId = row.text(2);
    m.body = row.text(3);
    m.attributes = row.text(4);
    m.systemAttributes = row.text(5);
    m.md5OfBody = row.text(6);
    m.md5OfAttributes = row.text(7);
    m.sentMs = row.integer(8);
    m.visibleMs = row.integer(9);
    m.receiveCount = static_cast<int>(row.integer(10));
    m.firstReceiveMs = row.integer(11);
    m.receipt = row.text(12);
    m.groupId = row.text(13);
    m.deduplicationId = row.text(14);
    m.deadLetterSource = row.text(15);
    return m;
}

QueueRecord readQueue(Statement &row) {
    return {row.text(0), row.text(1), row.text(2), row.integer(3), row.integer(4)};
}

} // namespace

void QueueStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS sqs_queues (
    name TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sqs_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    system_attributes TEXT NOT NULL,
    md5_body TEXT NOT NULL,
    md5_attributes TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_ms INTEGER NOT NULL DEFAULT 0,
    receipt TEXT NOT NULL DEFAULT '',
    group_id TEXT NOT NULL DEFAULT '',
    dedup_id TEXT NOT NULL DEFAULT '',
    dead_letter_source TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue, visible_ms, id);
CREATE TABLE IF NOT EXISTS sqs_deduplication (
    queue TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    PRIMARY KEY (queue, dedup_id));
)");
}

std::optional<QueueRecord> QueueStore::queue(const std::string &name) {
    Statement row = m_db.prepare(
        "SELECT name, attributes, tags, created_ms, modified_ms FROM sqs_queues WHERE name = ?");
    row.bind(1, name);
    if (!row.step())
        return std::nullopt;
    return readQueue(row);
}

std::vector<QueueRecord> QueueStore::queues() {
    Statement row = m_db.prepare(
        "SELECT name, attributes, tags, created_ms, modified_ms FROM sqs_queues ORDER BY name");
    std::vector<QueueRecord> out;
    while (row.step())
        out.push_back(readQueue(row));
    return out;
}

void QueueStore::putQueue(const QueueRecord &q) {
    m_db.prepare("INSERT OR REPLACE INTO sqs_queues (name, attributes, tags, created_ms, "
                 "modified_ms) VALUES (?, ?, ?, ?, ?)")
        .bind(1, q.name)
        .bind(2, q.attributes)
        .bind(3, q.tags)
        .bind(4, q.createdMs)
        .bind(5, q.modifiedMs)
        .run();
}

void QueueStore::deleteQueue(const std::string &name) {
    Database::Transaction transaction(m_db);
    m_db.prepare("DELETE FROM sqs_messages WHERE queue = ?").bind(1, name).run();
    m_db.prepare("DELETE FROM sqs_deduplication WHERE queue = ?").bind(1, name).run();
    m_db.prepare("DELETE FROM sqs_queues WHERE name = ?").bind(1, name).run();
    transaction.commit();
}

long long QueueStore::add(const QueueMessage &m) {
    Database::Transaction transaction(m_db);
    m_db.prepare("INSERT INTO sqs_messages (queue, message_id, body, attributes, "
                 "system_attributes, md5_body, md5_attributes, sent_ms, visible_ms, group_id, "
                 "dedup_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, m.queue)
        .bind(2, m.messageId)
        .bind(3, m.body)
        .bind(4, m.attributes)
        .bind(5, m.systemAttributes)
        .bind(6, m.md5OfBody)
        .bind(7, m.md5OfAttributes)
        .bind(8, m.sentMs)
        .bind(9, m.visibleMs)
        .bind(10, m.groupId)
        .bind(11, m.deduplicationId)
        .run();
    const long long id = m_db.lastInsertId();
    if (!m.deduplicationId.empty())
        m_db.prepare("INSERT OR REPLACE INTO sqs_deduplication (queue, dedup_id, message_id, "
                     "sent_ms) VALUES (?, ?, ?, ?)")
            .bind(1, m.queue)
            .bind(2, m.deduplicationId)
            .bind(3, m.messageId)
            .bind(4, m.sentMs)
            .run();
    transaction.commit();
    return id;
}

std::optional<QueueMessage> QueueStore::message(long long id) {
    Statement row = m_db.prepare(std::string("SELECT ") + kMessageColumns +
                                 " FROM sqs_messages WHERE id = ?");
    row.bind(1, id);
    if (!row.step())
        return std::nullopt;
    return readMessage(row);
}

std::vector<QueueMessage> QueueStore::visible(const std::string &queue, long long nowMs,
                                              int limit) {
    Statement row = m_db.prepare(std::string("SELECT ") + kMessageColumns +
                                 " FROM sqs_messages WHERE queue = ? AND visible_ms <= ? ORDER "
                                 "BY id LIMIT ?");
    row.bind(1, queue).bind(2, nowMs).bind(3, static_cast<long long>(limit));
    std::vector<QueueMessage> out;
    while (row.step())
        out.push_back(readMessage(row));
    return out;
}

void QueueStore::received(const QueueMessage &m) {
    m_db.prepare("UPDATE sqs_messages SET receipt = ?, visible_ms = ?, receive_count = ?, "
                 "first_receive_ms = ? WHERE id = ?")
        .bind(1, m.receipt)
        .bind(2, m.visibleMs)
        .bind(3, static_cast<long long>(m.receiveCount))
        .bind(4, m.firstReceiveMs)
        .bind(5, m.id)
        .run();
}

void QueueStore::setVisibleMs(long long id, long long visibleMs) {
    m_db.prepare("UPDATE sqs_messages SET visible_ms = ? WHERE id = ?")
        .bind(1, visibleMs)
        .bind(2, id)
        .run();
}

bool QueueStore::remove(long long id) {
    m_db.prepare("DELETE FROM sqs_messages WHERE id = ?").bind(1, id).run();
    Statement changes = m_db.prepare("SELECT changes()");
    return changes.step() && changes.integer(0) > 0;
}

void QueueStore::move(long long id, const std::string &toQueue, const std::string &sourceArn) {
    m_db.prepare("UPDATE sqs_messages SET queue = ?, visible_ms = 0, receipt = '', "
                 "dead_letter_source = ? WHERE id = ?")
        .bind(1, toQueue)
        .bind(2, sourceArn)
        .bind(3, id)
        .run();
}

long long QueueStore::purge(const std::string &queue) {
    Database::Transaction transaction(m_db);
    Statement count = m_db.prepare("SELECT COUNT(*) FROM sqs_messages WHERE queue = ?");
    count.bind(1, queue);
    const long long n = count.step() ? count.integer(0) : 0;
    m_db.prepare("DELETE FROM sqs_messages WHERE queue = ?").bind(1, queue).run();
    transaction.commit();
    return n;
}

long long QueueStore::expire(const std::string &queue, long long sentBeforeMs) {
    Statement count =
        m_db.prepare("SELECT COUNT(*) FROM sqs_messages WHERE queue = ? AND sent_ms < ?");
    count.bind(1, queue).bind(2, sentBeforeMs);
    const long long n = count.step() ? count.integer(0) : 0;
    if (n > 0)
        m_db.prepare("DELETE FROM sqs_messages WHERE queue = ? AND sent_ms < ?")
            .bind(1, queue)
            .bind(2, sentBeforeMs)
            .run();
    m_db.prepare("DELETE FROM sqs_deduplication WHERE queue = ? AND sent_ms < ?")
        .bind(1, queue)
        .bind(2, sentBeforeMs)
        .run();
    return n;
}

QueueCounts QueueStore::counts(const std::string &queue, long long nowMs) {
    Statement row = m_db.prepare(
        "SELECT SUM(visible_ms <= ?), SUM(visible_ms > ? AND receive_count > 0), "
        "SUM(visible_ms > ? AND receive_count = 0) FROM sqs_messages WHERE queue = ?");
    row.bind(1, nowMs).bind(2, nowMs).bind(3, nowMs).bind(4, queue);
    QueueCounts c;
    if (row.step() && !row.isNull(0)) {
        c.visible = row.integer(0);
        c.inFlight = row.integer(1);
        c.delayed = row.integer(2);
    }
    return c;
}

std::optional<long long> QueueStore::nextVisibleMs(const std::string &queue, long long nowMs) {
    Statement row =
        m_db.prepare("SELECT MIN(visible_ms) FROM sqs_messages WHERE queue = ? AND visible_ms > ?");
    row.bind(1, queue).bind(2, nowMs);
    if (!row.step() || row.isNull(0))
        return std::nullopt;
    return row.integer(0);
}

bool QueueStore::groupInFlight(const std::string &queue, const std::string &group,
                               long long nowMs) {
    Statement row = m_db.prepare("SELECT 1 FROM sqs_messages WHERE queue = ? AND group_id = ? "
                                 "AND receive_count > 0 AND visible_ms > ? LIMIT 1");
    row.bind(1, queue).bind(2, group).bind(3, nowMs);
    return row.step();
}

bool QueueStore::duplicate(const std::string &queue, const std::string &deduplicationId,
                           long long sinceMs, std::string &messageId) {
    Statement row = m_db.prepare("SELECT message_id FROM sqs_deduplication WHERE queue = ? AND "
                                 "dedup_id = ? AND sent_ms >= ?");
    row.bind(1, queue).bind(2, deduplicationId).bind(3, sinceMs);
    if (!row.step())
        return false;
    messageId = row.text(0);
    return true;
}

} // namespace nimbus::sim
