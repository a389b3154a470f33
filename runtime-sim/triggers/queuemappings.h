#pragma once

#include "../store/queuestore.h"
#include "nimbus/manifest/manifest.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// An event source mapping a manifest's `sqs` event makes: the queue it reads and how it
// hands batches to the function.
struct QueueMapping {
    std::string function; // manifest name
    std::string queue;    // the queue's name
    int batchSize = 10;
    int batchingWindowSeconds = 0;
    bool enabled = true;
    bool reportBatchItemFailures = false;
    int maximumConcurrency = 5; // batches at once (Lambda starts five pollers)
    // The queue's attributes when the manifest defines it (resources.Resources, an
    // AWS::SQS::Queue): VisibilityTimeout, RedrivePolicy, ... as SQS takes them.
    std::map<std::string, std::string> queueAttributes;
    // Queues those attributes refer to (a redrive policy's dead-letter queue) with theirs.
    std::map<std::string, std::map<std::string, std::string>> relatedQueues;
    // An SCF cmq trigger: the local queue named by its CMQ topic stands for the topic, and
    // each message goes to the function alone, in CMQ's topic event.
    struct Cmq {
        std::string subscription;      // the trigger's name
        std::string appId;             // the topic's owner
        std::vector<std::string> tags; // filterType 1: a message must carry one of them
        bool operator==(const Cmq &) const = default;
    };
    std::optional<Cmq> cmq;

    bool operator==(const QueueMapping &other) const {
        return function == other.function && queue == other.queue && batchSize == other.batchSize &&
               batchingWindowSeconds == other.batchingWindowSeconds && enabled == other.enabled &&
               reportBatchItemFailures == other.reportBatchItemFailures &&
               maximumConcurrency == other.maximumConcurrency && cmq == other.cmq;
    }
};

// The mappings of a manifest's sqs events (those whose queue cannot be known locally are
// left out: validation reports them).
std::vector<QueueMapping> queueMappingsOf(const manifest::Manifest &manifest);

// What Lambda sends a function for a batch: {"Records": [...]} in SQS's event shape.
std::string sqsEventPayload(const std::vector<QueueMessage> &messages, const std::string &queueArn,
                            const std::string &region);

// What SCF sends a function for a CMQ topic's message: {"Records": [{"CMQ": {"type":
// "topic", topicName, subscriptionName, msgBody, msgTag, ...}}]}. The message's tags are its
// `msgTag` attribute (comma-separated), as a CMQ publisher sets them.
std::string cmqEventPayload(const QueueMessage &message, const QueueMapping &mapping);

// Whether a cmq trigger's tag filter lets the message through.
bool cmqTakes(const QueueMapping &mapping, const QueueMessage &message);

// Which messages of a batch the function reported as failed ({"batchItemFailures":
// [{"itemIdentifier": id}]}); nullopt when the answer is not a valid report, which fails the
// whole batch, as Lambda does.
std::optional<std::vector<std::string>> batchItemFailures(const std::string &response,
                                                          const std::vector<QueueMessage> &batch);

} // namespace nimbus::sim
