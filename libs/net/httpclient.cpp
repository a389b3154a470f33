#include "nimbus/net/httpclient.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace nimbus::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Url {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target;
};

// http://host[:port][/path] or https://...; IPv6 hosts in brackets.
std::optional<Url> parseUrl(const std::string &url) {
    Url out;
    std::string rest;
    if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else if (url.rfind("https://", 0) == 0) {
        out.tls = true;
        rest = url.substr(8);
    } else {
        return std::nullopt;
    }
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    out.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (authority.empty())
        return std::nullopt;
    std::size_t colon = std::string::npos;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos)
            return std::nullopt;
        out.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            colon = close + 1;
    } else {
        colon = authority.find(':');
        out.host = authority.substr(0, colon);
    }
    out.port = colon == std::string::npos ? (out.tls ? "443" : "80") : authority.substr(colon + 1);
    if (out.host.empty() || out.port.empty() ||
        !std::all_of(out.port.begin(), out.port.end(), ::isdigit))
        return std::nullopt;
    return out;
}

template <typename Stream>
void exchange(Stream &stream, const HttpRequestSpec &spec, const Url &url, HttpResult &result) {
    http::request<http::string_body> request{http::string_to_verb(spec.method), url.target, 11};
    const bool defaultPort = url.port == (url.tls ? "443" : "80");
    request.set(http::field::host, defaultPort ? url.host : url.host + ":" + url.port);
    for (const auto &[name, value] : spec.headers)
        request.set(name, value);
    request.body() = spec.body;
    request.prepare_payload();
    if (!spec.uploadProgress) {
        http::write(stream, request);
    } else {
        // In slices, so a progress bar moves and a cancel takes effect between them.
        http::request_serializer<http::string_body> serializer(request);
        serializer.limit(64 * 1024);
        const std::size_t total = spec.body.size();
        std::size_t written = 0;
        while (!serializer.is_done()) {
            written += http::write_some(stream, serializer);
            if (!spec.uploadProgress(std::min(written, total), total))
                throw beast::system_error(asio::error::operation_aborted);
        }
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(stream, buffer, parser);
    const auto &response = parser.get();
    result.status = static_cast<int>(response.result_int());
    for (const auto &field : response) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        result.headers[name] = std::string(field.value());
    }
    result.body = response.body();
}

} // namespace

HttpResult httpRequest(const HttpRequestSpec &spec) {
    HttpResult result;
    const auto url = parseUrl(spec.url);
    if (!url) {
        result.error = "not an http:// or https:// URL: " + spec.url;
        return result;
    }
    try {
        asio::io_context io;
        asio::ip::tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(url->host, url->port);
        if (!url->tls) {
            beast::tcp_stream stream(io);
            stream.expires_after(spec.timeout);
            stream.connect(endpoints);
            // Header and body may go in two writes: without this, Nagle's algorithm and the
            // peer's delayed ACK hold the second for 40 ms.
            stream.socket().set_option(asio::ip::tcp::no_delay(true));
            exchange(stream, spec, *url, result);
            beast::error_code ignored;
            stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            return result;
        }
        // TLS with the system's trusted roots, the server's name checked (and sent as SNI).
        asio::ssl::context context(asio::ssl::context::tls_client);
        context.set_default_verify_paths();
        context.set_verify_mode(asio::ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> stream(io, context);
        // (SSL_set_tlsext_host_name, without its C cast.)
        if (!SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                      TLSEXT_NAMETYPE_host_name, const_cast<char *>(url->host.c_str())))
            throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                        asio::error::get_ssl_category()));
        stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
        beast::get_lowest_layer(stream).expires_after(spec.timeout);
        beast::get_lowest_layer(stream).connect(endpoints);
        stream.handshake(asio::ssl::stream_base::client);
        exchange(stream, spec, *url, result);
        beast::error_code ignored;
        stream.shutdown(ignored);
    } catch (const boost::system::system_error &e) {
        result.status = 0;
        result.error = e.code() == beast::error::timeout             ? "timed out"
                       : e.code() == asio::error::operation_aborted ? "cancelled"
                                                                    : e.code().message();
    }
    return result;
}

} // namespace nimbus::net
