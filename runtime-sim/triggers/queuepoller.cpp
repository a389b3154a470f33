#include "queuepoller.h"

#include <algorithm>

namespace nimbus::sim {

struct QueuePoller::Entry {
    State state;
    bool receiving = false;
    bool stopped = false;
    std::shared_ptr<void> wait; // the receive under way (dropping it withdraws it)
};

QueuePoller::QueuePoller(boost::asio::io_context &io, QueueService &queues, std::string region,
                         Invoke invoke)
    : m_io(io)
    , m_queues(queues)
    , m_region(std::move(region))
    , m_invoke(std::move(invoke)) {}

QueuePoller::~QueuePoller() {
    stop();
}

void QueuePoller::stop() {
    m_stopped = true;
    for (auto &entry : m_entries) {
        entry->stopped = true;
        entry->wait.reset();
    }
    m_entries.clear();
}

void QueuePoller::set(std::vector<QueueMapping> mappings) {
    if (m_stopped)
        return;
    std::vector<std::shared_ptr<Entry>> next;
    for (auto &mapping : mappings) {
        // The dead-letter queues first: a redrive policy must name an existing queue.
        try {
            for (const auto &[name, attributes] : mapping.relatedQueues)
                m_queues.ensure(name, attributes);
            m_queues.ensure(mapping.queue, mapping.queueAttributes);
        } catch (const sqs::Error &e) {
            State failed;
            failed.mapping = mapping;
            failed.lastResult = "the queue cannot be created: " + e.message;
            auto entry = std::make_shared<Entry>();
            entry->state = failed;
            entry->stopped = true;
            next.push_back(entry);
            continue;
        } catch (const std::exception &e) {
            auto entry = std::make_shared<Entry>();
            entry->state.mapping = mapping;
            entry->state.lastResult = std::string("the queue cannot be created: ") + e.what();
            entry->stopped = true;
            next.push_back(entry);
            continue;
        }
        auto same = std::find_if(m_entries.begin(), m_entries.end(), [&](const auto &e) {
            return !e->stopped && e->state.mapping == mapping;
        });
        if (same != m_entries.end()) {
            next.push_back(*same);
            m_entries.erase(same);
            continue;
        }
        auto entry = std::make_shared<Entry>();
        entry->state.mapping = std::move(mapping);
        next.push_back(entry);
    }
    for (auto &gone : m_entries) {
        gone->stopped = true;
        gone->wait.reset();
    }
    m_entries = std::move(next);
    for (auto &entry : m_entries)
        if (!entry->stopped && entry->state.mapping.enabled)
            poll(entry);
}

std::vector<QueuePoller::State> QueuePoller::states() const {
    std::vector<State> out;
    for (const auto &entry : m_entries)
        out.push_back(entry->state);
    return out;
}

void QueuePoller::poll(const std::shared_ptr<Entry> &entry) {
    const auto &mapping = entry->state.mapping;
    if (entry->stopped || entry->receiving ||
        entry->state.batchesInFlight >= mapping.maximumConcurrency)
        return;
    entry->receiving = true;
    entry->wait = m_queues.receive(
        mapping.queue, mapping.batchSize, std::chrono::seconds(20),
        [this, weak = std::weak_ptr<Entry>(entry)](std::vector<QueueMessage> messages) {
            auto self = weak.lock();
            if (!self || self->stopped)
                return; // (what it took comes back after the visibility timeout)
            self->wait.reset();
            if (messages.empty()) {
                self->receiving = false;
                poll(self);
                return;
            }
            const auto window = std::chrono::seconds(self->state.mapping.batchingWindowSeconds);
            gather(self, std::move(messages), std::chrono::steady_clock::now() + window);
        });
}

void QueuePoller::gather(const std::shared_ptr<Entry> &entry, std::vector<QueueMessage> batch,
                         std::chrono::steady_clock::time_point until) {
    const int missing = entry->state.mapping.batchSize - static_cast<int>(batch.size());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (missing <= 0 || left.count() <= 0) {
        entry->receiving = false;
        deliver(entry, std::move(batch));
        poll(entry);
        return;
    }
    entry->wait = m_queues.receive(
        entry->state.mapping.queue, missing, left,
        [this, weak = std::weak_ptr<Entry>(entry), batch = std::move(batch),
         until](std::vector<QueueMessage> more) mutable {
            auto self = weak.lock();
            if (!self || self->stopped)
                return;
            self->wait.reset();
            for (auto &m : more)
                batch.push_back(std::move(m));
            // Nothing more came: the window is over.
            gather(self, std::move(batch),
                   more.empty() ? std::chrono::steady_clock::now() : until);
        });
}

void QueuePoller::deliver(const std::shared_ptr<Entry> &entry, std::vector<QueueMessage> batch) {
    const QueueMapping &mapping = entry->state.mapping;
    if (mapping.cmq) {
        // A CMQ subscription with a tag filter never sees the messages it leaves out.
        std::vector<std::string> skipped;
        std::erase_if(batch, [&](const QueueMessage &m) {
            if (cmqTakes(mapping, m))
                return false;
            skipped.push_back(m.receipt);
            return true;
        });
        if (!skipped.empty()) {
            m_queues.remove(mapping.queue, skipped);
            entry->state.lastResult = std::to_string(skipped.size()) +
                                      " message(s) without the trigger's tags were dropped";
        }
        if (batch.empty())
            return;
    }
    ++entry->state.batchesInFlight;
    ++entry->state.batches;
    std::string payload = mapping.cmq
                              ? cmqEventPayload(batch.front(), mapping)
                              : sqsEventPayload(batch, m_queues.arn(mapping.queue), m_region);
    // What succeeded is deleted even when the mapping changed meanwhile (a reload).
    m_invoke(mapping, std::move(payload),
             [this, alive = std::weak_ptr<int>(m_alive), weak = std::weak_ptr<Entry>(entry),
              queue = mapping.queue, report = mapping.reportBatchItemFailures,
              batch = std::move(batch)](InvocationResult result) {
                 if (!alive.lock())
                     return;
                 auto self = weak.lock();
                 std::vector<std::string> done;
                 std::string outcome = "OK";
                 if (result.throttled) {
                     outcome = "throttled: the batch comes back after the visibility timeout";
                 } else if (result.functionError) {
                     outcome = "the function failed (" + result.errorType +
                               "): the batch comes back after the visibility timeout";
                 } else if (!report) {
                     for (const auto &m : batch)
                         done.push_back(m.receipt);
                 } else if (auto failed = batchItemFailures(result.payload, batch)) {
                     for (const auto &m : batch)
                         if (std::find(failed->begin(), failed->end(), m.messageId) ==
                             failed->end())
                             done.push_back(m.receipt);
                     if (!failed->empty())
                         outcome = std::to_string(failed->size()) + " of " +
                                   std::to_string(batch.size()) + " messages reported failed";
                 } else {
                     outcome = "the batchItemFailures answer is not valid: the whole batch "
                               "comes back";
                 }
                 if (!done.empty())
                     m_queues.remove(queue, done);
                 if (!self)
                     return;
                 --self->state.batchesInFlight;
                 self->state.lastResult = outcome;
                 self->state.deleted += static_cast<long long>(done.size());
                 self->state.failed += static_cast<long long>(batch.size() - done.size());
                 if (!self->stopped)
                     poll(self);
             });
}

} // namespace nimbus::sim
