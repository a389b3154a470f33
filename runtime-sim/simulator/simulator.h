#pragma once

#include "../gateway/gateway.h"
#include "../pool/functionpool.h"
#include "../pool/runtimelauncher.h"
#include "../pool/servicepool.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/net/httpserver.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

struct SimulatorOptions {
    std::string projectDir = ".";
    std::string stage; // --stage; empty = the manifest's
    std::string resourcesDir;
    PoolSettings pool;
    int defaultConcurrency = 10; // instances per function unless reservedConcurrency says
    bool serveControlPlane = true;
    unsigned short controlPort = 0;
    bool serveGateway = true;
    unsigned short gatewayPort = 0;
    GatewayOptions gateway;
};

// The local function platform for one project: the manifest's functions, an instance pool
// each, and the control plane that invokes them. It knows nothing of editors or debuggers;
// it reports through PoolObserver.
class Simulator : public GatewayBackend {
public:
    Simulator(boost::asio::io_context &io, SimulatorOptions options,
              PoolObserver *observer = nullptr);
    ~Simulator() override;

    // Reads and validates the manifest. False when it has errors (see diagnostics()).
    bool load();
    const std::vector<manifest::Diagnostic> &diagnostics() const { return m_diagnostics; }
    const manifest::Manifest &manifest() const { return *m_manifest; }

    // Reads the manifest again (it or a handler changed): functions whose configuration
    // changed, and those that may run the changed files, get fresh instances on their next
    // call (busy ones finish first); routes follow. With errors, the running configuration
    // stays and false is returned (see diagnostics()). `changedFiles` are project-relative;
    // empty means "the manifest".
    bool reload(const std::vector<std::string> &changedFiles = {});

    // Opens the control plane and the gateway (when enabled). Throws on failure to listen.
    void start();
    std::string controlPlaneUrl() const;
    std::string gatewayUrl() const;

    // Invokes a function by its manifest name or deployed name. Unknown functions and
    // functions that are not event functions are reported through `error`.
    bool invoke(const std::string &function, InvocationRequest request, InvocationCallback callback,
                std::string &error);

    // The function a name refers to (manifest name, deployed name or ARN), if any.
    const manifest::Function *findFunction(const std::string &name) const;

    // Stops every instance and the control plane.
    void shutdown();

    boost::asio::io_context &io() { return m_io; }

    // GatewayBackend
    std::shared_ptr<const RouteTable> routes() const override { return m_routes; }
    std::string stage() const override;
    void invokeFromGateway(const std::string &function, std::string payload,
                           InvocationCallback callback) override;
    std::shared_ptr<ServicePool> servicePool(const std::string &function) override;
    void gatewayLog(const std::string &function, const std::string &line) override;

private:
    FunctionConfig configFor(const manifest::Function &function) const;
    ServiceConfig serviceConfigFor(const manifest::Function &function) const;
    std::shared_ptr<FunctionPool> poolFor(const manifest::Function &function);

    boost::asio::io_context &m_io;
    SimulatorOptions m_options;
    PoolObserver *m_observer;
    RuntimeLauncher m_launcher;
    std::optional<manifest::Manifest> m_manifest;
    std::vector<manifest::Diagnostic> m_diagnostics;
    std::map<std::string, std::shared_ptr<FunctionPool>> m_pools;
    std::map<std::string, std::shared_ptr<ServicePool>> m_services;
    std::vector<std::shared_ptr<FunctionPool>> m_retiredPools; // removed; finishing their work
    std::vector<std::shared_ptr<ServicePool>> m_retiredServices;
    std::shared_ptr<const RouteTable> m_routes = std::make_shared<RouteTable>();
    std::shared_ptr<net::HttpServer> m_controlPlane;
    std::shared_ptr<Gateway> m_gateway;
};

} // namespace nimbus::sim
