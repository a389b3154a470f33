#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace nimbus::net {

struct HttpResult {
    int status = 0;                             // 0 when no response arrived
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
    std::string error; // why there is no response: connection refused, timeout, ...

    std::string header(const std::string &lowerName) const {
        auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpRequestSpec {
    std::string method = "GET";
    std::string url; // http://host:port/path?query
    std::string body;
    std::map<std::string, std::string> headers;
    std::chrono::milliseconds timeout{std::chrono::minutes(16)};
    // Called as the request goes out (bytes of the whole message written so far, and its
    // size); returning false abandons the request ("cancelled"). For upload progress bars.
    std::function<bool(std::size_t sent, std::size_t total)> uploadProgress;
};

// A blocking HTTP/1.1 request, for command-line clients and tests. Never throws.
HttpResult httpRequest(const HttpRequestSpec &spec);

} // namespace nimbus::net
