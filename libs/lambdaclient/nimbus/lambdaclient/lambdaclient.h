#pragma once

#include "nimbus/lambda/lambdatypes.h"
#include "nimbus/sigv4/sigv4.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::lambdaclient {

// Where requests go and as whom: the local simulator's control plane, or any
// Lambda-compatible endpoint (https endpoints need a local proxy; see README).
struct Endpoint {
    std::string url; // http://127.0.0.1:PORT
    std::string region = "us-east-1";
    sigv4::Credentials credentials;
};

// A call's outcome: a JSON body, or the service's error (status 0: it did not answer).
template <typename T> struct Result {
    std::optional<T> value;
    lambda::ApiError error;
    bool ok() const { return value.has_value(); }
    const T &operator*() const { return *value; }
    const T *operator->() const { return &*value; }
};

struct InvokeResult {
    int status = 0;
    std::string payload;
    std::string functionError;   // X-Amz-Function-Error
    std::string log;             // decoded X-Amz-Log-Result
    std::string executedVersion; // X-Amz-Executed-Version
    std::string requestId;
    lambda::ApiError error; // when status is not 2xx
};

// Base64, as the API carries zips in JSON.
std::string base64(std::string_view data);

// A client of the Lambda REST API (and the CloudWatch Logs calls `nimbus logs` makes) that
// signs every request with Signature Version 4. Blocking; one request at a time.
class LambdaClient {
public:
    explicit LambdaClient(Endpoint endpoint);
    const Endpoint &endpoint() const { return m_endpoint; }
    // How long one request may take (16 minutes unless set: longer than Lambda's 15).
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    // Told how far each request's body has gone out; returning false cancels the request
    // (its error then says "cancelled"). Unset: no reports.
    using UploadProgress = std::function<bool(std::size_t sent, std::size_t total)>;
    void setUploadProgress(UploadProgress progress) { m_uploadProgress = std::move(progress); }

    Result<lambda::FunctionConfiguration> getFunctionConfiguration(const std::string &name,
                                                                   const std::string &qualifier = {});
    Result<nlohmann::json> getFunction(const std::string &name);
    Result<lambda::FunctionConfiguration> createFunction(const nlohmann::json &request);
    Result<lambda::FunctionConfiguration> updateFunctionCode(const std::string &name,
                                                             const std::string &zip,
                                                             bool publish = false);
    Result<lambda::FunctionConfiguration>
    updateFunctionConfiguration(const std::string &name, const nlohmann::json &request);
    Result<lambda::FunctionConfiguration> publishVersion(const std::string &name,
                                                         const std::string &description = {});
    Result<std::vector<lambda::FunctionConfiguration>> listFunctions();
    // One page of ListFunctions: up to `maxItems` from `marker` (empty: the first page).
    struct FunctionPage {
        std::vector<lambda::FunctionConfiguration> functions;
        std::string nextMarker; // empty on the last page
    };
    Result<FunctionPage> listFunctionsPage(const std::string &marker, int maxItems);
    // DeleteFunction: the whole function, or one version when `qualifier` names it.
    Result<bool> deleteFunction(const std::string &name, const std::string &qualifier = {});
    Result<bool> deleteAlias(const std::string &name, const std::string &alias);
    Result<std::vector<lambda::FunctionConfiguration>> listVersions(const std::string &name);
    Result<lambda::AliasConfiguration> getAlias(const std::string &name, const std::string &alias);
    Result<lambda::AliasConfiguration> putAlias(const std::string &name, const std::string &alias,
                                                const std::string &version,
                                                const lambda::VersionWeights &weights,
                                                bool create,
                                                const std::optional<std::string> &description = {});
    Result<std::vector<lambda::AliasConfiguration>> listAliases(const std::string &name);
    Result<bool> tagResource(const std::string &arn, const lambda::Tags &tags);
    // PutFunctionConcurrency, or DeleteFunctionConcurrency for nullopt.
    Result<bool> putConcurrency(const std::string &name, std::optional<int> reserved);
    InvokeResult invoke(const std::string &name, const std::string &payload,
                        const std::string &qualifier = {},
                        const std::string &invocationType = "RequestResponse");
    // PublishLayerVersion: `request` as the API takes it (Content.ZipFile, Description,
    // CompatibleRuntimes, ...); the answer's JSON (LayerVersionArn, Version, Content).
    Result<nlohmann::json> publishLayerVersion(const std::string &layer,
                                               const nlohmann::json &request);
    // GetLayerVersion of a layer's newest version; null JSON when it has none.
    Result<nlohmann::json> latestLayerVersion(const std::string &layer);
    // CloudWatch Logs FilterLogEvents (the body as that API takes it).
    Result<nlohmann::json> filterLogEvents(const nlohmann::json &request);
    // Nimbus: the dead letters of a function's asynchronous invocations.
    Result<nlohmann::json> deadLetters(const std::string &function);
    // GET /_nimbus/metrics: {"Functions": [per-function summaries]} since `sinceMs` (Unix
    // time; 0 for all), of one function or all (""). A Nimbus simulator extension.
    Result<nlohmann::json> metrics(const std::string &function, long long sinceMs);
    // GET /_nimbus/traces: {"Traces": [{traceId, name, startUs, durationUs, error, spans}]},
    // newest first; GET /_nimbus/traces/ID: one trace. Nimbus simulator extensions.
    Result<nlohmann::json> traces(const std::string &function, long long sinceMs, int limit);
    Result<nlohmann::json> trace(const std::string &traceId);
    // GET /_nimbus/failures: {"Failures": [failure scenes]}, newest first;
    // GET /_nimbus/failures/ID (a number or a request id): one. Nimbus simulator extensions.
    Result<nlohmann::json> failures(const std::string &function, long long sinceMs, int limit);
    Result<nlohmann::json> failure(const std::string &id);

    // One signed request; the raw answer.
    struct Raw {
        int status = 0;
        std::map<std::string, std::string> headers; // lower-case names
        std::string body;
        std::string transportError;
    };
    Raw send(const std::string &method, const std::string &path,
             const std::vector<std::pair<std::string, std::string>> &query,
             const std::string &body, std::map<std::string, std::string> headers = {},
             const std::string &service = "lambda");

private:
    Result<nlohmann::json> call(const std::string &method, const std::string &path,
                                const std::vector<std::pair<std::string, std::string>> &query = {},
                                const std::optional<nlohmann::json> &body = std::nullopt);

    Endpoint m_endpoint;
    std::chrono::milliseconds m_timeout{std::chrono::minutes(16)};
    UploadProgress m_uploadProgress;
};

} // namespace nimbus::lambdaclient
