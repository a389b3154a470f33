#pragma once

#include "proxyevent.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nimbus::sim {

// One client of the WebSocket API, as @connections and the events describe it.
struct WebSocketConnection {
    std::string id;
    long long connectedAtMs = 0;
    long long lastActiveAtMs = 0;
    std::string sourceIp;
    std::string userAgent;
    nlohmann::json authorizer; // what the $connect authorizer allowed with (every event has it)
    // Messages waiting to go to the client (from @connections or two-way routes), and the
    // signal its writer waits on; `closing` asks the writer to close the connection.
    std::deque<std::string> outbox;
    std::unique_ptr<boost::asio::steady_timer> wake;
    bool closing = false;

    void send(std::string message);
    void close();
};

// The open connections of the WebSocket API, by id.
class WebSocketConnections {
public:
    std::shared_ptr<WebSocketConnection> open(boost::asio::io_context &io, std::string sourceIp,
                                              std::string userAgent, long long nowMs);
    std::shared_ptr<WebSocketConnection> find(const std::string &id) const;
    void remove(const std::string &id);
    std::size_t size() const { return m_connections.size(); }

private:
    std::map<std::string, std::shared_ptr<WebSocketConnection>> m_connections;
};

// The route key a message selects by the API's route selection expression
// ($request.body.action, $request.body.a.b, ...): empty when the body is not JSON or has no
// such value ($default then serves it, if there is one).
std::string selectRouteKey(const std::string &expression, const std::string &body);

// The event API Gateway sends a WebSocket route's function: CONNECT (with the handshake's
// headers and query), MESSAGE (with the body) or DISCONNECT.
enum class WebSocketEventType { Connect, Message, Disconnect };
nlohmann::json webSocketEvent(WebSocketEventType type, const std::string &routeKey,
                              const WebSocketConnection &connection, const GatewayRequest &request,
                              const ApiContext &api, const std::string &body = {});

// The answer @connections gives for GET: ConnectedAt, Identity, LastActiveAt.
nlohmann::json connectionInfo(const WebSocketConnection &connection);

} // namespace nimbus::sim
