#pragma once

#include "models/deployedmodel.h"
#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/manifest/manifest.h"

#include <QString>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace nimbus::studio {

// The blocking work behind the Deployed Functions panel, run on its RemoteWorker: each call
// opens its own LambdaClient on an endpoint and returns plain values. Nothing here touches
// a widget.
namespace deployed {

// The project's manifest at a stage, as a deploy would load it (`forDeployment`: another
// endpoint, so no local values); nullopt with the manifest's first error.
std::shared_ptr<const manifest::Manifest>
loadManifest(const QString &projectDir, const QString &stage, bool forDeployment, QString &error);

// A page of the endpoint's functions and, for those the project deploys, how each differs
// from what a deploy would send now (code by package hash, configuration; concurrency only
// when `getFunction` answers are given).
struct Page {
    std::vector<lambda::FunctionConfiguration> functions;
    std::string nextMarker;
    std::map<QString, std::optional<LocalComparison>> comparisons; // by deployed name
    QString manifestError;
    lambda::ApiError error; // status != 0 or type set: the list failed
    bool ok = false;
};
Page listPage(const lambdaclient::Endpoint &endpoint, const std::string &marker, int maxItems,
              const manifest::Manifest *manifest);

// Everything under one function: GetFunction, ListVersions, ListAliases, compared with the
// project when it deploys this function.
struct Details {
    FunctionDetails details;
    lambda::FunctionConfiguration latest;
    std::optional<LocalComparison> comparison;
    lambda::ApiError error;
    bool ok = false;
};
Details loadDetails(const lambdaclient::Endpoint &endpoint, const std::string &function,
                    const manifest::Manifest *manifest);

// The comparison of one deployed function with the project (nullopt: not the project's).
std::optional<LocalComparison> compare(const manifest::Manifest &manifest,
                                       const nlohmann::json &getFunction, bool withConcurrency);

// The endpoint's error in the user's words ("ResourceNotFoundException: Function not found").
QString describe(const lambda::ApiError &error);

} // namespace deployed
} // namespace nimbus::studio
