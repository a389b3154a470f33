#include "nimbus/deploy/deployer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace nimbus::deploy {

using nlohmann::json;
using manifest::YamlNode;

namespace {

std::vector<std::string> strings(const YamlNode *node) {
    std::vector<std::string> out;
    if (node && node->isSequence())
        for (const auto &item : node->items)
            if (item.isScalar())
                out.push_back(item.scalar);
    return out;
}

// package.patterns, then the older include/exclude, as patterns.
void addRules(packaging::PackageRules &rules, const YamlNode *package) {
    if (!package || !package->isMapping())
        return;
    rules.addPatterns(strings(package->find("patterns")));
    for (const auto &exclude : strings(package->find("exclude")))
        rules.addPattern("!" + exclude);
    rules.addPatterns(strings(package->find("include")));
}

bool flag(const YamlNode *package, const char *key) {
    const YamlNode *value = package && package->isMapping() ? package->find(key) : nullptr;
    return value && value->toBoolean().value_or(false);
}

std::string text(const YamlNode *package, const char *key) {
    const YamlNode *value = package && package->isMapping() ? package->find(key) : nullptr;
    return value && value->isScalar() ? value->scalar : std::string();
}

const YamlNode *functionNode(const manifest::Manifest &m, const std::string &name) {
    const YamlNode *functions = m.tree.find("functions");
    return functions ? functions->find(name) : nullptr;
}

std::string scalarAt(const YamlNode *node, const char *key) {
    const YamlNode *value = node && node->isMapping() ? node->find(key) : nullptr;
    return value && value->isScalar() ? value->scalar : std::string();
}

void addTags(lambda::Tags &tags, const YamlNode *node) {
    if (node && node->isMapping())
        for (const auto &entry : node->entries)
            if (entry.value.isScalar())
                tags[entry.key.scalar] = entry.value.scalar;
}

} // namespace

std::vector<PackagePlan> planPackages(const manifest::Manifest &m,
                                      std::vector<std::string> *skipped) {
    if (manifest::isScf(m.dialect)) {
        std::vector<PackagePlan> plans;
        for (const auto &fn : m.functions) {
            std::string root = m.codeDirOf(fn);
            if (fs::path(root).is_relative())
                root = (fs::path(m.projectDir) / root).lexically_normal().string();
            auto same = std::find_if(plans.begin(), plans.end(),
                                     [&](const PackagePlan &p) { return p.root == root; });
            if (same == plans.end()) {
                PackagePlan plan;
                plan.root = root;
                plan.name = fn.deployedName + ".zip";
                // What SCF's tools leave out of a package: the manifests and local state.
                plan.rules.addPatterns(
                    {"!serverless.yml", "!serverless.yaml", "!template.yaml", "!.env", "!.env.*"});
                plans.push_back(std::move(plan));
                same = plans.end() - 1;
            }
            same->functions.push_back(fn.name);
        }
        return plans;
    }
    const YamlNode *servicePackage = m.tree.find("package");
    const bool individually = flag(servicePackage, "individually");
    // The service's layers are packages of their own: their folders stay out of functions'
    // packages (as the framework leaves them out), unless a pattern takes them back.
    packaging::PackageRules base;
    for (const auto &layer : m.layers) {
        const fs::path relative = fs::path(layer.path).lexically_relative(m.projectDir);
        if (!layer.path.empty() && !relative.empty() && *relative.begin() != "..")
            base.addPattern("!" + relative.generic_string() + "/**");
    }
    PackagePlan service;
    service.name = m.service + ".zip";
    service.rules = base;
    addRules(service.rules, servicePackage);
    service.artifact = text(servicePackage, "artifact");
    std::vector<PackagePlan> plans;
    for (const auto &fn : m.functions) {
        if (fn.kind != manifest::FunctionKind::Event) {
            if (skipped)
                skipped->push_back(fn.name);
            continue;
        }
        const YamlNode *fnNode = functionNode(m, fn.name);
        const YamlNode *own = fnNode && fnNode->isMapping() ? fnNode->find("package") : nullptr;
        if (individually || flag(own, "individually") || !text(own, "artifact").empty()) {
            PackagePlan plan;
            plan.name = fn.name + ".zip";
            plan.functions = {fn.name};
            plan.rules = base;
            addRules(plan.rules, servicePackage);
            addRules(plan.rules, own);
            plan.artifact = text(own, "artifact");
            plans.push_back(std::move(plan));
        } else {
            service.functions.push_back(fn.name);
        }
    }
    if (!service.functions.empty())
        plans.insert(plans.begin(), std::move(service));
    return plans;
}

bool buildLayerPackage(const manifest::Manifest &m, const manifest::Layer &layer,
                       packaging::Package &out, std::string &error) {
    std::error_code ec;
    if (layer.path.empty() || !fs::is_directory(layer.path, ec)) {
        error = "layer '" + layer.name + "': " +
                (layer.path.empty() ? std::string("it has no 'path'")
                                    : "its folder " + layer.path + " does not exist");
        return false;
    }
    packaging::PackageRules rules;
    const YamlNode *layers = m.tree.find("layers");
    const YamlNode *node = layers && layers->isMapping() ? layers->find(layer.name) : nullptr;
    addRules(rules, node && node->isMapping() ? node->find("package") : nullptr);
    if (!packaging::buildPackage(layer.path, rules, out, error)) {
        error = "layer '" + layer.name + "': " + error;
        return false;
    }
    if (out.files.empty()) {
        error = "layer '" + layer.name + "': its folder " + layer.path + " holds no files";
        return false;
    }
    error = packaging::lambdaSizeProblem(out);
    if (!error.empty())
        error = "layer '" + layer.name + "': " + error;
    return error.empty();
}

bool buildPlannedPackage(const manifest::Manifest &m, const PackagePlan &plan,
                         packaging::Package &out, std::string &error) {
    if (plan.artifact.empty()) {
        if (!packaging::buildPackage(plan.root.empty() ? m.projectDir : plan.root, plan.rules, out,
                                     error, plan.dependencies))
            return false;
        error = packaging::lambdaSizeProblem(out);
        return error.empty();
    }
    const fs::path path = fs::path(m.projectDir) / plan.artifact;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "package.artifact: cannot read " + path.string();
        return false;
    }
    std::ostringstream data;
    data << in.rdbuf();
    out.zip = data.str();
    const auto entries = packaging::readZip(out.zip, error);
    if (!entries) {
        error = "package.artifact " + path.string() + ": " + error;
        return false;
    }
    out.files.clear();
    for (const auto &e : *entries)
        out.files.push_back(e.path);
    out.sha256Base64 = packaging::sha256Base64(out.zip);
    out.sha256Hex = packaging::sha256Hex(out.zip);
    return true;
}

lambda::Tags functionTags(const manifest::Manifest &m, const manifest::Function &fn,
                          const Provenance &provenance) {
    lambda::Tags tags;
    addTags(tags, m.tree.find("provider") ? m.tree.find("provider")->find("tags") : nullptr);
    const YamlNode *node = functionNode(m, fn.name);
    addTags(tags, node && node->isMapping() ? node->find("tags") : nullptr);
    tags["nimbus:service"] = m.service;
    tags["nimbus:stage"] = m.provider.stage;
    if (!provenance.commit.empty()) {
        tags["nimbus:commit"] = provenance.commit;
        tags["nimbus:dirty"] = provenance.dirty ? "true" : "false";
        if (!provenance.branch.empty())
            tags["nimbus:branch"] = provenance.branch;
    }
    return tags;
}

namespace {
// The IAM role the manifest names (the function's, else the provider's), if an ARN.
std::string roleOf(const manifest::Manifest &m, const manifest::Function &fn) {
    const YamlNode *provider = m.tree.find("provider");
    std::string role = scalarAt(functionNode(m, fn.name), "role");
    if (role.empty())
        role = scalarAt(provider, "role");
    if (role.empty() && provider && provider->find("iam"))
        role = scalarAt(provider->find("iam"), "role");
    return role.rfind("arn:", 0) == 0 ? role : std::string();
}
} // namespace

json functionSettings(const manifest::Manifest &m, const manifest::Function &fn,
                      const Provenance &provenance,
                      const std::map<std::string, std::string> &layerArns) {
    const YamlNode *node = functionNode(m, fn.name);
    std::string role = roleOf(m, fn);
    if (role.empty())
        role = "arn:aws:iam::000000000000:role/" + m.service + "-" + m.provider.stage +
               "-lambdaRole"; // the role the Serverless Framework would create
    std::string description = fn.description;
    if (!provenance.commit.empty()) {
        const std::string mark =
            "(git " + provenance.commit + (provenance.dirty ? ", uncommitted changes" : "") + ")";
        description = description.empty() ? mark : description + " " + mark;
    }
    if (description.size() > 256)
        description = description.substr(0, 256);
    json settings{{"Runtime", fn.runtime.value},
                  {"Handler", fn.handler.value},
                  {"Role", role},
                  {"Description", description},
                  {"MemorySize", fn.memorySize.value},
                  {"Timeout", fn.timeout.value},
                  {"Environment", {{"Variables", fn.environment}}}};
    const std::string onError = scalarAt(node, "onError");
    settings["DeadLetterConfig"] = {{"TargetArn", onError}};
    json layers = json::array();
    for (const auto &use : fn.layers) {
        const auto published = layerArns.find(use.layer);
        if (!use.arn.empty())
            layers.push_back(use.arn);
        else if (published != layerArns.end())
            layers.push_back(published->second);
        else
            return settings; // a layer of the service not published (yet): not named
    }
    settings["Layers"] = std::move(layers);
    return settings;
}

namespace {
// "Handles orders (git 1a2b3c, uncommitted changes)" -> "Handles orders".
std::string withoutProvenance(const std::string &description) {
    const auto mark = description.rfind("(git ");
    if (mark == std::string::npos || description.back() != ')')
        return description;
    std::string out = description.substr(0, mark);
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

std::string environmentChanges(const lambda::Environment &local,
                               const lambda::Environment &deployed) {
    std::string added, changed, removed;
    auto add = [](std::string &list, const std::string &key) {
        list += (list.empty() ? "" : ", ") + key;
    };
    for (const auto &[key, value] : local) {
        const auto it = deployed.find(key);
        if (it == deployed.end())
            add(added, key);
        else if (it->second != value)
            add(changed, key);
    }
    for (const auto &[key, value] : deployed)
        if (!local.count(key))
            add(removed, key);
    std::string out;
    for (const auto &[label, list] : {std::pair{"added ", &added}, std::pair{"changed ", &changed},
                                      std::pair{"removed ", &removed}})
        if (!list->empty())
            out += (out.empty() ? "" : "; ") + std::string(label) + *list;
    return out;
}
} // namespace

std::string versionDescription(const std::string &description, const json &getFunction) {
    const json tags = getFunction.is_object() ? getFunction.value("Tags", json::object()) : json();
    const std::string commit = tags.is_object() ? tags.value("nimbus:commit", "") : "";
    std::string out = description;
    if (!commit.empty() && out.find("(git ") == std::string::npos) {
        const std::string mark = "(git " + commit + ")";
        // Lambda keeps 256 characters: the user's text gives way to the mark.
        if (out.size() + 1 + mark.size() > 256)
            out = out.substr(0, 256 - 1 - mark.size());
        out = (out.empty() ? "" : out + " ") + mark;
    }
    return out.substr(0, 256);
}

std::vector<Difference> compareSettings(const json &settings,
                                        const lambda::FunctionConfiguration &current,
                                        bool ignoreProvenance) {
    std::vector<Difference> out;
    auto compare = [&](const char *field, const std::string &local, const std::string &deployed) {
        if (local != deployed)
            out.push_back({field, local, deployed});
    };
    compare("runtime", settings.value("Runtime", ""), current.runtime);
    compare("handler", settings.value("Handler", ""), current.handler);
    compare("memory", std::to_string(settings.value("MemorySize", 0)) + " MB",
            std::to_string(current.memorySize) + " MB");
    compare("timeout", std::to_string(settings.value("Timeout", 0)) + " s",
            std::to_string(current.timeout) + " s");
    compare("role", settings.value("Role", ""), current.role);
    const std::string description = settings.value("Description", "");
    if (ignoreProvenance)
        compare("description", withoutProvenance(description),
                withoutProvenance(current.description));
    else
        compare("description", description, current.description);
    const auto local = settings["Environment"]["Variables"].get<lambda::Environment>();
    if (local != current.environment)
        out.push_back({"environment", environmentChanges(local, current.environment), ""});
    compare("dead-letter target", settings["DeadLetterConfig"].value("TargetArn", ""),
            current.deadLetterTarget.value_or(""));
    if (settings.contains("Layers")) {
        std::string listed, deployed;
        for (const auto &arn : settings["Layers"])
            listed += (listed.empty() ? "" : ", ") + arn.get<std::string>();
        for (const auto &layer : current.layers)
            deployed += (deployed.empty() ? "" : ", ") + layer.arn;
        compare("layers", listed, deployed);
    }
    return out;
}

std::vector<Difference> compareWithDeployed(const manifest::Manifest &m,
                                            const manifest::Function &fn, const json &deployed,
                                            const std::string &packageSha256Base64) {
    const auto current = lambda::configurationFromJson(deployed.value("Configuration", json::object()));
    std::vector<Difference> out;
    if (!packageSha256Base64.empty() && packageSha256Base64 != current.codeSha256)
        out.push_back({"code", packageSha256Base64, current.codeSha256});
    if (manifest::isScf(m.dialect)) {
        // What SCF's deploy sets (no IAM role, no dead-letter queue, no git mark).
        json settings = functionSettings(m, fn, {});
        settings["Role"] = current.role;
        settings["Description"] = fn.description;
        settings["DeadLetterConfig"] = json::object();
        for (auto &d : compareSettings(settings, current, true))
            if (d.field != "dead-letter target")
                out.push_back(std::move(d));
        return out;
    }
    for (auto &d : compareSettings(functionSettings(m, fn, {}), current, true))
        out.push_back(std::move(d));
    std::optional<int> reserved;
    if (const auto it = deployed.find("Concurrency"); it != deployed.end() && it->is_object())
        reserved = it->value("ReservedConcurrentExecutions", 0);
    if (reserved != fn.reservedConcurrency) {
        auto text = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("none"); };
        out.push_back({"reserved concurrency", text(fn.reservedConcurrency), text(reserved)});
    }
    return out;
}

Deployer::Deployer(lambdaclient::LambdaClient &client, Progress progress, bool localPlatform)
    : m_client(client)
    , m_progress(std::move(progress))
    , m_local(localPlatform) {}

bool Deployer::waitUntilReady(const std::string &name, lambda::ApiError &error) {
    for (int attempt = 0; attempt < 240; ++attempt) {
        const auto config = m_client.getFunctionConfiguration(name);
        if (!config.ok()) {
            error = config.error;
            return false;
        }
        if (config->state == "Failed" || config->lastUpdateStatus == "Failed") {
            error = {0, "DeployFailed", "the platform could not make the function ready"};
            return false;
        }
        if (config->state != "Pending" && config->lastUpdateStatus != "InProgress")
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    error = {0, "Timeout", "the function did not become ready within two minutes"};
    return false;
}

bool Deployer::deploy(const manifest::Manifest &m, const Provenance &provenance) {
    if (!provenance.commit.empty())
        m_progress({DeployStep::Kind::Provenance, "", "",
                    "git " + provenance.commit +
                        (provenance.branch.empty() ? "" : " on " + provenance.branch) +
                        (provenance.dirty ? ", with uncommitted changes" : ", clean")});
    std::vector<std::string> skipped;
    auto plans = planPackages(m, &skipped);
    auto wanted = [&](const std::string &name) {
        return m_only.empty() || std::find(m_only.begin(), m_only.end(), name) != m_only.end();
    };
    for (auto &plan : plans)
        plan.functions.erase(std::remove_if(plan.functions.begin(), plan.functions.end(),
                                            [&](const std::string &f) { return !wanted(f); }),
                             plan.functions.end());
    skipped.erase(std::remove_if(skipped.begin(), skipped.end(),
                                 [&](const std::string &f) { return !wanted(f); }),
                  skipped.end());
    for (const auto &name : m_only)
        if (!m.function(name))
            m_progress({DeployStep::Kind::Failed, name, "",
                        "no function '" + name + "' in the manifest"});
    bool ok = true;
    for (const auto &name : m_only)
        ok &= m.function(name) != nullptr;
    auto cancelled = [&] {
        if (!m_cancelled || !m_cancelled())
            return false;
        m_progress({DeployStep::Kind::Failed, "", "", "cancelled"});
        return true;
    };
    // The service's layers that the deployed functions list, first: the functions name
    // their published versions.
    std::set<std::string> used, failedLayers;
    for (const auto &plan : plans)
        for (const auto &name : plan.functions)
            for (const auto &use : m.function(name)->layers)
                used.insert(use.layer);
    for (const auto &layer : m.layers) {
        if (!used.count(layer.name))
            continue;
        if (cancelled())
            return false;
        if (!publishLayer(m, layer)) {
            failedLayers.insert(layer.name);
            ok = false;
        }
    }
    for (const auto &plan : plans) {
        if (plan.functions.empty())
            continue;
        if (cancelled())
            return false;
        packaging::Package package;
        std::string error;
        auto built = plan; // (with its dependencies)
        if ((m_dependencies && !m_dependencies(m, built, error)) ||
            !buildPlannedPackage(m, built, package, error)) {
            m_progress({DeployStep::Kind::Failed, "", plan.name, error});
            ok = false;
            continue;
        }
        m_progress({DeployStep::Kind::Packaged, "", plan.name, packaging::packageSummary(package)});
        for (const auto &name : plan.functions) {
            if (cancelled())
                return false;
            const auto &uses = m.function(name)->layers;
            const auto broken = std::find_if(uses.begin(), uses.end(), [&](const auto &use) {
                return failedLayers.count(use.layer) > 0;
            });
            if (broken != uses.end()) {
                m_progress(
                    {DeployStep::Kind::Failed, name, m.function(name)->deployedName,
                     "not deployed: its layer '" + broken->layer + "' could not be published"});
                ok = false;
                continue;
            }
            ok &= deployFunction(m, *m.function(name), package, provenance);
        }
    }
    for (const auto &name : skipped) {
        const manifest::Function *fn = m.function(name);
        m_progress({DeployStep::Kind::Skipped, name, fn->deployedName,
                    std::string(fn->kind == manifest::FunctionKind::HttpFunction ? "an http function"
                                                                                 : "an http service") +
                        " runs on the gateway (nimbus dev), not through the Lambda API"});
    }
    return ok;
}

namespace {
// "ResourceConflictException: the function is being updated", as a progress line says it.
std::string errorText(const lambda::ApiError &error) {
    return error.type + (error.type.empty() ? "" : ": ") + error.message;
}
} // namespace

bool Deployer::publishLayer(const manifest::Manifest &m, const manifest::Layer &layer) {
    auto fail = [&](const std::string &why) {
        m_progress({DeployStep::Kind::Failed, "", layer.deployedName, why});
        return false;
    };
    packaging::Package package;
    std::string error;
    if (!buildLayerPackage(m, layer, package, error))
        return fail(error);
    const auto latest = m_client.latestLayerVersion(layer.deployedName);
    if (!latest.ok())
        return fail(errorText(latest.error));
    const std::string summary = packaging::packageSummary(package);
    if (latest->is_object() &&
        latest->value("Content", json::object()).value("CodeSha256", "") == package.sha256Base64) {
        m_layerArns[layer.name] = latest->value("LayerVersionArn", "");
        m_progress({DeployStep::Kind::Layer, "", layer.deployedName,
                    "version " + std::to_string(latest->value("Version", 0LL)) + " unchanged, " +
                        summary});
        return true;
    }
    json request{{"Content", {{"ZipFile", lambdaclient::base64(package.zip)}}}};
    if (!layer.description.empty())
        request["Description"] = layer.description;
    if (!layer.compatibleRuntimes.empty())
        request["CompatibleRuntimes"] = layer.compatibleRuntimes;
    if (!layer.licenseInfo.empty())
        request["LicenseInfo"] = layer.licenseInfo;
    const auto published = m_client.publishLayerVersion(layer.deployedName, request);
    if (!published.ok())
        return fail(errorText(published.error));
    m_layerArns[layer.name] = published->value("LayerVersionArn", "");
    m_progress(
        {DeployStep::Kind::Layer, "", layer.deployedName,
         "published version " + std::to_string(published->value("Version", 0LL)) + ", " + summary});
    return true;
}

bool Deployer::deployFunction(const manifest::Manifest &m, const manifest::Function &fn,
                              const packaging::Package &package, const Provenance &provenance) {
    const std::string &name = fn.deployedName;
    json settings = functionSettings(m, fn, provenance, m_layerArns);
    const lambda::Tags tags = functionTags(m, fn, provenance);
    auto fail = [&](const lambda::ApiError &error) {
        m_progress({DeployStep::Kind::Failed, fn.name, name, errorText(error)});
        return false;
    };
    if (!m_local && roleOf(m, fn).empty()) {
        return fail({0, "MissingRole",
                     "set provider.iam.role (or the function's role) to an IAM role ARN to deploy "
                     "to this endpoint"});
    }
    const auto existing = m_client.getFunction(name);
    if (!existing.ok() && existing.error.status != 404)
        return fail(existing.error);
    if (!existing.ok()) {
        json create = settings;
        create["FunctionName"] = name;
        create["Code"] = {{"ZipFile", nullptr}};
        create["Tags"] = tags;
        if (create["DeadLetterConfig"]["TargetArn"] == "")
            create.erase("DeadLetterConfig");
        if (create.contains("Layers") && create["Layers"].empty())
            create.erase("Layers");
        // The zip goes in as base64; LambdaClient has no create-from-bytes, so encode here.
        create["Code"]["ZipFile"] = lambdaclient::base64(package.zip);
        const auto created = m_client.createFunction(create);
        if (!created.ok())
            return fail(created.error);
        if (lambda::ApiError error; !waitUntilReady(name, error))
            return fail(error);
        if (fn.reservedConcurrency) {
            const auto reserved = m_client.putConcurrency(name, fn.reservedConcurrency);
            if (!reserved.ok())
                return fail(reserved.error);
        }
        m_progress({DeployStep::Kind::Created, fn.name, name,
                    created->runtime + ", " + std::to_string(created->codeSize) + " bytes"});
        return true;
    }
    const auto current = lambda::configurationFromJson((*existing)["Configuration"]);
    std::vector<std::string> changes;
    if (current.codeSha256 != package.sha256Base64) {
        const auto updated = m_client.updateFunctionCode(name, package.zip);
        if (!updated.ok())
            return fail(updated.error);
        if (lambda::ApiError error; !waitUntilReady(name, error))
            return fail(error);
        changes.push_back("code");
    }
    if (!compareSettings(settings, current, false).empty()) {
        const auto updated = m_client.updateFunctionConfiguration(name, settings);
        if (!updated.ok())
            return fail(updated.error);
        if (lambda::ApiError error; !waitUntilReady(name, error))
            return fail(error);
        changes.push_back("configuration");
    }
    const lambda::Tags currentTags =
        (*existing).value("Tags", json::object()).get<lambda::Tags>();
    bool tagsChanged = false;
    for (const auto &[key, value] : tags)
        tagsChanged |= !currentTags.count(key) || currentTags.at(key) != value;
    if (tagsChanged) {
        const auto tagged = m_client.tagResource(current.functionArn, tags);
        if (!tagged.ok())
            return fail(tagged.error);
        changes.push_back("tags");
    }
    std::optional<int> reserved;
    if (existing->contains("Concurrency"))
        reserved = (*existing)["Concurrency"].value("ReservedConcurrentExecutions", 0);
    if (reserved != fn.reservedConcurrency) {
        const auto put = m_client.putConcurrency(name, fn.reservedConcurrency);
        if (!put.ok())
            return fail(put.error);
        changes.push_back("concurrency");
    }
    if (changes.empty()) {
        m_progress({DeployStep::Kind::Unchanged, fn.name, name, "no changes"});
        return true;
    }
    std::string list;
    for (const auto &c : changes)
        list += (list.empty() ? "" : ", ") + c;
    m_progress({DeployStep::Kind::Updated, fn.name, name, list});
    return true;
}

} // namespace nimbus::deploy
