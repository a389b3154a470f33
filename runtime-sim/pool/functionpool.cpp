#include "functionpool.h"

#include "../runtimeapi/runtimeapi.h"
#include "../sandbox/bubblewrap.h"
#include "../sandbox/containment.h"
#include "nimbus/net/textformat.h"
#include "nimbus/tracing/tracecontext.h"

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cmath>
#include <csignal>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

namespace nimbus::sim {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxLogBytes = 1024 * 1024;     // per invocation; older output is dropped
constexpr std::size_t kMaxPreOutputBytes = 64 * 1024; // output between invocations

double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long long epochMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void appendBounded(std::string &log, std::string_view chunk, std::size_t limit) {
    log.append(chunk);
    if (log.size() > limit)
        log.erase(0, log.size() - limit);
}

std::string errorDocument(const std::string &type, const std::string &message) {
    return json{{"errorType", type}, {"errorMessage", message}}.dump();
}

// A runtime's error document, kept as sent when it is a JSON object. Our bootstraps add the
// failure's scene (project frames and their locals) as "nimbusScene": it goes to `scene`,
// not to the caller.
std::string normaliseErrorDocument(const std::string &body, std::string &errorType,
                                   json *scene = nullptr) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::parse(body, nullptr, false);
    if (!doc.is_object())
        return errorDocument(errorType.empty() ? "Runtime.Unknown" : errorType, body);
    if (errorType.empty() && doc.contains("errorType") && doc["errorType"].is_string())
        errorType = doc["errorType"].get<std::string>();
    if (errorType.empty())
        errorType = "Runtime.Unknown";
    if (auto it = doc.find("nimbusScene"); it != doc.end()) {
        if (scene)
            *scene = json::parse(it->dump(), nullptr, false);
        doc.erase(it);
        return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
    return body;
}


} // namespace

std::string newRequestId() {
    static std::mt19937_64 generator{std::random_device{}()};
    const std::uint64_t a = generator(), b = generator();
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return text;
}

// One invocation an instance is running.
struct FunctionPool::Running {
    explicit Running(asio::io_context &io)
        : timeoutTimer(io) {}

    Pending pending;
    Clock::time_point startedAt;
    double queuedMs = 0;
    // Its timeout clock: what is left of it, and since when it runs (stopped while a
    // debugger holds the function at a breakpoint).
    std::chrono::milliseconds timeoutLeft{0};
    Clock::time_point timeoutRunningSince;
    std::optional<Clock::time_point> pausedSince;
    double pausedMs = 0;
    std::string log;
    nlohmann::json scene; // the failing invocation's scene, from its error document
    std::optional<double> initMs;
    asio::steady_timer timeoutTimer;
};

struct FunctionPool::Instance {
    enum class State { Starting, Idle, Busy, Stopping };

    explicit Instance(asio::io_context &io)
        : memoryTimer(io)
        , idleTimer(io) {}

    State state = State::Starting;
    int generation = 0;
    std::size_t slots = 1; // invocations it takes at once
    std::shared_ptr<ChildProcess> process;
    std::shared_ptr<net::HttpServer> api;
    std::unique_ptr<RuntimeApiHandler> apiHandler;
    Clock::time_point spawnedAt = Clock::now();
    Clock::time_point idleSince;
    std::optional<double> initDurationMs;
    bool initReported = false;
    bool retiring = false;   // stopped on purpose: its end fails nothing
    bool initFailed = false; // it posted /runtime/init/error
    bool draining = false;   // takes nothing more; stops when what it runs has finished
    bool outOfMemory = false;
    long long peakKb = 0;
    // Its limits, control group, private /tmp and sandbox; ended with it.
    std::unique_ptr<InstanceContainment> containment;
    // Its /next requests waiting for work: one per invocation it has room for.
    std::deque<net::Responder> next;
    std::string preOutput;
    std::string partialLine; // output not yet attributed, while it runs several at once

    // The invocations in progress, oldest first.
    std::vector<std::shared_ptr<Running>> active;
    // How it spent its time as of its first invocation, and its busy time since, for the
    // ScalePolicy.
    std::optional<ChildProcess::Schedule> scheduleAtFirst;
    double busyMs = 0;
    int measured = 0;

    std::shared_ptr<Running> find(const std::string &requestId) const {
        for (const auto &running : active)
            if (running->pending.requestId == requestId)
                return running;
        return nullptr;
    }
    bool canTake(int currentGeneration) const {
        return (state == State::Idle || state == State::Busy) && !next.empty() && !draining &&
               active.size() < slots && generation == currentGeneration;
    }

    asio::steady_timer memoryTimer;
    asio::steady_timer idleTimer;
};

// The Runtime API as seen by one instance: forwards to the pool with the instance attached.
class InstanceRuntimeApi : public RuntimeApiHandler {
public:
    InstanceRuntimeApi(std::weak_ptr<FunctionPool> pool,
                       std::weak_ptr<FunctionPool::Instance> instance)
        : m_pool(std::move(pool))
        , m_instance(std::move(instance)) {}

    void nextInvocation(net::Responder responder) override {
        auto pool = m_pool.lock();
        auto instance = m_instance.lock();
        if (!pool || !instance || instance->state == FunctionPool::Instance::State::Stopping)
            return; // the instance is going away; its connection closes with it
        using State = FunctionPool::Instance::State;
        if (instance->active.size() + instance->next.size() >= instance->slots) {
            if (instance->next.empty())
                return; // asked for more work than it has room for; the timeout will end it
            // Asked again (a runtime that lost its connection reconnects): the newest stands.
            instance->next.pop_front();
        }
        instance->next.push_back(std::move(responder));
        if (instance->state == State::Starting) {
            instance->initDurationMs = millisecondsSince(instance->spawnedAt);
            pool->m_longestInitMs = std::max(pool->m_longestInitMs, *instance->initDurationMs);
            pool->m_policy.coldStartMeasured(std::chrono::microseconds(
                static_cast<long long>(*instance->initDurationMs * 1000)));
            instance->state = State::Idle;
            instance->idleSince = Clock::now();
            // What waited for this start was not load that another instance would have
            // served sooner: the backlog counts from here (see ScaleState::backlog).
            pool->m_backlogSince = instance->idleSince;
            pool->startIdleTimer(instance);
            if (pool->m_observer)
                pool->m_observer->instanceState(pool->m_config.name, instance->process->pid(),
                                                "idle", instance->peakKb);
        }
        pool->dispatch();
    }

    bool invocationResponse(const std::string &requestId, std::string body) override {
        auto pool = m_pool.lock();
        auto instance = m_instance.lock();
        auto running = instance ? instance->find(requestId) : nullptr;
        if (!pool || !running)
            return false;
        pool->complete(instance, running, false, std::move(body), {});
        return true;
    }

    bool invocationError(const std::string &requestId, std::string body,
                         std::string errorType) override {
        auto pool = m_pool.lock();
        auto instance = m_instance.lock();
        auto running = instance ? instance->find(requestId) : nullptr;
        if (!pool || !running)
            return false;
        std::string document = normaliseErrorDocument(body, errorType, &running->scene);
        pool->complete(instance, running, true, std::move(document), std::move(errorType));
        return true;
    }

    std::string activeRequestId() const override {
        auto instance = m_instance.lock();
        return instance && !instance->active.empty() ? instance->active.front()->pending.requestId
                                                     : std::string();
    }

    bool debuggerPaused(const std::string &requestId, bool paused) override {
        auto pool = m_pool.lock();
        auto instance = m_instance.lock();
        auto running = instance ? instance->find(requestId) : nullptr;
        if (!pool || !running)
            return false;
        pool->debuggerPaused(instance, running, paused);
        return true;
    }

    void initError(std::string body, std::string errorType) override {
        auto pool = m_pool.lock();
        auto instance = m_instance.lock();
        if (!pool || !instance || instance->initFailed)
            return;
        instance->initFailed = true;
        std::string document = normaliseErrorDocument(body, errorType);
        instance->process->drainOutput();
        // The invocation that caused this cold start fails with the init error.
        if (!pool->m_pending.empty()) {
            FunctionPool::Pending pending = std::move(pool->m_pending.front());
            pool->m_pending.pop_front();
            InvocationResult result = pool->resultFor(pending);
            result.functionError = true;
            result.errorType = errorType;
            result.payload = document;
            result.memorySizeMb = pool->m_config.memoryMb;
            result.initDurationMs = millisecondsSince(instance->spawnedAt);
            result.log = instance->preOutput + pool->startLine(pending.requestId) +
                         pool->endLine(pending.requestId) +
                         pool->reportLine(pending.requestId, 0, 0, result.initDurationMs);
            instance->preOutput.clear();
            pool->logInvocation(pending, result);
            pending.callback(std::move(result));
        }
        pool->stopInstance(instance, "init error: " + errorType);
    }

private:
    std::weak_ptr<FunctionPool> m_pool;
    std::weak_ptr<FunctionPool::Instance> m_instance;
};

std::shared_ptr<FunctionPool> FunctionPool::create(asio::io_context &io, FunctionConfig config,
                                                   RuntimeLauncher &launcher, PoolSettings settings,
                                                   PoolObserver *observer) {
    return std::shared_ptr<FunctionPool>(
        new FunctionPool(io, std::move(config), launcher, settings, observer));
}

namespace {

ScalePolicy::Options policyOptions(const PoolSettings &settings) {
    ScalePolicy::Options options;
    options.cores =
        settings.cores ? settings.cores : std::max(1u, std::thread::hardware_concurrency());
    options.queueLimit = settings.queueLimit;
    return options;
}

} // namespace

FunctionPool::FunctionPool(asio::io_context &io, FunctionConfig config, RuntimeLauncher &launcher,
                           PoolSettings settings, PoolObserver *observer)
    : m_io(io)
    , m_config(std::move(config))
    , m_launcher(launcher)
    , m_settings(settings)
    , m_observer(observer)
    , m_policy(policyOptions(settings))
    , m_rescaleTimer(io) {
    m_policy.setStrict(m_settings.strictConcurrency || m_config.concurrencyReserved);
}

FunctionPool::~FunctionPool() {
    for (auto &instance : m_instances) {
        if (instance->process)
            instance->process->killGroup(SIGKILL);
    }
}

std::size_t FunctionPool::busyCount() const {
    std::size_t busy = 0;
    for (const auto &instance : m_instances)
        busy += instance->active.size();
    return busy;
}

std::size_t FunctionPool::perInstance() const {
    // A debugger holds one invocation at a time.
    return m_config.debugAgent.empty()
               ? static_cast<std::size_t>(std::max(1, m_config.instanceConcurrency))
               : 1;
}

ScaleState FunctionPool::scaleState() const {
    ScaleState state;
    state.waiting = m_pending.size();
    state.limit = static_cast<std::size_t>(std::max(0, m_config.concurrencyLimit));
    state.perInstance = perInstance();
    const auto now = Clock::now();
    if (!m_pending.empty())
        state.backlog = std::chrono::duration_cast<std::chrono::microseconds>(now - m_backlogSince);
    for (const auto &instance : m_instances) {
        // Those of an older configuration finish apart; they take nothing new.
        if (instance->generation != m_generation || instance->draining)
            continue;
        switch (instance->state) {
        case Instance::State::Starting:
            ++state.starting;
            break;
        case Instance::State::Idle:
            ++state.idle;
            break;
        case Instance::State::Busy:
            ++state.working;
            state.busy += instance->active.size();
            for (const auto &running : instance->active)
                state.elapsed.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                    now - running->startedAt));
            break;
        case Instance::State::Stopping:
            break;
        }
    }
    return state;
}

void FunctionPool::throttle(Pending pending, const char *reason, const std::string &why) {
    InvocationResult result = resultFor(pending);
    result.throttled = true;
    result.errorType = "TooManyRequestsException";
    result.payload =
        json{{"Reason", reason}, {"Type", "User"}, {"message", "Rate Exceeded."}}.dump();
    result.queuedMs = millisecondsSince(pending.queuedAt);
    // Why, in the platform's log; once in a while, not once per refusal under a flood.
    if (m_observer && !why.empty() && Clock::now() - m_lastThrottleNote > std::chrono::seconds(5)) {
        m_lastThrottleNote = Clock::now();
        m_observer->platformEvent(m_config.name + ": invocations throttled (429): " + why);
    }
    if (m_observer)
        m_observer->invocationFinished(m_config.name, result);
    pending.callback(std::move(result));
}

void FunctionPool::invoke(InvocationRequest request, InvocationCallback callback) {
    std::string requestId = request.requestId.empty() ? newRequestId() : request.requestId;
    Pending pending{std::move(requestId), std::move(request), std::move(callback), {}};
    // The function's span in the trace that caused it, or at the root of a new one.
    if (!pending.request.trace)
        pending.request.trace = tracing::startTrace();
    pending.spanId = tracing::newSpanId();
    if (m_shutdown) {
        throttle(std::move(pending), "ReservedFunctionConcurrentInvocationLimitExceeded",
                 "the simulator is shutting down");
        return;
    }
    // While a debugger is attached, invocations wait their turn for its one instance.
    // (An instance free for it now takes it at once: nothing to weigh.)
    const bool freeNow =
        m_pending.empty() && std::any_of(m_instances.begin(), m_instances.end(),
                                         [&](const auto &i) { return i->canTake(m_generation); });
    if (m_config.debugAgent.empty() && !freeNow) {
        const auto limit = static_cast<std::size_t>(std::max(0, m_config.concurrencyLimit));
        if (m_policy.strict()) {
            // Lambda's throttling: past the function's concurrency, nothing waits.
            if (busyCount() + m_pending.size() >= limit * perInstance()) {
                throttle(std::move(pending), "ReservedFunctionConcurrentInvocationLimitExceeded",
                         "more than its concurrency of " + std::to_string(limit) + " at once" +
                             (m_config.concurrencyReserved ? " (reservedConcurrency)"
                                                           : " (--strict-concurrency)"));
                return;
            }
        } else if (const char *why = nullptr;
                   limit == 0 ||
                   !m_policy.admit(scaleState(), std::chrono::seconds(m_config.timeoutSeconds),
                                   &why)) {
            throttle(std::move(pending), "ConcurrentInvocationLimitExceeded",
                     limit == 0 ? "its concurrency is 0" : why);
            return;
        }
    }
    if (m_pending.empty())
        m_backlogSince = Clock::now();
    m_pending.push_back(std::move(pending));
    dispatch();
}

void FunctionPool::dispatch() {
    if (m_shutdown)
        return;
    // Warm instances first: those waiting in /next with the current code, the least busy
    // first (an http function's instance takes several).
    while (!m_pending.empty()) {
        std::shared_ptr<Instance> best;
        for (const auto &instance : m_instances)
            if (instance->canTake(m_generation) &&
                (!best || instance->active.size() < best->active.size()))
                best = instance;
        if (!best)
            break;
        Pending pending = std::move(m_pending.front());
        m_pending.pop_front();
        deliver(best, std::move(pending));
    }
    // What has waited for busy instances past its timeout is refused: run now, it would
    // answer too late. (Not while an instance starts, nor counting the time starts take.)
    const bool starting = std::any_of(m_instances.begin(), m_instances.end(), [&](const auto &i) {
        return i->generation == m_generation && i->state == Instance::State::Starting;
    });
    // While its packages are installed for the first time, nothing starts and nothing waits
    // too long: the installation's end reconfigures the pool, which dispatches again.
    if (m_config.awaitingDependencies)
        return;
    const auto stale = std::chrono::seconds(m_config.timeoutSeconds) +
                       std::chrono::microseconds(static_cast<long long>(m_longestInitMs * 1000));
    while (m_config.debugAgent.empty() && !starting && !m_pending.empty() &&
           Clock::now() - m_pending.front().queuedAt > stale) {
        Pending late = std::move(m_pending.front());
        m_pending.pop_front();
        throttle(std::move(late), "ConcurrentInvocationLimitExceeded",
                 "they waited longer than the function's timeout for an instance");
    }
    if (m_pending.empty())
        return;
    // Then cold starts, as the policy says: for what the starting and soon-free instances
    // cannot take soon enough.
    std::size_t toStart = 0;
    if (m_config.debugAgent.empty()) {
        toStart = m_policy.toStart(scaleState());
    } else {
        // One debug instance (those of before the debugger attached finish apart).
        const bool have = std::any_of(m_instances.begin(), m_instances.end(), [&](const auto &i) {
            return i->generation == m_generation && i->state != Instance::State::Stopping;
        });
        toStart = have ? 0 : 1;
    }
    for (std::size_t i = 0; i < toStart; ++i)
        spawnInstance();
    if (toStart > 0)
        m_backlogSince = Clock::now(); // the next stretch of backlog counts from here
    if (toStart == 0 && !m_rescaleArmed && !m_policy.strict() && m_config.debugAgent.empty()) {
        const auto half = (m_policy.coldStart() + m_policy.service()) / 2;
        m_rescaleTimer.expires_after(std::clamp<std::chrono::microseconds>(
            half, std::chrono::milliseconds(10), std::chrono::seconds(1)));
        m_rescaleArmed = true;
        m_rescaleTimer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (!self)
                return;
            self->m_rescaleArmed = false;
            if (!ec)
                self->dispatch();
        });
    }
}

void FunctionPool::spawnInstance() {
    auto instance = std::make_shared<Instance>(m_io);
    instance->generation = m_generation;
    instance->slots = perInstance();
    auto self = shared_from_this();
    instance->apiHandler = std::make_unique<InstanceRuntimeApi>(weak_from_this(), instance);
    RuntimeApiHandler *handler = instance->apiHandler.get();
    std::weak_ptr<Instance> weakInstance = instance;
    // An instance may be silent for as long as its longest invocation (900 s): its
    // connection must outlive that.
    net::HttpServerOptions apiOptions;
    apiOptions.requestTimeout = std::chrono::hours(1);
    instance->api = net::HttpServer::create(
        m_io,
        [handler, weakInstance](net::Request request, net::Responder responder) {
            if (weakInstance.expired())
                return;
            routeRuntimeApi(std::move(request), std::move(responder), *handler);
        },
        apiOptions);
    std::weak_ptr<FunctionPool> weakPool = self;
    std::string error;
    try {
        instance->api->listen(0);
    } catch (const std::exception &e) {
        error = std::string("cannot open the Runtime API port: ") + e.what();
    }
    ChildProcess::Spec spec;
    if (error.empty() &&
        m_launcher.prepare(m_config, "127.0.0.1:" + std::to_string(instance->api->port()), spec,
                           error)) {
        if (!m_settings.captureFailures)
            spec.environment["NIMBUS_CAPTURE_FAILURES"] = "0";
        if (instance->slots > 1) // the runtime serves this many at once (see bootstrap.js)
            spec.environment["NIMBUS_CONCURRENCY"] = std::to_string(instance->slots);
        if (!m_settings.profileDir.empty()) {
            spec.environment["NIMBUS_PROFILE_DIR"] = m_settings.profileDir;
            if (m_settings.profileIntervalUs > 0)
                spec.environment["NIMBUS_PROFILE_INTERVAL_US"] =
                    std::to_string(m_settings.profileIntervalUs);
        }
        ContainmentRequest request;
        request.function = m_config.name;
        request.memoryMb = m_config.memoryMb;
        request.ephemeralStorageMb = m_config.ephemeralStorageMb;
        request.readOnly = {m_config.codeDir, m_config.dependencyPath, m_launcher.resourcesDir()};
        request.readOnly.insert(request.readOnly.end(), m_config.layerDirs.begin(),
                                m_config.layerDirs.end());
        if (!m_config.customBootstrap.empty())
            request.readOnly.push_back(m_config.customBootstrap);
        if (!m_settings.profileDir.empty())
            request.writable.push_back(m_settings.profileDir);
        request.io = &m_io;
        request.runtimeApiPort = instance->api->port();
        request.debugAgent = m_config.debugAgent;
        instance->containment = InstanceContainment::contain(
            spec, request,
            {m_settings.cgroups, m_settings.sandbox, m_settings.sandboxNetwork, m_settings.tmpRoot},
            error);
    }
    if (instance->containment) {
        auto onOutput = [weakPool, weakInstance](std::string_view chunk) {
            auto pool = weakPool.lock();
            auto inst = weakInstance.lock();
            if (pool && inst)
                pool->takeOutput(inst, chunk);
        };
        auto onExit = [weakPool, weakInstance](ExitStatus status) {
            auto pool = weakPool.lock();
            auto inst = weakInstance.lock();
            if (pool && inst)
                pool->onExit(inst, status);
        };
        // Init Duration counts from here, as on Lambda: with a template, the fork (or the
        // assignment) and the handler's import; without, the interpreter's start too.
        instance->spawnedAt = Clock::now();
        // (A sandboxed instance starts inside bubblewrap: never from a template outside it.)
        if (m_settings.templates && !instance->containment->sandboxed())
            instance->process = m_settings.templates->start(spec, onOutput, onExit);
        if (!instance->process)
            instance->process = ChildProcess::start(m_io, spec, onOutput, onExit, error);
    }
    if (!instance->process) {
        instance->containment.reset();
        instance->api->close();
        if (!m_pending.empty()) {
            Pending pending = std::move(m_pending.front());
            m_pending.pop_front();
            failPending(std::move(pending), "Runtime.InvalidEntrypoint", error, {}, std::nullopt);
        }
        return;
    }
    m_instances.push_back(instance);
    if (m_observer)
        m_observer->instanceStarted(m_config.name, instance->process->pid());
    sampleMemory(instance);
}

void FunctionPool::deliver(const std::shared_ptr<Instance> &instance, Pending pending) {
    namespace http = boost::beast::http;
    auto running = std::make_shared<Running>(m_io);
    instance->idleTimer.cancel();
    const bool first = instance->active.empty();
    instance->state = Instance::State::Busy;
    running->startedAt = Clock::now();
    if (first) { // what it wrote while idle goes to the invocation that woke it
        running->log = std::move(instance->preOutput);
        instance->preOutput.clear();
    }
    running->log += startLine(pending.requestId);
    if (!instance->initReported) {
        running->initMs = instance->initDurationMs;
        instance->initReported = true;
    }
    // Its wait for an instance; the first invocation of a new one waited for its start,
    // which the REPORT's Init Duration already tells.
    running->queuedMs = std::max(
        0.0,
        std::chrono::duration<double, std::milli>(running->startedAt - pending.queuedAt).count() -
            running->initMs.value_or(0));
    if (!instance->scheduleAtFirst && instance->slots == 1)
        instance->scheduleAtFirst = instance->process->schedule();

    using namespace std::chrono;
    const auto deadline =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
        static_cast<long long>(m_config.timeoutSeconds) * 1000;
    net::Response response = net::makeResponse(200, pending.request.payload);
    response.set("Lambda-Runtime-Aws-Request-Id", pending.requestId);
    response.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline));
    response.set("Lambda-Runtime-Invoked-Function-Arn", m_config.arn());
    response.set("Lambda-Runtime-Trace-Id",
                 tracing::formatAmznTraceId(*pending.request.trace, pending.spanId));
    if (!pending.request.clientContext.empty())
        response.set("Lambda-Runtime-Client-Context", pending.request.clientContext);
    if (m_config.scf) { // what SCF's runtime API says of an invocation
        response.set("request_id", pending.requestId);
        response.set("memory_limit_in_mb", std::to_string(m_config.memoryMb));
        response.set("time_limit_in_ms", std::to_string(m_config.timeoutSeconds * 1000));
    }
    const std::string requestId = pending.requestId;
    running->pending = std::move(pending);
    instance->active.push_back(running);
    if (m_observer) {
        if (first)
            m_observer->instanceState(m_config.name, instance->process->pid(), "busy",
                                      instance->peakKb);
        m_observer->invocationStarted(m_config.name, requestId);
    }
    net::Responder responder = std::move(instance->next.front());
    instance->next.pop_front();
    responder(std::move(response));

    armTimeout(
        instance, running,
        std::chrono::duration_cast<std::chrono::milliseconds>(seconds(m_config.timeoutSeconds)));
    // The first sample comes one interval in: the instance was measured when its last
    // invocation ended, and a quick invocation is measured once, when it ends.
    if (first)
        scheduleMemorySample(instance);
}

void FunctionPool::takeOutput(const std::shared_ptr<Instance> &instance, std::string_view chunk) {
    if (instance->active.empty()) {
        appendBounded(instance->preOutput, chunk, kMaxPreOutputBytes);
        return;
    }
    if (instance->active.size() == 1 && instance->partialLine.empty()) {
        appendBounded(instance->active.front()->log, chunk, kMaxLogBytes);
        return;
    }
    // Several at once: each whole line goes to the invocation its request id names (the
    // runtimes' console lines are "<time>\t<request id>\t…"), else to the newest.
    instance->partialLine.append(chunk);
    std::size_t from = 0;
    for (std::size_t end; (end = instance->partialLine.find('\n', from)) != std::string::npos;
         from = end + 1) {
        const std::string_view line(instance->partialLine.data() + from, end + 1 - from);
        std::shared_ptr<Running> owner = instance->active.back();
        if (const auto tab = line.find('\t'); tab != std::string_view::npos) {
            const auto tab2 = line.find('\t', tab + 1);
            if (tab2 != std::string_view::npos)
                if (auto named = instance->find(std::string(line.substr(tab + 1, tab2 - tab - 1))))
                    owner = named;
        }
        appendBounded(owner->log, line, kMaxLogBytes);
    }
    instance->partialLine.erase(0, from);
}

void FunctionPool::armTimeout(const std::shared_ptr<Instance> &instance,
                              const std::shared_ptr<Running> &running,
                              std::chrono::milliseconds left) {
    running->timeoutLeft = left;
    running->timeoutRunningSince = Clock::now();
    running->timeoutTimer.expires_after(left);
    std::weak_ptr<Instance> weak = instance;
    std::weak_ptr<Running> weakRunning = running;
    running->timeoutTimer.async_wait([self = shared_from_this(), weak,
                                      weakRunning](boost::system::error_code ec) {
        auto inst = weak.lock();
        auto run = weakRunning.lock();
        if (ec || !inst || !run ||
            std::find(inst->active.begin(), inst->active.end(), run) == inst->active.end())
            return;
        const std::string requestId = run->pending.requestId;
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.2f",
                      static_cast<double>(self->m_config.timeoutSeconds));
        const std::string message =
            "RequestId: " + requestId + " Error: Task timed out after " + seconds + " seconds";
        const std::string line = net::isoMillis(epochMillis()) + " " + requestId +
                                 " Task timed out after " + seconds + " seconds\n";
        if (inst->active.size() > 1) {
            // Others run beside it: they finish, then the instance (and the handler that
            // never answered) ends.
            inst->draining = true;
            self->complete(inst, run, true, errorDocument("Sandbox.Timedout", message),
                           "Sandbox.Timedout", line);
            return;
        }
        inst->retiring = true;
        inst->process->killGroup(SIGKILL);
        self->complete(inst, run, true, errorDocument("Sandbox.Timedout", message),
                       "Sandbox.Timedout", line);
        self->stopInstance(inst, "timed out");
    });
}

void FunctionPool::debuggerPaused(const std::shared_ptr<Instance> &instance,
                                  const std::shared_ptr<Running> &running, bool paused) {
    if (paused && !running->pausedSince) {
        running->timeoutTimer.cancel();
        const auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(
            Clock::now() - running->timeoutRunningSince);
        running->timeoutLeft = std::max(std::chrono::milliseconds(1), running->timeoutLeft - ran);
        running->pausedSince = Clock::now();
    } else if (!paused && running->pausedSince) {
        running->pausedMs += millisecondsSince(*running->pausedSince);
        running->pausedSince.reset();
        armTimeout(instance, running, running->timeoutLeft);
    }
}

void FunctionPool::complete(const std::shared_ptr<Instance> &instance,
                            const std::shared_ptr<Running> &running, bool functionError,
                            std::string payload, std::string errorType,
                            const std::string &extraLog) {
    const auto at = std::find(instance->active.begin(), instance->active.end(), running);
    if (at == instance->active.end())
        return;
    if (instance->process)
        instance->process->drainOutput();
    if (instance->active.size() == 1 && !instance->partialLine.empty()) {
        appendBounded(running->log, instance->partialLine, kMaxLogBytes);
        instance->partialLine.clear();
    }
    instance->active.erase(at);
    running->timeoutTimer.cancel();
    Pending pending = std::move(running->pending);
    json scene = std::move(running->scene);

    InvocationResult result = resultFor(pending);
    result.functionError = functionError;
    result.errorType = std::move(errorType);
    result.payload = std::move(payload);
    result.durationMs = millisecondsSince(running->startedAt);
    result.billedDurationMs =
        std::max<long long>(1, static_cast<long long>(std::ceil(result.durationMs)));
    result.memorySizeMb = m_config.memoryMb;
    result.queuedMs = running->queuedMs;
    if (instance->process && instance->process->running())
        instance->peakKb = std::max(instance->peakKb, instance->process->memory().peakKb);
    if (const InstanceCgroup *group =
            instance->containment ? instance->containment->cgroup() : nullptr) {
        // The group's own figure: every process of the instance, as the kernel counts it.
        if (const long long peak = group->peakBytes(); peak > 0)
            instance->peakKb = std::max(instance->peakKb, (peak + 1023) / 1024);
    }
    result.maxMemoryUsedMb = static_cast<int>((instance->peakKb + 1023) / 1024);
    result.initDurationMs = running->initMs;
    if (running->pausedSince)
        running->pausedMs += millisecondsSince(*running->pausedSince);
    std::string report =
        reportLine(pending.requestId, result.durationMs, result.maxMemoryUsedMb,
                   result.initDurationMs, result.queuedMs,
                   instance->containment ? instance->containment->memoryLimit() : std::string());
    if (running->pausedMs > 0) {
        // Duration is the real time it took; this says how much of it a debugger held.
        char paused[64];
        std::snprintf(paused, sizeof paused, "Paused In Debugger: %.2f ms\t", running->pausedMs);
        report.insert(report.size() - 1, paused);
    }
    std::string tmpWarning;
    if (instance->containment && !instance->containment->sandboxed()) {
        const long long tmpBytes = instance->containment->tmpBytes();
        if (tmpBytes > (static_cast<long long>(m_config.ephemeralStorageMb) << 20))
            tmpWarning = "[nimbus] /tmp (" + instance->containment->tmpDir() + ") holds " +
                         std::to_string(tmpBytes >> 20) + " MB, more than the function's " +
                         std::to_string(m_config.ephemeralStorageMb) +
                         " MB of ephemeral storage: on Lambda, writes past it fail (raise "
                         "ephemeralStorageSize, or run with --sandbox for an exact /tmp)\n";
    }
    result.log =
        std::move(running->log) + extraLog + tmpWarning + endLine(pending.requestId) + report;

    // What the policy learns: how long an invocation takes (not one a debugger held or a
    // timeout cut), and how much of an instance's busy time it computes.
    if (running->pausedMs == 0 && result.errorType != "Sandbox.Timedout") {
        m_policy.serviceMeasured(
            std::chrono::microseconds(static_cast<long long>(result.durationMs * 1000)));
        instance->busyMs += result.durationMs;
        // (Every eighth: a read of /proc costs a few microseconds, and the mean moves slowly.)
        // Of its busy time, the share on a core; time it was runnable but waited for a
        // core does not count as waiting on I/O (else a crowded machine would look idle and
        // warrant more instances still).
        if (instance->scheduleAtFirst && instance->scheduleAtFirst->onCpu.count() >= 0 &&
            instance->busyMs >= 50 && ++instance->measured % 8 == 1 && instance->process &&
            instance->process->running()) {
            const auto now = instance->process->schedule();
            const double onCpu =
                static_cast<double>((now.onCpu - instance->scheduleAtFirst->onCpu).count());
            const double queued = static_cast<double>(
                (now.waitingForCpu - instance->scheduleAtFirst->waitingForCpu).count());
            const double ran = instance->busyMs * 1000 - queued;
            if (now.onCpu.count() >= 0 && ran > 0)
                m_policy.cpuShareMeasured(onCpu / ran);
        }
    }

    if (instance->active.empty() && instance->state == Instance::State::Busy) {
        instance->state = Instance::State::Idle;
        instance->idleSince = Clock::now();
        if (instance->generation != m_generation) {
            stopInstance(instance, "code or configuration changed");
        } else if (instance->draining) {
            instance->retiring = true;
            stopInstance(instance, "an invocation timed out");
        } else {
            startIdleTimer(instance);
            if (m_observer && instance->process)
                m_observer->instanceState(m_config.name, instance->process->pid(), "idle",
                                          instance->peakKb);
        }
    }
    logInvocation(pending, result, std::move(scene));
    pending.callback(std::move(result));
    dispatch();
}

InvocationResult FunctionPool::resultFor(const Pending &pending) const {
    InvocationResult result;
    result.requestId = pending.requestId;
    result.qualifier = m_config.version;
    result.trigger = pending.request.trigger;
    if (pending.request.trace) {
        result.traceId = pending.request.trace->traceId;
        result.parentSpanId = pending.request.trace->parentId;
    }
    result.spanId = pending.spanId;
    return result;
}

void FunctionPool::failPending(Pending pending, std::string errorType, std::string message,
                               const std::string &log, std::optional<double> initMs) {
    InvocationResult result = resultFor(pending);
    result.functionError = true;
    result.errorType = errorType;
    result.payload =
        errorDocument(errorType, "RequestId: " + pending.requestId + " Error: " + message);
    result.memorySizeMb = m_config.memoryMb;
    result.initDurationMs = initMs;
    result.log = log + startLine(pending.requestId) + "RequestId: " + pending.requestId +
                 " Error: " + message + "\n" + errorType + "\n" + endLine(pending.requestId) +
                 reportLine(pending.requestId, 0, 0, initMs);
    logInvocation(pending, result);
    pending.callback(std::move(result));
}

void FunctionPool::stopInstance(const std::shared_ptr<Instance> &instance, const std::string &why) {
    if (instance->state == Instance::State::Stopping)
        return;
    instance->state = Instance::State::Stopping;
    instance->idleTimer.cancel();
    instance->memoryTimer.cancel();
    instance->next.clear();
    if (instance->process)
        instance->process->killGroup(SIGKILL);
    if (m_observer && instance->process)
        m_observer->instanceStopped(m_config.name, instance->process->pid(), why);
}

void FunctionPool::onExit(const std::shared_ptr<Instance> &instance, ExitStatus status) {
    if (const auto &containment = instance->containment) {
        if (containment->sandboxed())
            status = unwrapExitStatus(status);
        // The kernel stopped it at its memory size (with no sampling involved).
        if (containment->cgroup() && containment->cgroup()->outOfMemory())
            instance->outOfMemory = true;
    }
    const std::string cause = "Runtime exited with error: " + status.describe();
    const bool expected = instance->state == Instance::State::Stopping;
    const bool wasStarting = instance->state == Instance::State::Starting;
    // It takes nothing more; whatever it was running fails with it.
    instance->state = Instance::State::Stopping;
    instance->next.clear();
    for (const auto &running : std::vector<std::shared_ptr<Running>>(instance->active)) {
        const std::string &requestId = running->pending.requestId;
        if (instance->outOfMemory) {
            complete(instance, running, true,
                     errorDocument("Runtime.OutOfMemory",
                                   "RequestId: " + requestId + " Error: " + cause +
                                       " (out of memory: used more than " +
                                       std::to_string(m_config.memoryMb) + " MB)"),
                     "Runtime.OutOfMemory",
                     "RequestId: " + requestId + " Error: " + cause + "\nRuntime.OutOfMemory\n");
        } else {
            complete(
                instance, running, true,
                errorDocument("Runtime.ExitError", "RequestId: " + requestId + " Error: " + cause),
                "Runtime.ExitError",
                "RequestId: " + requestId + " Error: " + cause + "\nRuntime.ExitError\n");
        }
    }
    if (wasStarting && !instance->retiring && !instance->initFailed && !m_pending.empty()) {
        // Died while initialising, without saying why: the invocation that woke it fails.
        Pending pending = std::move(m_pending.front());
        m_pending.pop_front();
        const std::string type =
            instance->outOfMemory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        failPending(std::move(pending), type, cause, instance->preOutput,
                    millisecondsSince(instance->spawnedAt));
    }
    if (!expected && m_observer)
        m_observer->instanceStopped(m_config.name, instance->process->pid(), status.describe());
    removeInstance(instance);
    dispatch();
}

void FunctionPool::sampleMemory(const std::shared_ptr<Instance> &instance) {
    if (!instance->process || !instance->process->running())
        return;
    const MemoryUsage usage = instance->process->memory();
    instance->peakKb = std::max(instance->peakKb, std::max(usage.peakKb, usage.residentKb));
    const bool heldByKernel = instance->containment && instance->containment->cgroup();
    if (!heldByKernel && usage.residentKb > static_cast<long long>(m_config.memoryMb) * 1024) {
        instance->outOfMemory = true;
        instance->process->killGroup(SIGKILL);
        return;
    }
    scheduleMemorySample(instance);
}

void FunctionPool::scheduleMemorySample(const std::shared_ptr<Instance> &instance) {
    if (instance->state != Instance::State::Starting && instance->state != Instance::State::Busy)
        return;
    instance->memoryTimer.expires_after(m_settings.memorySampleInterval);
    std::weak_ptr<Instance> weak = instance;
    instance->memoryTimer.async_wait(
        [self = shared_from_this(), weak](boost::system::error_code ec) {
            if (auto inst = weak.lock(); inst && !ec)
                self->sampleMemory(inst);
        });
}

void FunctionPool::startIdleTimer(const std::shared_ptr<Instance> &instance) {
    instance->idleTimer.expires_after(m_settings.keepAlive);
    std::weak_ptr<Instance> weak = instance;
    instance->idleTimer.async_wait([self = shared_from_this(), weak](boost::system::error_code ec) {
        auto inst = weak.lock();
        if (ec || !inst || inst->state != Instance::State::Idle)
            return;
        inst->retiring = true;
        self->stopInstance(inst, "idle for " +
                                     std::to_string(self->m_settings.keepAlive.count() / 1000) +
                                     " s; reclaimed");
    });
}

void FunctionPool::removeInstance(const std::shared_ptr<Instance> &instance) {
    for (const auto &running : instance->active)
        running->timeoutTimer.cancel();
    instance->memoryTimer.cancel();
    instance->idleTimer.cancel();
    instance->next.clear();
    instance->containment.reset(); // its control group and /tmp go with it
    if (instance->api)
        instance->api->close();
    m_instances.erase(std::remove(m_instances.begin(), m_instances.end(), instance),
                      m_instances.end());
}

void FunctionPool::reconfigure(FunctionConfig config) {
    m_config = std::move(config);
    m_policy.setStrict(m_settings.strictConcurrency || m_config.concurrencyReserved);
    ++m_generation;
    for (auto &instance : std::vector<std::shared_ptr<Instance>>(m_instances)) {
        if (instance->state == Instance::State::Idle ||
            instance->state == Instance::State::Starting) {
            instance->retiring = true;
            stopInstance(instance, "code or configuration changed");
        }
    }
    dispatch();
}

void FunctionPool::killRetiring() {
    for (auto &instance : std::vector<std::shared_ptr<Instance>>(m_instances)) {
        if (instance->generation != m_generation && instance->process &&
            instance->process->running())
            instance->process->killGroup(SIGKILL);
    }
}

void FunctionPool::shutdown() {
    m_shutdown = true;
    m_rescaleTimer.cancel();
    std::deque<Pending> pending = std::move(m_pending);
    m_pending.clear();
    for (auto &p : pending)
        failPending(std::move(p), "Runtime.Unavailable", "the simulator is shutting down", {},
                    std::nullopt);
    for (auto &instance : std::vector<std::shared_ptr<Instance>>(m_instances)) {
        instance->retiring = true;
        stopInstance(instance, "simulator stopped");
    }
}

void FunctionPool::logInvocation(const Pending &pending, InvocationResult &result,
                                 json scene) {
    const std::string &log = result.log;
    if (!m_observer)
        return;
    if (result.functionError && m_settings.captureFailures)
        result.failure = captureFailure(pending, result, scene);
    m_observer->invocationLog(m_config.name, log);
    m_observer->invocationRecorded(m_config, log);
    m_observer->invocationFinished(m_config.name, result);
}

std::shared_ptr<const failures::Failure> FunctionPool::captureFailure(const Pending &pending,
                                                                    const InvocationResult &result,
                                                                    const json &scene) const {
    auto failure = std::make_shared<failures::Failure>();
    failure->function = m_config.name;
    failure->qualifier = m_config.version;
    failure->requestId = pending.requestId;
    failure->timeMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    failure->errorType = result.errorType;
    failures::readErrorDocument(result.payload, *failure);
    failure->event = pending.request.payload;
    failure->context = {{"functionName", m_config.deployedName},
                        {"functionVersion", m_config.version},
                        {"invokedFunctionArn", m_config.arn()},
                        {"memoryLimitInMB", m_config.memoryMb},
                        {"timeoutSeconds", m_config.timeoutSeconds},
                        {"awsRequestId", pending.requestId},
                        {"runtime", m_config.runtime},
                        {"handler", m_config.handler},
                        {"codeDir", m_config.codeDir}};
    if (!pending.request.clientContext.empty())
        failure->context["clientContext"] = pending.request.clientContext;
    failure->environment = failures::maskSecrets(m_config.environment);
    failure->log = result.log;
    failure->trigger = pending.request.trigger;
    failure->frames = failures::framesFromScene(scene);
    return failure;
}

std::string FunctionPool::startLine(const std::string &requestId) const {
    if (m_config.scf)
        return "START RequestId: " + requestId + "\nEvent RequestId: " + requestId + "\n";
    return "START RequestId: " + requestId + " Version: " + m_config.version + "\n";
}

std::string FunctionPool::endLine(const std::string &requestId) const {
    return "END RequestId: " + requestId + "\n";
}

std::string FunctionPool::reportLine(const std::string &requestId, double durationMs,
                                     int maxMemoryMb, std::optional<double> initMs, double queuedMs,
                                     const std::string &memoryLimit) const {
    char text[256];
    if (m_config.scf) {
        // SCF's lines, as its logs have them: the cold start's, then the invocation's.
        std::string lines;
        if (initMs) {
            std::snprintf(text, sizeof text, "Init Report RequestId: %s Coldstart: %.0fms\n",
                          requestId.c_str(), std::ceil(*initMs));
            lines = text;
        }
        std::snprintf(text, sizeof text,
                      "Report RequestId: %s Duration:%.0fms Memory:%dMB MemUsage:%dMB\n",
                      requestId.c_str(), std::ceil(durationMs), m_config.memoryMb, maxMemoryMb);
        return lines + text;
    }
    const long long billed = std::max<long long>(1, static_cast<long long>(std::ceil(durationMs)));
    int n = std::snprintf(text, sizeof text,
                          "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld "
                          "ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
                          requestId.c_str(), durationMs, billed, m_config.memoryMb, maxMemoryMb);
    std::string line(text, static_cast<std::size_t>(std::max(0, n)));
    if (initMs) {
        std::snprintf(text, sizeof text, "\tInit Duration: %.2f ms", *initMs);
        line += text;
    }
    // Nimbus's own: how Memory Size held, exactly (a control group) or sampled.
    if (!memoryLimit.empty())
        line += "\tMemory Limit: " + memoryLimit;
    // Nimbus's own figure: the time it waited for an instance, when it waited noticeably.
    if (queuedMs >= 1) {
        std::snprintf(text, sizeof text, "\tQueued: %.2f ms", queuedMs);
        line += text;
    }
    return line + "\t\n";
}

} // namespace nimbus::sim
