#include "runtimeapi.h"

#include <boost/beast/http.hpp>
#include <cstring>
#include <nlohmann/json.hpp>

namespace nimbus::sim {

namespace http = boost::beast::http;

namespace {

// (The message may quote the request's path: escaped, and bytes that are not UTF-8
// replaced, so that the answer is JSON whatever the path.)
net::Response errorResponse(unsigned status, const std::string &type, const std::string &message) {
    return net::makeResponse(status,
                             nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump(
                                 -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

net::Response accepted() {
    return net::makeResponse(202, R"({"status":"OK"})");
}

} // namespace

namespace {

// SCF's custom runtime API: the paths name no invocation; the instance's own is meant. The
// first result posted is final, as SCF has it; a later one is refused.
void routeScfRuntimeApi(net::Request request, net::Responder responder,
                        RuntimeApiHandler &handler) {
    const std::string path(request.target().substr(std::strlen("/runtime/")));
    const bool isGet = request.method() == http::verb::get;
    const bool isPost = request.method() == http::verb::post;
    if (path == "init/ready" && isPost) {
        responder(net::makeResponse(200, "{}"));
        return;
    }
    if (path == "invocation/next" && isGet) {
        handler.nextInvocation(std::move(responder));
        return;
    }
    if ((path == "invocation/response" || path == "invocation/error") && isPost) {
        const std::string requestId = handler.activeRequestId();
        if (request.body().size() > kMaxResponsePayload) {
            handler.invocationError(
                requestId,
                R"json({"errorMessage":"The size of response exceeds the upper limit (6MB)","errorType":"ResponseSizeTooLarge"})json",
                "ResponseSizeTooLarge");
            responder(errorResponse(413, "RequestTooLarge", "response payload over 6 MB"));
            return;
        }
        const bool taken =
            path == "invocation/response"
                ? handler.invocationResponse(requestId, std::move(request.body()))
                : handler.invocationError(requestId, std::move(request.body()), "UserCodeError");
        responder(taken ? net::makeResponse(200, "{}")
                        : errorResponse(400, "InvalidRequest",
                                        "no invocation is waiting for a result (ask "
                                        "/runtime/invocation/next first; the first result "
                                        "posted is final)"));
        return;
    }
    responder(errorResponse(404, "InvalidPath",
                            "unknown SCF runtime API request " +
                                std::string(request.method_string()) + " " +
                                std::string(request.target()) +
                                "; SCF has POST /runtime/init/ready, GET /runtime/invocation/next, "
                                "POST /runtime/invocation/response and /runtime/invocation/error"));
}

} // namespace

void routeRuntimeApi(net::Request request, net::Responder responder, RuntimeApiHandler &handler) {
    const std::string target(request.target());
    if (target.rfind("/runtime/", 0) == 0) {
        routeScfRuntimeApi(std::move(request), std::move(responder), handler);
        return;
    }
    const std::string prefix = "/2018-06-01/runtime/";
    if (target.rfind(prefix, 0) != 0) {
        responder(errorResponse(404, "InvalidPath", "unknown Runtime API path " + target));
        return;
    }
    const std::string path = target.substr(prefix.size());
    const bool isGet = request.method() == http::verb::get;
    const bool isPost = request.method() == http::verb::post;
    std::string errorType(request["Lambda-Runtime-Function-Error-Type"]);

    if (path == "invocation/next" && isGet) {
        handler.nextInvocation(std::move(responder));
        return;
    }
    if (path == "init/error" && isPost) {
        handler.initError(std::move(request.body()), std::move(errorType));
        responder(accepted());
        return;
    }
    const std::string invocation = "invocation/";
    if (path.rfind(invocation, 0) == 0 && isPost) {
        const std::string rest = path.substr(invocation.size());
        const auto slash = rest.find('/');
        const std::string requestId = rest.substr(0, slash);
        const std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (action == "response") {
            if (request.body().size() > kMaxResponsePayload) {
                // Lambda fails the invocation when a response is too large.
                handler.invocationError(
                    requestId,
                    R"({"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"})",
                    "Function.ResponseSizeTooLarge");
                responder(
                    errorResponse(413, "RequestEntityTooLarge", "response payload over 6 MB"));
                return;
            }
            if (handler.invocationResponse(requestId, std::move(request.body())))
                responder(accepted());
            else
                responder(errorResponse(400, "InvalidRequestID",
                                        "unknown or finished request id " + requestId));
            return;
        }
        if (action == "debug") {
            const std::string &body = request.body();
            const bool paused = body.find("\"paused\": true") != std::string::npos ||
                                body.find("\"paused\":true") != std::string::npos;
            if (handler.debuggerPaused(requestId, paused))
                responder(accepted());
            else
                responder(errorResponse(400, "InvalidRequestID",
                                        "unknown or finished request id " + requestId));
            return;
        }
        if (action == "error") {
            if (handler.invocationError(requestId, std::move(request.body()), std::move(errorType)))
                responder(accepted());
            else
                responder(errorResponse(400, "InvalidRequestID",
                                        "unknown or finished request id " + requestId));
            return;
        }
    }
    responder(errorResponse(404, "InvalidPath",
                            "unknown Runtime API request " + std::string(request.method_string()) +
                                " " + target));
}

} // namespace nimbus::sim
