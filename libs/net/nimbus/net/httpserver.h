#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace nimbus::net {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Sends the response for one request. May be called later (long polls); calling it after
// the client went away is harmless. Call exactly once.
using Responder = std::function<void(Response)>;

struct HttpServerOptions {
    std::size_t bodyLimit = 7 * 1024 * 1024;
    std::size_t headerLimit = 16 * 1024;
    // A client must deliver a request's headers and body within this time (slow clients
    // would otherwise hold connections forever).
    std::chrono::milliseconds requestTimeout{30000};
};

// An HTTP/1.1 server on one loopback port. Requests are handed to the handler with a
// Responder; malformed requests are answered 400 and the connection is closed, oversized
// bodies 413, slow clients are dropped. Runs on the given io_context's thread.
class HttpServer : public std::enable_shared_from_this<HttpServer> {
public:
    using Handler = std::function<void(Request, Responder)>;

    static std::shared_ptr<HttpServer> create(boost::asio::io_context &io, Handler handler,
                                              HttpServerOptions options = {});

    // Listens on 127.0.0.1:port (0 = an ephemeral port). Throws on failure.
    void listen(unsigned short port = 0, const std::string &address = "127.0.0.1");
    unsigned short port() const { return m_port; }
    void close();

private:
    HttpServer(boost::asio::io_context &io, Handler handler, HttpServerOptions options);
    void accept();

    boost::asio::io_context &m_io;
    boost::asio::ip::tcp::acceptor m_acceptor;
    Handler m_handler;
    HttpServerOptions m_options;
    unsigned short m_port = 0;
};

// A response with a body and content type.
// The host part of a URL that reaches a server listening on `listenAddress` from this machine
// ("127.0.0.1" for 0.0.0.0 and ::, "[::1]" for ::1).
std::string urlHost(const std::string &listenAddress);
// Whether only this machine can reach a server listening on `listenAddress`.
bool isLoopback(const std::string &listenAddress);

Response makeResponse(unsigned status, std::string body,
                      const std::string &contentType = "application/json");

} // namespace nimbus::net
