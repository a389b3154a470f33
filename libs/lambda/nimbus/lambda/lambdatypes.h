#pragma once

#include "nimbus/lambda/apierror.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::lambda {

// The shapes of the AWS Lambda REST API (2015-03-31) that Nimbus serves and calls, as plain
// structs. Requests are read from JSON the way the service reads them: unknown fields and
// wrong types are InvalidRequestContentException naming the field, broken constraints are
// ValidationException in Lambda's words.

using Environment = std::map<std::string, std::string>;
using Tags = std::map<std::string, std::string>;
using VersionWeights = std::map<std::string, double>; // version -> share of traffic

// A layer version a function uses, as the API shows it (Layers: [{Arn, CodeSize}]). A record
// also keeps where the layer's package is, so that the function keeps running from it after
// the layer version is deleted (as on Lambda).
struct FunctionLayer {
    std::string arn; // the layer version's ARN
    long long codeSize = 0;
    std::string codeHex; // its package in the code store: in records only, never in the API
    bool operator==(const FunctionLayer &) const = default;
};

// The settings CreateFunction and UpdateFunctionConfiguration take (absent: unchanged).
struct FunctionSettings {
    std::optional<std::string> role;
    std::optional<std::string> handler;
    std::optional<std::string> runtime;
    std::optional<std::string> description;
    std::optional<int> timeout;
    std::optional<int> memorySize;
    std::optional<Environment> environment;
    std::optional<std::string> deadLetterTarget; // "" clears it
    std::optional<std::vector<std::string>> layers; // layer version ARNs; [] removes them
};

struct CreateFunctionRequest {
    std::string functionName;
    FunctionSettings settings;
    std::string zipFileBase64; // Code.ZipFile as sent
    bool publish = false;
    Tags tags;
};

struct UpdateFunctionCodeRequest {
    std::string zipFileBase64;
    bool publish = false;
    bool dryRun = false;
    std::optional<std::string> revisionId;
};

struct UpdateFunctionConfigurationRequest {
    FunctionSettings settings;
    std::optional<std::string> revisionId;
};

struct PublishVersionRequest {
    std::optional<std::string> codeSha256;
    std::optional<std::string> description;
    std::optional<std::string> revisionId;
};

// CreateAlias (name required) and UpdateAlias (name from the path).
struct AliasRequest {
    std::string name;
    std::optional<std::string> functionVersion;
    std::optional<std::string> description;
    std::optional<VersionWeights> weights;
    std::optional<std::string> revisionId;
};

// One version of a function ($LATEST or a published number) as the API describes it.
struct FunctionConfiguration {
    std::string functionName;
    std::string functionArn;
    std::string runtime;
    std::string role;
    std::string handler;
    std::string description;
    long long codeSize = 0;
    int timeout = 3;
    int memorySize = 128;
    std::string lastModified; // 2024-01-31T12:00:00.000+0000
    std::string codeSha256;   // base64 of the package's SHA-256
    std::string version = "$LATEST";
    std::string revisionId;
    Environment environment;
    std::optional<std::string> deadLetterTarget;
    std::vector<FunctionLayer> layers; // in the order the function lists them
    std::string state = "Active";
    std::string lastUpdateStatus = "Successful";
    // A function created through SCF's API keeps what SCF has beside Lambda's settings;
    // it runs as SCF runs functions (its environment, context and log lines).
    struct Scf {
        std::string namespaceName = "default";
        std::string type = "Event"; // or HTTP
        std::string region;         // X-TC-Region of the request that created it
        int initTimeout = 65;
        std::string addTime; // LastModified's form, when the function was created
        bool operator==(const Scf &) const = default;
    };
    std::optional<Scf> scf;
};

struct AliasConfiguration {
    std::string aliasArn;
    std::string name;
    std::string functionVersion;
    std::string description;
    VersionWeights weights;
    std::string revisionId;
};

// What a request's constraints are checked against.
struct Limits {
    std::vector<std::string> runtimes; // the runtimes this platform runs
};

// Request bodies. Each returns the error the service would send, or nothing.
std::optional<ApiError> parse(const nlohmann::json &body, CreateFunctionRequest &out,
                              const Limits &limits);
std::optional<ApiError> parse(const nlohmann::json &body, UpdateFunctionCodeRequest &out);
std::optional<ApiError> parse(const nlohmann::json &body, UpdateFunctionConfigurationRequest &out,
                              const Limits &limits);
std::optional<ApiError> parse(const nlohmann::json &body, PublishVersionRequest &out);
// `create`: CreateAlias (Name and FunctionVersion required) or UpdateAlias.
std::optional<ApiError> parse(const nlohmann::json &body, AliasRequest &out, bool create);
std::optional<ApiError> parseConcurrency(const nlohmann::json &body, int &reserved);
std::optional<ApiError> parseTags(const nlohmann::json &body, Tags &out);

// Constraints on names, as the API states them.
std::optional<ApiError> checkFunctionName(const std::string &name);
std::optional<ApiError> checkAliasName(const std::string &name);

// Responses (and the store's records) to and from JSON. A record also keeps what Lambda's
// API does not show (an SCF function's settings, where its layers' packages are).
nlohmann::json toJson(const FunctionConfiguration &config);
nlohmann::json toRecordJson(const FunctionConfiguration &config);
FunctionConfiguration configurationFromJson(const nlohmann::json &json);
nlohmann::json toJson(const AliasConfiguration &alias);
AliasConfiguration aliasFromJson(const nlohmann::json &json);

// A function named in a path: a name, a partial ARN (123456789012:function:name) or a
// full ARN, each optionally with ":qualifier".
struct FunctionRef {
    std::string name;
    std::string qualifier; // empty when none
};
std::optional<FunctionRef> parseFunctionRef(const std::string &text);

std::string functionArn(const std::string &region, const std::string &account,
                        const std::string &name, const std::string &qualifier = {});

// "2024-01-31T12:00:00.000+0000" for now, as LastModified is written.
std::string lastModifiedNow();

// A version number or $LATEST; alias names are anything else.
bool isVersion(const std::string &qualifier);

} // namespace nimbus::lambda
