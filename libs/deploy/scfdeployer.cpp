#include "nimbus/deploy/scfdeployer.h"

#include "nimbus/packaging/packager.h"
#include "nimbus/scf/scfapi.h"

#include <algorithm>
#include <thread>

namespace nimbus::deploy {

using nlohmann::json;

json scfFunctionSettings(const manifest::Manifest &, const manifest::Function &fn) {
    json settings{{"FunctionName", fn.deployedName},
                  {"Namespace", fn.namespaceName},
                  {"Runtime", fn.runtime.value},
                  {"MemorySize", fn.memorySize.value},
                  {"Timeout", fn.timeout.value},
                  {"Environment", {{"Variables", scf::variablesJson(fn.environment)}}},
                  {"Type", fn.kind == manifest::FunctionKind::Event ? "Event" : "HTTP"}};
    if (!fn.handler.value.empty())
        settings["Handler"] = fn.handler.value;
    if (!fn.description.empty())
        settings["Description"] = fn.description;
    if (fn.initTimeout)
        settings["InitTimeout"] = *fn.initTimeout;
    return settings;
}

bool ScfDeployer::deploy(const manifest::Manifest &m) {
    auto wanted = [&](const std::string &name) {
        return m_only.empty() || std::find(m_only.begin(), m_only.end(), name) != m_only.end();
    };
    bool ok = true;
    for (const auto &name : m_only) {
        if (!m.function(name)) {
            m_progress(
                {DeployStep::Kind::Failed, name, "", "no function '" + name + "' in the manifest"});
            ok = false;
        }
    }
    for (auto plan : planPackages(m)) {
        std::erase_if(plan.functions, [&](const std::string &f) { return !wanted(f); });
        if (plan.functions.empty())
            continue;
        packaging::Package package;
        std::string error;
        if ((m_dependencies && !m_dependencies(m, plan, error)) ||
            !buildPlannedPackage(m, plan, package, error)) {
            m_progress({DeployStep::Kind::Failed, "", plan.name, error});
            ok = false;
            continue;
        }
        m_progress({DeployStep::Kind::Packaged, "", plan.name, packaging::packageSummary(package)});
        for (const auto &name : plan.functions)
            ok &= deployFunction(m, *m.function(name), package);
    }
    return ok;
}

bool ScfDeployer::waitUntilActive(const json &id, std::string &error) {
    const auto deadline = std::chrono::steady_clock::now() + m_activeWait;
    while (true) {
        const auto got = m_client.call("GetFunction", id);
        if (!got.ok()) {
            error = scfclient::describe(got);
            return false;
        }
        const std::string status = got.value->value("Status", std::string("Active"));
        if (status == "Active")
            return true;
        if (status.find("Failed") != std::string::npos) {
            error = "the function is " + status + ": " +
                    got.value->value("StatusDesc", std::string("no reason given"));
            return false;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            error = "the function was still " + status + " after " +
                    std::to_string(m_activeWait.count() / 1000) + " s";
            return false;
        }
        std::this_thread::sleep_for(m_activeStep);
    }
}

bool ScfDeployer::deployFunction(const manifest::Manifest &m, const manifest::Function &fn,
                                 const packaging::Package &package) {
    const std::string &name = fn.deployedName;
    auto fail = [&](const std::string &why) {
        m_progress({DeployStep::Kind::Failed, fn.name, name, why});
        return false;
    };
    const json settings = scfFunctionSettings(m, fn);
    const json id{{"FunctionName", name}, {"Namespace", fn.namespaceName}};
    const std::string zip = lambdaclient::base64(package.zip);
    const auto existing = m_client.call("GetFunction", id);
    std::string error;
    if (!existing.ok()) {
        if (existing.error.code != "ResourceNotFound.FunctionName" &&
            existing.error.code != "ResourceNotFound.Function")
            return fail(scfclient::describe(existing));
        json create = settings;
        create["Code"] = {{"ZipFile", zip}};
        const auto created = m_client.call("CreateFunction", create);
        if (!created.ok())
            return fail(scfclient::describe(created));
        if (!waitUntilActive(id, error))
            return fail(error);
        m_progress({DeployStep::Kind::Created, fn.name, name,
                    fn.runtime.value + ", " + std::to_string(fn.memorySize.value) +
                        " MB, namespace " + fn.namespaceName});
        return true;
    }
    // The code first (with the handler, which only UpdateFunctionCode changes), then the
    // settings, each once the function is Active again.
    json code = id;
    code["ZipFile"] = zip;
    if (settings.contains("Handler"))
        code["Handler"] = settings["Handler"];
    if (const auto updated = m_client.call("UpdateFunctionCode", code); !updated.ok())
        return fail(scfclient::describe(updated));
    if (!waitUntilActive(id, error))
        return fail(error);
    json configuration = settings;
    configuration.erase("Handler");
    configuration.erase("Type"); // set at creation
    if (const auto updated = m_client.call("UpdateFunctionConfiguration", configuration);
        !updated.ok())
        return fail(scfclient::describe(updated));
    if (!waitUntilActive(id, error))
        return fail(error);
    m_progress({DeployStep::Kind::Updated, fn.name, name,
                "code and configuration (" + fn.runtime.value + ", " +
                    std::to_string(fn.memorySize.value) + " MB)"});
    return true;
}

} // namespace nimbus::deploy
