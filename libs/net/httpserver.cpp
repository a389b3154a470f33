#include "nimbus/net/httpserver.h"

#include "nimbus/net/peeruser.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>

namespace nimbus::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One client connection: read a request, hand it over, write the response, repeat.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, HttpServer::Handler handler, const HttpServerOptions &options)
        : m_stream(std::move(socket))
        , m_handler(handler)
        , m_options(options) {}

    void start() { read(); }

private:
    void read() {
        m_parser.emplace();
        m_parser->body_limit(m_options.bodyLimit);
        m_parser->header_limit(static_cast<std::uint32_t>(m_options.headerLimit));
        m_stream.expires_after(m_options.requestTimeout);
        http::async_read_header(
            m_stream, m_buffer, *m_parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
    }

    // A client that sends "Expect: 100-continue" (the AWS CLI uploading to S3, curl with a
    // large body) waits for a 100 Continue before the body, or a second without it.
    void onHeader(beast::error_code ec) {
        if (ec || m_parser->is_done()) {
            onRead(ec);
            return;
        }
        const auto &head = m_parser->get();
        auto readBody = [self = shared_from_this()] {
            http::async_read(self->m_stream, self->m_buffer, *self->m_parser,
                             [self](beast::error_code e, std::size_t) { self->onRead(e); });
        };
        if (!beast::iequals(head[http::field::expect], "100-continue")) {
            readBody();
            return;
        }
        auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
        http::async_write(m_stream, *interim,
                          [interim, readBody](beast::error_code e, std::size_t) {
                              if (!e)
                                  readBody();
                          });
    }

    void onRead(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
            ec == asio::error::eof) {
            shutdown();
            return;
        }
        if (ec) {
            // Malformed or oversized input: say so once, then close.
            const bool tooLarge = ec == http::error::body_limit;
            Response response = makeResponse(
                tooLarge ? 413 : 400, std::string(R"({"message":")") +
                                          (tooLarge ? "Request body too large"
                                                    : "Malformed HTTP request: " + ec.message()) +
                                          "\"}");
            response.keep_alive(false);
            write(std::move(response), true);
            return;
        }
        m_stream.expires_never(); // the handler may take long (long polls, slow functions)
        Request request = m_parser->release();
        const bool keepAlive = request.keep_alive();
        const bool head = request.method() == http::verb::head;
        auto weak = weak_from_this();
        auto responded = std::make_shared<bool>(false);
        m_handler(std::move(request), [weak, keepAlive, head, responded](Response response) {
            if (*responded)
                return;
            *responded = true;
            if (auto self = weak.lock()) {
                response.keep_alive(keepAlive && response.keep_alive());
                self->write(std::move(response), !response.keep_alive(), head);
            }
        });
        // Keep the session alive while the handler holds the responder: a pending read of
        // nothing would be wrong for HTTP/1.1 without pipelining, so hold a reference.
        m_pendingSelf = shared_from_this();
    }

    // An answer to HEAD may say how long the body would be (S3's HeadObject does): its
    // Content-Length is kept, and no body is sent.
    void write(Response response, bool close, bool head = false) {
        auto message = std::make_shared<Response>(std::move(response));
        if (!(head && message->has_content_length() && message->body().empty()))
            message->prepare_payload();
        m_stream.expires_after(m_options.requestTimeout);
        http::async_write(
            m_stream, *message,
            [self = shared_from_this(), message, close](beast::error_code ec, std::size_t) {
                self->m_pendingSelf.reset();
                if (ec || close) {
                    self->shutdown();
                    return;
                }
                self->read();
            });
    }

    void shutdown() {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_stream.close();
        m_pendingSelf.reset();
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    HttpServer::Handler m_handler;
    HttpServerOptions m_options;
    std::shared_ptr<Session> m_pendingSelf;
};

} // namespace

std::shared_ptr<HttpServer> HttpServer::create(asio::io_context &io, Handler handler,
                                               HttpServerOptions options) {
    return std::shared_ptr<HttpServer>(new HttpServer(io, std::move(handler), options));
}

HttpServer::HttpServer(asio::io_context &io, Handler handler, HttpServerOptions options)
    : m_io(io)
    , m_acceptor(io)
    , m_handler(std::move(handler))
    , m_options(options) {}

void HttpServer::listen(unsigned short port, const std::string &address) {
    tcp::endpoint endpoint(asio::ip::make_address(address), port);
    m_acceptor.open(endpoint.protocol());
    m_acceptor.set_option(asio::socket_base::reuse_address(true));
    m_acceptor.bind(endpoint);
    m_acceptor.listen(asio::socket_base::max_listen_connections);
    m_port = m_acceptor.local_endpoint().port();
    accept();
}

void HttpServer::close() {
    beast::error_code ignored;
    m_acceptor.close(ignored);
}

void HttpServer::accept() {
    m_acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->m_acceptor.is_open())
            return;
        // (Another user's connection is closed unanswered.)
        if (!ec && peerIsTrusted(socket)) {
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<Session>(std::move(socket), self->m_handler, self->m_options)->start();
        }
        self->accept();
    });
}

std::string urlHost(const std::string &listenAddress) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(listenAddress, ec);
    if (ec || address.is_unspecified()) // 0.0.0.0 and :: are reached on loopback here
        return "127.0.0.1";
    return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

bool isLoopback(const std::string &listenAddress) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(listenAddress, ec);
    return !ec && address.is_loopback();
}

Response makeResponse(unsigned status, std::string body, const std::string &contentType) {
    Response response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, contentType);
    response.body() = std::move(body);
    return response;
}

} // namespace nimbus::net
