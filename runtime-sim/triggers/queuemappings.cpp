#include "queuemappings.h"

#include "manifestresources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace nimbus::sim {

using json = nlohmann::json;

namespace {

constexpr const char *kQueueType = "AWS::SQS::Queue";

// An AWS::SQS::Queue's properties as SQS attributes (RedrivePolicy's target resolved to
// the dead-letter queue's name, which is added to `related`).
std::map<std::string, std::string>
queueAttributes(const manifest::Manifest &manifest, const json &properties,
                std::map<std::string, std::map<std::string, std::string>> &related, int depth = 0) {
    std::map<std::string, std::string> out;
    for (const char *name : {"VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod",
                             "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "FifoQueue",
                             "ContentBasedDeduplication"}) {
        if (!properties.contains(name))
            continue;
        const json &v = properties[name];
        if (v.is_string())
            out[name] = v.get<std::string>();
        else if (v.is_boolean())
            out[name] = v.get<bool>() ? "true" : "false";
        else if (v.is_number_integer())
            out[name] = std::to_string(v.get<long long>());
    }
    if (properties.contains("RedrivePolicy") && properties["RedrivePolicy"].is_object()) {
        const json &policy = properties["RedrivePolicy"];
        const json target = policy.contains("deadLetterTargetArn") ? policy["deadLetterTargetArn"] : json();
        std::string logical;
        const std::string dlq = referencedName(manifest, target, kQueueType, "QueueName", &logical);
        int maxReceive = 0;
        if (policy.contains("maxReceiveCount")) {
            const json &m = policy["maxReceiveCount"];
            maxReceive = m.is_number_integer() ? m.get<int>()
                         : m.is_string()       ? std::atoi(m.get<std::string>().c_str())
                                               : 0;
        }
        if (!dlq.empty() && maxReceive > 0) {
            if (!related.count(dlq)) {
                related[dlq] = {};
                if (!logical.empty() && depth < 3)
                    if (auto p = cloudFormationResource(manifest, logical, kQueueType))
                        related[dlq] = queueAttributes(manifest, *p, related, depth + 1);
            }
            out["RedrivePolicy"] =
                json{{"deadLetterTargetArn", "arn:aws:sqs:" + manifest.provider.region +
                                                 ":000000000000:" + dlq},
                     {"maxReceiveCount", maxReceive}}
                    .dump();
        }
    }
    return out;
}

} // namespace

std::vector<QueueMapping> queueMappingsOf(const manifest::Manifest &manifest) {
    std::vector<QueueMapping> out;
    for (const auto &function : manifest.functions) {
        for (const auto &event : function.events) {
            if (event.type != "sqs")
                continue;
            const json settings = yamlToJson(event.settings);
            const json reference = settings.is_object() && settings.contains("arn")
                                       ? settings["arn"]
                                       : settings;
            QueueMapping m;
            m.function = function.name;
            std::string logical;
            m.queue = referencedName(manifest, reference, kQueueType, "QueueName", &logical);
            if (m.queue.empty())
                continue;
            if (settings.is_object()) {
                auto integer = [&](const char *key, int fallback) {
                    const json &v = settings.contains(key) ? settings[key] : json();
                    return v.is_number_integer() ? v.get<int>() : fallback;
                };
                m.batchSize = std::max(1, integer("batchSize", 10));
                m.batchingWindowSeconds = std::max(0, integer("maximumBatchingWindow", 0));
                m.maximumConcurrency = std::max(1, integer("maximumConcurrency", 5));
                if (settings.contains("enabled") && settings["enabled"].is_boolean())
                    m.enabled = settings["enabled"].get<bool>();
                m.reportBatchItemFailures =
                    settings.value("functionResponseType", "") == "ReportBatchItemFailures";
            }
            if (function.reservedConcurrency && *function.reservedConcurrency > 0)
                m.maximumConcurrency = std::min(m.maximumConcurrency, *function.reservedConcurrency);
            if (!logical.empty())
                if (auto properties = cloudFormationResource(manifest, logical, kQueueType))
                    m.queueAttributes = queueAttributes(manifest, *properties, m.relatedQueues);
            out.push_back(std::move(m));
        }
    }
    return out;
}

std::string sqsEventPayload(const std::vector<QueueMessage> &messages, const std::string &queueArn,
                            const std::string &region) {
    json records = json::array();
    for (const auto &m : messages) {
        json attributes = {{"ApproximateReceiveCount", std::to_string(m.receiveCount)},
                           {"SentTimestamp", std::to_string(m.sentMs)},
                           {"SenderId", "000000000000"},
                           {"ApproximateFirstReceiveTimestamp", std::to_string(m.firstReceiveMs)}};
        if (!m.groupId.empty()) {
            attributes["MessageGroupId"] = m.groupId;
            attributes["MessageDeduplicationId"] = m.deduplicationId;
            attributes["SequenceNumber"] = std::to_string(10000000000000000000ULL / 100 + m.id);
        }
        const json system = json::parse(m.systemAttributes, nullptr, false);
        if (system.is_object() && system.contains("AWSTraceHeader"))
            attributes["AWSTraceHeader"] = system["AWSTraceHeader"].value("StringValue", "");
        json messageAttributes = json::object();
        const json given = json::parse(m.attributes, nullptr, false);
        if (given.is_object())
            for (const auto &[name, value] : given.items()) {
                json a = {{"stringListValues", json::array()},
                          {"binaryListValues", json::array()},
                          {"dataType", value.value("DataType", "String")}};
                if (value.contains("StringValue"))
                    a["stringValue"] = value["StringValue"];
                if (value.contains("BinaryValue"))
                    a["binaryValue"] = value["BinaryValue"];
                messageAttributes[name] = a;
            }
        records.push_back({{"messageId", m.messageId},
                           {"receiptHandle", m.receipt},
                           {"body", m.body},
                           {"attributes", attributes},
                           {"messageAttributes", messageAttributes},
                           {"md5OfBody", m.md5OfBody},
                           {"md5OfMessageAttributes",
                            m.md5OfAttributes.empty() ? json(nullptr) : json(m.md5OfAttributes)},
                           {"eventSource", "aws:sqs"},
                           {"eventSourceARN", queueArn},
                           {"awsRegion", region}});
    }
    return json{{"Records", records}}.dump();
}

std::optional<std::vector<std::string>> batchItemFailures(const std::string &response,
                                                          const std::vector<QueueMessage> &batch) {
    std::vector<std::string> failed;
    const json answer = json::parse(response.empty() ? "null" : response, nullptr, false);
    // Nothing, an empty object or an empty list: all succeeded.
    if (answer.is_null() || answer.is_discarded() || !answer.is_object() ||
        !answer.contains("batchItemFailures") || answer["batchItemFailures"].is_null())
        return failed;
    const json &list = answer["batchItemFailures"];
    if (!list.is_array())
        return std::nullopt;
    for (const auto &item : list) {
        const json id = item.is_object() && item.contains("itemIdentifier") ? item["itemIdentifier"]
                                                                            : json();
        if (!id.is_string() || id.get<std::string>().empty())
            return std::nullopt;
        const std::string text = id.get<std::string>();
        if (std::none_of(batch.begin(), batch.end(),
                         [&](const QueueMessage &m) { return m.messageId == text; }))
            return std::nullopt;
        failed.push_back(text);
    }
    return failed;
}

} // namespace nimbus::sim
