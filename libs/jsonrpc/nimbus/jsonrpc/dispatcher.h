#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::jsonrpc {

// JSON-RPC 2.0 and LSP error codes.
enum ErrorCode : int {
    ParseError = -32700,
    InvalidRequest = -32600,
    MethodNotFound = -32601,
    InvalidParams = -32602,
    InternalError = -32603,
    ServerNotInitialized = -32002,
    RequestFailed = -32803,
    ServerCancelled = -32802,
    ContentModified = -32801,
    RequestCancelled = -32800,
};

struct Error {
    int code = InternalError;
    std::string message;
};

// What a request handler returns: a result, or an error with a protocol code.
struct Reply {
    Reply(nlohmann::json value)
        : result(std::move(value)) {}
    Reply(Error e)
        : error(std::move(e)) {}
    nlohmann::json result;
    std::optional<Error> error;
};

// The base protocol's message handling, with no I/O: bodies in, messages out through a
// sender. A typed table maps methods to handlers; unknown requests get MethodNotFound,
// unknown notifications are ignored, malformed messages get the right error (with id null
// when there is no id to answer), a handler's exception becomes InvalidParams (for JSON
// type errors) or InternalError — never a crash. `$/cancelRequest` cancels a request still
// waiting in the same batch of input, or one whose handler answers later (an asynchronous
// handler): it is answered RequestCancelled at once and its late answer is dropped.
class Dispatcher {
public:
    using Sender = std::function<void(const nlohmann::json &message)>;
    using RequestHandler = std::function<Reply(const nlohmann::json &params)>;
    // Answers an asynchronous request, once, from any thread.
    using ReplySink = std::function<void(Reply)>;
    using AsyncRequestHandler = std::function<void(const nlohmann::json &params, ReplySink)>;
    using NotificationHandler = std::function<void(const nlohmann::json &params)>;
    // Consulted before every request and notification; an Error refuses a request (for
    // the lifecycle: ServerNotInitialized before initialize, InvalidRequest after shutdown).
    using Gate = std::function<std::optional<Error>(const std::string &method, bool isRequest)>;

    explicit Dispatcher(Sender sender);

    void onRequest(const std::string &method, RequestHandler handler);
    // For requests that take long (running a function): the handler returns at once and
    // answers through the sink when it is done. The sender must then be thread-safe.
    void onAsyncRequest(const std::string &method, AsyncRequestHandler handler);
    // Requests answered asynchronously and not yet answered.
    std::size_t pendingCount() const;
    void onNotification(const std::string &method, NotificationHandler handler);
    void setGate(Gate gate) { m_gate = std::move(gate); }

    // Handles message bodies in arrival order.
    void handle(const std::vector<std::string> &bodies);
    void handle(const std::string &body) { handle(std::vector<std::string>{body}); }

    // Messages to the peer.
    void notify(const std::string &method, const nlohmann::json &params);
    // A request to the peer whose answer we do not need (e.g. client/registerCapability);
    // the response, when it comes, is read and dropped.
    void request(const std::string &method, const nlohmann::json &params);
    void sendError(const nlohmann::json &id, const Error &error);

private:
    struct Parsed {
        nlohmann::json message;
        std::optional<Error> error; // why it is not a valid message
    };
    static Parsed parse(const std::string &body);
    void dispatch(const nlohmann::json &message, const std::vector<nlohmann::json> &cancelled);
    void cancelPending(const nlohmann::json &id);
    void sendReply(const nlohmann::json &id, Reply reply);

    Sender m_send;
    std::map<std::string, RequestHandler> m_requests;
    std::map<std::string, AsyncRequestHandler> m_asyncRequests;
    // Ids (as JSON text) of asynchronous requests still to be answered.
    mutable std::mutex m_pendingMutex;
    std::set<std::string> m_pending;
    std::map<std::string, NotificationHandler> m_notifications;
    Gate m_gate;
    long long m_nextId = 1;
};

} // namespace nimbus::jsonrpc
