#pragma once

#include "database.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// An asynchronous invocation waiting for its (next) attempt.
struct QueuedEvent {
    long long id = 0;
    std::string requestId;
    std::string function;  // as the caller named it
    std::string qualifier; // empty, a version or an alias
    std::string payload;
    int attempts = 0;           // attempts made so far
    long long nextAttemptMs = 0; // epoch ms
    std::string lastError;
    long long createdMs = 0;
    // The trace it continues, as an X-Amzn-Trace-Id value whose Parent is the Invoke call's
    // span ("" for none).
    std::string trace;
    // What sent it: "async" (an Invoke call with InvocationType Event), "schedule", ...
    std::string trigger = "async";
};

// An event that failed every attempt, in the dead-letter queue it was sent to.
struct DeadLetter {
    long long id = 0;
    std::string queue;
    std::string function;
    std::string requestId;
    std::string payload;
    std::string error;
    int attempts = 0;
    long long createdMs = 0;
};

// The durable queue of asynchronous invocations and the dead-letter queues, in SQLite: an
// event accepted (202) is on disk before the caller hears so, and stays until it succeeds
// or is dead-lettered, across restarts and kill -9. Methods throw StoreError.
class EventQueue {
public:
    explicit EventQueue(Database &db)
        : m_db(db) {}
    void migrate();

    long long enqueue(QueuedEvent event); // returns its id
    // Events whose time has come, oldest first.
    std::vector<QueuedEvent> due(long long nowMs, int limit);
    std::optional<long long> nextDueMs();
    std::size_t size();
    void reschedule(long long id, int attempts, long long nextAttemptMs, const std::string &error);
    void remove(long long id);
    // Moves an event to a dead-letter queue, in one transaction.
    void deadLetter(const QueuedEvent &event, const std::string &queue, const std::string &error);

    // Dead letters, oldest first; empty filters match all.
    std::vector<DeadLetter> deadLetters(const std::string &queue, const std::string &function,
                                        int limit);
    void deleteDeadLetter(long long id);

private:
    Database &m_db;
};

} // namespace nimbus::sim
