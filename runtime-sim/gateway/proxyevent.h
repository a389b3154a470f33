#pragma once

#include "routetable.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::sim {

// An HTTP request as the gateway received it, independent of the HTTP library.
struct GatewayRequest {
    std::string method;
    std::string path;                                         // percent-encoded, without the query
    std::string rawQuery;                                     // after '?', as sent
    std::vector<std::pair<std::string, std::string>> headers; // in order, names as sent
    std::string body;
    std::string sourceIp = "127.0.0.1";
    std::string protocol = "HTTP/1.1";
    std::string requestId;     // the gateway's id for this request
    long long timeEpochMs = 0; // when it arrived

    std::string header(std::string_view lowerName) const; // last value, or ""
};

struct GatewayResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// Where the API is "deployed": stage and the host clients used.
struct ApiContext {
    std::string stage = "dev";
    std::string domainName = "localhost";
    std::string apiId = "nimbuslocal";
    std::string accountId = "000000000000";
};

// Whether a content type is text, which API Gateway passes as is, rather than binary,
// which it base64-encodes.
bool isTextContentType(std::string_view contentType);

// "12/Mar/2020:19:03:58 +0000": a moment (milliseconds since the epoch) as API Gateway writes
// requestTime.
std::string requestTime(long long epochMs);

// The proxy event API Gateway builds for a REST API (`http` events, payload 1.0) and for
// an HTTP API (`httpApi` events, payload 2.0).
nlohmann::json restProxyEvent(const GatewayRequest &request, const RouteMatch &match,
                              const ApiContext &api);
nlohmann::json httpApiEvent(const GatewayRequest &request, const RouteMatch &match,
                            const ApiContext &api);

// What an http function's adapter (in the runtime's bootstrap) receives: the request
// below the function's mount, with headers as sent and the body in base64:
//   {method, path, query, headers: [[name, value]...], body, mountPath, sourceIp,
//    protocol, requestId}
// It answers {statusCode, multiValueHeaders, body (base64), isBase64Encoded: true}, which
// restProxyResponse reads.
nlohmann::json httpFunctionEvent(const GatewayRequest &request, const RouteMatch &match);

// The HTTP response for what a handler returned, by the payload version's rules. A
// result the gateway cannot use gives nullopt and `error` says why (the caller answers
// 502, as API Gateway does).
std::optional<GatewayResponse> restProxyResponse(const std::string &payload, std::string &error);
std::optional<GatewayResponse> httpApiResponse(const std::string &payload, std::string &error);

// Tencent Cloud SCF's API gateway trigger: the event it sends a function (requestContext
// with serviceId, path, httpMethod, requestId, identity, sourceIp, stage; headers as the
// request's lower-case names; body; pathParameters, queryStringParameters,
// headerParameters; path, queryString, httpMethod as requested).
nlohmann::json scfApiGatewayEvent(const GatewayRequest &request, const RouteMatch &match,
                                  const std::string &stage);
// The HTTP response for a function's result. With integrated response, the result is
// {isBase64Encoded, statusCode, headers, body}; a result of another shape gives nullopt
// and `error` says why (the caller answers scfInvalidResponse()). Without it, the result
// is the response's body.
std::optional<GatewayResponse> scfApiGatewayResponse(const std::string &payload,
                                                     bool integratedResponse, std::string &error);
// What SCF's gateway answers for an integrated response of the wrong shape (status 403).
GatewayResponse scfInvalidResponse();

} // namespace nimbus::sim
