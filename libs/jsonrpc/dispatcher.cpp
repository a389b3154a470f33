#include "nimbus/jsonrpc/dispatcher.h"

#include <algorithm>

namespace nimbus::jsonrpc {

using nlohmann::json;

Dispatcher::Dispatcher(Sender sender)
    : m_send(std::move(sender)) {}

void Dispatcher::onRequest(const std::string &method, RequestHandler handler) {
    m_requests[method] = std::move(handler);
}

void Dispatcher::onAsyncRequest(const std::string &method, AsyncRequestHandler handler) {
    m_asyncRequests[method] = std::move(handler);
}

std::size_t Dispatcher::pendingCount() const {
    std::lock_guard lock(m_pendingMutex);
    return m_pending.size();
}

void Dispatcher::cancelPending(const json &id) {
    {
        std::lock_guard lock(m_pendingMutex);
        if (m_pending.erase(id.dump()) == 0)
            return; // answered already, or never ours to wait for
    }
    sendError(id, {RequestCancelled, "the request was cancelled"});
}

void Dispatcher::sendReply(const json &id, Reply reply) {
    if (reply.error)
        sendError(id, *reply.error);
    else
        m_send(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(reply.result)}});
}

void Dispatcher::onNotification(const std::string &method, NotificationHandler handler) {
    m_notifications[method] = std::move(handler);
}

void Dispatcher::notify(const std::string &method, const json &params) {
    m_send(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
}

void Dispatcher::request(const std::string &method, const json &params) {
    m_send(json{{"jsonrpc", "2.0"},
                {"id", "server-" + std::to_string(m_nextId++)},
                {"method", method},
                {"params", params}});
}

void Dispatcher::sendError(const json &id, const Error &error) {
    m_send(json{{"jsonrpc", "2.0"},
                {"id", id},
                {"error", {{"code", error.code}, {"message", error.message}}}});
}

Dispatcher::Parsed Dispatcher::parse(const std::string &body) {
    Parsed parsed;
    parsed.message = json::parse(body, nullptr, false);
    if (parsed.message.is_discarded()) {
        parsed.error = Error{ParseError, "the message is not valid JSON"};
    } else if (!parsed.message.is_object()) {
        parsed.error =
            Error{InvalidRequest, "a message must be a JSON object (batches are not supported)"};
    } else if (parsed.message.value("jsonrpc", json()) != "2.0") {
        parsed.error = Error{InvalidRequest, "the message lacks \"jsonrpc\": \"2.0\""};
    } else if (parsed.message.contains("id") && !parsed.message["id"].is_number_integer() &&
               !parsed.message["id"].is_string()) {
        parsed.error = Error{InvalidRequest, "\"id\" must be an integer or a string"};
    } else if (!parsed.message.contains("method") && !parsed.message.contains("result") &&
               !parsed.message.contains("error")) {
        parsed.error = Error{InvalidRequest, "the message has no \"method\""};
    } else if (parsed.message.contains("method") && !parsed.message["method"].is_string()) {
        parsed.error = Error{InvalidRequest, "\"method\" must be a string"};
    }
    return parsed;
}

void Dispatcher::handle(const std::vector<std::string> &bodies) {
    std::vector<Parsed> messages;
    messages.reserve(bodies.size());
    for (const auto &body : bodies)
        messages.push_back(parse(body));
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Parsed &parsed = messages[i];
        if (parsed.error) {
            const json &m = parsed.message;
            const json id = m.is_object() && m.contains("id") &&
                                    (m["id"].is_number_integer() || m["id"].is_string())
                                ? m["id"]
                                : json();
            sendError(id, *parsed.error);
            continue;
        }
        // Cancellations that arrived after this message, in the same batch.
        std::vector<json> cancelled;
        for (std::size_t j = i + 1; j < messages.size(); ++j) {
            const json &later = messages[j].message;
            if (!messages[j].error && later.value("method", "") == "$/cancelRequest" &&
                later.contains("params") && later["params"].is_object() &&
                later["params"].contains("id"))
                cancelled.push_back(later["params"]["id"]);
        }
        dispatch(parsed.message, cancelled);
    }
}

void Dispatcher::dispatch(const json &message, const std::vector<json> &cancelled) {
    if (!message.contains("method"))
        return; // a response to a request of ours, which never needs the answer
    const std::string method = message["method"].get<std::string>();
    const bool isRequest = message.contains("id");
    const json params = message.value("params", json::object());
    if (m_gate) {
        if (auto refusal = m_gate(method, isRequest)) {
            if (isRequest)
                sendError(message["id"], *refusal);
            return;
        }
    }
    if (!isRequest) {
        if (method == "$/cancelRequest") {
            if (params.is_object() && params.contains("id") &&
                (params["id"].is_number_integer() || params["id"].is_string()))
                cancelPending(params["id"]);
            return;
        }
        auto it = m_notifications.find(method);
        if (it == m_notifications.end())
            return; // unknown notifications (including $/ ones) are ignored, as the spec says
        try {
            it->second(params);
        } catch (const std::exception &) {
            // A notification has no reply; a bad one must not take the server down.
        }
        return;
    }
    const json &id = message["id"];
    if (std::find(cancelled.begin(), cancelled.end(), id) != cancelled.end()) {
        sendError(id, {RequestCancelled, "the request was cancelled"});
        return;
    }
    if (auto async = m_asyncRequests.find(method); async != m_asyncRequests.end()) {
        const std::string key = id.dump();
        {
            std::lock_guard lock(m_pendingMutex);
            if (!m_pending.insert(key).second) {
                sendError(id, {InvalidRequest, "a request with id " + key + " is still running"});
                return;
            }
        }
        // The sink answers once, unless the request was cancelled meanwhile.
        ReplySink sink = [this, id, key](Reply reply) {
            {
                std::lock_guard lock(m_pendingMutex);
                if (m_pending.erase(key) == 0)
                    return;
            }
            sendReply(id, std::move(reply));
        };
        try {
            async->second(params, sink);
        } catch (const json::exception &e) {
            sink(Error{InvalidParams,
                       std::string("invalid params for '") + method + "': " + e.what()});
        } catch (const std::exception &e) {
            sink(Error{InternalError, std::string("'") + method + "' failed: " + e.what()});
        }
        return;
    }
    auto it = m_requests.find(method);
    if (it == m_requests.end()) {
        sendError(id, {MethodNotFound, "unknown method '" + method + "'"});
        return;
    }
    try {
        sendReply(id, it->second(params));
    } catch (const json::exception &e) {
        sendError(id,
                  {InvalidParams, std::string("invalid params for '") + method + "': " + e.what()});
    } catch (const std::exception &e) {
        sendError(id, {InternalError, std::string("'") + method + "' failed: " + e.what()});
    }
}

} // namespace nimbus::jsonrpc
