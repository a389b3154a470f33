#include "websocketapi.h"

#include "../simulator/wallclock.h"
#include "nimbus/net/base64.h"
#include "nimbus/net/textformat.h"
#include "proxyevent.h"

#include <ctime>
#include <random>

namespace nimbus::sim {

using json = nlohmann::json;

namespace {

// API Gateway's connection ids: 12 base64 characters ending in '=' ("L0SM9cOFvHcCIhw=").
std::string newConnectionId() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    std::string raw;
    for (int i = 0; i < 10; ++i)
        raw.push_back(static_cast<char>(generator() & 0xFF));
    std::string id = net::base64Encode(raw);
    for (char &c : id)
        if (c == '/' || c == '+')
            c = 'A';
    return id;
}

std::string newMessageId() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    std::string raw;
    for (int i = 0; i < 10; ++i)
        raw.push_back(static_cast<char>(generator() & 0xFF));
    return net::base64Encode(raw);
}

} // namespace

void WebSocketConnection::send(std::string message) {
    outbox.push_back(std::move(message));
    if (wake)
        wake->cancel();
}

void WebSocketConnection::close() {
    closing = true;
    if (wake)
        wake->cancel();
}

std::shared_ptr<WebSocketConnection> WebSocketConnections::open(boost::asio::io_context &io,
                                                                std::string sourceIp,
                                                                std::string userAgent,
                                                                long long now) {
    auto connection = std::make_shared<WebSocketConnection>();
    do
        connection->id = newConnectionId();
    while (m_connections.count(connection->id));
    connection->connectedAtMs = connection->lastActiveAtMs = now;
    connection->sourceIp = std::move(sourceIp);
    connection->userAgent = std::move(userAgent);
    connection->wake = std::make_unique<boost::asio::steady_timer>(io);
    m_connections[connection->id] = connection;
    return connection;
}

std::shared_ptr<WebSocketConnection> WebSocketConnections::find(const std::string &id) const {
    auto it = m_connections.find(id);
    return it == m_connections.end() ? nullptr : it->second;
}

void WebSocketConnections::remove(const std::string &id) {
    m_connections.erase(id);
}

std::string selectRouteKey(const std::string &expression, const std::string &body) {
    const std::string prefix = "$request.body.";
    if (expression.rfind(prefix, 0) != 0)
        return {};
    const json document = json::parse(body, nullptr, false);
    const json *at = &document;
    std::size_t start = prefix.size();
    while (start <= expression.size()) {
        const auto dot = expression.find('.', start);
        const std::string key = expression.substr(start, dot == std::string::npos ? dot : dot - start);
        if (!at->is_object() || !at->contains(key))
            return {};
        at = &(*at)[key];
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    if (at->is_string())
        return at->get<std::string>();
    if (at->is_number() || at->is_boolean())
        return at->dump();
    return {};
}

json webSocketEvent(WebSocketEventType type, const std::string &routeKey,
                    const WebSocketConnection &connection, const GatewayRequest &request,
                    const ApiContext &api, const std::string &body) {
    const long long now = nowMs();
    json context = {{"routeKey", routeKey},
                    {"eventType", type == WebSocketEventType::Connect   ? "CONNECT"
                                  : type == WebSocketEventType::Message ? "MESSAGE"
                                                                        : "DISCONNECT"},
                    {"extendedRequestId", newMessageId()},
                    {"requestTime", requestTime(now)},
                    {"messageDirection", "IN"},
                    {"stage", api.stage},
                    {"connectedAt", connection.connectedAtMs},
                    {"requestTimeEpoch", now},
                    {"identity", {{"sourceIp", connection.sourceIp}, {"userAgent", connection.userAgent}}},
                    {"requestId", newMessageId()},
                    {"domainName", api.domainName},
                    {"connectionId", connection.id},
                    {"apiId", api.apiId}};
    if (!connection.authorizer.is_null())
        context["authorizer"] = connection.authorizer;
    json event = {{"requestContext", context}, {"isBase64Encoded", false}};
    if (type == WebSocketEventType::Message) {
        event["requestContext"]["messageId"] = newMessageId();
        event["body"] = body;
        return event;
    }
    if (type == WebSocketEventType::Disconnect) {
        event["requestContext"]["disconnectStatusCode"] = 1005;
        event["requestContext"]["disconnectReason"] = "";
    }
    json headers = json::object(), multi = json::object();
    for (const auto &[name, value] : request.headers) {
        headers[name] = value;
        multi[name].push_back(value);
    }
    event["headers"] = headers;
    event["multiValueHeaders"] = multi;
    if (type == WebSocketEventType::Connect && !request.rawQuery.empty()) {
        json query = json::object(), multiQuery = json::object();
        std::size_t at = 0;
        while (at <= request.rawQuery.size()) {
            const auto amp = request.rawQuery.find('&', at);
            const std::string pair =
                request.rawQuery.substr(at, amp == std::string::npos ? amp : amp - at);
            if (!pair.empty()) {
                const auto eq = pair.find('=');
                const std::string key = net::percentDecode(pair.substr(0, eq), true);
                const std::string value =
                    eq == std::string::npos ? "" : net::percentDecode(pair.substr(eq + 1), true);
                query[key] = value;
                multiQuery[key].push_back(value);
            }
            if (amp == std::string::npos)
                break;
            at = amp + 1;
        }
        event["queryStringParameters"] = query;
        event["multiValueQueryStringParameters"] = multiQuery;
    }
    return event;
}

json connectionInfo(const WebSocketConnection &connection) {
    return {{"ConnectedAt", net::isoMillis(connection.connectedAtMs)},
            {"Identity", {{"SourceIp", connection.sourceIp}, {"UserAgent", connection.userAgent}}},
            {"LastActiveAt", net::isoMillis(connection.lastActiveAtMs)}};
}

} // namespace nimbus::sim
