#include "deployedfunctions.h"

#include "nimbus/deploy/deployer.h"
#include "nimbus/manifest/manifestloader.h"

#include <algorithm>

namespace nimbus::studio::deployed {

using nlohmann::json;

std::shared_ptr<const manifest::Manifest>
loadManifest(const QString &projectDir, const QString &stage, bool forDeployment, QString &error) {
    const std::string dir = projectDir.toStdString();
    if (!manifest::ManifestLoader::findManifestFile(dir)) {
        error = QObject::tr("no serverless.yml in %1").arg(projectDir);
        return nullptr;
    }
    manifest::LoadOptions options;
    if (!stage.isEmpty())
        options.options["stage"] = stage.toStdString();
    options.forDeployment = forDeployment;
    manifest::LoadResult loaded = manifest::ManifestLoader(options).loadProject(dir);
    if (!loaded.ok()) {
        for (const auto &d : loaded.diagnostics)
            if (d.severity == manifest::Severity::Error) {
                error = QObject::tr("%1:%2: %3")
                            .arg(QString::fromStdString(d.file))
                            .arg(d.range.start.line + 1)
                            .arg(QString::fromStdString(d.message));
                break;
            }
        if (error.isEmpty())
            error = QObject::tr("the manifest does not load");
        return nullptr;
    }
    return std::make_shared<const manifest::Manifest>(std::move(*loaded.manifest));
}

QString describe(const lambda::ApiError &error) {
    if (error.status == 0)
        return QObject::tr("Cannot reach the endpoint: %1")
            .arg(QString::fromStdString(error.message));
    return QString::fromStdString(error.type + ": " + error.message);
}

namespace {

const manifest::Function *projectFunction(const manifest::Manifest &m,
                                          const std::string &deployed) {
    for (const auto &fn : m.functions)
        if (fn.deployedName == deployed && fn.kind == manifest::FunctionKind::Event)
            return &fn;
    return nullptr;
}

// The package hash per planned package, built once per call.
class Packages {
public:
    explicit Packages(const manifest::Manifest &m)
        : m_manifest(m)
        , m_plans(deploy::planPackages(m)) {}
    std::string sha(const std::string &function) {
        for (const auto &plan : m_plans) {
            if (std::find(plan.functions.begin(), plan.functions.end(), function) ==
                plan.functions.end())
                continue;
            if (auto it = m_built.find(plan.name); it != m_built.end())
                return it->second;
            packaging::Package package;
            std::string error;
            const std::string sha = deploy::buildPlannedPackage(m_manifest, plan, package, error)
                                        ? package.sha256Base64
                                        : std::string();
            return m_built[plan.name] = sha;
        }
        return {};
    }

private:
    const manifest::Manifest &m_manifest;
    std::vector<deploy::PackagePlan> m_plans;
    std::map<std::string, std::string> m_built;
};

std::optional<LocalComparison> compareWith(const manifest::Manifest &m, Packages &packages,
                                           const json &getFunction, bool withConcurrency) {
    const std::string name =
        getFunction.value("Configuration", json::object()).value("FunctionName", "");
    const manifest::Function *fn = projectFunction(m, name);
    if (!fn)
        return std::nullopt;
    LocalComparison out;
    out.manifestName = QString::fromStdString(fn->name);
    for (auto &d : deploy::compareWithDeployed(m, *fn, getFunction, packages.sha(fn->name)))
        if (withConcurrency || d.field != "reserved concurrency")
            out.differences.push_back(std::move(d));
    return out;
}

} // namespace

std::optional<LocalComparison> compare(const manifest::Manifest &m, const json &getFunction,
                                       bool withConcurrency) {
    Packages packages(m);
    return compareWith(m, packages, getFunction, withConcurrency);
}

Page listPage(const lambdaclient::Endpoint &endpoint, const std::string &marker, int maxItems,
              const manifest::Manifest *m) {
    lambdaclient::LambdaClient client(endpoint);
    client.setTimeout(std::chrono::seconds(30));
    Page out;
    auto page = client.listFunctionsPage(marker, maxItems);
    if (!page.ok()) {
        out.error = page.error;
        return out;
    }
    out.ok = true;
    out.functions = page->functions;
    out.nextMarker = page->nextMarker;
    if (m) {
        Packages packages(*m);
        for (const auto &config : out.functions)
            out.comparisons[QString::fromStdString(config.functionName)] =
                compareWith(*m, packages, json{{"Configuration", lambda::toJson(config)}}, false);
    }
    return out;
}

Details loadDetails(const lambdaclient::Endpoint &endpoint, const std::string &function,
                    const manifest::Manifest *m) {
    lambdaclient::LambdaClient client(endpoint);
    client.setTimeout(std::chrono::seconds(30));
    Details out;
    const auto whole = client.getFunction(function);
    if (!whole.ok()) {
        out.error = whole.error;
        return out;
    }
    out.latest = lambda::configurationFromJson(whole->value("Configuration", json::object()));
    if (const auto it = whole->find("Tags"); it != whole->end() && it->is_object())
        out.details.tags = it->get<lambda::Tags>();
    if (const auto it = whole->find("Concurrency"); it != whole->end() && it->is_object())
        out.details.reservedConcurrency = it->value("ReservedConcurrentExecutions", 0);
    const auto versions = client.listVersions(function);
    if (!versions.ok()) {
        out.error = versions.error;
        return out;
    }
    for (const auto &v : *versions)
        if (v.version != "$LATEST")
            out.details.versions.push_back(v);
    std::sort(
        out.details.versions.begin(), out.details.versions.end(),
        [](const auto &a, const auto &b) { return std::stoll(a.version) < std::stoll(b.version); });
    const auto aliases = client.listAliases(function);
    if (!aliases.ok()) {
        out.error = aliases.error;
        return out;
    }
    out.details.aliases = *aliases;
    if (m)
        out.comparison = compare(*m, *whole, true);
    out.ok = true;
    return out;
}

} // namespace nimbus::studio::deployed
