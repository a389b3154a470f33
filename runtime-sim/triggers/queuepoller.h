#pragma once

#include "../pool/invocation.h"
#include "../queues/queueservice.h"
#include "queuemappings.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nimbus::sim {

// Runs the event source mappings of sqs events: each reads its queue (long polling),
// gathers a batch (up to batchSize, waiting up to maximumBatchingWindow), invokes the
// function synchronously with it, and deletes what succeeded: the whole batch, or all but
// the messages a ReportBatchItemFailures answer names. A failed batch stays in the queue:
// its messages come back after the visibility timeout, and the queue's redrive policy moves
// them to the dead-letter queue after maxReceiveCount receipts. Up to maximumConcurrency
// batches run at once.
class QueuePoller {
public:
    // Runs one batch for the mapping's function: the answer comes back through `done`.
    using Invoke = std::function<void(const QueueMapping &mapping, std::string payload,
                                      InvocationCallback done)>;

    struct State {
        QueueMapping mapping;
        int batchesInFlight = 0;
        long long batches = 0;   // delivered since start
        long long deleted = 0;   // messages that succeeded
        long long failed = 0;    // messages left for another try
        std::string lastResult;  // "OK", or what went wrong last
    };

    QueuePoller(boost::asio::io_context &io, QueueService &queues, std::string region,
                Invoke invoke);
    ~QueuePoller();

    // The mappings to run; the queues they read (and their dead-letter queues) are created
    // when missing. A mapping that did not change keeps running.
    void set(std::vector<QueueMapping> mappings);
    std::vector<State> states() const;
    void stop();

private:
    struct Entry;
    void poll(const std::shared_ptr<Entry> &entry);
    void gather(const std::shared_ptr<Entry> &entry, std::vector<QueueMessage> batch,
                std::chrono::steady_clock::time_point until);
    void deliver(const std::shared_ptr<Entry> &entry, std::vector<QueueMessage> batch);

    boost::asio::io_context &m_io;
    QueueService &m_queues;
    std::string m_region;
    Invoke m_invoke;
    std::vector<std::shared_ptr<Entry>> m_entries;
    bool m_stopped = false;
    std::shared_ptr<int> m_alive = std::make_shared<int>(0); // for answers that come late
};

} // namespace nimbus::sim
