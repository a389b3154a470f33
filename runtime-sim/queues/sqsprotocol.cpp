#include "sqsprotocol.h"

#include "../gateway/routetable.h"
#include "nimbus/net/base64.h"
#include "nimbus/net/digest.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <map>

namespace nimbus::sim::sqs {

using json = nlohmann::json;

namespace {

constexpr const char *kNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

// Query names of flattened lists and maps, and their names in the JSON protocol.
struct Flattened {
    const char *query;
    const char *json;
    const char *key;   // a map's key member ("" for a list)
    const char *value; // a map's value member
};
constexpr Flattened kFlattened[] = {
    {"Attribute", "Attributes", "Name", "Value"},
    {"MessageAttribute", "MessageAttributes", "Name", "Value"},
    {"MessageSystemAttribute", "MessageSystemAttributes", "Name", "Value"},
    {"Tag", "Tags", "Key", "Value"},
    {"AttributeName", "AttributeNames", "", ""},
    {"MessageAttributeName", "MessageAttributeNames", "", ""},
    {"MessageSystemAttributeName", "MessageSystemAttributeNames", "", ""},
    {"TagKey", "TagKeys", "", ""},
    {"StringListValue", "StringListValues", "", ""},
    {"BinaryListValue", "BinaryListValues", "", ""},
    {"QueueUrl", "QueueUrls", "", ""},
    {"AWSAccountId", "AWSAccountIds", "", ""},
    {"ActionName", "Actions", "", ""},
    {"SendMessageBatchRequestEntry", "Entries", "", ""},
    {"DeleteMessageBatchRequestEntry", "Entries", "", ""},
    {"ChangeMessageVisibilityBatchRequestEntry", "Entries", "", ""},
};

// Puts `value` at a dotted query name: numbered steps are list positions (from 1).
bool place(json &root, std::string_view name, std::string value) {
    json *node = &root;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string step(name.substr(start, dot == std::string_view::npos ? name.npos
                                                                                : dot - start));
        if (step.empty())
            return false;
        const bool number = std::all_of(step.begin(), step.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
        if (number) {
            // Lists are kept as objects keyed by position until the end (positions may
            // come in any order, and may have gaps, which SQS ignores).
            if (step.size() > 6 || std::stoi(step) < 1)
                return false;
        }
        if (!node->is_object())
            *node = json::object();
        json &child = (*node)[number ? "#" + step : step];
        if (dot == std::string_view::npos) {
            if (!child.is_null())
                return false; // given twice
            child = std::move(value);
            return true;
        }
        node = &child;
        start = dot + 1;
    }
}

// Turns the positional objects {"#1": ..., "#2": ...} into lists and the flattened names
// into the JSON protocol's.
json normalize(const json &node) {
    if (!node.is_object())
        return node;
    const bool positional = !node.empty() && node.begin().key().front() == '#';
    if (positional) {
        std::map<int, json> ordered;
        for (const auto &[key, value] : node.items())
            if (!key.empty() && key.front() == '#')
                ordered[std::stoi(key.substr(1))] = normalize(value);
        json list = json::array();
        for (auto &[position, value] : ordered)
            list.push_back(std::move(value));
        return list;
    }
    json out = json::object();
    for (const auto &[key, value] : node.items()) {
        json normal = normalize(value);
        // (QueueUrl is flattened in answers only: in a request it is the queue. The binding
        // is captured by name: clang 14, the fuzz build's compiler, captures none.)
        const auto flat =
            std::find_if(std::begin(kFlattened), std::end(kFlattened),
                         [&name = key](const Flattened &f) { return name == f.query; });
        if (flat == std::end(kFlattened) || key == "QueueUrl") {
            out[key] = std::move(normal);
            continue;
        }
        if (!normal.is_array())
            normal = json::array({normal});
        if (!*flat->key) {
            out[flat->json] = std::move(normal);
            continue;
        }
        json map = json::object();
        for (const auto &entry : normal) {
            if (entry.is_object() && entry.contains(flat->key) && entry[flat->key].is_string())
                map[entry[flat->key].get<std::string>()] =
                    entry.contains(flat->value) ? entry[flat->value] : json("");
        }
        out[flat->json] = std::move(map);
    }
    return out;
}

std::string scalarText(const json &value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_boolean())
        return value.get<bool>() ? "true" : "false";
    return value.dump();
}

void toXml(std::string &out, const std::string &action, const json &node);

// One member: a list or map is flattened (its entries repeat the member's query name).
void memberToXml(std::string &out, const std::string &action, const std::string &name,
                 const json &value) {
    std::string element = name;
    const Flattened *flat = nullptr;
    for (const auto &f : kFlattened)
        if (name == f.json && std::string_view(f.query).find("BatchRequestEntry") ==
                                  std::string_view::npos) {
            flat = &f;
            break;
        }
    if (name == "Messages")
        element = "Message";
    else if (name == "Successful")
        element = action + "ResultEntry";
    else if (name == "Failed")
        element = "BatchResultErrorEntry";
    else if (flat)
        element = flat->query;
    if (value.is_array()) {
        for (const auto &item : value) {
            out += "<" + element + ">";
            toXml(out, action, item);
            out += "</" + element + ">";
        }
        return;
    }
    if (value.is_object() && flat && *flat->key) {
        for (const auto &[key, item] : value.items()) {
            out += "<" + element + "><" + flat->key + ">" + net::xmlEscape(key) + "</" + flat->key +
                   "><" + flat->value + ">";
            toXml(out, action, item);
            out += "</" + std::string(flat->value) + "></" + element + ">";
        }
        return;
    }
    out += "<" + element + ">";
    toXml(out, action, value);
    out += "</" + element + ">";
}

void toXml(std::string &out, const std::string &action, const json &node) {
    if (!node.is_object()) {
        out += net::xmlEscape(scalarText(node));
        return;
    }
    for (const auto &[key, value] : node.items())
        memberToXml(out, action, key, value);
}

Error makeError(std::string type, std::string queryCode, std::string message,
                unsigned status = 400, bool sender = true) {
    Error e;
    e.status = status;
    e.type = std::move(type);
    e.queryCode = std::move(queryCode);
    e.message = std::move(message);
    e.sender = sender;
    return e;
}

void appendLengthPrefixed(std::string &out, std::string_view data) {
    const auto n = static_cast<std::uint32_t>(data.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
    out.append(data);
}

} // namespace

Error queueDoesNotExist(const std::string &queue) {
    return makeError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
                     "The specified queue does not exist: '" + queue +
                         "'. Create it (aws sqs create-queue), or name it in an sqs event of "
                         "the manifest.");
}
Error invalidParameter(const std::string &message) {
    return makeError("InvalidParameterValueException", "InvalidParameterValue", message);
}
Error missingParameter(const std::string &name) {
    return makeError("MissingParameter", "MissingParameter",
                     "The request must contain the parameter " + name + ".");
}
Error invalidAttributeName(const std::string &name) {
    return makeError("InvalidAttributeName", "InvalidAttributeName",
                     "Unknown Attribute " + name + ".");
}
Error receiptHandleIsInvalid(const std::string &handle) {
    return makeError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
                     "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}
Error unsupportedOperation(const std::string &action) {
    return makeError("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
                     "The action " + action + " is not valid for this endpoint.");
}
Error internalError(const std::string &message) {
    return makeError("InternalError", "InternalError", message, 500, false);
}

std::optional<Call> decode(std::string_view target, std::string_view contentType,
                           std::string_view body, Error &error) {
    Call call;
    if (target.rfind("AmazonSQS.", 0) == 0) {
        call.protocol = Protocol::Json;
        call.action = std::string(target.substr(10));
        call.params = body.empty() ? json::object() : json::parse(body, nullptr, false);
        if (!call.params.is_object()) {
            error = makeError("SerializationException", "SerializationException",
                              "The request body is not a JSON object (" +
                                  std::to_string(body.size()) + " bytes).");
            return std::nullopt;
        }
        return call;
    }
    (void)contentType;
    json raw = json::object();
    std::size_t at = 0;
    while (at < body.size()) {
        std::size_t amp = body.find('&', at);
        if (amp == std::string_view::npos)
            amp = body.size();
        const std::string_view pair = body.substr(at, amp - at);
        at = amp + 1;
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        const std::string name = net::percentDecode(pair.substr(0, eq), true);
        std::string value =
            eq == std::string_view::npos ? "" : net::percentDecode(pair.substr(eq + 1), true);
        if (name == "Action") {
            call.action = std::move(value);
            continue;
        }
        if (name == "Version")
            continue;
        if (!place(raw, name, std::move(value))) {
            error = invalidParameter("The parameter '" + name +
                                     "' is malformed or given twice.");
            return std::nullopt;
        }
    }
    if (call.action.empty()) {
        error = makeError("MissingAction", "MissingAction",
                          "The request must contain the parameter Action (an SQS query request "
                          "is form-encoded: Action=SendMessage&QueueUrl=...).");
        return std::nullopt;
    }
    call.params = normalize(raw);
    return call;
}

net::Response encode(const Call &call, const json &result, const std::string &requestId) {
    if (call.protocol == Protocol::Json) {
        auto response = net::makeResponse(200, result.is_null() ? "{}" : result.dump(),
                                          "application/x-amz-json-1.0");
        response.set("x-amzn-RequestId", requestId);
        return response;
    }
    std::string xml = "<?xml version=\"1.0\"?><" + call.action + "Response xmlns=\"" +
                      kNamespace + "\">";
    xml += "<" + call.action + "Result>";
    toXml(xml, call.action, result.is_object() ? result : json::object());
    xml += "</" + call.action + "Result>";
    xml += "<ResponseMetadata><RequestId>" + requestId + "</RequestId></ResponseMetadata></" +
           call.action + "Response>";
    auto response = net::makeResponse(200, std::move(xml), "text/xml");
    response.set("x-amzn-RequestId", requestId);
    return response;
}

net::Response encodeError(Protocol protocol, const Error &error, const std::string &requestId) {
    const char *fault = error.sender ? "Sender" : "Receiver";
    if (protocol == Protocol::Json) {
        auto response = net::makeResponse(
            error.status,
            json{{"__type", "com.amazonaws.sqs#" + error.type}, {"message", error.message}}.dump(),
            "application/x-amz-json-1.0");
        response.set("x-amzn-query-error", error.queryCode + ";" + fault);
        response.set("x-amzn-RequestId", requestId);
        return response;
    }
    std::string xml = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + std::string(kNamespace) +
                      "\"><Error><Type>" + fault + "</Type><Code>" + net::xmlEscape(error.queryCode) +
                      "</Code><Message>" + net::xmlEscape(error.message) +
                      "</Message><Detail/></Error><RequestId>" + requestId +
                      "</RequestId></ErrorResponse>";
    auto response = net::makeResponse(error.status, std::move(xml), "text/xml");
    response.set("x-amzn-RequestId", requestId);
    return response;
}

std::optional<long long> intParam(const json &params, const std::string &name) {
    if (!params.is_object() || !params.contains(name) || params[name].is_null())
        return std::nullopt;
    const json &value = params[name];
    if (value.is_number_integer())
        return value.get<long long>();
    if (value.is_string()) {
        const auto &text = value.get_ref<const std::string &>();
        try {
            std::size_t used = 0;
            const long long n = std::stoll(text, &used);
            if (used == text.size())
                return n;
        } catch (const std::exception &) {
        }
    }
    throw invalidParameter("Value " + value.dump() + " for parameter " + name +
                           " is invalid. Reason: it must be an integer.");
}

std::string md5Hex(std::string_view data) {
    return net::md5Hex(data);
}

std::string messageAttributesMd5(const json &attributes) {
    if (!attributes.is_object() || attributes.empty())
        return {};
    // Names in order; each: name, data type, a transport byte (1 text, 2 binary), value,
    // every part prefixed by its length as four big-endian bytes.
    std::string data;
    for (const auto &[name, value] : attributes.items()) { // nlohmann orders keys
        const std::string type = value.value("DataType", "");
        appendLengthPrefixed(data, name);
        appendLengthPrefixed(data, type);
        if (value.contains("StringValue")) {
            data.push_back(1);
            appendLengthPrefixed(data, value["StringValue"].get<std::string>());
        } else {
            data.push_back(2);
            const auto raw = net::base64Decode(value.value("BinaryValue", ""));
            appendLengthPrefixed(data, raw ? *raw : std::string());
        }
    }
    return md5Hex(data);
}

} // namespace nimbus::sim::sqs
