#pragma once

#include "../pool/functionpool.h"
#include "../store/functionstore.h"

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nimbus::sim {

class RuntimeLauncher;

// The running side of deployed functions: one instance pool per function version, each
// running the version's stored package unpacked under .nimbus/code/<sha256>/ — never the
// working tree. $LATEST's pool is reconfigured when its code or configuration changes.
class DeployedFunctions {
public:
    DeployedFunctions(boost::asio::io_context &io, FunctionStore &store, RuntimeLauncher &launcher,
                      PoolSettings settings, PoolObserver *observer, int defaultConcurrency);
    ~DeployedFunctions();

    // Runs `version` ($LATEST or a number) of a stored function. False with `error` when
    // its package cannot be unpacked.
    bool invoke(const FunctionRecord &function, const lambda::FunctionConfiguration &version,
                const std::string &codeHex, InvocationRequest request, InvocationCallback callback,
                std::string &error);

    // The function (or one version of it) is gone: its pools finish what they run, then go.
    void retire(const std::string &name, const std::string &version = {});
    void shutdown();

    // The folder a stored package is unpacked in (read-only), unpacking it on first use; ""
    // with `error` when it cannot be.
    std::string ensureUnpacked(const std::string &codeHex, std::string &error);

private:
    struct Entry {
        std::shared_ptr<FunctionPool> pool;
        std::string revision; // what the pool was configured from
    };
    FunctionConfig configFor(const FunctionRecord &function,
                             const lambda::FunctionConfiguration &version,
                             const std::string &codeDir) const;
    // The version's layers unpacked, in its order; false with `error` naming the layer.
    bool unpackLayers(const lambda::FunctionConfiguration &version, std::vector<std::string> &dirs,
                      std::string &error);

    boost::asio::io_context &m_io;
    FunctionStore &m_store;
    RuntimeLauncher &m_launcher;
    PoolSettings m_settings;
    PoolObserver *m_observer;
    int m_defaultConcurrency;
    std::map<std::string, Entry> m_pools; // "name:version"
    std::vector<std::shared_ptr<FunctionPool>> m_retired;
    std::map<std::string, int> m_inflight; // invocations running or waiting, per function
};

} // namespace nimbus::sim
