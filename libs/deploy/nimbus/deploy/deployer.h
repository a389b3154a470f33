#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/packaging/packager.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::deploy {

// One deployment package and the functions that use it: the service's single zip, or one
// per function when package.individually is set (as the Serverless Framework builds them).
struct PackagePlan {
    std::string name;                   // <service>.zip or <function>.zip
    std::vector<std::string> functions; // manifest names
    packaging::PackageRules rules;
    std::string artifact; // a prebuilt zip (package.artifact), project-relative; else built
    std::string root;     // the folder packaged (an SCF function's src); empty: the project
    // The functions' installed third-party packages, added to the zip (see DependencyStep).
    std::vector<packaging::DependencyTree> dependencies;
};

// What fills a plan's dependencies before it is built: installs the packages its functions
// declare (requirements.txt, package.json) where they are not installed yet. False with
// `error` (the installer's own message) when they cannot be. The packaging library does not
// install anything itself; the simulator's installer does (runtime-sim/dependencies).
using DependencyStep =
    std::function<bool(const manifest::Manifest &, PackagePlan &, std::string &error)>;

// The packages a manifest asks for. Functions that are not event functions are left out
// (http functions and services run on the local gateway; see `skipped`). An SCF project
// has one package per code folder (each function's src), web functions included, as
// Tencent's tools build them.
std::vector<PackagePlan> planPackages(const manifest::Manifest &manifest,
                                      std::vector<std::string> *skipped = nullptr);

// Builds (or reads) one planned package, with its dependencies; refuses one past Lambda's
// size limits (packaging::lambdaSizeProblem).
bool buildPlannedPackage(const manifest::Manifest &manifest, const PackagePlan &plan,
                         packaging::Package &out, std::string &error);

// Zips a layer of the service from its folder (with its own package.patterns), as Lambda
// takes it: the folder's content is what goes in /opt. Refuses an empty one and one past
// Lambda's size limits.
bool buildLayerPackage(const manifest::Manifest &manifest, const manifest::Layer &layer,
                       packaging::Package &out, std::string &error);

// What a deploy is doing, for a progress display.
struct DeployStep {
    // Layer: a layer of the service published (or found unchanged); `deployedName` is the
    // layer's name, `detail` its version and package.
    enum class Kind { Packaged, Created, Updated, Unchanged, Skipped, Failed, Provenance, Layer };
    Kind kind;
    std::string function; // manifest name (empty for package and provenance steps)
    std::string deployedName;
    std::string detail;
};

// The Lambda CreateFunction body for a manifest function (Code.ZipFile left out), with the
// provenance (git commit, dirty tree) in its description and tags.
struct Provenance {
    std::string commit; // short id; empty outside a repository
    std::string branch;
    bool dirty = false;
};
// `layerArns` gives the published version of each layer of the service (by its key); the
// settings name the function's layers ("Layers") only when each of them is known.
nlohmann::json functionSettings(const manifest::Manifest &manifest,
                                const manifest::Function &function, const Provenance &provenance,
                                const std::map<std::string, std::string> &layerArns = {});
lambda::Tags functionTags(const manifest::Manifest &manifest, const manifest::Function &function,
                          const Provenance &provenance);

// The description for PublishVersion: the user's, with the "(git …)" mark of the commit the
// function's code was deployed from (its nimbus:commit tag in GetFunction's answer), so a
// version can be traced back to its commit after later deploys.
std::string versionDescription(const std::string &description, const nlohmann::json &getFunction);

// One way a deployed function differs from what the manifest and the project's code would
// deploy now. Environment values are never shown: only the names of changed variables.
struct Difference {
    std::string field; // "code", "memory", "timeout", "runtime", "handler", "environment", ...
    std::string local;    // what a deploy would set
    std::string deployed; // what the endpoint has
};
// The settings (functionSettings' JSON) against a deployed configuration. With
// `ignoreProvenance`, a description differing only in its "(git …)" mark is the same.
std::vector<Difference> compareSettings(const nlohmann::json &settings,
                                        const lambda::FunctionConfiguration &deployed,
                                        bool ignoreProvenance);
// Everything a deploy of `function` would change on the endpoint, from GetFunction's answer
// (`deployed`: Configuration, Tags, Concurrency) and the package the project builds now
// (`packageSha256Base64`; empty: code not compared).
std::vector<Difference> compareWithDeployed(const manifest::Manifest &manifest,
                                            const manifest::Function &function,
                                            const nlohmann::json &deployed,
                                            const std::string &packageSha256Base64);

// Deploys every event function of a manifest: packages, then for each function
// CreateFunction, or UpdateFunctionCode / UpdateFunctionConfiguration for what changed,
// tags, and reserved concurrency. Reports each step; returns whether all succeeded.
class Deployer {
public:
    using Progress = std::function<void(const DeployStep &)>;
    // `localPlatform`: the project's own simulator, where a missing IAM role is filled in;
    // elsewhere a role must be set (provider.iam.role, provider.role or the function's role).
    Deployer(lambdaclient::LambdaClient &client, Progress progress, bool localPlatform = true);
    // Only these functions (manifest names; empty: all). Their packages alone are built.
    void setFunctions(std::vector<std::string> only) { m_only = std::move(only); }
    // Installs and adds each package's dependencies before it is built (none without).
    void setDependencies(DependencyStep step) { m_dependencies = std::move(step); }
    // Asked between steps; true stops the deploy there (reported as a Failed step). An
    // upload in flight is stopped by the client's upload progress instead.
    void setCancelled(std::function<bool()> cancelled) { m_cancelled = std::move(cancelled); }
    bool deploy(const manifest::Manifest &manifest, const Provenance &provenance);

private:
    bool deployFunction(const manifest::Manifest &manifest, const manifest::Function &function,
                        const packaging::Package &package, const Provenance &provenance);
    // Publishes a layer of the service unless its newest version holds the same package;
    // records the version's ARN in m_layerArns.
    bool publishLayer(const manifest::Manifest &manifest, const manifest::Layer &layer);

    // Waits until the function has finished changing (State, LastUpdateStatus), as AWS
    // requires before the next change.
    bool waitUntilReady(const std::string &name, lambda::ApiError &error);

    lambdaclient::LambdaClient &m_client;
    Progress m_progress;
    bool m_local;
    std::vector<std::string> m_only;
    DependencyStep m_dependencies;
    std::function<bool()> m_cancelled;
    std::map<std::string, std::string> m_layerArns; // layer key: the version ARN in use
};

} // namespace nimbus::deploy
