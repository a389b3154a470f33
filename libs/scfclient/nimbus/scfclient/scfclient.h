#pragma once

#include "nimbus/scf/scfapi.h"
#include "nimbus/tc3/tc3.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nimbus::scfclient {

// Where SCF actions go and as whom: https://scf.tencentcloudapi.com, or the local
// simulator's control plane (http://127.0.0.1:PORT).
struct Endpoint {
    std::string url;
    std::string region = "ap-guangzhou";
    tc3::Credentials credentials;
};

// An action's outcome: Response's fields, or SCF's error (code "ConnectionError" when the
// endpoint did not answer, "InvalidResponse" when it answered something else).
struct Result {
    std::optional<nlohmann::json> value;
    scf::ApiError error;
    std::string requestId;
    bool ok() const { return value.has_value(); }
};

// A blocking client of SCF's API 3.0: each action a TC3-signed POST of its parameters.
class ScfClient {
public:
    explicit ScfClient(Endpoint endpoint)
        : m_endpoint(std::move(endpoint)) {}
    const Endpoint &endpoint() const { return m_endpoint; }
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    Result call(const std::string &action, const nlohmann::json &parameters);

private:
    Endpoint m_endpoint;
    std::chrono::milliseconds m_timeout{std::chrono::minutes(5)};
};

// Credentials as Tencent's tools read them: TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY
// and, for temporary keys, TENCENTCLOUD_SESSIONTOKEN. Nullopt with `error` saying what to set.
std::optional<tc3::Credentials> tencentCredentials(std::string &error);

// "ResourceNotFound.Function: The function ... (RequestId ...)" for people.
std::string describe(const Result &result);

} // namespace nimbus::scfclient
