#include "simulator.h"

#include "../control/invokeapi.h"
#include "nimbus/manifest/manifestloader.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::sim {

Simulator::Simulator(boost::asio::io_context &io, SimulatorOptions options, PoolObserver *observer)
    : m_io(io)
    , m_options(std::move(options))
    , m_observer(observer)
    , m_launcher(m_options.resourcesDir) {}

Simulator::~Simulator() {
    shutdown();
}

bool Simulator::load() {
    manifest::LoadOptions loadOptions;
    if (!m_options.stage.empty())
        loadOptions.options["stage"] = m_options.stage;
    std::error_code ec;
    const std::string project = fs::absolute(m_options.projectDir, ec).lexically_normal().string();
    manifest::LoadResult result = manifest::ManifestLoader(loadOptions).loadProject(project);
    m_diagnostics = std::move(result.diagnostics);
    if (!result.ok())
        return false;
    m_manifest = std::move(result.manifest);
    return true;
}

void Simulator::start() {
    if (!m_options.serveControlPlane || m_controlPlane)
        return;
    m_controlPlane =
        net::HttpServer::create(m_io, [this](net::Request request, net::Responder responder) {
            handleControlRequest(std::move(request), std::move(responder), *this);
        });
    m_controlPlane->listen(m_options.controlPort);
}

std::string Simulator::controlPlaneUrl() const {
    return m_controlPlane ? "http://127.0.0.1:" + std::to_string(m_controlPlane->port())
                          : std::string();
}

const manifest::Function *Simulator::findFunction(const std::string &name) const {
    if (!m_manifest)
        return nullptr;
    // An ARN names the function after "function:" (and may add ":qualifier").
    std::string key = name;
    if (auto at = key.find(":function:"); at != std::string::npos) {
        key = key.substr(at + 10);
        key = key.substr(0, key.find(':'));
    }
    for (const auto &function : m_manifest->functions) {
        if (function.name == key || function.deployedName == key)
            return &function;
    }
    return nullptr;
}

FunctionConfig Simulator::configFor(const manifest::Function &function) const {
    FunctionConfig config;
    config.name = function.name;
    config.deployedName = function.deployedName;
    config.runtime = function.runtime.value;
    config.handler = function.handler.value;
    config.codeDir = m_manifest->projectDir;
    config.region = m_manifest->provider.region;
    config.memoryMb = function.memorySize.value;
    config.timeoutSeconds = function.timeout.value;
    config.concurrencyLimit = function.reservedConcurrency.value_or(m_options.defaultConcurrency);
    config.environment = function.environment;
    return config;
}

std::shared_ptr<FunctionPool> Simulator::poolFor(const manifest::Function &function) {
    auto it = m_pools.find(function.name);
    if (it != m_pools.end())
        return it->second;
    auto pool =
        FunctionPool::create(m_io, configFor(function), m_launcher, m_options.pool, m_observer);
    m_pools.emplace(function.name, pool);
    return pool;
}

bool Simulator::invoke(const std::string &name, InvocationRequest request,
                       InvocationCallback callback, std::string &error) {
    const manifest::Function *function = findFunction(name);
    if (!function) {
        error = "Function not found: arn:aws:lambda:" +
                (m_manifest ? m_manifest->provider.region : "us-east-1") +
                ":000000000000:function:" + name;
        return false;
    }
    if (function->kind != manifest::FunctionKind::Event) {
        error = "function '" + function->name + "' is an " +
                (function->kind == manifest::FunctionKind::HttpFunction ? "http function"
                                                                        : "http service") +
                "; it is reached over HTTP at " + function->path + ", not invoked";
        return false;
    }
    poolFor(*function)->invoke(std::move(request), std::move(callback));
    return true;
}

void Simulator::shutdown() {
    for (auto &[name, pool] : m_pools)
        pool->shutdown();
    if (m_controlPlane) {
        m_controlPlane->close();
        m_controlPlane.reset();
    }
}

} // namespace nimbus::sim
