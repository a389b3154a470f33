#include "nimbus/deploy/deployer.h"

#include <chrono>
#include <filesystem>
#include <thread>
#include <fstream>
#include <sstream>

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
    const YamlNode *servicePackage = m.tree.find("package");
    const bool individually = flag(servicePackage, "individually");
    PackagePlan service;
    service.name = m.service + ".zip";
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

bool buildPlannedPackage(const manifest::Manifest &m, const PackagePlan &plan,
                         packaging::Package &out, std::string &error) {
    if (plan.artifact.empty())
        return packaging::buildPackage(m.projectDir, plan.rules, out, error);
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
                      const Provenance &provenance) {
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
    return settings;
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
    const auto plans = planPackages(m, &skipped);
    bool ok = true;
    for (const auto &plan : plans) {
        packaging::Package package;
        std::string error;
        if (!buildPlannedPackage(m, plan, package, error)) {
            m_progress({DeployStep::Kind::Failed, "", plan.name, error});
            ok = false;
            continue;
        }
        m_progress({DeployStep::Kind::Packaged, "", plan.name,
                    std::to_string(package.files.size()) + " files, " +
                        std::to_string(package.zip.size()) + " bytes"});
        for (const auto &name : plan.functions)
            ok &= deployFunction(m, *m.function(name), package, provenance);
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

bool Deployer::deployFunction(const manifest::Manifest &m, const manifest::Function &fn,
                              const packaging::Package &package, const Provenance &provenance) {
    const std::string &name = fn.deployedName;
    json settings = functionSettings(m, fn, provenance);
    const lambda::Tags tags = functionTags(m, fn, provenance);
    auto fail = [&](const lambda::ApiError &error) {
        m_progress({DeployStep::Kind::Failed, fn.name, name,
                    error.type + (error.type.empty() ? "" : ": ") + error.message});
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
    const bool settingsChanged =
        current.runtime != settings["Runtime"] || current.handler != settings["Handler"] ||
        current.role != settings["Role"] || current.description != settings["Description"] ||
        current.memorySize != settings["MemorySize"] || current.timeout != settings["Timeout"] ||
        json(current.environment) != settings["Environment"]["Variables"] ||
        current.deadLetterTarget.value_or("") != settings["DeadLetterConfig"]["TargetArn"];
    if (settingsChanged) {
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
