#pragma once

#include "../process/childprocess.h"
#include "functionpool.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// What the gateway needs to know about an http service.
struct ServiceConfig {
    std::string name;    // the manifest's name
    std::string command; // run with /bin/sh -c in the project folder, PORT set
    std::string workingDirectory;
    std::optional<std::string>
        readinessPath;    // ready when it answers 2xx; else when the port accepts
    int concurrency = 80; // requests at once per instance
    int maxInstances = 10;
    std::chrono::milliseconds idleTimeout{std::chrono::minutes(5)};
    std::chrono::milliseconds startTimeout{std::chrono::seconds(30)};
    // How long an instance may take to begin its answer to a request (the function's
    // `timeout`); past it the gateway answers 504.
    std::chrono::milliseconds requestTimeout{std::chrono::seconds(30)};
    std::map<std::string, std::string> environment;
    // The port the server binds when it does not take $PORT (an SCF web function's 9000):
    // each instance's bind() to it is moved to the instance's own loopback port by
    // libnimbus-portmap, preloaded, so that instances run side by side. 0: it takes $PORT.
    int fixedPort = 0;
    // An SCF web function: the gateway adds SCF's X-Scf-* headers to what it proxies.
    struct Scf {
        std::string functionName, namespaceName, region, version = "$LATEST";
        int memoryMb = 128, timeoutSeconds = 3;
        bool operator==(const Scf &) const = default;
    };
    std::optional<Scf> scf;

    bool operator==(const ServiceConfig &) const = default;
};

// The right to send one request to an instance of a service; give it back with release().
struct ServiceLease {
    unsigned short port = 0;
    std::uint64_t instance = 0;
};

// The instances of one http service: started on demand, each with its own $PORT; a
// request goes to the least busy ready instance with room, another instance starts when
// every one is at its concurrency (up to maxInstances; beyond that requests wait), and
// an instance idle for idleTimeout stops — to zero. Each scale step is logged.
class ServicePool : public std::enable_shared_from_this<ServicePool> {
public:
    using LeaseCallback = std::function<void(std::optional<ServiceLease>, std::string error)>;

    static std::shared_ptr<ServicePool> create(boost::asio::io_context &io, ServiceConfig config,
                                               PoolObserver *observer);
    ~ServicePool();

    const ServiceConfig &config() const { return m_config; }

    // Calls back with a lease once an instance can take the request, or with an error
    // (the service failed to start, or the pool is shut down).
    void acquire(LeaseCallback callback);
    void release(const ServiceLease &lease);

    // New code or settings: new requests go to new instances; the old ones finish what
    // they are serving, then stop.
    void reconfigure(ServiceConfig config);
    void shutdown();

    std::size_t instanceCount() const { return m_instances.size(); }

private:
    struct Instance;
    ServicePool(boost::asio::io_context &io, ServiceConfig config, PoolObserver *observer);

    void dispatch();
    void startInstance();
    void probe(const std::shared_ptr<Instance> &instance);
    void onReady(const std::shared_ptr<Instance> &instance);
    void onStartFailed(const std::shared_ptr<Instance> &instance, const std::string &why);
    void stopInstance(const std::shared_ptr<Instance> &instance, const std::string &why);
    void armIdleTimer(const std::shared_ptr<Instance> &instance);
    void log(const std::string &line);
    std::size_t liveCount() const;

    boost::asio::io_context &m_io;
    ServiceConfig m_config;
    PoolObserver *m_observer;
    std::vector<std::shared_ptr<Instance>> m_instances;
    std::deque<LeaseCallback> m_waiting;
    std::uint64_t m_nextId = 1;
    int m_generation = 0;
    bool m_shutdown = false;
};

} // namespace nimbus::sim
