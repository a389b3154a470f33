#pragma once

#include "nimbus/deploy/deployer.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/scfclient/scfclient.h"

#include <functional>
#include <string>
#include <vector>

namespace nimbus::deploy {

// CreateFunction's parameters for a function of a Tencent project (Code left out): its SCF
// name, namespace, runtime, handler, memory, timeouts, variables, and Type HTTP for a web
// function.
nlohmann::json scfFunctionSettings(const manifest::Manifest &manifest,
                                   const manifest::Function &function);

// Deploys every function of a Tencent project (component, plugin or scfcli format) to an
// SCF-compatible endpoint, as Tencent's tools do: one package per code folder, then for each
// function CreateFunction, or UpdateFunctionCode and UpdateFunctionConfiguration, waiting
// for the function to be Active between steps (Tencent Cloud creates and updates in the
// background). Reports each step as Deployer does; returns whether all succeeded.
class ScfDeployer {
public:
    using Progress = std::function<void(const DeployStep &)>;
    ScfDeployer(scfclient::ScfClient &client, Progress progress)
        : m_client(client)
        , m_progress(std::move(progress)) {}
    void setFunctions(std::vector<std::string> only) { m_only = std::move(only); }
    // Installs and adds each package's dependencies before it is built (none without).
    void setDependencies(DependencyStep step) { m_dependencies = std::move(step); }
    // How long to wait for a function to become Active, and between looks.
    void setActiveWait(std::chrono::milliseconds total, std::chrono::milliseconds step) {
        m_activeWait = total;
        m_activeStep = step;
    }
    bool deploy(const manifest::Manifest &manifest);

private:
    bool deployFunction(const manifest::Manifest &manifest, const manifest::Function &function,
                        const packaging::Package &package);
    // Polls GetFunction until Status is Active; false with `error` on a failed status or
    // when the wait runs out.
    bool waitUntilActive(const nlohmann::json &id, std::string &error);

    scfclient::ScfClient &m_client;
    Progress m_progress;
    std::vector<std::string> m_only;
    DependencyStep m_dependencies;
    std::chrono::milliseconds m_activeWait{std::chrono::minutes(5)};
    std::chrono::milliseconds m_activeStep{std::chrono::seconds(1)};
};

} // namespace nimbus::deploy
