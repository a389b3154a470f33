#include "dapprotocol.h"

namespace nimbus::dap {

using nlohmann::json;

ParsedRequest parseRequest(const std::string &body) {
    ParsedRequest out;
    const json message = json::parse(body, nullptr, false);
    if (message.is_discarded()) {
        out.error = "the message is not valid JSON";
        return out;
    }
    if (!message.is_object()) {
        out.error = "a message must be a JSON object";
        return out;
    }
    if (message.contains("seq") && message["seq"].is_number_integer())
        out.seq = message["seq"].get<long long>();
    if (message.contains("command") && message["command"].is_string())
        out.command = message["command"].get<std::string>();
    if (message.value("type", "") != "request") {
        out.error = "only requests are taken here (\"type\": \"request\"), not \"" +
                    (message.contains("type") && message["type"].is_string()
                         ? message["type"].get<std::string>()
                         : std::string("?")) +
                    "\"";
        return out;
    }
    if (!message.contains("seq") || !message["seq"].is_number_integer()) {
        out.error = "the request has no integer \"seq\"";
        return out;
    }
    if (out.command.empty()) {
        out.error = "the request has no \"command\"";
        return out;
    }
    json arguments = message.value("arguments", json::object());
    if (!arguments.is_object() && !arguments.is_null()) {
        out.error = "\"arguments\" of '" + out.command + "' must be an object";
        return out;
    }
    out.request = Request{out.seq, out.command, arguments.is_null() ? json::object() : arguments};
    return out;
}

long long MessageFactory::next() {
    return m_seq++;
}

json MessageFactory::response(const Request &request, json body) {
    return {{"seq", next()},          {"type", "response"}, {"request_seq", request.seq},
            {"command", request.command}, {"success", true},   {"body", std::move(body)}};
}

json MessageFactory::errorResponse(long long requestSeq, const std::string &command,
                                   const std::string &message) {
    return {{"seq", next()},
            {"type", "response"},
            {"request_seq", requestSeq},
            {"command", command},
            {"success", false},
            {"message", message},
            {"body", {{"error", {{"id", 1}, {"format", message}, {"showUser", true}}}}}};
}

json MessageFactory::event(const std::string &event, json body) {
    return {{"seq", next()}, {"type", "event"}, {"event", event}, {"body", std::move(body)}};
}

json capabilities() {
    return {{"supportsConfigurationDoneRequest", true},
            {"supportsFunctionBreakpoints", true},
            {"supportsConditionalBreakpoints", true},
            {"supportsHitConditionalBreakpoints", true},
            {"supportsLogPoints", true},
            {"supportsEvaluateForHovers", true},
            {"supportsSetVariable", true},
            {"supportsRestartRequest", true},
            {"supportsTerminateRequest", true},
            {"supportsLoadedSourcesRequest", true},
            {"supportsDelayedStackTraceLoading", true},
            {"supportTerminateDebuggee", true},
            {"supportsExceptionInfoRequest", false},
            {"exceptionBreakpointFilters",
             json::array({{{"filter", "raised"},
                           {"label", "Raised Exceptions"},
                           {"description", "Stop wherever an exception is raised in your code"},
                           {"default", false}},
                          {{"filter", "uncaught"},
                           {"label", "Uncaught Exceptions"},
                           {"description", "Stop when an exception leaves the handler"},
                           {"default", true}}})}};
}

std::string requireString(const json &arguments, const char *name, const std::string &command) {
    if (!arguments.contains(name) || !arguments[name].is_string() ||
        arguments[name].get<std::string>().empty())
        throw ArgumentError("'" + command + "' needs \"" + name + "\" (a string)");
    return arguments[name].get<std::string>();
}

} // namespace nimbus::dap
