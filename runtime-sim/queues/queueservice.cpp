#include "queueservice.h"

#include "../simulator/wallclock.h"
#include "nimbus/net/base64.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <random>
#include <set>

namespace nimbus::sim {

using json = nlohmann::json;

namespace {

std::string randomHex(std::size_t bytes) {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto byte = static_cast<unsigned>(generator() & 0xFF);
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0xF]);
    }
    return out;
}

std::string newMessageId() {
    std::string hex = randomHex(16);
    hex[12] = '4';
    hex[16] = "89ab"[hex[16] % 4];
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

// A receipt handle: opaque to clients; to us, the queue, the message and a nonce.
std::string makeReceipt(const std::string &queue, long long id) {
    return net::base64Encode(queue + "\n" + std::to_string(id) + "\n" + randomHex(24));
}

bool parseReceipt(const std::string &receipt, std::string &queue, long long &id) {
    const auto raw = net::base64Decode(receipt);
    if (!raw)
        return false;
    const auto first = raw->find('\n');
    const auto second = first == std::string::npos ? first : raw->find('\n', first + 1);
    if (second == std::string::npos)
        return false;
    queue = raw->substr(0, first);
    try {
        id = std::stoll(raw->substr(first + 1, second - first - 1));
    } catch (const std::exception &) {
        return false;
    }
    return true;
}

sqs::Error makeError(const std::string &type, const std::string &code, const std::string &message) {
    sqs::Error e;
    e.type = type;
    e.queryCode = code;
    e.message = message;
    return e;
}

std::string text(const json &params, const std::string &name) {
    if (!params.is_object() || !params.contains(name) || params[name].is_null())
        return {};
    if (!params[name].is_string())
        throw sqs::invalidParameter("Value for parameter " + name + " must be a string.");
    return params[name].get<std::string>();
}

std::string required(const json &params, const std::string &name) {
    std::string value = text(params, name);
    if (value.empty())
        throw sqs::missingParameter(name);
    return value;
}

// What a settable attribute may hold: its range, when it is a number.
struct AttributeRule {
    const char *name;
    long long min, max;
    const char *defaultValue; // shown by GetQueueAttributes when never set ("" not shown)
};
constexpr AttributeRule kRules[] = {
    {"DelaySeconds", 0, 900, "0"},
    {"MaximumMessageSize", 1024, 262144, "262144"},
    {"MessageRetentionPeriod", 60, 1209600, "345600"},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, "0"},
    {"VisibilityTimeout", 0, 43200, "30"},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400, ""},
};
const std::set<std::string> kTextAttributes{
    "Policy",          "RedrivePolicy",          "RedriveAllowPolicy", "KmsMasterKeyId",
    "SqsManagedSseEnabled", "FifoQueue",          "ContentBasedDeduplication",
    "DeduplicationScope", "FifoThroughputLimit"};
const std::set<std::string> kComputedAttributes{
    "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp"};

bool validQueueName(const std::string &name) {
    std::string base = name;
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".fifo") == 0)
        base.resize(base.size() - 5);
    return !name.empty() && name.size() <= 80 &&
           std::all_of(base.begin(), base.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_';
           });
}

bool isFifoName(const std::string &name) {
    return name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
}

// The queue a URL, an ARN or a name designates: its last step.
std::string queueNameOf(const std::string &reference) {
    std::string name = reference;
    const auto query = name.find('?');
    if (query != std::string::npos)
        name.resize(query);
    while (!name.empty() && name.back() == '/')
        name.pop_back();
    const auto cut = name.find_last_of("/:");
    return cut == std::string::npos ? name : name.substr(cut + 1);
}

// The message attributes a receiver asked for: All, .*, a name, or a prefix ending ".*".
bool wanted(const json &names, const std::string &name) {
    if (!names.is_array())
        return false;
    for (const auto &n : names) {
        if (!n.is_string())
            continue;
        const auto &s = n.get_ref<const std::string &>();
        if (s == "All" || s == ".*" || s == name)
            return true;
        if (s.size() > 2 && s.compare(s.size() - 2, 2, ".*") == 0 &&
            name.rfind(s.substr(0, s.size() - 1), 0) == 0)
            return true;
    }
    return false;
}

void checkMessageAttributes(const json &attributes) {
    if (attributes.is_null())
        return;
    if (!attributes.is_object())
        throw sqs::invalidParameter("MessageAttributes must be a map of name to value.");
    if (attributes.size() > 10)
        throw sqs::invalidParameter("Number of message attributes [" +
                                    std::to_string(attributes.size()) +
                                    "] exceeds the allowed maximum [10].");
    for (const auto &[name, value] : attributes.items()) {
        if (name.empty() || name.size() > 256)
            throw sqs::invalidParameter("Message attribute name '" + name + "' is invalid.");
        const std::string type = value.is_object() ? value.value("DataType", "") : "";
        if (type.empty())
            throw sqs::invalidParameter("The message attribute '" + name +
                                        "' must contain a non-empty attribute type.");
        const std::string base = type.substr(0, type.find('.'));
        if (base != "String" && base != "Number" && base != "Binary")
            throw sqs::invalidParameter("The type of message attribute '" + name +
                                        "' is invalid. You must use only the following "
                                        "supported type prefixes: Binary, Number, String.");
        const bool binary = base == "Binary";
        const char *field = binary ? "BinaryValue" : "StringValue";
        if (!value.contains(field) || !value[field].is_string() ||
            value[field].get_ref<const std::string &>().empty())
            throw sqs::invalidParameter("The message attribute '" + name +
                                        "' must contain a non-empty message attribute value "
                                        "for message attribute type '" +
                                        type + "'.");
        if (binary && !net::base64Decode(value[field].get<std::string>()))
            throw sqs::invalidParameter("The binary value of message attribute '" + name +
                                        "' is not base64.");
    }
}

} // namespace

struct QueueService::Settings {
    int visibility = 30;
    int delay = 0;
    int waitSeconds = 0;
    long long maximumSize = 262144;
    long long retention = 345600;
    bool fifo = false;
    bool contentDeduplication = false;
    std::string deadLetterQueue; // from RedrivePolicy
    int maxReceiveCount = 0;
};

struct QueueService::Waiter {
    std::string queue;
    int max = 1;
    std::optional<int> visibility;
    std::chrono::steady_clock::time_point deadline;
    boost::asio::steady_timer timer;
    Received done;
    bool finished = false;
    explicit Waiter(boost::asio::io_context &io)
        : timer(io) {}
};

QueueService::QueueService(boost::asio::io_context &io, Database &db, std::string region,
                           std::string account)
    : m_io(io)
    , m_db(db)
    , m_store(db)
    , m_region(std::move(region))
    , m_account(std::move(account)) {}

QueueService::~QueueService() {
    shutdown();
}

void QueueService::migrate() {
    m_store.migrate();
}

void QueueService::shutdown() {
    m_stopped = true;
    auto waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto &waiter : waiters)
        finish(waiter, {});
}

std::string QueueService::arn(const std::string &queue) const {
    return "arn:aws:sqs:" + m_region + ":" + m_account + ":" + queue;
}

std::string QueueService::queueUrl(const std::string &endpoint, const std::string &name) const {
    return endpoint + "/" + m_account + "/" + name;
}

QueueService::Settings QueueService::settings(const QueueRecord &queue) const {
    Settings s;
    const json attributes = json::parse(queue.attributes, nullptr, false);
    if (!attributes.is_object())
        return s;
    auto number = [&](const char *name, long long fallback) {
        try {
            return attributes.contains(name) ? std::stoll(attributes[name].get<std::string>())
                                             : fallback;
        } catch (const std::exception &) {
            return fallback;
        }
    };
    s.visibility = static_cast<int>(number("VisibilityTimeout", 30));
    s.delay = static_cast<int>(number("DelaySeconds", 0));
    s.waitSeconds = static_cast<int>(number("ReceiveMessageWaitTimeSeconds", 0));
    s.maximumSize = number("MaximumMessageSize", 262144);
    s.retention = number("MessageRetentionPeriod", 345600);
    s.fifo = attributes.value("FifoQueue", "false") == "true";
    s.contentDeduplication = attributes.value("ContentBasedDeduplication", "false") == "true";
    const json redrive = json::parse(attributes.value("RedrivePolicy", "{}"), nullptr, false);
    if (redrive.is_object()) {
        if (redrive.contains("deadLetterTargetArn") && redrive["deadLetterTargetArn"].is_string())
            s.deadLetterQueue = queueNameOf(redrive["deadLetterTargetArn"].get<std::string>());
        const auto &count = redrive.contains("maxReceiveCount") ? redrive["maxReceiveCount"] : json();
        if (count.is_number_integer())
            s.maxReceiveCount = count.get<int>();
        else if (count.is_string())
            s.maxReceiveCount = std::atoi(count.get<std::string>().c_str());
    }
    return s;
}

QueueRecord QueueService::requireQueue(const Json &params) {
    const std::string url = required(params, "QueueUrl");
    const std::string name = queueNameOf(url);
    auto queue = m_store.queue(name);
    if (!queue)
        throw sqs::queueDoesNotExist(name);
    return *queue;
}

bool QueueService::exists(const std::string &name) {
    return m_store.queue(name).has_value();
}

void QueueService::ensure(const std::string &name,
                          const std::map<std::string, std::string> &attributes) {
    if (m_store.queue(name))
        return;
    if (!validQueueName(name))
        throw sqs::invalidParameter("Queue name '" + name +
                                    "' is invalid: up to 80 letters, digits, '-' and '_' (a "
                                    "FIFO queue's ends in .fifo).");
    QueueRecord record;
    record.name = name;
    record.createdMs = record.modifiedMs = nowMs();
    json given = json::object();
    for (const auto &[k, v] : attributes)
        given[k] = v;
    if (isFifoName(name))
        given["FifoQueue"] = "true";
    setAttributes(record, given, true);
}

json QueueService::setAttributes(QueueRecord queue, const Json &given, bool creating) {
    json attributes = json::parse(queue.attributes, nullptr, false);
    if (!attributes.is_object())
        attributes = json::object();
    if (!given.is_null() && !given.is_object())
        throw sqs::invalidParameter("Attributes must be a map of name to value.");
    const json changes = given.is_object() ? given : json::object();
    for (const auto &[name, value] : changes.items()) {
        const std::string v = value.is_string() ? value.get<std::string>() : value.dump();
        const auto rule = std::find_if(
            std::begin(kRules), std::end(kRules),
            [&attribute = name](const AttributeRule &r) { return attribute == r.name; });
        if (rule != std::end(kRules)) {
            long long n = 0;
            try {
                std::size_t used = 0;
                n = std::stoll(v, &used);
                if (used != v.size())
                    throw std::invalid_argument(v);
            } catch (const std::exception &) {
                n = rule->min - 1;
            }
            if (n < rule->min || n > rule->max)
                throw makeError("InvalidAttributeValue", "InvalidAttributeValue",
                                "Invalid value for the parameter " + name + ": '" + v +
                                    "' (from " + std::to_string(rule->min) + " to " +
                                    std::to_string(rule->max) + ").");
        } else if (kTextAttributes.count(name) == 0) {
            throw sqs::invalidAttributeName(name);
        }
        if (name == "FifoQueue" && !creating)
            throw makeError("InvalidAttributeName", "InvalidAttributeName",
                            "FifoQueue can only be set when the queue is created.");
        if (name == "FifoQueue" && v == "true" && !isFifoName(queue.name))
            throw makeError("InvalidParameterValue", "InvalidParameterValue",
                            "The name of a FIFO queue can only include alphanumeric "
                            "characters, hyphens, or underscores, must end with .fifo suffix "
                            "and be 1 to 80 in length.");
        if (name == "RedrivePolicy" && !v.empty()) {
            const json policy = json::parse(v, nullptr, false);
            if (!policy.is_object() || !policy.contains("deadLetterTargetArn") ||
                !policy.contains("maxReceiveCount"))
                throw makeError("InvalidParameterValue", "InvalidParameterValue",
                                "Value " + v +
                                    " for parameter RedrivePolicy is invalid. Reason: Redrive "
                                    "policy is not a valid JSON map with deadLetterTargetArn "
                                    "and maxReceiveCount.");
            const std::string target = queueNameOf(policy["deadLetterTargetArn"].is_string()
                                                       ? policy["deadLetterTargetArn"].get<std::string>()
                                                       : std::string());
            if (!m_store.queue(target))
                throw makeError("InvalidParameterValue", "InvalidParameterValue",
                                "Value " + v +
                                    " for parameter RedrivePolicy is invalid. Reason: Dead "
                                    "letter target does not exist.");
        }
        if (v.empty())
            attributes.erase(name);
        else
            attributes[name] = v;
    }
    if (creating && isFifoName(queue.name) && attributes.value("FifoQueue", "") != "true")
        throw makeError("InvalidParameterValue", "InvalidParameterValue",
                        "Can only include alphanumeric characters, hyphens, or underscores. 1 "
                        "to 80 in length (a queue whose name ends in .fifo must have the "
                        "attribute FifoQueue=true).");
    queue.attributes = attributes.dump();
    queue.modifiedMs = nowMs();
    m_store.putQueue(queue);
    return attributes;
}

json QueueService::createQueue(const Json &params, const std::string &endpoint) {
    const std::string name = required(params, "QueueName");
    if (!validQueueName(name))
        throw makeError("InvalidParameterValue", "InvalidParameterValue",
                        "Can only include alphanumeric characters, hyphens, or underscores. 1 "
                        "to 80 in length: '" + name + "'.");
    const json given = params.contains("Attributes") ? params["Attributes"] : json::object();
    json tags = params.contains("tags")   ? params["tags"]
                : params.contains("Tags") ? params["Tags"]
                                          : json::object();
    if (auto existing = m_store.queue(name)) {
        // The same request again answers with the queue; different attributes are refused.
        const json have = json::parse(existing->attributes, nullptr, false);
        const json asked = given.is_object() ? given : json::object();
        for (const auto &[key, value] : asked.items()) {
            const std::string v = value.is_string() ? value.get<std::string>() : value.dump();
            const auto rule = std::find_if(
                std::begin(kRules), std::end(kRules),
                [&attribute = key](const AttributeRule &r) { return attribute == r.name; });
            const std::string current =
                have.contains(key) ? have[key].get<std::string>()
                : rule != std::end(kRules) ? rule->defaultValue
                                           : "";
            if (v != current)
                throw makeError("QueueNameExists", "QueueAlreadyExists",
                                "A queue already exists with the same name and a different "
                                "value for attribute " + key + ".");
        }
        return {{"QueueUrl", queueUrl(endpoint, name)}};
    }
    QueueRecord record;
    record.name = name;
    record.createdMs = record.modifiedMs = nowMs();
    record.tags = tags.is_object() ? tags.dump() : "{}";
    setAttributes(record, given, true);
    return {{"QueueUrl", queueUrl(endpoint, name)}};
}

json QueueService::sendMessage(const QueueRecord &queue, const Json &entry) {
    const Settings s = settings(queue);
    if (!entry.contains("MessageBody") || !entry["MessageBody"].is_string())
        throw sqs::missingParameter("MessageBody");
    const std::string body = entry["MessageBody"].get<std::string>();
    if (body.empty())
        throw sqs::invalidParameter("The message body must be at least one character long.");
    const json attributes = entry.contains("MessageAttributes") ? entry["MessageAttributes"]
                                                                : json::object();
    checkMessageAttributes(attributes);
    std::size_t size = body.size();
    for (const auto &[name, value] : attributes.items())
        size += name.size() + value.dump().size();
    if (static_cast<long long>(size) > s.maximumSize)
        throw sqs::invalidParameter("One or more parameters are invalid. Reason: Message must "
                                    "be shorter than " +
                                    std::to_string(s.maximumSize) + " bytes.");
    const auto delay = sqs::intParam(entry, "DelaySeconds");
    if (delay && (*delay < 0 || *delay > 900))
        throw sqs::invalidParameter("Value " + std::to_string(*delay) +
                                    " for parameter DelaySeconds is invalid. Reason: must be "
                                    "between 0 and 900, if provided.");
    QueueMessage m;
    m.queue = queue.name;
    m.body = body;
    m.attributes = attributes.is_object() ? attributes.dump() : "{}";
    if (entry.contains("MessageSystemAttributes") && entry["MessageSystemAttributes"].is_object())
        m.systemAttributes = entry["MessageSystemAttributes"].dump();
    m.md5OfBody = sqs::md5Hex(body);
    m.md5OfAttributes = sqs::messageAttributesMd5(attributes);
    m.sentMs = nowMs();
    json answer = {{"MD5OfMessageBody", m.md5OfBody}};
    if (!m.md5OfAttributes.empty())
        answer["MD5OfMessageAttributes"] = m.md5OfAttributes;
    if (s.fifo) {
        if (delay && *delay != 0)
            throw sqs::invalidParameter("Value " + std::to_string(*delay) +
                                        " for parameter DelaySeconds is invalid. Reason: The "
                                        "request include parameter that is not valid for this "
                                        "queue type.");
        m.groupId = text(entry, "MessageGroupId");
        if (m.groupId.empty())
            throw sqs::missingParameter("MessageGroupId");
        m.deduplicationId = text(entry, "MessageDeduplicationId");
        if (m.deduplicationId.empty() && s.contentDeduplication)
            m.deduplicationId = sqs::md5Hex(body) + sqs::md5Hex(std::to_string(body.size()));
        if (m.deduplicationId.empty())
            throw sqs::invalidParameter("The queue should either have ContentBasedDeduplication "
                                        "enabled or MessageDeduplicationId provided explicitly");
        std::string earlier;
        if (m_store.duplicate(queue.name, m.deduplicationId, m.sentMs - 5 * 60 * 1000, earlier)) {
            answer["MessageId"] = earlier;
            return answer; // accepted, not delivered twice
        }
        m.visibleMs = m.sentMs;
    } else {
        m.visibleMs = m.sentMs + 1000LL * (delay ? *delay : s.delay);
    }
    m.messageId = newMessageId();
    const long long id = m_store.add(m);
    answer["MessageId"] = m.messageId;
    if (s.fifo)
        answer["SequenceNumber"] = std::to_string(10000000000000000000ULL / 100 + id);
    wake(queue.name);
    return answer;
}

std::vector<QueueMessage> QueueService::take(const std::string &queueName, int max,
                                             std::optional<int> visibilitySeconds) {
    std::vector<QueueMessage> out;
    const auto queue = m_store.queue(queueName);
    if (!queue || max <= 0)
        return out;
    const Settings s = settings(*queue);
    const long long now = nowMs();
    m_store.expire(queueName, now - s.retention * 1000);
    const long long visibleUntil = now + 1000LL * visibilitySeconds.value_or(s.visibility);
    std::set<std::string> blockedGroups;
    bool movedAny = false;
    // Candidates in order; those moved away or held back by their FIFO group are skipped.
    for (int round = 0; round < 4 && static_cast<int>(out.size()) < max; ++round) {
        auto candidates = m_store.visible(queueName, now, max * 2 + 10);
        if (candidates.empty())
            break;
        bool progressed = false;
        for (auto &m : candidates) {
            if (static_cast<int>(out.size()) >= max)
                break;
            if (std::any_of(out.begin(), out.end(),
                            [&](const QueueMessage &o) { return o.id == m.id; }))
                continue;
            if (s.maxReceiveCount > 0 && m.receiveCount >= s.maxReceiveCount &&
                !s.deadLetterQueue.empty() && m_store.queue(s.deadLetterQueue)) {
                m_store.move(m.id, s.deadLetterQueue, arn(queueName));
                movedAny = true;
                progressed = true;
                continue;
            }
            if (s.fifo) {
                if (blockedGroups.count(m.groupId))
                    continue;
                if (m_store.groupInFlight(queueName, m.groupId, now)) {
                    blockedGroups.insert(m.groupId);
                    continue;
                }
            }
            m.receiveCount += 1;
            if (m.firstReceiveMs == 0)
                m.firstReceiveMs = now;
            m.receipt = makeReceipt(queueName, m.id);
            m.visibleMs = visibleUntil;
            m_store.received(m);
            out.push_back(m);
            progressed = true;
        }
        if (!progressed)
            break;
    }
    if (movedAny)
        wake(s.deadLetterQueue);
    return out;
}

json QueueService::messageJson(const QueueMessage &m, const Json &params) const {
    json out = {{"MessageId", m.messageId},
                {"ReceiptHandle", m.receipt},
                {"MD5OfBody", m.md5OfBody},
                {"Body", m.body}};
    json names = json::array();
    for (const char *key : {"AttributeNames", "MessageSystemAttributeNames"})
        if (params.contains(key) && params[key].is_array())
            for (const auto &n : params[key])
                names.push_back(n);
    const json system = json::parse(m.systemAttributes, nullptr, false);
    json all = {{"SenderId", m_account},
                {"SentTimestamp", std::to_string(m.sentMs)},
                {"ApproximateReceiveCount", std::to_string(m.receiveCount)},
                {"ApproximateFirstReceiveTimestamp", std::to_string(m.firstReceiveMs)}};
    if (!m.groupId.empty()) {
        all["MessageGroupId"] = m.groupId;
        all["MessageDeduplicationId"] = m.deduplicationId;
        all["SequenceNumber"] = std::to_string(10000000000000000000ULL / 100 + m.id);
    }
    if (system.is_object() && system.contains("AWSTraceHeader"))
        all["AWSTraceHeader"] = system["AWSTraceHeader"].value("StringValue", "");
    if (!m.deadLetterSource.empty())
        all["DeadLetterQueueSourceArn"] = m.deadLetterSource;
    json attributes = json::object();
    for (const auto &[name, value] : all.items())
        if (wanted(names, name))
            attributes[name] = value;
    if (!attributes.empty())
        out["Attributes"] = attributes;
    const json messageAttributes = json::parse(m.attributes, nullptr, false);
    json chosen = json::object();
    const json &wantedNames =
        params.contains("MessageAttributeNames") ? params["MessageAttributeNames"] : json();
    if (messageAttributes.is_object())
        for (const auto &[name, value] : messageAttributes.items())
            if (wanted(wantedNames, name))
                chosen[name] = value;
    if (!chosen.empty()) {
        out["MessageAttributes"] = chosen;
        out["MD5OfMessageAttributes"] = sqs::messageAttributesMd5(chosen);
    }
    return out;
}

std::optional<QueueMessage> QueueService::byReceipt(const QueueRecord &queue,
                                                    const std::string &receipt) {
    std::string name;
    long long id = 0;
    if (!parseReceipt(receipt, name, id))
        throw sqs::receiptHandleIsInvalid(receipt);
    if (name != queue.name)
        throw sqs::receiptHandleIsInvalid(receipt);
    auto message = m_store.message(id);
    if (!message || message->queue != queue.name || message->receipt != receipt)
        return std::nullopt; // deleted, or received again since: the handle is stale
    return message;
}

json QueueService::getAttributes(const QueueRecord &queue, const Json &params) {
    const json names = params.contains("AttributeNames") ? params["AttributeNames"] : json();
    const json set = json::parse(queue.attributes, nullptr, false);
    json all = json::object();
    for (const auto &rule : kRules)
        if (*rule.defaultValue)
            all[rule.name] = rule.defaultValue;
    if (set.is_object())
        for (const auto &[k, v] : set.items())
            all[k] = v;
    const auto c = m_store.counts(queue.name, nowMs());
    all["QueueArn"] = arn(queue.name);
    all["ApproximateNumberOfMessages"] = std::to_string(c.visible);
    all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(c.inFlight);
    all["ApproximateNumberOfMessagesDelayed"] = std::to_string(c.delayed);
    all["CreatedTimestamp"] = std::to_string(queue.createdMs / 1000);
    all["LastModifiedTimestamp"] = std::to_string(queue.modifiedMs / 1000);
    json out = json::object();
    if (names.is_array())
        for (const auto &n : names) {
            if (!n.is_string())
                continue;
            const std::string name = n.get<std::string>();
            if (name != "All" && !all.contains(name) && !kTextAttributes.count(name) &&
                !kComputedAttributes.count(name))
                throw sqs::invalidAttributeName(name);
        }
    for (const auto &[k, v] : all.items())
        if (wanted(names, k))
            out[k] = v;
    return out.empty() ? json::object() : json{{"Attributes", out}};
}

void QueueService::call(const sqs::Call &call, const std::string &endpoint, Done done) {
    const std::string &a = call.action;
    const json &p = call.params;
    try {
        if (m_stopped)
            throw sqs::internalError("the simulator is stopping");
        if (a == "CreateQueue")
            return done(createQueue(p, endpoint), std::nullopt);
        if (a == "GetQueueUrl") {
            const std::string name = required(p, "QueueName");
            if (!m_store.queue(name))
                throw sqs::queueDoesNotExist(name);
            return done({{"QueueUrl", queueUrl(endpoint, name)}}, std::nullopt);
        }
        if (a == "ListQueues") {
            const std::string prefix = text(p, "QueueNamePrefix");
            const auto maxResults = sqs::intParam(p, "MaxResults");
            if (maxResults && (*maxResults < 1 || *maxResults > 1000))
                throw sqs::invalidParameter("MaxResults must be between 1 and 1000.");
            const std::string after = text(p, "NextToken");
            json urls = json::array();
            std::string next;
            for (const auto &q : m_store.queues()) {
                if (q.name.rfind(prefix, 0) != 0 || (!after.empty() && q.name <= after))
                    continue;
                if (maxResults && static_cast<long long>(urls.size()) >= *maxResults) {
                    next = urls.empty() ? "" : queueNameOf(urls.back().get<std::string>());
                    break;
                }
                urls.push_back(queueUrl(endpoint, q.name));
            }
            json out = json::object();
            if (!urls.empty())
                out["QueueUrls"] = urls;
            if (!next.empty())
                out["NextToken"] = next;
            return done(out, std::nullopt);
        }
        if (a == "ListDeadLetterSourceQueues") {
            const QueueRecord target = requireQueue(p);
            json urls = json::array();
            for (const auto &q : m_store.queues())
                if (settings(q).deadLetterQueue == target.name)
                    urls.push_back(queueUrl(endpoint, q.name));
            return done({{"queueUrls", urls}}, std::nullopt);
        }
        const QueueRecord queue = requireQueue(p);
        if (a == "DeleteQueue") {
            m_store.deleteQueue(queue.name);
            wake(queue.name);
            return done(json::object(), std::nullopt);
        }
        if (a == "PurgeQueue") {
            m_store.purge(queue.name);
            return done(json::object(), std::nullopt);
        }
        if (a == "GetQueueAttributes")
            return done(getAttributes(queue, p), std::nullopt);
        if (a == "SetQueueAttributes") {
            setAttributes(queue, p.contains("Attributes") ? p["Attributes"] : json::object(),
                          false);
            wake(queue.name);
            return done(json::object(), std::nullopt);
        }
        if (a == "TagQueue" || a == "UntagQueue" || a == "ListQueueTags") {
            json tags = json::parse(queue.tags, nullptr, false);
            if (!tags.is_object())
                tags = json::object();
            if (a == "ListQueueTags")
                return done(tags.empty() ? json::object() : json{{"Tags", tags}}, std::nullopt);
            if (a == "TagQueue" && p.contains("Tags") && p["Tags"].is_object())
                for (const auto &[k, v] : p["Tags"].items())
                    tags[k] = v;
            if (a == "UntagQueue" && p.contains("TagKeys") && p["TagKeys"].is_array())
                for (const auto &k : p["TagKeys"])
                    if (k.is_string())
                        tags.erase(k.get<std::string>());
            QueueRecord changed = queue;
            changed.tags = tags.dump();
            m_store.putQueue(changed);
            return done(json::object(), std::nullopt);
        }
        if (a == "SendMessage")
            return done(sendMessage(queue, p), std::nullopt);
        if (a == "SendMessageBatch" || a == "DeleteMessageBatch" ||
            a == "ChangeMessageVisibilityBatch") {
            const json entries = p.contains("Entries") ? p["Entries"] : json();
            if (!entries.is_array() || entries.empty())
                throw makeError("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
                                "There should be at least one " + a.substr(0, a.size() - 5) +
                                    "RequestEntry in the request.");
            if (entries.size() > 10)
                throw makeError("TooManyEntriesInBatchRequest",
                                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                                "Maximum number of entries per request are 10. You have sent " +
                                    std::to_string(entries.size()) + ".");
            std::set<std::string> ids;
            for (const auto &entry : entries) {
                const std::string id = entry.is_object() ? text(entry, "Id") : "";
                if (id.empty() || id.size() > 80 ||
                    !std::all_of(id.begin(), id.end(), [](unsigned char c) {
                        return std::isalnum(c) || c == '-' || c == '_';
                    }))
                    throw makeError("InvalidBatchEntryId",
                                    "AWS.SimpleQueueService.InvalidBatchEntryId",
                                    "A batch entry id can only contain alphanumeric characters, "
                                    "hyphens and underscores. It can be at most 80 letters "
                                    "long: '" + id + "'.");
                if (!ids.insert(id).second)
                    throw makeError("BatchEntryIdsNotDistinct",
                                    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                                    "Id " + id + " repeated.");
            }
            json successful = json::array(), failed = json::array();
            for (const auto &entry : entries) {
                const std::string id = entry["Id"].get<std::string>();
                try {
                    json result = json::object();
                    if (a == "SendMessageBatch") {
                        result = sendMessage(queue, entry);
                    } else if (a == "DeleteMessageBatch") {
                        if (auto m = byReceipt(queue, required(entry, "ReceiptHandle")))
                            m_store.remove(m->id);
                    } else {
                        const auto seconds = sqs::intParam(entry, "VisibilityTimeout").value_or(0);
                        auto m = byReceipt(queue, required(entry, "ReceiptHandle"));
                        if (!m || m->visibleMs <= nowMs())
                            throw makeError("MessageNotInflight",
                                            "AWS.SimpleQueueService.MessageNotInflight",
                                            "Message does not exist or is not available for "
                                            "visibility timeout change.");
                        m_store.setVisibleMs(m->id, nowMs() + 1000 * seconds);
                        if (seconds == 0)
                            wake(queue.name);
                    }
                    result["Id"] = id;
                    successful.push_back(result);
                } catch (const sqs::Error &e) {
                    failed.push_back(
                        {{"Id", id}, {"SenderFault", e.sender}, {"Code", e.queryCode}, {"Message", e.message}});
                }
            }
            json out = json::object();
            out["Successful"] = successful;
            out["Failed"] = failed;
            return done(out, std::nullopt);
        }
        if (a == "DeleteMessage") {
            if (auto m = byReceipt(queue, required(p, "ReceiptHandle")))
                m_store.remove(m->id);
            return done(json::object(), std::nullopt);
        }
        if (a == "ChangeMessageVisibility") {
            const auto seconds = sqs::intParam(p, "VisibilityTimeout");
            if (!seconds)
                throw sqs::missingParameter("VisibilityTimeout");
            if (*seconds < 0 || *seconds > 43200)
                throw sqs::invalidParameter("Value " + std::to_string(*seconds) +
                                            " for parameter VisibilityTimeout is invalid. "
                                            "Reason: Must be between 0 and 43200.");
            auto m = byReceipt(queue, required(p, "ReceiptHandle"));
            if (!m || m->visibleMs <= nowMs())
                throw makeError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight",
                                "Message does not exist or is not available for visibility "
                                "timeout change.");
            m_store.setVisibleMs(m->id, nowMs() + 1000 * *seconds);
            if (*seconds == 0)
                wake(queue.name);
            return done(json::object(), std::nullopt);
        }
        if (a == "ReceiveMessage") {
            const auto max = sqs::intParam(p, "MaxNumberOfMessages").value_or(1);
            if (max < 1 || max > 10)
                throw sqs::invalidParameter("Value " + std::to_string(max) +
                                            " for parameter MaxNumberOfMessages is invalid. "
                                            "Reason: Must be between 1 and 10, if provided.");
            const auto wait = sqs::intParam(p, "WaitTimeSeconds");
            if (wait && (*wait < 0 || *wait > 20))
                throw sqs::invalidParameter("Value " + std::to_string(*wait) +
                                            " for parameter WaitTimeSeconds is invalid. Reason: "
                                            "Must be >= 0 and <= 20, if provided.");
            const auto visibility = sqs::intParam(p, "VisibilityTimeout");
            if (visibility && (*visibility < 0 || *visibility > 43200))
                throw sqs::invalidParameter("Value " + std::to_string(*visibility) +
                                            " for parameter VisibilityTimeout is invalid. "
                                            "Reason: Must be between 0 and 43200.");
            const int waitSeconds =
                static_cast<int>(wait.value_or(settings(queue).waitSeconds));
            auto answer = [this, p, done](std::vector<QueueMessage> messages) {
                json list = json::array();
                for (const auto &m : messages)
                    list.push_back(messageJson(m, p));
                done(list.empty() ? json::object() : json{{"Messages", list}}, std::nullopt);
            };
            auto messages = take(queue.name, static_cast<int>(max),
                                 visibility ? std::optional<int>(static_cast<int>(*visibility))
                                            : std::nullopt);
            if (!messages.empty() || waitSeconds == 0)
                return answer(std::move(messages));
            auto waiter = std::make_shared<Waiter>(m_io);
            waiter->queue = queue.name;
            waiter->max = static_cast<int>(max);
            if (visibility)
                waiter->visibility = static_cast<int>(*visibility);
            waiter->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds);
            waiter->done = answer;
            m_waiters.push_back(waiter);
            arm(waiter);
            return;
        }
        throw sqs::unsupportedOperation(a);
    } catch (const sqs::Error &e) {
        done(json(), e);
    } catch (const StoreError &e) {
        done(json(), sqs::internalError(std::string("the store failed: ") + e.what()));
    } catch (const json::exception &e) {
        done(json(), sqs::invalidParameter(std::string("a parameter has the wrong type: ") +
                                           e.what()));
    }
}

std::shared_ptr<void> QueueService::receive(const std::string &queue, int max,
                                            std::chrono::milliseconds wait, Received received) {
    std::vector<QueueMessage> messages;
    try {
        messages = m_stopped ? messages : take(queue, max, std::nullopt);
    } catch (const StoreError &) {
        // As if empty: the mapping tries again.
    }
    if (!messages.empty() || wait.count() <= 0 || m_stopped) {
        boost::asio::post(m_io, [received = std::move(received), messages = std::move(messages)] {
            received(messages);
        });
        return nullptr;
    }
    auto waiter = std::make_shared<Waiter>(m_io);
    waiter->queue = queue;
    waiter->max = max;
    waiter->deadline = std::chrono::steady_clock::now() + wait;
    waiter->done = std::move(received);
    m_waiters.push_back(waiter);
    arm(waiter);
    // Dropping the handle withdraws the wait (without an answer).
    return std::shared_ptr<void>(nullptr, [this, weak = std::weak_ptr<Waiter>(waiter)](void *) {
        if (auto w = weak.lock()) {
            w->finished = true;
            w->timer.cancel();
            m_waiters.remove(w);
        }
    });
}

void QueueService::remove(const std::string &queueName, const std::vector<std::string> &receipts) {
    const auto queue = m_store.queue(queueName);
    if (!queue)
        return;
    Database::Transaction transaction(m_db);
    for (const auto &receipt : receipts) {
        try {
            if (auto m = byReceipt(*queue, receipt))
                m_store.remove(m->id);
        } catch (const sqs::Error &) {
        }
    }
    transaction.commit();
}

int QueueService::visibilityTimeout(const std::string &queueName) {
    const auto queue = m_store.queue(queueName);
    return queue ? settings(*queue).visibility : 30;
}

QueueCounts QueueService::counts(const std::string &queue) {
    return m_store.counts(queue, nowMs());
}

json QueueService::describe() {
    json out = json::array();
    for (const auto &q : m_store.queues()) {
        const auto c = m_store.counts(q.name, nowMs());
        const Settings s = settings(q);
        json entry = {{"name", q.name},
                      {"arn", arn(q.name)},
                      {"visible", c.visible},
                      {"inFlight", c.inFlight},
                      {"delayed", c.delayed},
                      {"visibilityTimeout", s.visibility}};
        if (!s.deadLetterQueue.empty())
            entry["deadLetterQueue"] = s.deadLetterQueue, entry["maxReceiveCount"] = s.maxReceiveCount;
        out.push_back(entry);
    }
    return out;
}

void QueueService::wake(const std::string &queue) {
    // Waiters are served in the order they came, each with what is left.
    boost::asio::post(m_io, [this, queue] {
        auto waiters = m_waiters; // (finish() edits the list)
        for (auto &waiter : waiters) {
            if (waiter->finished || waiter->queue != queue)
                continue;
            std::vector<QueueMessage> messages;
            try {
                messages = take(queue, waiter->max, waiter->visibility);
            } catch (const StoreError &) {
            }
            if (messages.empty())
                break;
            finish(waiter, std::move(messages));
        }
    });
}

void QueueService::arm(const std::shared_ptr<Waiter> &waiter) {
    // Wake at the deadline, or when a message of the queue comes back into view (a
    // visibility timeout or a delay ending), whichever is first.
    auto when = waiter->deadline;
    try {
        if (auto next = m_store.nextVisibleMs(waiter->queue, nowMs())) {
            const auto at = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(*next - nowMs() + 1);
            when = std::min(when, at);
        }
    } catch (const StoreError &) {
    }
    waiter->timer.expires_at(when);
    waiter->timer.async_wait([this, weak = std::weak_ptr<Waiter>(waiter)](
                                 const boost::system::error_code &ec) {
        auto w = weak.lock();
        if (ec || !w || w->finished)
            return;
        std::vector<QueueMessage> messages;
        try {
            messages = take(w->queue, w->max, w->visibility);
        } catch (const StoreError &) {
        }
        if (!messages.empty() || std::chrono::steady_clock::now() >= w->deadline)
            finish(w, std::move(messages));
        else
            arm(w);
    });
}

void QueueService::finish(const std::shared_ptr<Waiter> &waiter, std::vector<QueueMessage> messages) {
    if (waiter->finished)
        return;
    waiter->finished = true;
    waiter->timer.cancel();
    m_waiters.remove(waiter);
    auto done = std::move(waiter->done);
    if (done)
        done(std::move(messages));
}

} // namespace nimbus::sim
