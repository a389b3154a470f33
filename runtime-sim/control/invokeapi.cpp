#include "invokeapi.h"

#include "nimbus/net/base64.h"

#include "../simulator/simulator.h"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <regex>

namespace nimbus::sim {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t kMaxSyncPayload = 6 * 1024 * 1024;
constexpr std::size_t kMaxAsyncPayload = 256 * 1024;
constexpr std::size_t kTailBytes = 4096;

std::string urlDecode(const std::string &text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string queryParameter(const std::string &query, const std::string &name) {
    std::size_t pos = 0;
    while (pos < query.size()) {
        std::size_t amp = query.find('&', pos);
        const std::string pair =
            query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string::npos ? "" : urlDecode(pair.substr(eq + 1));
        if (amp == std::string::npos)
            break;
        pos = amp + 1;
    }
    return {};
}

} // namespace

net::Response lambdaError(unsigned status, const std::string &type, const std::string &message) {
    net::Response response =
        net::makeResponse(status, nlohmann::json{{"Type", "User"}, {"message", message}}.dump());
    response.set("x-amzn-ErrorType", type);
    return response;
}

void handleControlRequest(net::Request request, net::Responder responder, Simulator &simulator) {
    const std::string target(request.target());
    const auto question = target.find('?');
    const std::string path = urlDecode(target.substr(0, question));
    const std::string query = question == std::string::npos ? "" : target.substr(question + 1);

    static const std::regex invokePath(R"(^/2015-03-31/functions/([^/]+)/invocations/?$)");
    std::smatch m;
    if (!std::regex_match(path, m, invokePath)) {
        responder(
            lambdaError(404, "UnknownOperationException",
                        "Unknown operation " + std::string(request.method_string()) + " " + path));
        return;
    }
    if (request.method() != http::verb::post) {
        responder(lambdaError(405, "UnknownOperationException", "Invoke takes POST"));
        return;
    }
    const std::string functionName = m[1];
    const std::string qualifier = queryParameter(query, "Qualifier");
    const std::string invocationType = request["X-Amz-Invocation-Type"].empty()
                                           ? "RequestResponse"
                                           : std::string(request["X-Amz-Invocation-Type"]);
    const bool tail = request["X-Amz-Log-Type"] == "Tail";
    const bool fullLog = request["X-Nimbus-Log-Type"] == "Full";

    if (invocationType != "RequestResponse" && invocationType != "Event" &&
        invocationType != "DryRun") {
        responder(lambdaError(400, "InvalidParameterValueException",
                              "1 validation error detected: Value '" + invocationType +
                                  "' at 'invocationType' failed to satisfy constraint: Member must "
                                  "satisfy enum value set: [Event, RequestResponse, DryRun]"));
        return;
    }
    const manifest::Function *function = simulator.findFunction(functionName);
    if (!function || (!qualifier.empty() && qualifier != "$LATEST")) {
        responder(lambdaError(404, "ResourceNotFoundException",
                              "Function not found: arn:aws:lambda:" +
                                  simulator.manifest().provider.region + ":000000000000:function:" +
                                  functionName + (qualifier.empty() ? "" : ":" + qualifier)));
        return;
    }
    std::string &payload = request.body();
    const std::size_t limit = invocationType == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
    if (payload.size() > limit) {
        responder(lambdaError(413, "RequestTooLargeException",
                              "Request must be smaller than " + std::to_string(limit) +
                                  " bytes for the " + invocationType + " invocation type"));
        return;
    }
    if (payload.empty())
        payload = "{}";
    if (!nlohmann::json::accept(payload)) {
        responder(
            lambdaError(400, "InvalidRequestContentException",
                        "Could not parse request body into json: the payload is not valid JSON"));
        return;
    }
    if (invocationType == "DryRun") {
        net::Response response = net::makeResponse(204, "");
        response.set("x-amzn-RequestId", newRequestId());
        responder(std::move(response));
        return;
    }

    InvocationRequest invocation;
    invocation.payload = std::move(payload);
    invocation.clientContext = std::string(request["X-Amz-Client-Context"]);
    std::string error;
    if (invocationType == "Event") {
        // Accepted at once; the function runs in the background. (Durable queueing and
        // retries belong to the control-plane work that adds persistence.)
        const std::string requestId = newRequestId();
        if (!simulator.invoke(
                functionName, std::move(invocation), [](InvocationResult) {}, error)) {
            responder(lambdaError(400, "InvalidParameterValueException", error));
            return;
        }
        net::Response response = net::makeResponse(202, "");
        response.set("x-amzn-RequestId", requestId);
        responder(std::move(response));
        return;
    }
    auto shared = std::make_shared<net::Responder>(std::move(responder));
    const bool accepted = simulator.invoke(
        functionName, std::move(invocation),
        [shared, tail, fullLog](InvocationResult result) {
            if (result.throttled) {
                net::Response response = net::makeResponse(429, result.payload);
                response.set("x-amzn-ErrorType", "TooManyRequestsException");
                response.set("x-amzn-RequestId", result.requestId);
                (*shared)(std::move(response));
                return;
            }
            net::Response response = net::makeResponse(200, result.payload);
            response.set("x-amzn-RequestId", result.requestId);
            response.set("X-Amz-Executed-Version", "$LATEST");
            if (result.functionError)
                response.set("X-Amz-Function-Error", "Unhandled");
            if (fullLog)
                response.set("X-Amz-Log-Result", net::base64Encode(result.log));
            else if (tail)
                response.set("X-Amz-Log-Result",
                             net::base64Encode(std::string_view(result.log)
                                              .substr(result.log.size() > kTailBytes
                                                          ? result.log.size() - kTailBytes
                                                          : 0)));
            (*shared)(std::move(response));
        },
        error);
    if (!accepted)
        (*shared)(lambdaError(400, "InvalidParameterValueException", error));
}

} // namespace nimbus::sim
