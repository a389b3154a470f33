#include "gateway.h"

#include "../pool/functionpool.h"
#include "../pool/runtimelauncher.h"
#include "nimbus/net/httpclient.h"
#include "nimbus/net/peeruser.h"
#include "nimbus/net/textformat.h"
#include "nimbus/tracing/tracecontext.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sstream>

namespace nimbus::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto awaitTuple = asio::as_tuple(asio::use_awaitable);
using StringResponse = http::response<http::string_body>;

long long nowEpochMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double msSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

std::string formatMs(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", ms);
    return text;
}

StringResponse jsonResponse(unsigned status, const json &body, bool keepAlive) {
    StringResponse response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, "application/json");
    response.body() = body.dump();
    response.keep_alive(keepAlive);
    response.prepare_payload();
    return response;
}

StringResponse messageResponse(unsigned status, const std::string &message, bool keepAlive) {
    return jsonResponse(status, json{{"message", message}}, keepAlive);
}

// The errors that mean the peer went away or went quiet: nothing to answer.
bool peerGone(const beast::error_code &ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == beast::error::timeout || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
           ec == asio::error::broken_pipe;
}

bool hasBody(const http::request<http::empty_body> &request) {
    return request.chunked() || (request.payload_size() && *request.payload_size() > 0);
}

// The request's body size when it declared one.
std::optional<std::uint64_t> declaredLength(const http::request_parser<http::empty_body> &parser) {
    if (parser.content_length())
        return *parser.content_length();
    return std::nullopt;
}

// Starts an invocation and resumes the coroutine with its result.
template <typename Token>
auto asyncInvoke(GatewayBackend &backend, std::string function, std::string payload,
                 tracing::TraceContext traceContext, Token &&token) {
    return asio::async_initiate<Token, void(InvocationResult)>(
        [&backend](auto handler, std::string name, std::string event,
                   tracing::TraceContext trace) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            backend.invokeFromGateway(
                name, std::move(event), std::move(trace),
                [shared](InvocationResult result) mutable { (*shared)(std::move(result)); });
        },
        token, std::move(function), std::move(payload), std::move(traceContext));
}

long long nowEpochUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// The gateway's span for one request: a server span named by its route, failed when the
// answer is a 5xx.
tracing::Span requestSpan(const tracing::TraceContext &caller, const std::string &spanId,
                          const Route &route, long long startUs, unsigned status,
                          const std::string &problem) {
    tracing::Span span;
    span.traceId = caller.traceId;
    span.spanId = spanId;
    span.parentId = caller.parentId;
    span.name = route.method + " " + route.path;
    span.kind = "server";
    span.function = route.function;
    span.startUs = startUs;
    span.durationUs = std::max(0LL, nowEpochUs() - startUs);
    span.error = status >= 500;
    span.statusMessage = problem.empty() ? std::string() : problem;
    span.attributes = {{"http.response.status_code", std::to_string(status)}};
    return span;
}

template <typename Token> auto asyncAcquire(std::shared_ptr<ServicePool> pool, Token &&token) {
    return asio::async_initiate<Token, void(std::optional<ServiceLease>, std::string)>(
        [](auto handler, std::shared_ptr<ServicePool> services) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            services->acquire(
                [shared](std::optional<ServiceLease> lease, std::string error) mutable {
                    (*shared)(std::move(lease), std::move(error));
                });
        },
        token, std::move(pool));
}

// Copies one HTTP message's body from `in` to `out` as it arrives, the header first (the
// relay of Beast's documentation, with a timeout on each step).
template <bool isRequest>
asio::awaitable<beast::error_code>
relay(beast::tcp_stream &out, beast::tcp_stream &in, beast::flat_buffer &inBuffer,
      http::parser<isRequest, http::buffer_body> &parser, std::chrono::milliseconds idle) {
    http::serializer<isRequest, http::buffer_body> serializer{parser.get()};
    char chunk[16384];
    do {
        if (!parser.is_done()) {
            parser.get().body().data = chunk;
            parser.get().body().size = sizeof chunk;
            in.expires_after(idle);
            // read_some: pass on what has come, so streamed bodies flow as they are written.
            auto [ec, n] = co_await http::async_read_some(in, inBuffer, parser, awaitTuple);
            if (ec == http::error::need_buffer)
                ec = {};
            if (ec)
                co_return ec;
            parser.get().body().size = sizeof chunk - parser.get().body().size;
            // An empty piece must be "no data yet", or a chunked serializer would end the
            // body with a zero-size chunk.
            parser.get().body().data = parser.get().body().size ? chunk : nullptr;
            parser.get().body().more = !parser.is_done();
        } else {
            parser.get().body().data = nullptr;
            parser.get().body().size = 0;
            parser.get().body().more = false; // the end: lets the serializer finish
        }
        out.expires_after(idle);
        auto [ec, n] = co_await http::async_write(out, serializer, awaitTuple);
        if (ec == http::error::need_buffer)
            ec = {};
        if (ec)
            co_return ec;
    } while (!parser.is_done() || !serializer.is_done());
    co_return beast::error_code{};
}

// Bytes one way until either side closes (an upgraded connection).
asio::awaitable<void> pump(tcp::socket &from, tcp::socket &to) {
    char chunk[16384];
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(chunk), awaitTuple);
        if (ec)
            break;
        auto [wec, written] = co_await asio::async_write(to, asio::buffer(chunk, n), awaitTuple);
        if (wec)
            break;
    }
    beast::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

// Acknowledge at once what the instance sends: servers that write headers and body in two
// small sends (Python's http.server) otherwise stall ~40 ms on a kept connection, their
// Nagle waiting for our delayed ACK. Linux only keeps this for a while, so it is set
// before each answer is read.
void quickAck(tcp::socket &socket) {
    const int on = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

void splitTarget(std::string_view target, std::string &path, std::string &query) {
    const std::size_t q = target.find('?');
    path = std::string(target.substr(0, q));
    query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
}

} // namespace

std::shared_ptr<Gateway> Gateway::create(asio::io_context &io, GatewayBackend &backend,
                                         GatewayOptions options) {
    return std::shared_ptr<Gateway>(new Gateway(io, backend, options));
}

Gateway::Gateway(asio::io_context &io, GatewayBackend &backend, GatewayOptions options)
    : m_io(io)
    , m_backend(backend)
    , m_options(options)
    , m_acceptor(io) {}

void Gateway::listen(unsigned short port, const std::string &address) {
    tcp::endpoint endpoint(asio::ip::make_address(address), port);
    m_urlHost = net::urlHost(address);
    m_acceptor.open(endpoint.protocol());
    m_acceptor.set_option(asio::socket_base::reuse_address(true));
    m_acceptor.bind(endpoint);
    m_acceptor.listen(asio::socket_base::max_listen_connections);
    m_port = m_acceptor.local_endpoint().port();
    asio::co_spawn(
        m_io, [self = shared_from_this()] { return self->acceptLoop(); }, asio::detached);
}

std::string Gateway::url() const {
    return "http://" + m_urlHost + ":" + std::to_string(m_port);
}

void Gateway::close() {
    beast::error_code ignored;
    m_acceptor.close(ignored);
}

asio::awaitable<void> Gateway::acceptLoop() {
    auto self = shared_from_this();
    while (m_acceptor.is_open()) {
        auto [ec, socket] = co_await m_acceptor.async_accept(awaitTuple);
        if (ec == asio::error::operation_aborted || !m_acceptor.is_open())
            co_return;
        if (ec)
            continue; // e.g. too many open files: try the next one
        if (m_connections >= m_options.maxConnections || !net::peerIsTrusted(socket)) {
            // Shed load rather than fall over; another user's connection goes unanswered.
            beast::error_code ignored;
            socket.close(ignored);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(
            m_io, [self, s = std::move(socket)]() mutable { return self->serve(std::move(s)); },
            asio::detached);
    }
}

asio::awaitable<void> Gateway::serve(tcp::socket socket) {
    auto self = shared_from_this();
    ++m_connections;
    struct Count {
        std::size_t &n;
        ~Count() { --n; }
    } count{m_connections};

    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    const std::string sourceIp = ec ? "127.0.0.1" : remote.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;

    auto send = [&](StringResponse response) -> asio::awaitable<bool> {
        stream.expires_after(m_options.bodyTimeout);
        const bool keepAlive = response.keep_alive();
        auto [wec, n] = co_await http::async_write(stream, response, awaitTuple);
        co_return !wec && keepAlive;
    };
    auto closeStream = [&] {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.close();
    };

    for (;;) {
        http::request_parser<http::empty_body> head;
        head.header_limit(static_cast<std::uint32_t>(m_options.headerLimit));
        head.body_limit(std::numeric_limits<std::uint64_t>::max());
        stream.expires_after(m_options.headerTimeout);
        auto [rec, n] = co_await http::async_read_header(stream, buffer, head, awaitTuple);
        if (rec) {
            if (!peerGone(rec)) {
                const bool tooLarge = rec == http::error::header_limit;
                {
                    StringResponse reply =
                        messageResponse(tooLarge ? 431 : 400,
                                        tooLarge ? "Request header fields too large"
                                                 : "Malformed HTTP request: " + rec.message(),
                                        false);
                    co_await send(std::move(reply));
                }
            }
            closeStream();
            co_return;
        }
        const auto started = std::chrono::steady_clock::now();
        auto &header = head.get();
        const bool keepAlive = header.keep_alive();
        const bool isHead = header.method() == http::verb::head;
        const bool bodyFollows = hasBody(header);
        std::string path, query;
        splitTarget(header.target(), path, query);
        const std::string method(header.method_string());
        if (path.empty() || path.front() != '/') {
            {
                StringResponse reply =
                    messageResponse(400, "the request target must be a path", false);
                co_await send(std::move(reply));
            }
            closeStream();
            co_return;
        }

        // The WebSocket API: a handshake at / or /STAGE, and its @connections API.
        const auto apiRoutes = m_backend.routes();
        const std::string stagePath = "/" + m_backend.stage();
        if (!apiRoutes->webSocketRoutes().empty() && beast::websocket::is_upgrade(header) &&
            (path == "/" || path == stagePath)) {
            co_await serveWebSocket(std::move(stream), head.release(), sourceIp);
            co_return;
        }
        const std::string atConnections = "/@connections/";
        const auto connectionsAt = path.rfind(stagePath + atConnections, 0) == 0
                                       ? stagePath.size() + atConnections.size()
                                   : path.rfind(atConnections, 0) == 0 ? atConnections.size()
                                                                       : std::string::npos;
        if (connectionsAt != std::string::npos && !apiRoutes->webSocketRoutes().empty()) {
            const std::string id = net::percentDecode(std::string_view(path).substr(connectionsAt));
            http::request_parser<http::string_body> full{std::move(head)};
            full.body_limit(128 * 1024);
            stream.expires_after(m_options.bodyTimeout);
            auto [bec, bn] = co_await http::async_read(stream, buffer, full, awaitTuple);
            StringResponse reply;
            if (bec) {
                reply = messageResponse(bec == http::error::body_limit ? 413 : 400,
                                        bec == http::error::body_limit
                                            ? "PayloadTooLargeException: at most 128 KB"
                                            : "Malformed HTTP request: " + bec.message(),
                                        false);
                co_await send(std::move(reply));
                break;
            }
            const auto connection = m_webSockets.find(id);
            const auto verb = full.get().method();
            if (!connection) {
                reply = jsonResponse(410, {{"message", nullptr}}, keepAlive);
                reply.set("x-amzn-ErrorType", "GoneException");
            } else if (verb == http::verb::post) {
                connection->send(std::move(full.get().body()));
                reply = jsonResponse(200, json::object(), keepAlive);
                reply.body().clear();
                reply.prepare_payload();
            } else if (verb == http::verb::get) {
                reply = jsonResponse(200, connectionInfo(*connection), keepAlive);
            } else if (verb == http::verb::delete_) {
                connection->close();
                reply = StringResponse{http::status::no_content, 11};
                reply.keep_alive(keepAlive);
                reply.prepare_payload();
            } else {
                reply = messageResponse(405, "Method Not Allowed", keepAlive);
            }
            m_backend.gatewayLog("@connections", method + " " + path + " " +
                                                     std::to_string(reply.result_int()));
            if (!co_await send(std::move(reply)))
                break;
            continue;
        }

        if (path == "/_nimbus/routes" && header.method() == http::verb::get) {
            std::string host(header[http::field::host]);
            const json routes = m_backend.routes()->toJson(host.empty() ? url() : "http://" + host, m_backend.stage());
            StringResponse reply = jsonResponse(200, routes, keepAlive && !bodyFollows);
            if (!co_await send(std::move(reply)))
                break;
            continue;
        }

        const auto routes = m_backend.routes();
        const auto match = routes->match(method, path);
        if (!match) {
            const bool otherMethod = routes->pathExists(path);
            // An unread body would be taken for the next request: close instead.
            StringResponse reply = messageResponse(otherMethod ? 405 : 404,
                                                   otherMethod ? "Method Not Allowed" : "Not Found",
                                                   keepAlive && !bodyFollows);
            if (!co_await send(std::move(reply)))
                break;
            continue;
        }
        const Route &route = *match->route;
        // The caller's trace (W3C traceparent, else X-Ray's header) continues in the
        // gateway's span, and from there into the function or service.
        const tracing::TraceContext caller = tracing::continueTrace(
            std::string(header["traceparent"]), std::string(header["X-Amzn-Trace-Id"]));
        const std::string gatewaySpan = tracing::newSpanId();
        const long long startedUs = nowEpochUs();
        tracing::TraceContext onward = caller;
        onward.parentId = gatewaySpan;

        const auto declared = declaredLength(head);
        if (declared && *declared > m_options.bodyLimit) {
            {
                StringResponse reply = messageResponse(
                    413,
                    "Request Entity Too Large: the body is " + std::to_string(*declared) +
                        " bytes; the gateway takes at most " + std::to_string(m_options.bodyLimit),
                    false);
                co_await send(std::move(reply));
            }
            break;
        }

        if (route.kind == RouteKind::Service) {
            auto pool = m_backend.servicePool(route.function);
            if (!pool) {
                {
                    StringResponse reply = messageResponse(502, "service unavailable", false);
                    co_await send(std::move(reply));
                }
                break;
            }
            if (header[http::field::expect] == "100-continue") {
                static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                co_await asio::async_write(stream, asio::buffer(kContinue), awaitTuple);
                header.erase(http::field::expect);
            }
            stream.expires_never();
            // A service that traces picks the trace up from here.
            header.set("traceparent", tracing::formatTraceparent(caller, gatewaySpan));
            header.erase("X-Amzn-Trace-Id");
            auto [lease, error] = co_await asyncAcquire(pool, asio::use_awaitable);
            if (!lease) {
                m_backend.recordSpan(
                    requestSpan(caller, gatewaySpan, route, startedUs, 502, error));
                m_backend.gatewayLog(route.function, method + " " + path + " 502 — " + error);
                {
                    StringResponse reply = messageResponse(502, error, false);
                    co_await send(std::move(reply));
                }
                break;
            }
            struct Release {
                std::shared_ptr<ServicePool> pool;
                ServiceLease lease;
                ~Release() { pool->release(lease); }
            } release{pool, *lease};

            // A connection to the instance: an idle one kept from an earlier request when
            // `reuse` allows, else a new one.
            std::optional<beast::tcp_stream> upstream;
            bool reused = false;
            // (The lease is captured by name: clang 14, the fuzz build's compiler, captures no
            // structured binding.)
            auto connectUpstream =
                [&, &leased = lease](bool reuse) -> asio::awaitable<beast::error_code> {
                auto &idle = m_idleUpstreams[leased->port];
                reused = reuse && !idle.empty();
                if (reused) {
                    upstream.emplace(std::move(idle.back()));
                    idle.pop_back();
                    co_return beast::error_code{};
                }
                upstream.emplace(co_await asio::this_coro::executor);
                upstream->expires_after(std::chrono::seconds(5));
                auto [cec] = co_await upstream->async_connect(
                    tcp::endpoint(asio::ip::address_v4::loopback(), leased->port), awaitTuple);
                co_return cec;
            };
            auto cannotConnect = [&](const beast::error_code &cec) {
                m_backend.gatewayLog(route.function,
                                     method + " " + path +
                                         " 502 — cannot connect to the instance: " + cec.message());
                return messageResponse(502, "the service's instance refused the connection", false);
            };
            // The service sees its own path, and where it is mounted.
            header.target(match->innerPath + (query.empty() ? "" : "?" + query));
            header.set("X-Forwarded-For", sourceIp);
            header.set("X-Forwarded-Proto", "http");
            if (!header[http::field::host].empty())
                header.set("X-Forwarded-Host", header[http::field::host]);
            if (!match->mountPath.empty())
                header.set("X-Forwarded-Prefix", match->mountPath);
            if (const auto &scf = pool->config().scf) {
                // What SCF's gateway tells a web function about each request.
                header.set("X-Scf-Request-Id", newRequestId());
                header.set("X-Scf-Name", scf->functionName);
                header.set("X-Scf-Namespace", scf->namespaceName);
                header.set("X-Scf-Region", scf->region);
                header.set("X-Scf-Version", scf->version);
                header.set("X-Scf-Memory", std::to_string(scf->memoryMb));
                header.set("X-Scf-Timeout", std::to_string(scf->timeoutSeconds * 1000));
                header.set("X-Scf-Appid", RuntimeLauncher::kScfLocalAppId);
                header.set("X-Scf-Uin", RuntimeLauncher::kScfLocalUin);
            }

            if (beast::websocket::is_upgrade(header)) {
                if (auto cec = co_await connectUpstream(false)) {
                    StringResponse reply = cannotConnect(cec);
                    co_await send(std::move(reply));
                    break;
                }
                auto &upstreamWs = *upstream;
                http::request_serializer<http::empty_body> request{header};
                upstreamWs.expires_after(m_options.serviceIdleTimeout);
                auto [wec, wn] = co_await http::async_write(upstreamWs, request, awaitTuple);
                beast::flat_buffer upBuffer;
                http::response_parser<http::string_body> answer;
                if (!wec)
                    std::tie(wec, wn) =
                        co_await http::async_read_header(upstreamWs, upBuffer, answer, awaitTuple);
                if (wec) {
                    {
                        StringResponse reply =
                            messageResponse(502, "the service did not answer the upgrade", false);
                        co_await send(std::move(reply));
                    }
                    break;
                }
                if (answer.get().result() != http::status::switching_protocols) {
                    // Refused: pass the answer on and close.
                    std::tie(wec, wn) =
                        co_await http::async_read(upstreamWs, upBuffer, answer, awaitTuple);
                    auto refused = answer.release();
                    refused.keep_alive(false);
                    co_await send(std::move(refused));
                    break;
                }
                http::response_serializer<http::string_body> switching{answer.get()};
                stream.expires_never();
                upstreamWs.expires_never();
                std::tie(wec, wn) =
                    co_await http::async_write_header(stream, switching, awaitTuple);
                m_backend.gatewayLog(route.function, method + " " + path + " 101 (WebSocket) " +
                                                         formatMs(msSince(started)));
                // Whatever either side sent after the handshake goes first.
                if (!wec && buffer.size() > 0)
                    std::tie(wec, wn) =
                        co_await asio::async_write(upstreamWs.socket(), buffer.data(), awaitTuple);
                if (!wec && upBuffer.size() > 0)
                    std::tie(wec, wn) =
                        co_await asio::async_write(stream.socket(), upBuffer.data(), awaitTuple);
                if (!wec)
                    co_await (pump(stream.socket(), upstreamWs.socket()) ||
                              pump(upstreamWs.socket(), stream.socket()));
                closeStream();
                co_return;
            }

            // An ordinary request: stream it there and the answer back. A request without
            // a body may go over a kept connection, and again over a new one should the
            // kept one turn out closed (as proxies retry); one with a body gets a new one.
            http::request_parser<http::buffer_body> request{std::move(head)};
            request.body_limit(std::numeric_limits<std::uint64_t>::max());
            request.get().keep_alive(true); // our hop to the instance stays open
            const bool replayable = !bodyFollows;
            beast::flat_buffer upBuffer;
            std::optional<http::response_parser<http::buffer_body>> answer;
            beast::error_code failure;
            std::string failureWhat;
            bool awaitingAnswer = false; // the request went; the answer's header did not come
            for (int attempt = 0; attempt < 2; ++attempt) {
                failure = co_await connectUpstream(replayable && attempt == 0);
                if (failure) {
                    failureWhat = "cannot connect to the instance";
                    break;
                }
                failure = co_await relay<true>(*upstream, stream, buffer, request,
                                               m_options.serviceIdleTimeout);
                if (!failure) {
                    upBuffer.clear();
                    answer.emplace();
                    answer->body_limit(std::numeric_limits<std::uint64_t>::max());
                    if (isHead)
                        answer->skip(true);
                    upstream->expires_after(pool->config().requestTimeout);
                    quickAck(upstream->socket());
                    auto [hec, hn] =
                        co_await http::async_read_header(*upstream, upBuffer, *answer, awaitTuple);
                    failure = hec;
                    failureWhat = "the service did not answer";
                    awaitingAnswer = true;
                } else {
                    failureWhat = "the service did not take the request";
                    awaitingAnswer = false;
                }
                if (!failure || !reused || !replayable)
                    break;
            }
            if (failure) {
                const bool timedOut = failure == beast::error::timeout && awaitingAnswer;
                const unsigned status = timedOut ? 504 : 502;
                if (timedOut)
                    failureWhat = "the service did not answer within its timeout of " +
                                  formatMs(static_cast<double>(
                                      pool->config().requestTimeout.count()));
                m_backend.recordSpan(requestSpan(caller, gatewaySpan, route, startedUs, status,
                                                 failureWhat));
                m_backend.gatewayLog(route.function, method + " " + path + " " +
                                                         std::to_string(status) + " — " +
                                                         failureWhat + ": " + failure.message());
                if (timedOut || !peerGone(failure) || reused) {
                    StringResponse reply = messageResponse(status, failureWhat, false);
                    co_await send(std::move(reply));
                }
                break;
            }
            // Close-delimited answers end the client's connection too.
            const bool framed = answer->chunked() || answer->content_length() || answer->is_done();
            const bool upstreamAgain = answer->get().keep_alive() && framed;
            const bool again = keepAlive && framed;
            // Our answer to the client is HTTP/1.1 whatever the instance spoke, without
            // the instance's hop-by-hop headers.
            answer->get().version(11);
            answer->get().erase(http::field::keep_alive);
            answer->get().keep_alive(again);
            const unsigned status = answer->get().result_int();
            auto back = co_await relay<false>(stream, *upstream, upBuffer, *answer,
                                              m_options.serviceIdleTimeout);
            m_backend.recordSpan(requestSpan(caller, gatewaySpan, route, startedUs, status, {}));
            m_backend.gatewayLog(route.function, method + " " + path + " " +
                                                     std::to_string(status) + " " +
                                                     formatMs(msSince(started)));
            // A connection that is still good waits for the instance's next request.
            auto &idle = m_idleUpstreams[lease->port];
            if (!back && upstreamAgain && upBuffer.size() == 0 && idle.size() < 64) {
                upstream->expires_never();
                idle.push_back(upstream->release_socket());
            }
            if (back || !again)
                break;
            continue;
        }

        // Event and http functions: the whole body, then one invocation.
        if (header[http::field::expect] == "100-continue") {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            co_await asio::async_write(stream, asio::buffer(kContinue), awaitTuple);
        }
        http::request_parser<http::string_body> full{std::move(head)};
        full.body_limit(m_options.bodyLimit);
        stream.expires_after(m_options.bodyTimeout);
        auto [bec, bn] = co_await http::async_read(stream, buffer, full, awaitTuple);
        if (bec) {
            if (bec == http::error::body_limit) {
                StringResponse reply =
                    messageResponse(413,
                                    "Request Entity Too Large: functions take at most " +
                                        std::to_string(m_options.bodyLimit) + " bytes",
                                    false);
                co_await send(std::move(reply));
            } else if (!peerGone(bec)) {
                StringResponse reply =
                    messageResponse(400, "Malformed HTTP request: " + bec.message(), false);
                co_await send(std::move(reply));
            }
            break;
        }
        stream.expires_never(); // the function takes as long as it takes (its own timeout)
        auto &request = full.get();

        GatewayRequest in;
        in.method = method;
        in.path = path;
        in.rawQuery = query;
        for (const auto &field : request)
            in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        in.body = std::move(request.body());
        in.sourceIp = sourceIp;
        in.protocol = request.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
        in.requestId = newRequestId();
        in.timeEpochMs = nowEpochMs();
        ApiContext api;
        api.stage = m_backend.stage();
        api.domainName = std::string(request[http::field::host]);
        if (api.domainName.empty())
            api.domainName = "127.0.0.1:" + std::to_string(m_port);

        json event = route.kind == RouteKind::RestEvent   ? restProxyEvent(in, *match, api)
                     : route.kind == RouteKind::HttpEvent ? httpApiEvent(in, *match, api)
                     : route.kind == RouteKind::ScfEvent
                         ? scfApiGatewayEvent(in, *match, route.scf->stage)
                         : httpFunctionEvent(in, *match);
        // The route's authorizer first: a refusal goes back without running the function.
        if (route.authorizer) {
            json context;
            // API Gateway's ARN of what is asked: REST in its stage, HTTP API in $default.
            ApiContext arnApi = api;
            if (route.authorizer->httpApi)
                arnApi.stage = "$default";
            const std::string arn = methodArn(m_backend.region(), arnApi, in.method, in.path);
            std::optional<Refusal> refusal =
                co_await authorize(*route.authorizer, route.function, in, *match, api, arn, context);
            if (refusal) {
                StringResponse reply = jsonResponse(refusal->status, refusal->body, keepAlive);
                if (!refusal->wwwAuthenticate.empty())
                    reply.set(http::field::www_authenticate, refusal->wwwAuthenticate);
                reply.set(route.kind == RouteKind::RestEvent ? "x-amzn-RequestId" : "apigw-requestid",
                          in.requestId);
                m_backend.recordSpan(requestSpan(caller, gatewaySpan, route, startedUs,
                                                 refusal->status, refusal->why));
                m_backend.gatewayLog(route.function, method + " " + path + " " +
                                                         std::to_string(refusal->status) + " " +
                                                         formatMs(msSince(started)) + " — " +
                                                         refusal->why);
                if (!co_await send(std::move(reply)))
                    break;
                continue;
            }
            if (!context.is_null() && event.contains("requestContext"))
                event["requestContext"]["authorizer"] = context;
        }
        // (No temporaries inside co_await: GCC 12 destroys some of them twice.)
        // Bytes that are not UTF-8 (a header, a percent-decoded path) are replaced, as
        // API Gateway does, rather than failing the request.
        std::string payload = event.dump(-1, ' ', false, json::error_handler_t::replace);
        InvocationResult result = co_await asyncInvoke(m_backend, route.function,
                                                       std::move(payload), onward,
                                                       asio::use_awaitable);
        std::optional<GatewayResponse> out;
        std::string problem;
        StringResponse response;
        if (result.throttled) {
            problem = "throttled: every instance is busy (reservedConcurrency)";
            response = messageResponse(429, "Too Many Requests", keepAlive);
        } else if (result.functionError && result.errorType == "Sandbox.Timedout") {
            problem = "the function timed out";
            response = messageResponse(504, "Endpoint request timed out", keepAlive);
        } else if (result.functionError) {
            problem = "function error " + result.errorType;
            response = messageResponse(502, "Internal Server Error", keepAlive);
        } else if (route.kind == RouteKind::ScfEvent) {
            out = scfApiGatewayResponse(result.payload, route.scf->integratedResponse, problem);
            if (!out) {
                // SCF's gateway answers an integrated response of the wrong shape so.
                problem = "the function's result is not an integrated response: " + problem;
                out = scfInvalidResponse();
            }
        } else {
            out = route.kind == RouteKind::HttpEvent ? httpApiResponse(result.payload, problem)
                                                     : restProxyResponse(result.payload, problem);
            if (!out) {
                problem = "the function's result is not a valid response: " + problem;
                response = messageResponse(502, "Internal Server Error", keepAlive);
            }
        }
        if (out) {
            response = StringResponse{static_cast<http::status>(out->status), 11};
            for (const auto &[name, value] : out->headers) {
                const http::field known = http::string_to_field(name);
                if (known == http::field::content_length ||
                    known == http::field::transfer_encoding || known == http::field::connection)
                    continue; // framing is ours
                response.insert(name, value);
            }
            response.body() = std::move(out->body);
            response.keep_alive(keepAlive);
        }
        // Each platform's request id header: REST API, HTTP API, SCF's gateway, Cloud
        // Functions.
        response.set(route.kind == RouteKind::RestEvent   ? "x-amzn-RequestId"
                     : route.kind == RouteKind::HttpEvent ? "apigw-requestid"
                     : route.kind == RouteKind::ScfEvent  ? "X-Api-RequestId"
                                                          : "Function-Execution-Id",
                     in.requestId);
        response.prepare_payload();
        if (isHead) {
            const auto length = response.body().size();
            response.body().clear();
            response.content_length(length);
        }
        m_backend.recordSpan(requestSpan(caller, gatewaySpan, route, startedUs,
                                         response.result_int(), problem));
        m_backend.gatewayLog(route.function, method + " " + path + " " +
                                                 std::to_string(response.result_int()) + " " +
                                                 formatMs(msSince(started)) +
                                                 (problem.empty() ? "" : " — " + problem));
        if (!co_await send(std::move(response)))
            break;
    }
    closeStream();
}

asio::awaitable<std::optional<Gateway::Refusal>>
Gateway::authorize(const AuthorizerSpec &spec, const std::string &function,
                   const GatewayRequest &request, const RouteMatch &match, const ApiContext &api,
                   const std::string &arn, json &context) {
    const bool rest = !spec.httpApi;
    auto refuse = [&](unsigned status, std::string why) {
        Refusal r;
        r.status = status;
        r.why = "authorizer " + spec.name + ": " + why;
        if (status == 401)
            r.body = {{"message", "Unauthorized"}};
        else if (status == 403)
            r.body = rest ? json{{"Message", "User is not authorized to access this resource with "
                                             "an explicit deny"}}
                          : json{{"message", "Forbidden"}};
        else
            r.body = rest ? json{{"message", nullptr}} : json{{"message", "Internal Server Error"}};
        return std::optional<Refusal>(std::move(r));
    };
    if (spec.kind == AuthorizerSpec::Kind::Unsupported) {
        // Nothing to check it with locally: the request goes through, and the log says so.
        m_backend.gatewayLog(function,
                             "authorizer " + spec.name + " is not enforced locally: " + spec.unsupported);
        co_return std::nullopt;
    }
    const auto identity = identityOf(spec, request, match);
    if (!identity)
        co_return refuse(401, "the identity source is missing or does not match");
    if (spec.kind == AuthorizerSpec::Kind::Jwt) {
        std::string error;
        std::optional<Jwks> keys = co_await keysFor(spec, false, error);
        if (!keys)
            co_return refuse(500, "no keys to check tokens with: " + error);
        const std::string value = identity->empty() ? std::string() : identity->front();
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        AuthorizerVerdict verdict = verifyJwt(spec, value, *keys, now);
        // A key the issuer has since rotated in: fetch the set again, once.
        if (verdict.outcome == AuthorizerVerdict::Outcome::Unauthorized &&
            verdict.message.find("kid") != std::string::npos) {
            std::optional<Jwks> fresh = co_await keysFor(spec, true, error);
            if (fresh)
                verdict = verifyJwt(spec, value, *fresh, now);
        }
        if (verdict.outcome == AuthorizerVerdict::Outcome::Allow) {
            context = verdict.context;
            co_return std::nullopt;
        }
        auto refusal = refuse(verdict.outcome == AuthorizerVerdict::Outcome::Deny ? 403 : 401,
                              verdict.message);
        if (refusal->status == 401)
            refusal->wwwAuthenticate = "Bearer scope=\"\" error=\"invalid_token\" "
                                       "error_description=\"" + verdict.message + "\"";
        co_return refusal;
    }

    // A Lambda authorizer: its answer, from the cache while its TTL lasts.
    const std::string key = authorizerCacheKey(spec, *identity);
    bool functionError = false;
    std::string payload;
    const auto cached = m_authorizerCache.find(key);
    const auto now = std::chrono::steady_clock::now();
    if (cachesAnswers(spec) && cached != m_authorizerCache.end() && cached->second.expires > now) {
        functionError = cached->second.functionError;
        payload = cached->second.payload;
    } else {
        std::string event = authorizerEvent(spec, request, match, api, arn, *identity)
                                .dump(-1, ' ', false, json::error_handler_t::replace);
        std::string authorizerFunction = spec.function;
        tracing::TraceContext trace = tracing::startTrace();
        InvocationResult result = co_await asyncInvoke(m_backend, std::move(authorizerFunction),
                                                       std::move(event), std::move(trace),
                                                       asio::use_awaitable);
        if (result.throttled)
            co_return refuse(500, "the authorizer function was throttled");
        functionError = result.functionError;
        payload = result.payload;
        // Only answers that decide (a policy, or Unauthorized) are kept.
        const AuthorizerVerdict probe = evaluateAuthorizerAnswer(spec, functionError, payload, arn);
        if (cachesAnswers(spec) && probe.outcome != AuthorizerVerdict::Outcome::Error)
            m_authorizerCache[key] = {functionError, payload,
                                      now + std::chrono::seconds(spec.ttlSeconds)};
    }
    AuthorizerVerdict verdict = evaluateAuthorizerAnswer(spec, functionError, payload, arn);
    switch (verdict.outcome) {
    case AuthorizerVerdict::Outcome::Allow:
        context = verdict.context;
        co_return std::nullopt;
    case AuthorizerVerdict::Outcome::Deny:
        co_return refuse(403, verdict.message);
    case AuthorizerVerdict::Outcome::Unauthorized:
        co_return refuse(401, verdict.message);
    case AuthorizerVerdict::Outcome::Error:
        break;
    }
    co_return refuse(500, verdict.message);
}

asio::awaitable<std::optional<Jwks>> Gateway::keysFor(const AuthorizerSpec &spec, bool refresh,
                                                      std::string &error) {
    const std::string source = !spec.jwks.empty() ? spec.jwks : openIdConfigurationUrl(spec.issuer);
    const auto now = std::chrono::steady_clock::now();
    auto cached = m_jwks.find(source);
    if (cached != m_jwks.end() &&
        now - cached->second.fetched < (refresh ? std::chrono::seconds(30) : std::chrono::minutes(10)))
        co_return cached->second.keys;
    const bool remote = source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
    std::string text;
    if (!remote) {
        namespace fs = std::filesystem;
        const fs::path path = fs::path(source).is_absolute() ? fs::path(source)
                                                             : fs::path(m_backend.projectDir()) / source;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            error = "cannot read the key set " + path.string();
            co_return std::nullopt;
        }
        std::ostringstream all;
        all << in.rdbuf();
        text = all.str();
    } else {
        // Over the network, off the I/O thread: discovery first when given the issuer.
        auto fetch = [](std::string url) -> asio::awaitable<net::HttpResult> {
            net::HttpRequestSpec request;
            request.url = std::move(url);
            request.timeout = std::chrono::seconds(10);
            co_return net::httpRequest(request);
        };
        std::string url = source;
        if (spec.jwks.empty()) {
            net::HttpResult discovery =
                co_await asio::co_spawn(m_fetcher, fetch(url), asio::use_awaitable);
            if (discovery.status != 200) {
                error = url + ": " + (discovery.error.empty() ? "HTTP " + std::to_string(discovery.status)
                                                              : discovery.error);
                co_return std::nullopt;
            }
            auto jwksUri = jwksUriOf(discovery.body, error);
            if (!jwksUri)
                co_return std::nullopt;
            url = *jwksUri;
        }
        net::HttpResult answer = co_await asio::co_spawn(m_fetcher, fetch(url), asio::use_awaitable);
        if (answer.status != 200) {
            error = url + ": " + (answer.error.empty() ? "HTTP " + std::to_string(answer.status)
                                                       : answer.error);
            co_return std::nullopt;
        }
        text = std::move(answer.body);
    }
    auto keys = parseJwks(text, error);
    if (!keys)
        co_return std::nullopt;
    m_jwks[source] = {*keys, now};
    co_return keys;
}

asio::awaitable<void> Gateway::serveWebSocket(beast::tcp_stream stream,
                                              http::request<http::empty_body> request,
                                              std::string sourceIp) {
    namespace websocket = beast::websocket;
    auto self = shared_from_this();
    const auto routes = m_backend.routes();
    ApiContext api;
    api.stage = m_backend.stage();
    api.domainName = std::string(request[http::field::host]);
    if (api.domainName.empty())
        api.domainName = "127.0.0.1:" + std::to_string(m_port);
    GatewayRequest in;
    in.method = "GET";
    splitTarget(request.target(), in.path, in.rawQuery);
    for (const auto &field : request)
        in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    in.sourceIp = sourceIp;
    in.requestId = newRequestId();
    in.timeEpochMs = nowEpochMs();
    auto connection = m_webSockets.open(m_io, sourceIp,
                                        std::string(request[http::field::user_agent]), in.timeEpochMs);
    const std::string id = connection->id;
    struct Forget {
        WebSocketConnections &all;
        std::string id;
        ~Forget() { all.remove(id); }
    } forget{m_webSockets, id};
    const auto started = std::chrono::steady_clock::now();

    // The $connect route's authorizer first; what it allows with goes into every event of
    // the connection.
    const auto *connectRoute = routes->webSocketRoute("$connect");
    if (connectRoute && connectRoute->authorizer) {
        const std::string arn = "arn:aws:execute-api:" + m_backend.region() + ":" + api.accountId +
                                ":" + api.apiId + "/" + api.stage + "/$connect";
        // (The REQUEST event is built as for a REST route at the handshake's path.)
        const Route handshake{"GET",   in.path, connectRoute->function, RouteKind::RestEvent,
                              nullptr, nullptr};
        const RouteMatch match{&handshake, {}, {}, {}};
        json context;
        std::optional<Refusal> refusal = co_await authorize(
            *connectRoute->authorizer, connectRoute->function, in, match, api, arn, context);
        if (refusal) {
            m_backend.gatewayLog(connectRoute->function,
                                 "WS $connect " + std::to_string(refusal->status) + " — " + refusal->why);
            StringResponse reply = jsonResponse(refusal->status, refusal->body, false);
            stream.expires_after(m_options.bodyTimeout);
            co_await http::async_write(stream, reply, awaitTuple);
            co_return;
        }
        connection->authorizer = context;
    }
    // $connect decides whether the handshake succeeds: an error or a status outside 2xx
    // refuses it, as API Gateway does.
    if (const auto *route = routes->webSocketRoute("$connect")) {
        std::string payload =
            webSocketEvent(WebSocketEventType::Connect, "$connect", *connection, in, api)
                .dump(-1, ' ', false, json::error_handler_t::replace);
        // (No temporaries inside co_await: GCC 12 destroys some of them twice.)
        tracing::TraceContext trace = tracing::startTrace();
        std::string function = route->function;
        InvocationResult result = co_await asyncInvoke(m_backend, std::move(function),
                                                       std::move(payload), std::move(trace),
                                                       asio::use_awaitable);
        unsigned status = 200;
        if (result.throttled)
            status = 429;
        else if (result.functionError)
            status = 502;
        else {
            const json answer = json::parse(result.payload, nullptr, false);
            if (answer.is_object() && answer.contains("statusCode") &&
                answer["statusCode"].is_number_integer())
                status = answer["statusCode"].get<unsigned>();
        }
        if (status < 200 || status >= 300) {
            m_backend.gatewayLog(route->function, "WS $connect " + std::to_string(status) +
                                                      " (refused) " + formatMs(msSince(started)));
            StringResponse reply =
                messageResponse(status, status == 502 ? "Internal Server Error" : "Forbidden", false);
            stream.expires_after(m_options.bodyTimeout);
            co_await http::async_write(stream, reply, awaitTuple);
            co_return;
        }
    }
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(128 * 1024); // API Gateway's message limit
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type &response) {
        response.set(http::field::server, "nimbus");
    }));
    auto [aec] = co_await ws.async_accept(request, awaitTuple);
    if (aec)
        co_return;
    m_backend.gatewayLog(routes->webSocketRoute("$connect") ? routes->webSocketRoute("$connect")->function
                                                           : std::string("websocket"),
                         "WS $connect " + id + " " + formatMs(msSince(started)));

    auto reader = [&]() -> asio::awaitable<void> {
        const std::string expression = routes->routeSelectionExpression();
        std::weak_ptr<WebSocketConnection> weak = connection;
        for (;;) {
            beast::flat_buffer message;
            auto [rec, rn] = co_await ws.async_read(message, awaitTuple);
            if (rec)
                co_return;
            connection->lastActiveAtMs = nowEpochMs();
            std::string body = beast::buffers_to_string(message.data());
            const std::string key = selectRouteKey(expression, body);
            const WebSocketRoute *route = key.empty() ? nullptr : routes->webSocketRoute(key);
            if (!route)
                route = routes->webSocketRoute("$default");
            const std::string requestId = newRequestId();
            if (!route) {
                connection->send(
                    json{{"message", "Forbidden"}, {"connectionId", id}, {"requestId", requestId}}
                        .dump());
                continue;
            }
            std::string payload =
                webSocketEvent(WebSocketEventType::Message, route->routeKey, *connection, in, api, body)
                    .dump(-1, ' ', false, json::error_handler_t::replace);
            const auto messageStarted = std::chrono::steady_clock::now();
            // Messages are served as they come, each in its own invocation.
            m_backend.invokeFromGateway(
                route->function, std::move(payload), tracing::startTrace(),
                [self, weak, id, requestId, twoWay = route->twoWay, function = route->function,
                 routeKey = route->routeKey, messageStarted](InvocationResult result) {
                    self->m_backend.gatewayLog(
                        function, "WS " + routeKey + " " + id +
                                      (result.functionError ? " function error " + result.errorType
                                                            : std::string()) +
                                      " " + formatMs(msSince(messageStarted)));
                    auto c = weak.lock();
                    if (!c)
                        return;
                    if (result.functionError || result.throttled) {
                        c->send(json{{"message", "Internal server error"},
                                     {"connectionId", id},
                                     {"requestId", requestId}}
                                    .dump());
                        return;
                    }
                    if (!twoWay)
                        return;
                    const json answer = json::parse(result.payload, nullptr, false);
                    if (answer.is_object() && answer.contains("body"))
                        c->send(answer["body"].is_string() ? answer["body"].get<std::string>()
                                                           : answer["body"].dump());
                    else if (!answer.is_discarded() && !answer.is_null())
                        c->send(answer.is_string() ? answer.get<std::string>() : answer.dump());
                });
        }
    };
    auto writer = [&]() -> asio::awaitable<void> {
        for (;;) {
            while (!connection->outbox.empty()) {
                std::string next = std::move(connection->outbox.front());
                connection->outbox.pop_front();
                ws.text(true);
                auto [wec, wn] = co_await ws.async_write(asio::buffer(next), awaitTuple);
                if (wec)
                    co_return;
            }
            if (connection->closing) {
                const websocket::close_reason normal(websocket::close_code::normal);
                co_await ws.async_close(normal, awaitTuple);
                co_return;
            }
            connection->wake->expires_at(std::chrono::steady_clock::time_point::max());
            co_await connection->wake->async_wait(awaitTuple);
        }
    };
    co_await (reader() || writer());
    if (const auto *route = routes->webSocketRoute("$disconnect")) {
        std::string payload =
            webSocketEvent(WebSocketEventType::Disconnect, "$disconnect", *connection, in, api)
                .dump(-1, ' ', false, json::error_handler_t::replace);
        m_backend.invokeFromGateway(route->function, std::move(payload), tracing::startTrace(),
                                    [](InvocationResult) {});
    }
    m_backend.gatewayLog("websocket", "WS $disconnect " + id);
}

} // namespace nimbus::sim
