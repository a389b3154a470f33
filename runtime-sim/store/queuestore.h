#pragma once

#include "database.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// A queue of the local SQS: its settable attributes and tags (JSON objects of strings).
struct QueueRecord {
    std::string name;
    std::string attributes = "{}";
    std::string tags = "{}";
    long long createdMs = 0;
    long long modifiedMs = 0;
};

// A message in a queue. Never received: delayed while visibleMs is ahead. Received: in
// flight (invisible) until visibleMs, under its latest receipt handle.
struct QueueMessage {
    long long id = 0;
    std::string queue;
    std::string messageId;
    std::string body;
    std::string attributes = "{}";       // MessageAttributes, as the JSON protocol writes them
    std::string systemAttributes = "{}"; // MessageSystemAttributes (AWSTraceHeader)
    std::string md5OfBody;
    std::string md5OfAttributes;
    long long sentMs = 0;
    long long visibleMs = 0;
    int receiveCount = 0;
    long long firstReceiveMs = 0; // 0 until received
    std::string receipt;
    std::string groupId;      // FIFO queues
    std::string deduplicationId;
    std::string deadLetterSource; // the queue's ARN it was moved from, if it was
};

struct QueueCounts {
    long long visible = 0;
    long long inFlight = 0;
    long long delayed = 0;
};

// The local SQS's queues and messages in SQLite: a message sent is on disk before the sender
// hears so, and stays until deleted, expired or purged, across restarts and kill -9.
// Methods throw StoreError.
class QueueStore {
public:
    explicit QueueStore(Database &db)
        : m_db(db) {}
    void migrate();

    std::optional<QueueRecord> queue(const std::string &name);
    std::vector<QueueRecord> queues();
    void putQueue(const QueueRecord &queue); // creates or replaces
    void deleteQueue(const std::string &name); // and its messages

    long long add(const QueueMessage &message); // returns its id
    std::optional<QueueMessage> message(long long id);
    // Messages visible at `nowMs`, oldest first.
    std::vector<QueueMessage> visible(const std::string &queue, long long nowMs, int limit);
    // Records a receipt: the new handle, when it becomes visible again, the count.
    void received(const QueueMessage &message);
    void setVisibleMs(long long id, long long visibleMs);
    bool remove(long long id);
    void move(long long id, const std::string &toQueue, const std::string &sourceArn);
    long long purge(const std::string &queue);
    long long expire(const std::string &queue, long long sentBeforeMs);
    QueueCounts counts(const std::string &queue, long long nowMs);
    // The earliest moment after `nowMs` a message of the queue becomes visible.
    std::optional<long long> nextVisibleMs(const std::string &queue, long long nowMs);
    // FIFO: whether a message of the group is in flight; whether a deduplication id was
    // used since `sinceMs`.
    bool groupInFlight(const std::string &queue, const std::string &group, long long nowMs);
    bool duplicate(const std::string &queue, const std::string &deduplicationId, long long sinceMs,
                   std::string &messageId);

private:
    Database &m_db;
};

} // namespace nimbus::sim
