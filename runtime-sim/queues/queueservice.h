#pragma once

#include "../store/queuestore.h"
#include "sqsprotocol.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// The local SQS: queues and their messages (durable, in the control plane's store) behind
// the SQS API, with SQS's rules: visibility timeouts and receipt handles, delays, long
// polling, retention, redrive to a dead-letter queue after maxReceiveCount receipts, and
// FIFO queues' groups and deduplication. Event source mappings receive through it too.
class QueueService {
public:
    using Json = nlohmann::json;
    // The answer to a call: its result, or the error.
    using Done = std::function<void(Json result, std::optional<sqs::Error> error)>;
    using Received = std::function<void(std::vector<QueueMessage> messages)>;

    QueueService(boost::asio::io_context &io, Database &db, std::string region,
                 std::string account);
    ~QueueService();
    void migrate(); // throws StoreError

    // One API call; `endpoint` (http://host:port, as the client reached us) makes queue
    // URLs. A ReceiveMessage with WaitTimeSeconds answers when messages come or time is up.
    void call(const sqs::Call &call, const std::string &endpoint, Done done);

    // A queue a manifest names: created with `attributes` when missing (an existing queue
    // keeps what it has). Throws sqs::Error or StoreError.
    void ensure(const std::string &name, const std::map<std::string, std::string> &attributes);
    bool exists(const std::string &name);

    // Receives up to `max` messages of a queue for an event source mapping (any number, not
    // SQS's 10), waiting up to `wait` for the first; `received` hears once (empty when time
    // ran out or the service stopped). The returned handle cancels the wait when dropped.
    std::shared_ptr<void> receive(const std::string &queue, int max,
                                  std::chrono::milliseconds wait, Received received);
    // Deletes received messages by receipt handle (stale handles are ignored, as SQS does).
    void remove(const std::string &queue, const std::vector<std::string> &receipts);
    // The queue's visibility timeout in seconds (30 for an unknown queue).
    int visibilityTimeout(const std::string &queue);

    std::string arn(const std::string &queue) const;
    QueueCounts counts(const std::string &queue);
    // Every queue with its counts, for the simulator's snapshot.
    Json describe();
    void shutdown(); // long polls answer now (empty)

private:
    struct Waiter;
    struct Settings; // a queue's attributes, parsed
    Settings settings(const QueueRecord &queue) const;
    QueueRecord requireQueue(const Json &params);
    std::string queueUrl(const std::string &endpoint, const std::string &name) const;
    // Takes visible messages (moving those past maxReceiveCount to the dead-letter queue).
    std::vector<QueueMessage> take(const std::string &queue, int max,
                                   std::optional<int> visibilitySeconds);
    void wake(const std::string &queue);
    void arm(const std::shared_ptr<Waiter> &waiter);
    void finish(const std::shared_ptr<Waiter> &waiter, std::vector<QueueMessage> messages);

    Json createQueue(const Json &params, const std::string &endpoint);
    Json sendMessage(const QueueRecord &queue, const Json &entry);
    Json messageJson(const QueueMessage &message, const Json &params) const;
    std::optional<QueueMessage> byReceipt(const QueueRecord &queue, const std::string &receipt);
    Json getAttributes(const QueueRecord &queue, const Json &params);
    Json setAttributes(QueueRecord queue, const Json &attributes, bool creating);

    boost::asio::io_context &m_io;
    Database &m_db;
    QueueStore m_store;
    std::string m_region;
    std::string m_account;
    std::list<std::shared_ptr<Waiter>> m_waiters;
    bool m_stopped = false;
};

} // namespace nimbus::sim
