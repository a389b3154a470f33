// The control plane's layers (API version 2018-10-31): publish, get, list and delete layer
// versions, and the layer versions functions list in their Layers, with Lambda's status
// codes, shapes and error types. A layer's package is stored as functions' packages are.
#include "../simulator/simulator.h"
#include "controlplane.h"
#include "listpage.h"

#include <algorithm>
#include <charconv>

namespace nimbus::sim {

using nlohmann::json;

namespace {

lambda::ApiError layerVersionNotFound() {
    return lambda::resourceNotFound("The resource you requested does not exist.");
}

// A VersionNumber path parameter; nullopt when it is not a number (answered as Lambda's
// deserializer answers a long that is not one).
std::optional<long long> versionNumber(const std::string &text, lambda::ApiError &error) {
    long long number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        error = lambda::invalidParameter("Invalid VersionNumber '" + text +
                                         "': a layer version is a positive integer");
        return std::nullopt;
    }
    return number;
}

// A layer version as its path parameters name it: LayerName (a name or a layer ARN) and
// VersionNumber; nullopt with Lambda's error.
std::optional<lambda::LayerRef> layerVersionOf(const std::string &layerName,
                                               const std::string &number, lambda::ApiError &error) {
    auto ref = lambda::parseLayerName(layerName, error);
    if (!ref)
        return std::nullopt;
    const auto version = versionNumber(number, error);
    if (!version)
        return std::nullopt;
    ref->version = *version;
    return ref;
}

} // namespace

bool ControlPlane::isLocalLayer(const lambda::LayerRef &ref) const {
    return ref.region.empty() || (ref.region == region() && ref.account == m_options.account);
}

std::optional<LayerVersionRecord> ControlPlane::findLayerVersion(const std::string &versionArn) {
    lambda::ApiError error;
    const auto ref = lambda::parseLayerVersionArn(versionArn, error);
    if (!ref || !isLocalLayer(*ref))
        return std::nullopt;
    return m_layers->version(ref->name, ref->version);
}

net::Response ControlPlane::publishLayerVersion(const ApiRequest &r, const std::string &layerName) {
    lambda::ApiError error;
    const auto ref = lambda::parseLayerName(layerName, error);
    if (!ref)
        return lambdaError(error);
    if (!isLocalLayer(*ref))
        return lambdaError(lambda::invalidParameter(
            "Layer " + layerName + " is not of this simulator's region and account (" + region() +
            ", " + m_options.account + "): publish it by its name, " + ref->name));
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::PublishLayerVersionRequest request;
    if (auto problem = lambda::parse(body, request, lambdaLimits()))
        return lambdaError(*problem);
    LayerVersionRecord record;
    auto &v = record.config;
    const auto hex = storeCode(r, request.zipFileBase64, v.codeSize, v.codeSha256, error);
    if (!hex)
        return lambdaError(error);
    record.codeHex = *hex;
    v.layerName = ref->name;
    v.layerArn = lambda::layerArn(region(), m_options.account, ref->name);
    v.description = request.description;
    v.createdDate = lambda::lastModifiedNow();
    v.compatibleRuntimes = request.compatibleRuntimes;
    v.compatibleArchitectures = request.compatibleArchitectures;
    v.licenseInfo = request.licenseInfo;
    m_layers->publish(record); // numbers it
    m_simulator.platformEvent("published layer " + v.layerName + " version " +
                              std::to_string(v.version) + " (" + std::to_string(v.codeSize) +
                              " bytes)");
    m_simulator.layerPublished(); // manifest functions that list it by ARN mount it now
    return apiResponse(201, lambda::toJson(v, codeUrl(record.codeHex)));
}

net::Response ControlPlane::getLayerVersion(const std::string &layerName,
                                            const std::string &number) {
    lambda::ApiError error;
    const auto ref = layerVersionOf(layerName, number, error);
    if (!ref)
        return lambdaError(error);
    const auto record =
        isLocalLayer(*ref) ? m_layers->version(ref->name, ref->version) : std::nullopt;
    if (!record)
        return lambdaError(layerVersionNotFound());
    return apiResponse(200, lambda::toJson(record->config, codeUrl(record->codeHex)));
}

net::Response ControlPlane::deleteLayerVersion(const std::string &layerName,
                                               const std::string &number) {
    lambda::ApiError error;
    const auto ref = layerVersionOf(layerName, number, error);
    if (!ref)
        return lambdaError(error);
    // A version that is not there is deleted already: 204 all the same, as on Lambda. Its
    // package stays while functions list it (FunctionStore::sweepCode).
    if (isLocalLayer(*ref) && m_layers->remove(ref->name, ref->version))
        m_simulator.platformEvent("deleted layer " + ref->name + " version " +
                                  std::to_string(ref->version));
    return apiResponse(204, json());
}

net::Response ControlPlane::getLayerVersionByArn(const ApiRequest &r) {
    const std::string arn = r.param("Arn");
    if (arn.empty())
        return lambdaError(lambda::validationError("1 validation error detected: Value null at "
                                                   "'arn' failed to satisfy constraint: Member "
                                                   "must not be null"));
    lambda::ApiError error;
    if (!lambda::parseLayerVersionArn(arn, error))
        return lambdaError(error);
    const auto record = findLayerVersion(arn);
    if (!record)
        return lambdaError(layerVersionNotFound());
    return apiResponse(200, lambda::toJson(record->config, codeUrl(record->codeHex)));
}

net::Response ControlPlane::listLayers(const ApiRequest &r) {
    const std::string runtime = r.param("CompatibleRuntime");
    const std::string architecture = r.param("CompatibleArchitecture");
    if (auto problem = lambda::checkLayerFilters(runtime, architecture, lambdaLimits()))
        return lambdaError(*problem);
    // Each layer with its newest version that matches (a layer with none is not listed).
    std::vector<lambda::LayerVersion> latest;
    for (const auto &name : m_layers->names()) {
        for (auto &version : m_layers->versions(name)) {
            if (lambda::compatibleWith(version.config, runtime, architecture)) {
                latest.push_back(std::move(version.config));
                break;
            }
        }
    }
    return apiResponse(200, listPage<lambda::LayerVersion>(latest, r, "Layers", [](const auto &v) {
                           return lambda::toLayersListItemJson(v);
                       }));
}

net::Response ControlPlane::listLayerVersions(const ApiRequest &r, const std::string &layerName) {
    lambda::ApiError error;
    const auto ref = lambda::parseLayerName(layerName, error);
    if (!ref)
        return lambdaError(error);
    const std::string runtime = r.param("CompatibleRuntime");
    const std::string architecture = r.param("CompatibleArchitecture");
    if (auto problem = lambda::checkLayerFilters(runtime, architecture, lambdaLimits()))
        return lambdaError(*problem);
    // Newest first; a layer that has no version (here) lists none.
    std::vector<lambda::LayerVersion> versions;
    if (isLocalLayer(*ref))
        for (auto &version : m_layers->versions(ref->name))
            if (lambda::compatibleWith(version.config, runtime, architecture))
                versions.push_back(std::move(version.config));
    return apiResponse(
        200, listPage<lambda::LayerVersion>(versions, r, "LayerVersions", [](const auto &v) {
            return lambda::toListItemJson(v);
        }));
}

std::optional<lambda::ApiError>
ControlPlane::resolveLayers(const std::vector<std::string> &arns,
                            std::vector<lambda::FunctionLayer> &out) {
    std::map<std::string, std::string> seen; // layer name -> the version ARN that named it
    for (const auto &arn : arns) {
        lambda::ApiError error;
        const auto ref = lambda::parseLayerVersionArn(arn, error);
        if (!ref)
            return error;
        if (ref->region != region())
            return lambda::invalidParameter("Layers are not in the same region as the function. "
                                            "Layers are expected to be in region " +
                                            region() + ".");
        const auto record = findLayerVersion(arn);
        if (!record)
            return lambda::invalidParameter("Layer version " + arn + " does not exist.");
        if (const auto other = seen.find(ref->name); other != seen.end())
            return lambda::invalidParameter(
                "Two different versions of the same layer are not allowed to be referenced in "
                "the same function. " +
                other->second + " and " + arn + " are versions of the same layer.");
        seen.emplace(ref->name, arn);
        out.push_back({record->config.layerVersionArn, record->config.codeSize, record->codeHex});
    }
    return std::nullopt;
}

std::optional<std::string> ControlPlane::layerVersionDir(const std::string &versionArn,
                                                         std::string &error) {
    if (!m_layers || !m_deployed) {
        error =
            "layer " + versionArn + " cannot be used: the simulator's control plane is not open";
        return std::nullopt;
    }
    lambda::ApiError invalid;
    const auto ref = lambda::parseLayerVersionArn(versionArn, invalid);
    if (!ref) {
        error = "'" + versionArn +
                "' is not a layer version ARN: name one as "
                "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION";
        return std::nullopt;
    }
    std::optional<LayerVersionRecord> record;
    try {
        record = findLayerVersion(versionArn);
    } catch (const StoreError &e) {
        error = "layer " + versionArn + " cannot be read from the store: " + e.what();
        return std::nullopt;
    }
    if (!record) {
        error = "layer " + versionArn + " is not published to this simulator: publish it with " +
                "`aws lambda publish-layer-version --layer-name " + ref->name +
                " --zip-file fileb://LAYER.zip --endpoint-url " + m_simulator.controlPlaneUrl() +
                "` (region " + region() + ", account " + m_options.account +
                "), then use the version ARN it answers";
        return std::nullopt;
    }
    std::string why;
    const std::string dir = m_deployed->ensureUnpacked(record->codeHex, why);
    if (dir.empty()) {
        error = "layer " + versionArn + " cannot be unpacked: " + why;
        return std::nullopt;
    }
    return dir;
}

} // namespace nimbus::sim
