#pragma once

#include "nimbus/net/httpserver.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>

namespace nimbus::fuzz {

// An HTTP/1.1 request read from raw bytes by Beast's parser, with the limits the servers
// set (nimbus_net's HttpServerOptions), or nothing when the bytes are not one whole request:
// what the simulator's servers hand their handlers.
inline std::optional<net::Request> parseHttpRequest(std::string_view bytes) {
    namespace http = boost::beast::http;
    const net::HttpServerOptions limits;
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(static_cast<std::uint32_t>(limits.headerLimit));
    parser.body_limit(limits.bodyLimit);
    boost::beast::error_code ec;
    std::size_t offset = 0;
    while (!parser.is_done() && offset < bytes.size()) {
        const std::size_t used =
            parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
        offset += used;
        if (ec == http::error::need_more && used > 0) {
            ec = {};
            continue;
        }
        if (ec || used == 0)
            return std::nullopt;
    }
    if (!parser.is_done())
        return std::nullopt;
    return parser.release();
}

} // namespace nimbus::fuzz
