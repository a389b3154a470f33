#include "nimbus/lambdaclient/lambdaclient.h"

#include "nimbus/net/base64.h"
#include "nimbus/net/httpclient.h"

namespace nimbus::lambdaclient {

using nlohmann::json;

namespace {

// The authority (host:port) and path prefix of an endpoint URL.
void splitUrl(const std::string &url, std::string &authority, std::string &prefix) {
    const auto scheme = url.find("://");
    const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
    const auto slash = rest.find('/');
    authority = rest.substr(0, slash);
    prefix = slash == std::string::npos ? "" : rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
}

lambda::ApiError errorOf(const LambdaClient::Raw &raw) {
    if (raw.status == 0)
        return {0, "ConnectionError", raw.transportError};
    const json body = json::parse(raw.body, nullptr, false);
    std::string type;
    if (auto it = raw.headers.find("x-amzn-errortype"); it != raw.headers.end())
        type = it->second.substr(0, it->second.find(':'));
    if (type.empty() && body.is_object())
        type = body.value("__type", body.value("Type", std::string("Error")));
    if (auto hash = type.rfind('#'); hash != std::string::npos)
        type = type.substr(hash + 1);
    std::string message = raw.body;
    if (body.is_object())
        message = body.value("message", body.value("Message", raw.body));
    return {raw.status, type, message};
}

template <typename T, typename Convert> Result<T> convert(Result<json> in, Convert f) {
    Result<T> out;
    if (!in.ok()) {
        out.error = in.error;
        return out;
    }
    out.value = f(*in);
    return out;
}

} // namespace

std::string base64(std::string_view data) {
    return net::base64Encode(data);
}

LambdaClient::LambdaClient(Endpoint endpoint)
    : m_endpoint(std::move(endpoint)) {}

LambdaClient::Raw LambdaClient::send(const std::string &method, const std::string &path,
                                     const std::vector<std::pair<std::string, std::string>> &query,
                                     const std::string &body,
                                     std::map<std::string, std::string> headers,
                                     const std::string &service) {
    // AWS serves each service at its own host (lambda.REGION... and logs.REGION...); a
    // local simulator serves both at one.
    std::string url = m_endpoint.url;
    if (service != "lambda") {
        const auto at = url.find("://lambda.");
        if (at != std::string::npos)
            url.replace(at + 3, 7, service + ".");
    }
    std::string authority, prefix;
    splitUrl(url, authority, prefix);
    sigv4::Request request;
    request.method = method;
    request.path = prefix + path;
    for (const auto &[name, value] : query)
        request.query += (request.query.empty() ? "" : "&") + sigv4::uriEncode(name) + "=" +
                         sigv4::uriEncode(value);
    request.body = body;
    headers.emplace("Host", authority);
    if (!body.empty())
        headers.emplace("Content-Type", "application/json");
    for (const auto &[name, value] : headers)
        request.headers.emplace_back(name, value);
    sigv4::sign(request, m_endpoint.credentials,
                {sigv4::amzDate(std::chrono::system_clock::now()), m_endpoint.region, service});

    net::HttpRequestSpec spec;
    spec.method = method;
    spec.url = url.substr(0, url.find("://") + 3) + authority +
               request.path + (request.query.empty() ? "" : "?" + request.query);
    spec.body = body;
    for (const auto &[name, value] : request.headers)
        spec.headers[name] = value;
    spec.timeout = m_timeout;
    spec.uploadProgress = m_uploadProgress;
    const net::HttpResult result = net::httpRequest(spec);
    return {result.status, result.headers, result.body, result.error};
}

Result<json> LambdaClient::call(const std::string &method, const std::string &path,
                                const std::vector<std::pair<std::string, std::string>> &query,
                                const std::optional<json> &body) {
    const Raw raw = send(method, path, query, body ? body->dump() : std::string());
    Result<json> out;
    if (raw.status < 200 || raw.status >= 300) {
        out.error = errorOf(raw);
        return out;
    }
    out.value = raw.body.empty() ? json::object() : json::parse(raw.body, nullptr, false);
    if (out.value->is_discarded()) {
        out.value.reset();
        out.error = {raw.status, "InvalidResponse", "the endpoint's answer is not JSON"};
    }
    return out;
}

namespace {
std::string functionPath(const std::string &name) {
    return "/2015-03-31/functions/" + sigv4::uriEncode(name);
}
} // namespace

Result<lambda::FunctionConfiguration>
LambdaClient::getFunctionConfiguration(const std::string &name, const std::string &qualifier) {
    std::vector<std::pair<std::string, std::string>> query;
    if (!qualifier.empty())
        query.emplace_back("Qualifier", qualifier);
    return convert<lambda::FunctionConfiguration>(
        call("GET", functionPath(name) + "/configuration", query), lambda::configurationFromJson);
}

Result<json> LambdaClient::getFunction(const std::string &name) {
    return call("GET", functionPath(name));
}

Result<lambda::FunctionConfiguration> LambdaClient::createFunction(const json &request) {
    return convert<lambda::FunctionConfiguration>(call("POST", "/2015-03-31/functions", {}, request),
                                                  lambda::configurationFromJson);
}

Result<lambda::FunctionConfiguration>
LambdaClient::updateFunctionCode(const std::string &name, const std::string &zip, bool publish) {
    return convert<lambda::FunctionConfiguration>(
        call("PUT", functionPath(name) + "/code", {},
             json{{"ZipFile", net::base64Encode(zip)}, {"Publish", publish}}),
        lambda::configurationFromJson);
}

Result<lambda::FunctionConfiguration>
LambdaClient::updateFunctionConfiguration(const std::string &name, const json &request) {
    return convert<lambda::FunctionConfiguration>(
        call("PUT", functionPath(name) + "/configuration", {}, request),
        lambda::configurationFromJson);
}

Result<json> LambdaClient::publishLayerVersion(const std::string &layer, const json &request) {
    return call("POST", "/2018-10-31/layers/" + sigv4::uriEncode(layer) + "/versions", {}, request);
}

Result<json> LambdaClient::latestLayerVersion(const std::string &layer) {
    const std::string path = "/2018-10-31/layers/" + sigv4::uriEncode(layer) + "/versions";
    Result<json> list = call("GET", path, {{"MaxItems", "1"}});
    if (!list.ok()) {
        if (list.error.status == 404) { // (no layer of that name yet)
            list.value = json();
            list.error = {};
        }
        return list;
    }
    const json &versions = (*list).value("LayerVersions", json::array());
    if (!versions.is_array() || versions.empty() || !versions[0].contains("Version"))
        return {json(), {}};
    return call("GET", path + "/" + std::to_string(versions[0]["Version"].get<long long>()));
}

Result<lambda::FunctionConfiguration> LambdaClient::publishVersion(const std::string &name,
                                                                   const std::string &description) {
    json body = json::object();
    if (!description.empty())
        body["Description"] = description;
    return convert<lambda::FunctionConfiguration>(
        call("POST", functionPath(name) + "/versions", {}, body), lambda::configurationFromJson);
}

namespace {
// Follows NextMarker until the list ends.
template <typename T, typename Fetch, typename Convert>
Result<std::vector<T>> paged(Fetch fetch, const char *listKey, Convert convertItem) {
    Result<std::vector<T>> out;
    out.value.emplace();
    std::string marker;
    for (int page = 0; page < 10000; ++page) {
        Result<json> r = fetch(marker);
        if (!r.ok()) {
            out.value.reset();
            out.error = r.error;
            return out;
        }
        for (const auto &item : r->value(listKey, json::array()))
            out.value->push_back(convertItem(item));
        marker = r->value("NextMarker", "");
        if (marker.empty())
            break;
    }
    return out;
}
} // namespace

Result<std::vector<lambda::FunctionConfiguration>> LambdaClient::listFunctions() {
    return paged<lambda::FunctionConfiguration>(
        [&](const std::string &marker) {
            std::vector<std::pair<std::string, std::string>> query;
            if (!marker.empty())
                query.emplace_back("Marker", marker);
            return call("GET", "/2015-03-31/functions/", query);
        },
        "Functions", lambda::configurationFromJson);
}

Result<LambdaClient::FunctionPage> LambdaClient::listFunctionsPage(const std::string &marker,
                                                                  int maxItems) {
    std::vector<std::pair<std::string, std::string>> query{{"MaxItems", std::to_string(maxItems)}};
    if (!marker.empty())
        query.emplace_back("Marker", marker);
    return convert<FunctionPage>(call("GET", "/2015-03-31/functions/", query), [](const json &j) {
        FunctionPage page;
        if (const auto it = j.find("Functions"); it != j.end() && it->is_array())
            for (const auto &item : *it)
                page.functions.push_back(lambda::configurationFromJson(item));
        if (const auto it = j.find("NextMarker"); it != j.end() && it->is_string())
            page.nextMarker = it->get<std::string>();
        return page;
    });
}

Result<bool> LambdaClient::deleteFunction(const std::string &name, const std::string &qualifier) {
    std::vector<std::pair<std::string, std::string>> query;
    if (!qualifier.empty())
        query.emplace_back("Qualifier", qualifier);
    return convert<bool>(call("DELETE", functionPath(name), query),
                         [](const json &) { return true; });
}

Result<bool> LambdaClient::deleteAlias(const std::string &name, const std::string &alias) {
    return convert<bool>(call("DELETE", functionPath(name) + "/aliases/" + sigv4::uriEncode(alias)),
                         [](const json &) { return true; });
}

Result<std::vector<lambda::FunctionConfiguration>>
LambdaClient::listVersions(const std::string &name) {
    return paged<lambda::FunctionConfiguration>(
        [&](const std::string &marker) {
            std::vector<std::pair<std::string, std::string>> query;
            if (!marker.empty())
                query.emplace_back("Marker", marker);
            return call("GET", functionPath(name) + "/versions", query);
        },
        "Versions", lambda::configurationFromJson);
}

Result<lambda::AliasConfiguration> LambdaClient::getAlias(const std::string &name,
                                                          const std::string &alias) {
    return convert<lambda::AliasConfiguration>(
        call("GET", functionPath(name) + "/aliases/" + sigv4::uriEncode(alias)),
        lambda::aliasFromJson);
}

Result<lambda::AliasConfiguration> LambdaClient::putAlias(const std::string &name,
                                                          const std::string &alias,
                                                          const std::string &version,
                                                          const lambda::VersionWeights &weights,
                                                          bool create,
                                                          const std::optional<std::string> &description) {
    json body{{"FunctionVersion", version},
              {"RoutingConfig", {{"AdditionalVersionWeights", weights}}}};
    if (description)
        body["Description"] = *description;
    if (create) {
        body["Name"] = alias;
        return convert<lambda::AliasConfiguration>(
            call("POST", functionPath(name) + "/aliases", {}, body), lambda::aliasFromJson);
    }
    return convert<lambda::AliasConfiguration>(
        call("PUT", functionPath(name) + "/aliases/" + sigv4::uriEncode(alias), {}, body),
        lambda::aliasFromJson);
}

Result<std::vector<lambda::AliasConfiguration>>
LambdaClient::listAliases(const std::string &name) {
    return paged<lambda::AliasConfiguration>(
        [&](const std::string &marker) {
            std::vector<std::pair<std::string, std::string>> query;
            if (!marker.empty())
                query.emplace_back("Marker", marker);
            return call("GET", functionPath(name) + "/aliases", query);
        },
        "Aliases", lambda::aliasFromJson);
}

Result<bool> LambdaClient::tagResource(const std::string &arn, const lambda::Tags &tags) {
    return convert<bool>(call("POST", "/2017-03-31/tags/" + sigv4::uriEncode(arn), {},
                              json{{"Tags", tags}}),
                         [](const json &) { return true; });
}

Result<bool> LambdaClient::putConcurrency(const std::string &name, std::optional<int> reserved) {
    const std::string path = "/2017-10-31/functions/" + sigv4::uriEncode(name) + "/concurrency";
    if (!reserved)
        return convert<bool>(call("DELETE", path), [](const json &) { return true; });
    return convert<bool>(call("PUT", path, {}, json{{"ReservedConcurrentExecutions", *reserved}}),
                         [](const json &) { return true; });
}

InvokeResult LambdaClient::invoke(const std::string &name, const std::string &payload,
                                  const std::string &qualifier,
                                  const std::string &invocationType) {
    std::vector<std::pair<std::string, std::string>> query;
    if (!qualifier.empty())
        query.emplace_back("Qualifier", qualifier);
    const Raw raw = send("POST", functionPath(name) + "/invocations", query, payload,
                         {{"X-Amz-Invocation-Type", invocationType},
                          {"X-Amz-Log-Type", "Tail"},
                          {"X-Nimbus-Log-Type", "Full"}});
    InvokeResult out;
    out.status = raw.status;
    auto header = [&](const char *key) {
        auto it = raw.headers.find(key);
        return it == raw.headers.end() ? std::string() : it->second;
    };
    if (raw.status < 200 || raw.status >= 300) {
        out.error = errorOf(raw);
        return out;
    }
    out.payload = raw.body;
    out.functionError = header("x-amz-function-error");
    out.log = net::base64Decode(header("x-amz-log-result")).value_or("");
    out.executedVersion = header("x-amz-executed-version");
    out.requestId = header("x-amzn-requestid");
    return out;
}

Result<json> LambdaClient::filterLogEvents(const json &request) {
    const Raw raw = send("POST", "/", {}, request.dump(),
                         {{"X-Amz-Target", "Logs_20140328.FilterLogEvents"},
                          {"Content-Type", "application/x-amz-json-1.1"}},
                         "logs");
    Result<json> out;
    if (raw.status != 200) {
        out.error = errorOf(raw);
        return out;
    }
    out.value = json::parse(raw.body, nullptr, false);
    return out;
}

Result<json> LambdaClient::deadLetters(const std::string &function) {
    return call("GET", "/_nimbus/dead-letters", {{"function", function}});
}

Result<json> LambdaClient::metrics(const std::string &function, long long sinceMs) {
    return call("GET", "/_nimbus/metrics",
                {{"function", function}, {"since", std::to_string(sinceMs)}});
}

Result<json> LambdaClient::traces(const std::string &function, long long sinceMs, int limit) {
    return call("GET", "/_nimbus/traces",
                {{"function", function},
                 {"since", std::to_string(sinceMs)},
                 {"limit", std::to_string(limit)}});
}

Result<json> LambdaClient::trace(const std::string &traceId) {
    return call("GET", "/_nimbus/traces/" + sigv4::uriEncode(traceId));
}

Result<json> LambdaClient::failures(const std::string &function, long long sinceMs, int limit) {
    return call("GET", "/_nimbus/failures",
                {{"function", function},
                 {"since", std::to_string(sinceMs)},
                 {"limit", std::to_string(limit)}});
}

Result<json> LambdaClient::failure(const std::string &id) {
    return call("GET", "/_nimbus/failures/" + sigv4::uriEncode(id));
}

} // namespace nimbus::lambdaclient
