#pragma once

#include "nimbus/net/httpserver.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::sim::sqs {

// The two wire protocols SQS speaks: the query protocol (form-encoded Action=... requests,
// XML answers: the AWS CLI 2.9 and boto3 1.26 of Debian 12) and the JSON protocol
// (X-Amz-Target: AmazonSQS.Action, JSON both ways: newer SDKs).
enum class Protocol { Query, Json };

// One API call in the JSON protocol's terms, whichever protocol carried it: a query
// request's Attribute.1.Name / Attribute.1.Value pairs become {"Attributes": {...}},
// SendMessageBatchRequestEntry.N becomes "Entries", and so on (as the service model names
// them). Numbers may still be strings: read them with intParam.
struct Call {
    Protocol protocol = Protocol::Query;
    std::string action; // SendMessage, ...
    nlohmann::json params = nlohmann::json::object();
};

// An SQS error: its shape name (JSON protocol) and its code (query protocol).
struct Error {
    unsigned status = 400;
    std::string type;      // QueueDoesNotExist
    std::string queryCode; // AWS.SimpleQueueService.NonExistentQueue
    std::string message;
    bool sender = true; // the client's fault (Sender), or the service's (Receiver)
};

Error queueDoesNotExist(const std::string &queue);
Error invalidParameter(const std::string &message); // InvalidParameterValue
Error missingParameter(const std::string &name);    // MissingParameter
Error invalidAttributeName(const std::string &name);
Error receiptHandleIsInvalid(const std::string &handle);
Error unsupportedOperation(const std::string &action);
Error internalError(const std::string &message);

// Whether a request is an SQS call, and which: `target` is the X-Amz-Target header.
// Nullopt (with `error`) for a body that is neither protocol's.
std::optional<Call> decode(std::string_view target, std::string_view contentType,
                           std::string_view body, Error &error);

// The answer to a call in its protocol: XML for the query protocol (lists and maps as the
// service model flattens them), JSON otherwise.
net::Response encode(const Call &call, const nlohmann::json &result, const std::string &requestId);
net::Response encodeError(Protocol protocol, const Error &error, const std::string &requestId);

// A parameter as an integer, whether sent as a number (JSON) or as text (query); nullopt when
// absent; throws Error when it is not an integer.
std::optional<long long> intParam(const nlohmann::json &params, const std::string &name);

// MD5OfMessageBody and MD5OfMessageAttributes as SQS computes them (the SDKs check both).
std::string md5Hex(std::string_view data);
std::string messageAttributesMd5(const nlohmann::json &attributes);

} // namespace nimbus::sim::sqs
