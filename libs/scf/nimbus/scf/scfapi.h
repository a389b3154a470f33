#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

// The shapes of Tencent Cloud's SCF API 3.0 (version 2018-04-16) that Nimbus serves and
// calls, as plain structs. Requests are read the way the service reads them: a wrong type,
// an unknown parameter or a broken constraint is an ApiError with SCF's code naming the
// field. Every answer goes in SCF's envelope: {"Response": {..., "RequestId"}}, with HTTP
// status 200 even for an error, whose code and message are in Response.Error.
namespace nimbus::scf {

constexpr const char *kApiVersion = "2018-04-16";
constexpr const char *kService = "scf";

struct ApiError {
    std::string code; // AuthFailure.SignatureFailure, ResourceNotFound.Function, ...
    std::string message;
};

// The envelope of an answer and of an error.
nlohmann::json response(nlohmann::json fields, const std::string &requestId);
nlohmann::json errorResponse(const ApiError &error, const std::string &requestId);

using Environment = std::map<std::string, std::string>;

// What CreateFunction and UpdateFunctionConfiguration set (absent: unchanged or default).
struct FunctionSettings {
    std::optional<std::string> handler;
    std::optional<std::string> runtime;
    std::optional<std::string> description;
    std::optional<int> memorySize;
    std::optional<int> timeout;
    std::optional<int> initTimeout;
    std::optional<Environment> environment;
    std::optional<std::string> role;
};

struct CreateFunctionRequest {
    std::string functionName;
    std::string namespaceName = "default";
    std::string type = "Event"; // or HTTP (a web function)
    FunctionSettings settings;
    std::string zipFile; // Code.ZipFile, base64
};

struct UpdateFunctionCodeRequest {
    std::string functionName;
    std::string namespaceName = "default";
    std::optional<std::string> handler;
    std::string zipFile; // ZipFile or Code.ZipFile
    bool publish = false;
};

struct UpdateFunctionConfigurationRequest {
    std::string functionName;
    std::string namespaceName = "default";
    FunctionSettings settings;
    bool publish = false;
};

// A request that names a function, and maybe a version or alias (GetFunction,
// DeleteFunction, PublishVersion, ListVersionByFunction, ListAliases, GetFunctionLogs...).
struct FunctionRequest {
    std::string functionName;
    std::string namespaceName = "default";
    std::string qualifier;       // "" when absent
    std::string description;     // PublishVersion
    std::string functionVersion; // ListAliases' filter
    int offset = 0;
    int limit = 20;
    std::string order = "DESC"; // lists that sort
    std::string requestId;      // GetFunctionLogs' FunctionRequestId
    std::string retCode;        // GetFunctionLogs' Filter.RetCode: "", "is0" or "not0"
};

struct ListFunctionsRequest {
    std::string namespaceName = "default";
    std::string searchKey; // part of a name
    std::string description;
    int offset = 0;
    int limit = 20;
    std::string order = "DESC";
    std::string orderBy = "AddTime"; // AddTime, ModTime or FunctionName
};

using VersionWeights = std::map<std::string, double>; // additional version -> share

struct AliasRequest {
    std::string functionName;
    std::string namespaceName = "default";
    std::string name;
    std::optional<std::string> functionVersion;
    std::optional<std::string> description;
    std::optional<VersionWeights> weights; // RoutingConfig.AdditionalVersionWeights
};

// Invoke (InvocationType, ClientContext as the event) and InvokeFunction (always
// synchronous, Event as the event, $DEFAULT qualifier).
struct InvokeRequest {
    std::string functionName;
    std::string namespaceName = "default";
    std::string qualifier; // "" for $LATEST
    bool async = false;
    bool tail = false;
    std::string event = "{}";
};

// What a request's constraints are checked against.
struct Limits {
    std::vector<std::string> runtimes; // the runtimes this platform runs
};

// Request bodies by action. Each returns the error SCF would send, or nothing.
std::optional<ApiError> parse(const nlohmann::json &body, CreateFunctionRequest &out,
                              const Limits &limits);
std::optional<ApiError> parse(const nlohmann::json &body, UpdateFunctionCodeRequest &out);
std::optional<ApiError> parse(const nlohmann::json &body, UpdateFunctionConfigurationRequest &out,
                              const Limits &limits);
// `action` says which parameters the request may carry.
std::optional<ApiError> parse(const nlohmann::json &body, const std::string &action,
                              FunctionRequest &out);
std::optional<ApiError> parse(const nlohmann::json &body, ListFunctionsRequest &out);
// `action`: CreateAlias, UpdateAlias, GetAlias or DeleteAlias.
std::optional<ApiError> parse(const nlohmann::json &body, const std::string &action,
                              AliasRequest &out);
// `action`: Invoke or InvokeFunction.
std::optional<ApiError> parse(const nlohmann::json &body, const std::string &action,
                              InvokeRequest &out);

// The actions this front serves.
bool isKnownAction(const std::string &action);
const std::vector<std::string> &knownActions();

// Variables as SCF writes them: [{"Key": ..., "Value": ...}].
nlohmann::json variablesJson(const Environment &environment);

// "2024-01-31 12:00:00" (UTC, as SCF writes AddTime and ModTime) from Lambda's
// LastModified form "2024-01-31T12:00:00.000+0000".
std::string scfTime(const std::string &lastModified);

// A function's id as SCF shows it: "lam-" and eight characters derived from the name.
std::string functionId(const std::string &namespaceName, const std::string &name);

// What an invocation left, as Invoke's Result and GetFunctionLogs' entries describe it.
struct Outcome {
    std::string requestId;
    std::string payload; // what the function returned (or its error's JSON)
    bool functionError = false;
    std::string errorType; // Sandbox.Timedout, Runtime.OutOfMemory, Runtime.ExitError, ...
    double durationMs = 0;
    long long billedDurationMs = 0;
    long long memUsageBytes = 0;
    std::string log;
};
// SCF's status code for an invocation: 200, or 430 (the code threw), 433 (timed out),
// 434 (memory), 439 (the process exited).
int statusCode(const Outcome &outcome);
// Invoke's Result; `tailBytes` keeps the last 4 KB of the log (LogType Tail), 0 drops it.
nlohmann::json invokeResult(const Outcome &outcome, std::size_t tailBytes);

} // namespace nimbus::scf
