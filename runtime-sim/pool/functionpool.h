#pragma once

#include "../process/childprocess.h"
#include "../sandbox/cgroups.h"
#include "../sandbox/containment.h"
#include "../templates/runtimetemplates.h"
#include "invocation.h"
#include "nimbus/net/httpserver.h"
#include "runtimelauncher.h"
#include "scalepolicy.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

struct PoolSettings {
    // How long an idle instance stays warm before it is reclaimed.
    std::chrono::milliseconds keepAlive{std::chrono::minutes(5)};
    // How often memory is sampled while an instance initialises or runs.
    std::chrono::milliseconds memorySampleInterval{10};
    // Keep the scene of each failed invocation (event, environment, log, the project's frames
    // with their locals): the bootstraps capture locals only when this is on.
    bool captureFailures = true;
    // When set, instances run under the runtime's sampling profiler and write a profile per
    // invocation here (resources/runtimes/*: NIMBUS_PROFILE_DIR).
    std::string profileDir;
    int profileIntervalUs = 0; // 0: the runtime's default
    // Pre-initialised runtimes that new instances start from (a Python zygote, idle Node
    // bootstraps); null starts every instance from scratch (`--no-prewarm`).
    RuntimeTemplates *templates = nullptr;
    // Lambda's scaling as it is: an instance per concurrent invocation, up to the limit
    // (`--strict-concurrency`). Otherwise instances start when waiting for a busy one would
    // take longer than a cold start, no more than the machine runs at once, and the rest
    // wait in a fair, bounded queue (see ScalePolicy).
    bool strictConcurrency = false;
    unsigned cores = 0;            // what the machine runs at once; 0: its hardware threads
    std::size_t queueLimit = 1000; // invocations waiting per function
    // Where instances get control groups that hold them to their memory size and Lambda's
    // 1,024 processes exactly (runtime-sim/sandbox/); null: memory is sampled (above), and
    // processes are limited by RLIMIT_NPROC.
    std::shared_ptr<CgroupTree> cgroups;
    // Run instances under bubblewrap (`--sandbox`): the system and their code read-only, no
    // home folders, a /tmp of their ephemeral storage's size; `sandboxNetwork` false takes
    // the network away too.
    bool sandbox = false;
    bool sandboxNetwork = true;
    // Where instances' private /tmp folders go when not sandboxed (the system's temporary
    // folder when empty).
    std::string tmpRoot;
};

// Receives what the pool does, for logs and tools: the simulator knows nothing of who
// listens.
class PoolObserver {
public:
    virtual ~PoolObserver() = default;
    virtual void instanceStarted(const std::string &function, pid_t pid) {
        (void)function;
        (void)pid;
    }
    virtual void instanceStopped(const std::string &function, pid_t pid, const std::string &why) {
        (void)function;
        (void)pid;
        (void)why;
    }
    virtual void invocationLog(const std::string &function, const std::string &log) {
        (void)function;
        (void)log;
    }
    // The same log with the function's configuration (its version, its deployed name),
    // for those who keep logs by function and version.
    virtual void invocationRecorded(const FunctionConfig &function, const std::string &log) {
        (void)function;
        (void)log;
    }
    // One line per request the HTTP gateway served: method, path, status, time.
    virtual void gatewayRequest(const std::string &function, const std::string &line) {
        (void)function;
        (void)line;
    }
    // The platform's own news: a reload, a manifest error, a scale step.
    virtual void platformEvent(const std::string &message) { (void)message; }
    // An instance became ready for work ("idle") or took an invocation ("busy"), with the
    // most memory it has used so far.
    virtual void instanceState(const std::string &function, pid_t pid, const std::string &state,
                               long long peakKb) {
        (void)function;
        (void)pid;
        (void)state;
        (void)peakKb;
    }
    // An invocation was handed to an instance, and how it ended (its REPORT figures).
    virtual void invocationStarted(const std::string &function, const std::string &requestId) {
        (void)function;
        (void)requestId;
    }
    virtual void invocationFinished(const std::string &function, const InvocationResult &result) {
        (void)function;
        (void)result;
    }
};

// The instances of one function and the invocations waiting for them. Each instance is a
// child process with its own Runtime API endpoint; an instance serves one invocation at a
// time (an http function's, up to its `concurrency`); more start under load as the
// ScalePolicy says, up to the concurrency limit; invocations wait in a fair queue, and are
// throttled when it is full, when they would wait past their timeout, or (reservedConcurrency
// and --strict-concurrency) past the limit, as on Lambda. Idle instances are reclaimed after
// the keep-alive. Timeouts, memory limits and crashes end the instance and fail its
// invocations with Lambda's error types.
class FunctionPool : public std::enable_shared_from_this<FunctionPool> {
public:
    static std::shared_ptr<FunctionPool> create(boost::asio::io_context &io, FunctionConfig config,
                                                RuntimeLauncher &launcher, PoolSettings settings,
                                                PoolObserver *observer);
    ~FunctionPool();

    const FunctionConfig &config() const { return m_config; }

    void invoke(InvocationRequest request, InvocationCallback callback);

    // Takes a new configuration (code or settings changed): idle instances stop now, busy
    // ones finish their invocation first; new invocations get fresh instances.
    void reconfigure(FunctionConfig config);

    // Ends the instances of an older configuration now, their invocations failing with
    // Runtime.ExitError (a debugger that terminates its debuggee).
    void killRetiring();

    // Stops every instance; waiting invocations fail.
    void shutdown();

    std::size_t instanceCount() const { return m_instances.size(); }
    // Invocations running now.
    std::size_t busyCount() const;

private:
    struct Instance;
    struct Running;
    struct Pending {
        std::string requestId;
        InvocationRequest request;
        InvocationCallback callback;
        std::string spanId; // the function's span in request.trace
        std::chrono::steady_clock::time_point queuedAt = std::chrono::steady_clock::now();
    };

    FunctionPool(boost::asio::io_context &io, FunctionConfig config, RuntimeLauncher &launcher,
                 PoolSettings settings, PoolObserver *observer);

    void dispatch();
    void spawnInstance();
    ScaleState scaleState() const;
    std::size_t perInstance() const;
    // Answers `pending` with TooManyRequestsException; `why` goes to the platform's log.
    void throttle(Pending pending, const char *reason, const std::string &why);
    void deliver(const std::shared_ptr<Instance> &instance, Pending pending);
    void complete(const std::shared_ptr<Instance> &instance,
                  const std::shared_ptr<Running> &running, bool functionError, std::string payload,
                  std::string errorType, const std::string &extraLog = {});
    // The instance's output, to the log of the invocation it belongs to.
    void takeOutput(const std::shared_ptr<Instance> &instance, std::string_view chunk);
    // A result for `pending` with what every result says: ids, version, trigger, span.
    InvocationResult resultFor(const Pending &pending) const;
    void failPending(Pending pending, std::string errorType, std::string message,
                     const std::string &log, std::optional<double> initMs);
    void stopInstance(const std::shared_ptr<Instance> &instance, const std::string &why);
    void onExit(const std::shared_ptr<Instance> &instance, ExitStatus status);
    void sampleMemory(const std::shared_ptr<Instance> &instance);
    void armTimeout(const std::shared_ptr<Instance> &instance,
                    const std::shared_ptr<Running> &running, std::chrono::milliseconds left);
    void debuggerPaused(const std::shared_ptr<Instance> &instance,
                        const std::shared_ptr<Running> &running, bool paused);
    void scheduleMemorySample(const std::shared_ptr<Instance> &instance);
    void startIdleTimer(const std::shared_ptr<Instance> &instance);
    void removeInstance(const std::shared_ptr<Instance> &instance);
    // Reports a finished invocation to the observer, with its failure's scene (the
    // bootstrap's `scene`, when it sent one) when it failed.
    void logInvocation(const Pending &pending, InvocationResult &result,
                       nlohmann::json scene = nullptr);
    std::shared_ptr<const failures::Failure> captureFailure(const Pending &pending,
                                                            const InvocationResult &result,
                                                            const nlohmann::json &scene) const;
    // The platform's log lines around an invocation: Lambda's START / END / REPORT, or
    // SCF's START / Event / END / Report (with an Init Report after a cold start).
    std::string startLine(const std::string &requestId) const;
    std::string endLine(const std::string &requestId) const;
    std::string reportLine(const std::string &requestId, double durationMs, int maxMemoryMb,
                           std::optional<double> initMs, double queuedMs = 0,
                           const std::string &memoryLimit = {}) const;

    friend class InstanceRuntimeApi;

    boost::asio::io_context &m_io;
    FunctionConfig m_config;
    RuntimeLauncher &m_launcher;
    PoolSettings m_settings;
    PoolObserver *m_observer;
    std::vector<std::shared_ptr<Instance>> m_instances;
    std::deque<Pending> m_pending;
    ScalePolicy m_policy;
    // While invocations wait, the decision is taken again now and then: a running invocation
    // that outlasts what was expected of it changes the answer.
    boost::asio::steady_timer m_rescaleTimer;
    bool m_rescaleArmed = false;
    // Since when invocations have waited without a break (see ScaleState::backlog).
    std::chrono::steady_clock::time_point m_backlogSince{};
    double m_longestInitMs = 0; // of its instances' starts so far
    std::chrono::steady_clock::time_point m_lastThrottleNote{};
    bool m_shutdown = false;
    int m_generation = 0; // bumps on reconfigure; older instances retire after their work
};

// A fresh request id in Lambda's (UUID) format.
std::string newRequestId();

} // namespace nimbus::sim
