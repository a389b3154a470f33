#pragma once

#include "../pool/invocation.h"
#include "../pool/servicepool.h"
#include "authorizers.h"
#include "proxyevent.h"
#include "routetable.h"
#include "websocketapi.h"
#include "nimbus/tracing/span.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nimbus::sim {

// What the gateway needs from the platform behind it.
class GatewayBackend {
public:
    virtual ~GatewayBackend() = default;
    virtual std::shared_ptr<const RouteTable> routes() const = 0;
    virtual std::string stage() const = 0;
    virtual std::string region() const { return "us-east-1"; }
    virtual std::string projectDir() const { return "."; }
    // Runs an event function or an http function with this payload, in `trace` (whose
    // parent is the gateway's span for the request).
    virtual void invokeFromGateway(const std::string &function, std::string payload,
                                   tracing::TraceContext trace, InvocationCallback callback) = 0;
    // The instances of an http service (nullptr when there is no such service).
    virtual std::shared_ptr<ServicePool> servicePool(const std::string &function) = 0;
    // One line for the developer's log about a request a function served.
    virtual void gatewayLog(const std::string &function, const std::string &line) = 0;
    // The gateway's span for a request it served.
    virtual void recordSpan(tracing::Span span) = 0;
};

struct GatewayOptions {
    std::size_t bodyLimit = 6 * 1024 * 1024; // Lambda's synchronous payload limit
    std::size_t headerLimit = 16 * 1024;     // beyond it: 431
    // A client must send a request's headers within this time, and its body within
    // bodyTimeout; otherwise the connection is dropped (slow clients).
    std::chrono::milliseconds headerTimeout{std::chrono::seconds(10)};
    std::chrono::milliseconds bodyTimeout{std::chrono::seconds(30)};
    // How long a proxied service may stay silent while it answers or streams.
    std::chrono::milliseconds serviceIdleTimeout{std::chrono::minutes(5)};
    std::size_t maxConnections = 1024;
};

// The local HTTP gateway: one loopback port serving every route of the project — API
// Gateway proxy events for event functions (payload 1.0 and 2.0), requests for http
// functions, and a streaming reverse proxy (WebSockets included) for http services —
// plus the project's WebSocket API (at / and /STAGE, with its @connections management
// API) and GET /_nimbus/routes. Malformed, oversized or slow requests get their error and
// lose their connection; the gateway carries on.
class Gateway : public std::enable_shared_from_this<Gateway> {
public:
    static std::shared_ptr<Gateway> create(boost::asio::io_context &io, GatewayBackend &backend,
                                           GatewayOptions options = {});

    // Listens on address:port (0 = an ephemeral port; loopback unless told otherwise).
    // Throws on failure.
    void listen(unsigned short port = 0, const std::string &address = "127.0.0.1");
    unsigned short port() const { return m_port; }
    std::string url() const;
    void close();

private:
    Gateway(boost::asio::io_context &io, GatewayBackend &backend, GatewayOptions options);
    boost::asio::awaitable<void> acceptLoop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
    // Runs a route's authorizer for a request: nullopt to let it through (with what
    // requestContext.authorizer carries in `context`), else the refusal to send.
    struct Refusal {
        unsigned status = 401;
        nlohmann::json body;
        std::string wwwAuthenticate;
        std::string why;
    };
    // `arn` is what the request asks for (a method ARN; a WebSocket API's $connect).
    boost::asio::awaitable<std::optional<Refusal>>
    authorize(const AuthorizerSpec &spec, const std::string &function,
              const GatewayRequest &request, const RouteMatch &match, const ApiContext &api,
              const std::string &arn, nlohmann::json &context);
    // The key set a JWT authorizer checks tokens against (a file of the project, a URL, or
    // the issuer's discovery document), cached for ten minutes; nullopt with `error`.
    boost::asio::awaitable<std::optional<Jwks>> keysFor(const AuthorizerSpec &spec, bool refresh,
                                                        std::string &error);
    // A client of the WebSocket API, from its handshake to its $disconnect.
    boost::asio::awaitable<void>
    serveWebSocket(boost::beast::tcp_stream stream,
                   boost::beast::http::request<boost::beast::http::empty_body> request,
                   std::string sourceIp);

    boost::asio::io_context &m_io;
    GatewayBackend &m_backend;
    GatewayOptions m_options;
    boost::asio::ip::tcp::acceptor m_acceptor;
    unsigned short m_port = 0;
    std::string m_urlHost = "127.0.0.1";
    std::size_t m_connections = 0;
    // Open connections to service instances, by port, waiting for their next request.
    std::map<unsigned short, std::vector<boost::asio::ip::tcp::socket>> m_idleUpstreams;
    WebSocketConnections m_webSockets; // the WebSocket API's clients, for @connections
    // Lambda authorizers' answers by authorizer and identity, until their TTL ends.
    struct CachedAnswer {
        bool functionError = false;
        std::string payload;
        std::chrono::steady_clock::time_point expires;
    };
    std::map<std::string, CachedAnswer> m_authorizerCache;
    struct CachedKeys {
        Jwks keys;
        std::chrono::steady_clock::time_point fetched;
    };
    std::map<std::string, CachedKeys> m_jwks;
    boost::asio::thread_pool m_fetcher{1}; // key sets come over the network off the I/O thread
};

} // namespace nimbus::sim
