#include "nimbus/net/httpclient.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <regex>

namespace nimbus::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpResult httpRequest(const HttpRequestSpec &spec) {
    HttpResult result;
    static const std::regex urlPattern(R"(^http://([^/:]+|\[[^\]]+\])(?::([0-9]+))?(/.*)?$)");
    std::smatch m;
    if (!std::regex_match(spec.url, m, urlPattern)) {
        result.error = "not an http:// URL: " + spec.url;
        return result;
    }
    const std::string host = m[1];
    const std::string port = m[2].matched ? m[2].str() : "80";
    const std::string target = m[3].matched ? m[3].str() : "/";
    try {
        asio::io_context io;
        beast::tcp_stream stream(io);
        asio::ip::tcp::resolver resolver(io);
        stream.expires_after(spec.timeout);
        stream.connect(resolver.resolve(host, port));
        http::request<http::string_body> request{http::string_to_verb(spec.method), target, 11};
        request.set(http::field::host, host + ":" + port);
        for (const auto &[name, value] : spec.headers)
            request.set(name, value);
        request.body() = spec.body;
        request.prepare_payload();
        http::write(stream, request);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        http::read(stream, buffer, parser);
        const auto &response = parser.get();
        result.status = static_cast<int>(response.result_int());
        for (const auto &field : response) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            result.headers[name] = std::string(field.value());
        }
        result.body = response.body();
        beast::error_code ignored;
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    } catch (const boost::system::system_error &e) {
        result.status = 0;
        result.error = e.code() == beast::error::timeout ? "timed out" : e.code().message();
    }
    return result;
}

} // namespace nimbus::net
