#include "nimbus/scfclient/scfclient.h"

#include "nimbus/net/httpclient.h"

#include <cstdlib>
#include <ctime>

namespace nimbus::scfclient {

using nlohmann::json;

Result ScfClient::call(const std::string &action, const json &parameters) {
    const std::string &url = m_endpoint.url;
    const auto scheme = url.find("://");
    const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
    const std::string authority = rest.substr(0, rest.find('/'));
    tc3::Request request;
    request.body = parameters.dump();
    request.headers = {{"Host", authority},
                       {"Content-Type", "application/json"},
                       {"X-TC-Action", action},
                       {"X-TC-Version", scf::kApiVersion},
                       {"X-TC-Region", m_endpoint.region},
                       {"X-TC-Language", "en-US"}};
    tc3::sign(request, m_endpoint.credentials, scf::kService, std::time(nullptr));

    net::HttpRequestSpec spec;
    spec.method = "POST";
    spec.url =
        (scheme == std::string::npos ? "http://" : url.substr(0, scheme + 3)) + authority + "/";
    spec.body = request.body;
    for (const auto &[name, value] : request.headers)
        spec.headers[name] = value;
    spec.timeout = m_timeout;
    const net::HttpResult answer = net::httpRequest(spec);

    Result out;
    if (answer.status == 0) {
        out.error = {"ConnectionError", answer.error};
        return out;
    }
    const json body = json::parse(answer.body, nullptr, false);
    if (!body.is_object() || !body.contains("Response") || !body["Response"].is_object()) {
        out.error = {"InvalidResponse", "the endpoint answered HTTP " +
                                            std::to_string(answer.status) +
                                            " without SCF's {\"Response\": ...} envelope"};
        return out;
    }
    json response = body["Response"];
    out.requestId = response.value("RequestId", std::string());
    if (response.contains("Error") && response["Error"].is_object()) {
        out.error = {response["Error"].value("Code", std::string("InternalError")),
                     response["Error"].value("Message", std::string())};
        return out;
    }
    out.value = std::move(response);
    return out;
}

std::optional<tc3::Credentials> tencentCredentials(std::string &error) {
    const char *id = std::getenv("TENCENTCLOUD_SECRETID");
    const char *key = std::getenv("TENCENTCLOUD_SECRETKEY");
    if (!id || !*id || !key || !*key) {
        error = "set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (an API key of the "
                "account, from the Tencent Cloud console's API Keys page)";
        return std::nullopt;
    }
    tc3::Credentials credentials{id, key, {}};
    if (const char *token = std::getenv("TENCENTCLOUD_SESSIONTOKEN"))
        credentials.token = token;
    return credentials;
}

std::string describe(const Result &result) {
    if (result.error.code == "ConnectionError")
        return "cannot reach the SCF endpoint: " + result.error.message;
    return result.error.code + ": " + result.error.message +
           (result.requestId.empty() ? "" : " (RequestId " + result.requestId + ")");
}

} // namespace nimbus::scfclient
