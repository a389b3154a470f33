#pragma once

#include "nimbus/lambda/lambdatypes.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::lambda {

// The layer shapes of the AWS Lambda REST API (2018-10-31): PublishLayerVersion's request, a
// layer version as GetLayerVersion and the lists describe it, and the names and ARNs that
// address layers. Read and checked as lambdatypes.h reads functions' requests.

struct PublishLayerVersionRequest {
    std::string zipFileBase64; // Content.ZipFile as sent
    std::string description;
    std::vector<std::string> compatibleRuntimes;
    std::vector<std::string> compatibleArchitectures;
    std::string licenseInfo;
};

// One published version of a layer.
struct LayerVersion {
    std::string layerName;
    std::string layerArn;        // arn:aws:lambda:REGION:ACCOUNT:layer:NAME
    std::string layerVersionArn; // layerArn:VERSION
    long long version = 0;
    std::string description;
    std::string createdDate; // as LastModified is written
    std::vector<std::string> compatibleRuntimes;
    std::vector<std::string> compatibleArchitectures;
    std::string licenseInfo;
    std::string codeSha256; // base64 of the package's SHA-256
    long long codeSize = 0;
};

// A layer, or one version of it, as a path or an ARN names it.
struct LayerRef {
    std::string partition; // empty when named by name alone, as are region and account
    std::string region;
    std::string account;
    std::string name;
    long long version = 0; // a version ARN's number; 0 for a layer
};

std::optional<ApiError> parse(const nlohmann::json &body, PublishLayerVersionRequest &out,
                              const Limits &limits);

// A LayerName path parameter: a name, or a layer ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME).
std::optional<LayerRef> parseLayerName(const std::string &text, ApiError &error);
// A layer version's ARN, as GetLayerVersionByArn takes it (any partition); the error in
// Lambda's words.
std::optional<LayerRef> parseLayerVersionArn(const std::string &text, ApiError &error);
// A function's Layers: each a layer version ARN of Lambda's pattern.
std::optional<ApiError> checkLayerList(const std::vector<std::string> &arns);

// ListLayers' and ListLayerVersions' CompatibleRuntime and CompatibleArchitecture ("" when
// not given): checked, and whether a version is compatible with both.
std::optional<ApiError> checkLayerFilters(const std::string &runtime,
                                          const std::string &architecture, const Limits &limits);
bool compatibleWith(const LayerVersion &version, const std::string &runtime,
                    const std::string &architecture);

std::string layerArn(const std::string &region, const std::string &account,
                     const std::string &name);

// PublishLayerVersion's and GetLayerVersion's answer; `location` is where the package is
// downloaded from.
nlohmann::json toJson(const LayerVersion &version, const std::string &location);
// ListLayerVersions' item, and ListLayers' item for a layer whose latest matching version
// this is.
nlohmann::json toListItemJson(const LayerVersion &version);
nlohmann::json toLayersListItemJson(const LayerVersion &latestMatching);
// The store's record.
nlohmann::json toRecordJson(const LayerVersion &version);
LayerVersion layerVersionFromJson(const nlohmann::json &json);

} // namespace nimbus::lambda
