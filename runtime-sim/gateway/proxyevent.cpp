#include "proxyevent.h"

#include "nimbus/net/base64.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <ctime>

namespace nimbus::sim {

using net::asciiLower;
using nlohmann::json;

namespace {

bool validUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int extra = c < 0x80           ? 0
                          : (c >> 5) == 0x6  ? 1
                          : (c >> 4) == 0xE  ? 2
                          : (c >> 3) == 0x1E ? 3
                                             : -1;
        if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size() + (extra == 0))
            return false;
        for (int k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) >> 6) != 0x2)
                return false;
        }
        i += static_cast<std::size_t>(extra) + 1;
    }
    return true;
}

// Query parameters in order, decoded.
std::vector<std::pair<std::string, std::string>> queryPairs(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start < raw.size()) {
        std::size_t end = raw.find('&', start);
        if (end == std::string_view::npos)
            end = raw.size();
        const std::string_view part = raw.substr(start, end - start);
        if (!part.empty()) {
            const std::size_t eq = part.find('=');
            out.emplace_back(net::percentDecode(part.substr(0, eq), true),
                             eq == std::string_view::npos
                                 ? std::string()
                                 : net::percentDecode(part.substr(eq + 1), true));
        }
        start = end + 1;
    }
    return out;
}

// The body as API Gateway passes it: text as is, anything else base64.
void putBody(json &event, const GatewayRequest &request, bool nullWhenEmpty) {
    const std::string type = request.header("content-type");
    const bool text = type.empty() ? validUtf8(request.body) : isTextContentType(type);
    if (request.body.empty()) {
        if (nullWhenEmpty)
            event["body"] = nullptr;
        event["isBase64Encoded"] = false;
        return;
    }
    event["body"] = text ? request.body : net::base64Encode(request.body);
    event["isBase64Encoded"] = !text;
}

json identity(const GatewayRequest &request) {
    json id;
    for (const char *key : {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
                            "cognitoAuthenticationType", "cognitoIdentityId",
                            "cognitoIdentityPoolId", "principalOrgId", "user", "userArn"})
        id[key] = nullptr;
    id["sourceIp"] = request.sourceIp;
    const std::string agent = request.header("user-agent");
    id["userAgent"] = agent.empty() ? json(nullptr) : json(agent);
    return id;
}

std::optional<std::string> bodyOf(const json &result, std::string &error) {
    if (!result.contains("body") || result["body"].is_null())
        return std::string();
    const json &body = result["body"];
    std::string text = body.is_string() ? body.get<std::string>() : body.dump();
    if (result.value("isBase64Encoded", false)) {
        auto decoded = net::base64Decode(text);
        if (!decoded) {
            error = "the result says isBase64Encoded, but its body is not base64";
            return std::nullopt;
        }
        return decoded;
    }
    return text;
}

std::string scalarText(const json &value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

bool statusOf(const json &result, GatewayResponse &response, std::string &error) {
    const json &status = result["statusCode"];
    int code = 0;
    if (status.is_number_integer()) {
        code = status.get<int>();
    } else if (status.is_string()) {
        const std::string text = status.get<std::string>();
        if (!text.empty() && text.size() <= 3 && std::all_of(text.begin(), text.end(), ::isdigit))
            code = std::stoi(text);
    }
    if (code < 100 || code > 599) {
        error = "statusCode must be an HTTP status (100-599), got " + status.dump();
        return false;
    }
    response.status = code;
    return true;
}

} // namespace

std::string requestTime(long long epochMs) {
    const std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    return buffer;
}

std::string GatewayRequest::header(std::string_view lowerName) const {
    std::string found;
    for (const auto &[name, value] : headers) {
        if (name.size() == lowerName.size() && asciiLower(name) == lowerName)
            found = value;
    }
    return found;
}

bool isTextContentType(std::string_view contentType) {
    const std::string type = asciiLower(contentType.substr(0, contentType.find(';')));
    return type.rfind("text/", 0) == 0 || type == "application/json" || type == "application/xml" ||
           type == "application/javascript" || type == "application/x-www-form-urlencoded" ||
           type == "application/graphql" || type.ends_with("+json") || type.ends_with("+xml");
}

json restProxyEvent(const GatewayRequest &request, const RouteMatch &match, const ApiContext &api) {
    json event;
    const std::string resource = match.route->path == "*" ? "/{proxy+}" : match.route->path;
    event["resource"] = resource;
    event["path"] = net::percentDecode(request.path);
    event["httpMethod"] = request.method;
    json headers = json::object(), multiHeaders = json::object();
    for (const auto &[name, value] : request.headers) {
        headers[name] = value;
        multiHeaders[name].push_back(value);
    }
    event["headers"] = headers;
    event["multiValueHeaders"] = multiHeaders;
    const auto query = queryPairs(request.rawQuery);
    if (query.empty()) {
        event["queryStringParameters"] = nullptr;
        event["multiValueQueryStringParameters"] = nullptr;
    } else {
        json single = json::object(), multi = json::object();
        for (const auto &[name, value] : query) {
            single[name] = value;
            multi[name].push_back(value);
        }
        event["queryStringParameters"] = single;
        event["multiValueQueryStringParameters"] = multi;
    }
    event["pathParameters"] =
        match.pathParameters.empty() ? json(nullptr) : json(match.pathParameters);
    event["stageVariables"] = nullptr;
    event["requestContext"] = {
        {"accountId", api.accountId},
        {"apiId", api.apiId},
        {"domainName", api.domainName},
        {"domainPrefix", api.domainName.substr(0, api.domainName.find('.'))},
        {"extendedRequestId", request.requestId},
        {"httpMethod", request.method},
        {"identity", identity(request)},
        {"path", "/" + api.stage + net::percentDecode(request.path)},
        {"protocol", request.protocol},
        {"requestId", request.requestId},
        {"requestTime", requestTime(request.timeEpochMs)},
        {"requestTimeEpoch", request.timeEpochMs},
        {"resourceId", "nimbus"},
        {"resourcePath", resource},
        {"stage", api.stage},
    };
    putBody(event, request, true);
    return event;
}

json httpApiEvent(const GatewayRequest &request, const RouteMatch &match, const ApiContext &api) {
    json event;
    event["version"] = "2.0";
    event["routeKey"] = match.route->routeKey();
    event["rawPath"] = request.path;
    event["rawQueryString"] = request.rawQuery;
    json headers = json::object();
    json cookies = json::array();
    for (const auto &[name, value] : request.headers) {
        const std::string key = asciiLower(name);
        if (key == "cookie") {
            // Each cookie is its own entry, as API Gateway splits them.
            std::size_t start = 0;
            while (start < value.size()) {
                std::size_t end = value.find(';', start);
                if (end == std::string::npos)
                    end = value.size();
                std::string cookie = value.substr(start, end - start);
                cookie.erase(0, cookie.find_first_not_of(' '));
                if (!cookie.empty())
                    cookies.push_back(cookie);
                start = end + 1;
            }
            continue;
        }
        if (headers.contains(key))
            headers[key] = headers[key].get<std::string>() + "," + value;
        else
            headers[key] = value;
    }
    if (!cookies.empty())
        event["cookies"] = cookies;
    event["headers"] = headers;
    const auto query = queryPairs(request.rawQuery);
    if (!query.empty()) {
        json parameters = json::object();
        for (const auto &[name, value] : query) {
            if (parameters.contains(name))
                parameters[name] = parameters[name].get<std::string>() + "," + value;
            else
                parameters[name] = value;
        }
        event["queryStringParameters"] = parameters;
    }
    if (!match.pathParameters.empty())
        event["pathParameters"] = match.pathParameters;
    const std::string agent = request.header("user-agent");
    event["requestContext"] = {
        {"accountId", api.accountId},
        {"apiId", api.apiId},
        {"domainName", api.domainName},
        {"domainPrefix", api.domainName.substr(0, api.domainName.find('.'))},
        {"http",
         {{"method", request.method},
          {"path", net::percentDecode(request.path)},
          {"protocol", request.protocol},
          {"sourceIp", request.sourceIp},
          {"userAgent", agent}}},
        {"requestId", request.requestId},
        {"routeKey", match.route->routeKey()},
        {"stage", "$default"},
        {"time", requestTime(request.timeEpochMs)},
        {"timeEpoch", request.timeEpochMs},
    };
    putBody(event, request, false);
    if (!event.contains("body"))
        event["isBase64Encoded"] = false;
    return event;
}

json httpFunctionEvent(const GatewayRequest &request, const RouteMatch &match) {
    json headers = json::array();
    for (const auto &[name, value] : request.headers)
        headers.push_back({name, value});
    return {{"method", request.method},
            {"path", match.innerPath.empty() ? "/" : match.innerPath},
            {"query", request.rawQuery},
            {"headers", headers},
            {"body", net::base64Encode(request.body)},
            {"mountPath", match.mountPath},
            {"sourceIp", request.sourceIp},
            {"protocol", request.protocol},
            {"requestId", request.requestId}};
}

std::optional<GatewayResponse> restProxyResponse(const std::string &payload, std::string &error) {
    const json result = json::parse(payload, nullptr, false);
    if (result.is_discarded() || !result.is_object() || !result.contains("statusCode")) {
        error = "a function behind an 'http' event must return an object with statusCode "
                "(and optional headers, multiValueHeaders, body, isBase64Encoded)";
        return std::nullopt;
    }
    GatewayResponse response;
    if (!statusOf(result, response, error))
        return std::nullopt;
    if (result.contains("headers") && result["headers"].is_object()) {
        for (const auto &[name, value] : result["headers"].items())
            response.headers.emplace_back(name, scalarText(value));
    }
    if (result.contains("multiValueHeaders") && result["multiValueHeaders"].is_object()) {
        for (const auto &[name, values] : result["multiValueHeaders"].items()) {
            // A multi-value header replaces a single one of the same name.
            std::erase_if(response.headers, [&written = name](const auto &h) {
                return asciiLower(h.first) == asciiLower(written);
            });
            if (values.is_array()) {
                for (const auto &value : values)
                    response.headers.emplace_back(name, scalarText(value));
            }
        }
    }
    auto body = bodyOf(result, error);
    if (!body)
        return std::nullopt;
    response.body = std::move(*body);
    return response;
}

std::optional<GatewayResponse> httpApiResponse(const std::string &payload, std::string &error) {
    const json result = json::parse(payload, nullptr, false);
    if (result.is_discarded()) {
        error = "the function's result is not JSON";
        return std::nullopt;
    }
    GatewayResponse response;
    if (!result.is_object() || !result.contains("statusCode")) {
        // Payload 2.0's shortcut: any other JSON is the body of a 200 application/json.
        response.headers.emplace_back("content-type", "application/json");
        response.body = payload;
        return response;
    }
    if (!statusOf(result, response, error))
        return std::nullopt;
    if (result.contains("headers") && result["headers"].is_object()) {
        for (const auto &[name, value] : result["headers"].items())
            response.headers.emplace_back(name, scalarText(value));
    }
    if (result.contains("cookies") && result["cookies"].is_array()) {
        for (const auto &cookie : result["cookies"])
            response.headers.emplace_back("set-cookie", scalarText(cookie));
    }
    auto body = bodyOf(result, error);
    if (!body)
        return std::nullopt;
    response.body = std::move(*body);
    return response;
}

json scfApiGatewayEvent(const GatewayRequest &request, const RouteMatch &match,
                        const std::string &stage) {
    json event;
    event["requestContext"] = {
        {"serviceId", "service-nimbuslocal"},
        {"path", match.route->path},
        {"httpMethod", match.route->method},
        {"requestId", request.requestId},
        {"identity", json::object()},
        {"sourceIp", request.sourceIp},
        {"stage", stage},
    };
    // Names in lower case, as SCF's gateway passes them; a repeated header joined by ','.
    json headers = json::object();
    for (const auto &[name, value] : request.headers) {
        const std::string key = asciiLower(name);
        headers[key] =
            headers.contains(key) ? headers[key].get<std::string>() + "," + value : value;
    }
    event["headers"] = headers;
    event["body"] = request.body;
    event["pathParameters"] =
        match.pathParameters.empty() ? json::object() : json(match.pathParameters);
    // (Only parameters an API declares are in these; a local API declares none.)
    event["queryStringParameters"] = json::object();
    event["headerParameters"] = json::object();
    event["stageVariables"] = {{"stage", stage}};
    event["path"] = net::percentDecode(request.path);
    // A repeated query parameter has its values in a list.
    json query = json::object();
    for (const auto &[name, value] : queryPairs(request.rawQuery)) {
        if (!query.contains(name))
            query[name] = value;
        else if (query[name].is_array())
            query[name].push_back(value);
        else
            query[name] = json::array({query[name], value});
    }
    event["queryString"] = query;
    event["httpMethod"] = request.method;
    return event;
}

std::optional<GatewayResponse> scfApiGatewayResponse(const std::string &payload,
                                                     bool integratedResponse, std::string &error) {
    const json result = json::parse(payload, nullptr, false);
    GatewayResponse response;
    if (!integratedResponse) {
        // The result is the body: a string as it is, anything else as JSON.
        const bool text = !result.is_discarded() && result.is_string();
        response.headers.emplace_back("content-type",
                                      text ? "text/plain; charset=utf-8" : "application/json");
        response.body = text ? result.get<std::string>() : payload;
        return response;
    }
    if (result.is_discarded() || !result.is_object()) {
        error = "an integrated response is a JSON object {isBase64Encoded, statusCode, headers, "
                "body}";
        return std::nullopt;
    }
    const auto status = result.find("statusCode");
    if (status == result.end() || !status->is_number_integer() || status->get<int>() < 100 ||
        status->get<int>() > 599) {
        error = "an integrated response's statusCode is an HTTP status (an integer 100-599)";
        return std::nullopt;
    }
    response.status = status->get<int>();
    if (const auto headers = result.find("headers"); headers != result.end()) {
        if (!headers->is_object() && !headers->is_null()) {
            error = "an integrated response's headers are an object of names and values";
            return std::nullopt;
        }
        if (headers->is_object()) {
            for (const auto &[name, value] : headers->items()) {
                if (value.is_array()) { // a header sent once per value
                    for (const auto &item : value)
                        response.headers.emplace_back(name, scalarText(item));
                } else {
                    response.headers.emplace_back(name, scalarText(value));
                }
            }
        }
    }
    if (const auto body = result.find("body"); body != result.end() && !body->is_null()) {
        response.body = scalarText(*body);
        const auto base64 = result.find("isBase64Encoded");
        if (base64 != result.end() && base64->is_boolean() && base64->get<bool>()) {
            auto decoded = net::base64Decode(response.body);
            if (!decoded) {
                error = "isBase64Encoded is true but the body is not base64";
                return std::nullopt;
            }
            response.body = std::move(*decoded);
        }
    }
    return response;
}

GatewayResponse scfInvalidResponse() {
    GatewayResponse response;
    response.status = 403;
    response.headers.emplace_back("content-type", "application/json");
    response.body = R"({"errno":403,"error":"Invalid scf response format. please check your scf )"
                    R"(response format."})";
    return response;
}

} // namespace nimbus::sim
