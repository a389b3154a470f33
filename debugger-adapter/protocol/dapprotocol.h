#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <optional>
#include <string>

namespace nimbus::dap {

// The Debug Adapter Protocol's messages as plain data, with no I/O: reading a request
// (and saying what is wrong with one that is not), and making responses and events with
// the sequence numbers the protocol wants.

struct Request {
    long long seq = 0;
    std::string command;
    nlohmann::json arguments = nlohmann::json::object();
};

// A request read from a message body, or why it is not one (with the seq and command when
// they could be read, so the error can still be answered).
struct ParsedRequest {
    std::optional<Request> request;
    std::string error;
    long long seq = 0;
    std::string command;
};
ParsedRequest parseRequest(const std::string &body);

// Numbers outgoing messages; thread-safe.
class MessageFactory {
public:
    nlohmann::json response(const Request &request, nlohmann::json body = nlohmann::json::object());
    nlohmann::json errorResponse(long long requestSeq, const std::string &command,
                                 const std::string &message);
    nlohmann::json event(const std::string &event, nlohmann::json body = nlohmann::json::object());

private:
    long long next();
    std::atomic<long long> m_seq{1};
};

// What this adapter can do, as the initialize response announces it.
nlohmann::json capabilities();

// A string argument that must be present; throws ArgumentError naming it.
struct ArgumentError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
std::string requireString(const nlohmann::json &arguments, const char *name,
                          const std::string &command);

} // namespace nimbus::dap
