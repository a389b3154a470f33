#include "queuemappings.h"

#include "../pool/runtimelauncher.h"
#include "manifestresources.h"
#include "nimbus/net/textformat.h"

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

// An SCF cmq trigger's mapping: the topic (parameters.name, a template's Properties.Name,
// else the trigger's name) is the local queue it reads, a message at a time.
std::optional<QueueMapping> cmqMapping(const manifest::Function &function,
                                       const manifest::Event &event) {
    const json settings = yamlToJson(event.settings);
    auto text = [&](const char *key) {
        return settings.is_object() && settings.contains(key) && settings[key].is_string()
                   ? settings[key].get<std::string>()
                   : std::string();
    };
    QueueMapping m;
    m.function = function.name;
    m.queue = text("name");
    if (m.queue.empty())
        m.queue = text("Name");
    if (m.queue.empty())
        m.queue = event.name;
    if (m.queue.empty())
        return std::nullopt;
    m.batchSize = 1;
    m.enabled = event.enabled;
    m.maximumConcurrency = function.reservedConcurrency && *function.reservedConcurrency > 0
                               ? std::min(5, *function.reservedConcurrency)
                               : 5;
    QueueMapping::Cmq cmq;
    cmq.subscription = event.name.empty() ? m.queue : event.name;
    cmq.appId = RuntimeLauncher::kScfLocalAppId; // the local account SCF's context names
    const json type = settings.is_object() ? settings.value("filterType", json()) : json();
    if (type == 1 || type == "1")
        for (const auto &key : settings.value("filterKey", json::array()))
            if (key.is_string())
                cmq.tags.push_back(key.get<std::string>());
    m.cmq = std::move(cmq);
    return m;
}

// A message's CMQ tags: its msgTag attribute, comma-separated.
std::vector<std::string> cmqTags(const QueueMessage &message) {
    std::vector<std::string> tags;
    const json given = json::parse(message.attributes, nullptr, false);
    if (!given.is_object() || !given.contains("msgTag") || !given["msgTag"].is_object())
        return tags;
    const std::string list = given["msgTag"].value("StringValue", "");
    for (std::size_t at = 0; at <= list.size();) {
        const auto comma = std::min(list.find(',', at), list.size());
        if (comma > at)
            tags.push_back(list.substr(at, comma - at));
        at = comma + 1;
    }
    return tags;
}

} // namespace

std::string cmqEventPayload(const QueueMessage &message, const QueueMapping &mapping) {
    const QueueMapping::Cmq cmq = mapping.cmq.value_or(QueueMapping::Cmq{});
    std::string tags;
    for (const auto &tag : cmqTags(message))
        tags += (tags.empty() ? "" : ",") + tag;
    const json record = {{"type", "topic"},
                         {"topicOwner", std::atoll(cmq.appId.c_str())},
                         {"topicName", mapping.queue},
                         {"subscriptionName", cmq.subscription},
                         {"publishTime", net::isoMillis(message.sentMs)},
                         {"msgId", message.messageId},
                         {"requestId", message.messageId},
                         {"msgBody", message.body},
                         {"msgTag", tags}};
    return json{{"Records", json::array({json{{"CMQ", record}}})}}.dump();
}

bool cmqTakes(const QueueMapping &mapping, const QueueMessage &message) {
    if (!mapping.cmq || mapping.cmq->tags.empty())
        return true;
    const auto tags = cmqTags(message);
    return std::any_of(tags.begin(), tags.end(), [&](const std::string &tag) {
        return std::find(mapping.cmq->tags.begin(), mapping.cmq->tags.end(), tag) !=
               mapping.cmq->tags.end();
    });
}

std::vector<QueueMapping> queueMappingsOf(const manifest::Manifest &manifest) {
    std::vector<QueueMapping> out;
    for (const auto &function : manifest.functions) {
        for (const auto &event : function.events) {
            if (event.type == "cmq") {
                if (auto m = cmqMapping(function, event))
                    out.push_back(std::move(*m));
                continue;
            }
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
