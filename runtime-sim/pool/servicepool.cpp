#include "servicepool.h"

#include "nimbus/resources/resourcelocator.h"
#include "runtimelauncher.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <csignal>
#include <istream>

namespace nimbus::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct ServicePool::Instance {
    enum class State { Starting, Ready, Stopping };
    std::uint64_t id = 0;
    unsigned short port = 0;
    int generation = 0;
    State state = State::Starting;
    int active = 0;
    std::shared_ptr<ChildProcess> process;
    Clock::time_point startedAt;
    std::unique_ptr<asio::steady_timer> timer; // readiness retries, then idle timeout
    std::string partialLine;
    std::string outputTail; // the last output, for a start failure's message
};

namespace {

// A free loopback port for an instance's $PORT.
unsigned short freePort(asio::io_context &io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return acceptor.local_endpoint().port();
}

std::string seconds(Clock::duration d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(d).count());
    return text;
}

} // namespace

std::shared_ptr<ServicePool> ServicePool::create(asio::io_context &io, ServiceConfig config,
                                                 PoolObserver *observer) {
    return std::shared_ptr<ServicePool>(new ServicePool(io, std::move(config), observer));
}

ServicePool::ServicePool(asio::io_context &io, ServiceConfig config, PoolObserver *observer)
    : m_io(io)
    , m_config(std::move(config))
    , m_observer(observer) {}

ServicePool::~ServicePool() {
    shutdown();
}

void ServicePool::log(const std::string &line) {
    if (m_observer)
        m_observer->invocationLog(m_config.name, line + "\n");
}

std::size_t ServicePool::liveCount() const {
    return static_cast<std::size_t>(
        std::count_if(m_instances.begin(), m_instances.end(), [&](const auto &i) {
            return i->generation == m_generation && i->state != Instance::State::Stopping;
        }));
}

void ServicePool::acquire(LeaseCallback callback) {
    if (m_shutdown) {
        callback(std::nullopt, "the service '" + m_config.name + "' is shut down");
        return;
    }
    m_waiting.push_back(std::move(callback));
    dispatch();
}

void ServicePool::release(const ServiceLease &lease) {
    for (const auto &instance : m_instances) {
        if (instance->id != lease.instance)
            continue;
        instance->active = std::max(0, instance->active - 1);
        if (instance->active == 0) {
            if (instance->generation != m_generation)
                stopInstance(instance, "replaced by new code");
            else
                armIdleTimer(instance);
        }
        break;
    }
    dispatch();
}

void ServicePool::dispatch() {
    while (!m_waiting.empty()) {
        std::shared_ptr<Instance> best;
        for (const auto &instance : m_instances) {
            if (instance->state == Instance::State::Ready && instance->generation == m_generation &&
                instance->active < m_config.concurrency &&
                (!best || instance->active < best->active))
                best = instance;
        }
        if (!best)
            break;
        ++best->active;
        best->timer->cancel(); // not idle any more
        auto callback = std::move(m_waiting.front());
        m_waiting.pop_front();
        callback(ServiceLease{best->port, best->id}, {});
    }
    if (m_waiting.empty())
        return;
    // Requests wait: start another instance unless the ones starting will take them all.
    const auto starting = static_cast<std::size_t>(
        std::count_if(m_instances.begin(), m_instances.end(), [&](const auto &i) {
            return i->generation == m_generation && i->state == Instance::State::Starting;
        }));
    if (starting * static_cast<std::size_t>(m_config.concurrency) < m_waiting.size() &&
        liveCount() < static_cast<std::size_t>(m_config.maxInstances)) {
        const std::size_t before = liveCount();
        log(before == 0
                ? "scaling from zero: starting an instance for " +
                      std::to_string(m_waiting.size()) + " waiting request(s)"
                : "scaling up to " + std::to_string(before + 1) + " instances (" +
                      std::to_string(m_waiting.size()) + " request(s) waiting, concurrency " +
                      std::to_string(m_config.concurrency) + " per instance)");
        startInstance();
    }
}

void ServicePool::startInstance() {
    auto instance = std::make_shared<Instance>();
    instance->id = m_nextId++;
    instance->generation = m_generation;
    instance->timer = std::make_unique<asio::steady_timer>(m_io);
    instance->startedAt = Clock::now();
    std::string error;
    try {
        instance->port = freePort(m_io);
    } catch (const std::exception &e) {
        error = std::string("no free port: ") + e.what();
    }
    ChildProcess::Spec spec;
    spec.executable = "/bin/sh";
    spec.arguments = {"-c", m_config.command};
    spec.workingDirectory = m_config.workingDirectory;
    spec.environment = RuntimeLauncher::developerEnvironment();
    for (const auto &[name, value] : m_config.environment)
        spec.environment[name] = value;
    spec.environment["PORT"] = std::to_string(instance->port);
    // Every instance has the preload that keeps its server on loopback (and, for a server on
    // a fixed port, moves it to the instance's own): a command line that listens on every
    // interface would otherwise take calls from other machines, past the gateway.
    if (error.empty()) {
        const std::string library = resources::helperFile("libnimbus-portmap.so");
        if (library.empty()) {
            error =
                "libnimbus-portmap.so is missing beside nimbus-sim, so an instance's server "
                "cannot be kept on loopback" +
                (m_config.fixedPort > 0 ? " or moved off port " + std::to_string(m_config.fixedPort)
                                        : std::string()) +
                "; reinstall Nimbus";
        } else {
            const auto preload = spec.environment.find("LD_PRELOAD");
            spec.environment["LD_PRELOAD"] =
                library + (preload == spec.environment.end() || preload->second.empty()
                               ? std::string()
                               : ":" + preload->second);
            spec.environment["NIMBUS_PORTMAP_LOOPBACK"] = std::to_string(instance->port);
            if (m_config.fixedPort > 0) {
                spec.environment["NIMBUS_PORTMAP_FROM"] = std::to_string(m_config.fixedPort);
                spec.environment["NIMBUS_PORTMAP_TO"] = std::to_string(instance->port);
            }
        }
    }
    std::weak_ptr<ServicePool> weak = weak_from_this();
    std::weak_ptr<Instance> weakInstance = instance;
    if (error.empty()) {
        instance->process = ChildProcess::start(
            m_io, spec,
            [weakInstance, this, weak](std::string_view output) {
                auto self = weak.lock();
                auto i = weakInstance.lock();
                if (!self || !i)
                    return;
                i->outputTail.append(output);
                if (i->outputTail.size() > 2048)
                    i->outputTail.erase(0, i->outputTail.size() - 2048);
                i->partialLine.append(output);
                const std::size_t end = i->partialLine.rfind('\n');
                if (end != std::string::npos) {
                    if (m_observer)
                        m_observer->invocationLog(m_config.name, i->partialLine.substr(0, end + 1));
                    i->partialLine.erase(0, end + 1);
                }
            },
            [weakInstance, this, weak](ExitStatus status) {
                auto self = weak.lock();
                auto i = weakInstance.lock();
                if (!self || !i)
                    return;
                if (i->state == Instance::State::Starting) {
                    onStartFailed(i, "the command exited (" + status.describe() +
                                         ") before it listened on $PORT");
                    return;
                }
                if (i->state != Instance::State::Stopping)
                    log("instance " + std::to_string(i->process ? i->process->pid() : 0) +
                        " exited: " + status.describe());
                i->timer->cancel();
                std::erase(m_instances, i);
                dispatch();
            },
            error);
    }
    m_instances.push_back(instance);
    if (!instance->process) {
        onStartFailed(instance, "cannot start '" + m_config.command + "': " + error);
        return;
    }
    if (m_observer)
        m_observer->instanceStarted(m_config.name, instance->process->pid());
    probe(instance);
}

namespace {

// One readiness check: the port accepts, and the readiness path (if any) answers 2xx.
// Bounded: a server that accepts but never answers must not leave the instance starting
// forever.
asio::awaitable<bool> answersReady(unsigned short port, std::optional<std::string> path) {
    constexpr auto awaitTuple = asio::as_tuple(asio::use_awaitable);
    boost::beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(std::chrono::seconds(2));
    auto [ec] = co_await stream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                              awaitTuple);
    if (ec)
        co_return false;
    if (!path)
        co_return true;
    const std::string request = "GET " + *path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: nimbus-readiness\r\n"
                                "Connection: close\r\n\r\n";
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), awaitTuple);
    if (wec)
        co_return false;
    asio::streambuf response;
    auto [rec, read] = co_await asio::async_read_until(stream, response, "\r\n", awaitTuple);
    if (rec)
        co_return false;
    std::istream line(&response);
    std::string version;
    int status = 0;
    line >> version >> status;
    co_return status >= 200 && status < 300;
}

} // namespace

void ServicePool::probe(const std::shared_ptr<Instance> &instance) {
    std::weak_ptr<ServicePool> weak = weak_from_this();
    asio::co_spawn(
        m_io,
        [weak, instance]() -> asio::awaitable<void> {
            asio::steady_timer pause(co_await asio::this_coro::executor);
            for (;;) {
                auto self = weak.lock();
                if (!self || instance->state != Instance::State::Starting)
                    co_return;
                if (Clock::now() - instance->startedAt > self->m_config.startTimeout) {
                    const auto &config = self->m_config;
                    self->onStartFailed(
                        instance, "not ready after " + seconds(config.startTimeout) +
                                      (config.readinessPath
                                           ? " (" + *config.readinessPath + " never answered 2xx)"
                                           : " (nothing listened on $PORT)"));
                    co_return;
                }
                const auto path = self->m_config.readinessPath;
                self.reset(); // do not keep the pool alive across the wait
                if (co_await answersReady(instance->port, path)) {
                    if (auto pool = weak.lock())
                        pool->onReady(instance);
                    co_return;
                }
                pause.expires_after(std::chrono::milliseconds(20));
                co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            }
        },
        asio::detached);
}

void ServicePool::onReady(const std::shared_ptr<Instance> &instance) {
    if (instance->state != Instance::State::Starting)
        return;
    instance->state = Instance::State::Ready;
    log("instance " + std::to_string(instance->process->pid()) + " ready on port " +
        std::to_string(instance->port) + " after " + seconds(Clock::now() - instance->startedAt) +
        " (" + std::to_string(liveCount()) + " running)");
    if (m_observer)
        m_observer->instanceState(m_config.name, instance->process->pid(), "ready", 0);
    armIdleTimer(instance);
    dispatch();
}

void ServicePool::onStartFailed(const std::shared_ptr<Instance> &instance, const std::string &why) {
    std::string message = "service '" + m_config.name + "' failed to start: " + why;
    std::string tail = instance->outputTail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' '))
        tail.pop_back();
    if (!tail.empty())
        message += "; its last output: " + tail.substr(tail.size() > 400 ? tail.size() - 400 : 0);
    log(message);
    instance->state = Instance::State::Stopping;
    instance->timer->cancel();
    if (instance->process && instance->process->running())
        instance->process->killGroup(SIGKILL);
    std::erase(m_instances, instance);
    // Requests waiting for this start fail, unless another instance can take them.
    const bool others = std::any_of(m_instances.begin(), m_instances.end(), [&](const auto &i) {
        return i->generation == m_generation && i->state != Instance::State::Stopping;
    });
    if (!others) {
        auto waiting = std::move(m_waiting);
        m_waiting.clear();
        for (auto &callback : waiting)
            callback(std::nullopt, message);
    }
}

void ServicePool::armIdleTimer(const std::shared_ptr<Instance> &instance) {
    if (instance->active > 0 || instance->state != Instance::State::Ready)
        return;
    std::weak_ptr<ServicePool> weak = weak_from_this();
    instance->timer->expires_after(m_config.idleTimeout);
    instance->timer->async_wait([weak, instance](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self || ec || instance->active > 0 || instance->state != Instance::State::Ready)
            return;
        self->stopInstance(instance, "idle for " + seconds(self->m_config.idleTimeout));
    });
}

void ServicePool::stopInstance(const std::shared_ptr<Instance> &instance, const std::string &why) {
    if (instance->state == Instance::State::Stopping)
        return;
    instance->state = Instance::State::Stopping;
    instance->timer->cancel();
    const pid_t pid = instance->process ? instance->process->pid() : 0;
    if (instance->process && instance->process->running())
        instance->process->killGroup(SIGTERM);
    const std::size_t left = liveCount();
    log("instance " + std::to_string(pid) + " stopped (" + why + "); " +
        (left == 0 ? std::string("scaled to zero") : "scaled down to " + std::to_string(left)));
    if (m_observer)
        m_observer->instanceStopped(m_config.name, pid, why);
    // A process that ignores SIGTERM is killed a moment later.
    auto process = instance->process;
    auto timer = std::make_shared<asio::steady_timer>(m_io, std::chrono::seconds(3));
    timer->async_wait([process, timer](boost::system::error_code) {
        if (process && process->running())
            process->killGroup(SIGKILL);
    });
    if (!process || !process->running())
        std::erase(m_instances, instance);
}

void ServicePool::reconfigure(ServiceConfig config) {
    m_config = std::move(config);
    ++m_generation;
    auto instances = m_instances;
    for (const auto &instance : instances) {
        if (instance->active == 0)
            stopInstance(instance, "replaced by new code");
    }
    dispatch();
}

void ServicePool::shutdown() {
    if (m_shutdown)
        return;
    m_shutdown = true;
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (auto &callback : waiting)
        callback(std::nullopt, "the simulator is stopping");
    for (const auto &instance : m_instances) {
        instance->state = Instance::State::Stopping;
        instance->timer->cancel();
        if (instance->process && instance->process->running())
            instance->process->killGroup(SIGKILL);
    }
    m_instances.clear();
}

} // namespace nimbus::sim
