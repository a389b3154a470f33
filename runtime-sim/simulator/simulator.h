#pragma once

#include "../pool/functionpool.h"
#include "../pool/runtimelauncher.h"
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
};

// The local function platform for one project: the manifest's functions, an instance pool
// each, and the control plane that invokes them. It knows nothing of editors or debuggers;
// it reports through PoolObserver.
class Simulator {
public:
    Simulator(boost::asio::io_context &io, SimulatorOptions options,
              PoolObserver *observer = nullptr);
    ~Simulator();

    // Reads and validates the manifest. False when it has errors (see diagnostics()).
    bool load();
    const std::vector<manifest::Diagnostic> &diagnostics() const { return m_diagnostics; }
    const manifest::Manifest &manifest() const { return *m_manifest; }

    // Opens the control plane (when enabled). Throws on failure to listen.
    void start();
    std::string controlPlaneUrl() const;

    // Invokes a function by its manifest name or deployed name. Unknown functions and
    // functions that are not event functions are reported through `error`.
    bool invoke(const std::string &function, InvocationRequest request, InvocationCallback callback,
                std::string &error);

    // The function a name refers to (manifest name, deployed name or ARN), if any.
    const manifest::Function *findFunction(const std::string &name) const;

    // Stops every instance and the control plane.
    void shutdown();

    boost::asio::io_context &io() { return m_io; }

private:
    FunctionConfig configFor(const manifest::Function &function) const;
    std::shared_ptr<FunctionPool> poolFor(const manifest::Function &function);

    boost::asio::io_context &m_io;
    SimulatorOptions m_options;
    PoolObserver *m_observer;
    RuntimeLauncher m_launcher;
    std::optional<manifest::Manifest> m_manifest;
    std::vector<manifest::Diagnostic> m_diagnostics;
    std::map<std::string, std::shared_ptr<FunctionPool>> m_pools;
    std::shared_ptr<net::HttpServer> m_controlPlane;
};

} // namespace nimbus::sim
