#include "deployedfunctions.h"

#include "../pool/runtimelauncher.h"
#include "nimbus/packaging/ziparchive.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::sim {

DeployedFunctions::DeployedFunctions(boost::asio::io_context &io, FunctionStore &store,
                                     RuntimeLauncher &launcher, PoolSettings settings,
                                     PoolObserver *observer, int defaultConcurrency)
    : m_io(io)
    , m_store(store)
    , m_launcher(launcher)
    , m_settings(settings)
    , m_observer(observer)
    , m_defaultConcurrency(defaultConcurrency) {}

DeployedFunctions::~DeployedFunctions() {
    shutdown();
}

std::string DeployedFunctions::ensureUnpacked(const std::string &codeHex, std::string &error) {
    const std::string dir = m_store.unpackedDir(codeHex);
    std::error_code ec;
    if (fs::is_directory(dir, ec))
        return dir;
    const auto zip = m_store.readCode(codeHex);
    if (!zip) {
        error = "the package " + codeHex + " is missing from the code store";
        return {};
    }
    if (!packaging::extractZip(*zip, dir, packaging::ZipLimits{}, error,
                               packaging::Extracted::ReadOnlyFiles))
        return {};
    return dir;
}

bool DeployedFunctions::unpackLayers(const lambda::FunctionConfiguration &version,
                                     std::vector<std::string> &dirs, std::string &error) {
    for (const auto &layer : version.layers) {
        std::string why = "the function's record does not say where its package is";
        const std::string dir =
            layer.codeHex.empty() ? std::string() : ensureUnpacked(layer.codeHex, why);
        if (dir.empty()) {
            error = "the layer " + layer.arn + " cannot be used: " + why;
            return false;
        }
        dirs.push_back(dir);
    }
    return true;
}

FunctionConfig DeployedFunctions::configFor(const FunctionRecord &function,
                                            const lambda::FunctionConfiguration &version,
                                            const std::string &codeDir) const {
    FunctionConfig config;
    config.name = version.functionName;
    config.deployedName = version.functionName;
    config.runtime = version.runtime;
    config.handler = version.handler;
    config.codeDir = codeDir;
    config.version = version.version;
    const auto arn = version.functionArn;
    // arn:aws:lambda:REGION:...
    if (const auto a = arn.find(":lambda:"); a != std::string::npos)
        config.region = arn.substr(a + 8, arn.find(':', a + 8) - a - 8);
    config.memoryMb = version.memorySize;
    config.timeoutSeconds = version.timeout;
    config.concurrencyLimit = function.reservedConcurrency.value_or(m_defaultConcurrency);
    config.concurrencyReserved = function.reservedConcurrency.has_value();
    config.environment = version.environment;
    if (version.scf) {
        // Created through SCF's API: it runs as SCF runs it, in the region it was made for.
        config.scf = true;
        config.namespaceName = version.scf->namespaceName;
        if (!version.scf->region.empty())
            config.region = version.scf->region;
        if (version.runtime == "CustomRuntime")
            config.customBootstrap = (fs::path(codeDir) / "scf_bootstrap").string();
    }
    return config;
}

bool DeployedFunctions::invoke(const FunctionRecord &function,
                               const lambda::FunctionConfiguration &version,
                               const std::string &codeHex, InvocationRequest request,
                               InvocationCallback callback, std::string &error) {
    // Reserved concurrency is the function's, shared by all its versions.
    if (function.reservedConcurrency &&
        m_inflight[version.functionName] >= *function.reservedConcurrency) {
        InvocationResult result;
        result.requestId = newRequestId();
        result.throttled = true;
        result.errorType = "TooManyRequestsException";
        result.payload = R"({"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded",)"
                         R"("Type":"User","message":"Rate Exceeded."})";
        callback(std::move(result));
        return true;
    }
    const std::string key = version.functionName + ":" + version.version;
    // What the pool must be rebuilt for: new code, settings or layers, or a new concurrency
    // limit.
    std::string revision = version.revisionId + "/" + codeHex + "/" +
                           std::to_string(function.reservedConcurrency.value_or(-1));
    for (const auto &layer : version.layers)
        revision += "/" + layer.codeHex;
    auto it = m_pools.find(key);
    if (it == m_pools.end() || it->second.revision != revision) {
        const std::string dir = ensureUnpacked(codeHex, error);
        if (dir.empty())
            return false;
        std::vector<std::string> layerDirs;
        if (!unpackLayers(version, layerDirs, error))
            return false;
        FunctionConfig config = configFor(function, version, dir);
        config.layerDirs = std::move(layerDirs);
        if (it == m_pools.end()) {
            it = m_pools
                     .emplace(key, Entry{FunctionPool::create(m_io, std::move(config), m_launcher,
                                                              m_settings, m_observer),
                                         revision})
                     .first;
        } else {
            it->second.pool->reconfigure(std::move(config)); // busy instances finish first
            it->second.revision = revision;
        }
    }
    ++m_inflight[version.functionName];
    it->second.pool->invoke(
        std::move(request),
        [this, name = version.functionName, callback = std::move(callback)](InvocationResult result) {
            --m_inflight[name];
            callback(std::move(result));
        });
    return true;
}

void DeployedFunctions::retire(const std::string &name, const std::string &version) {
    std::erase_if(m_retired, [](const auto &pool) { return pool->instanceCount() == 0; });
    for (auto it = m_pools.begin(); it != m_pools.end();) {
        const bool match = version.empty() ? it->first.rfind(name + ":", 0) == 0
                                           : it->first == name + ":" + version;
        if (match) {
            it->second.pool->reconfigure(it->second.pool->config()); // idle ones stop now
            m_retired.push_back(it->second.pool);
            it = m_pools.erase(it);
        } else {
            ++it;
        }
    }
}

void DeployedFunctions::shutdown() {
    for (auto &[key, entry] : m_pools)
        entry.pool->shutdown();
    for (auto &pool : m_retired)
        pool->shutdown();
    m_pools.clear();
    m_retired.clear();
}

} // namespace nimbus::sim
