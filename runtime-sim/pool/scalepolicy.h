#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace nimbus::sim {

// What a pool looks like when it decides: invocations not yet handed to an instance, and
// its instances by state. An instance of an http function may take several invocations at
// once (`perInstance`); an event function's takes one.
struct ScaleState {
    std::size_t waiting = 0;
    std::size_t idle = 0;        // ready instances with nothing to do
    std::size_t starting = 0;    // instances not yet ready
    std::size_t working = 0;     // instances running one invocation or more
    std::size_t busy = 0;        // invocations running
    std::size_t limit = 0;       // the function's instance limit
    std::size_t perInstance = 1; // invocations one instance takes at once
    // How long each running invocation has run, when known (else each is taken to be
    // halfway through): one that has run long is expected to run as long again.
    std::vector<std::chrono::microseconds> elapsed;
    // How long invocations have waited without a break: since the queue was last empty, or
    // since an instance last started or became ready, whichever is latest.
    std::chrono::microseconds backlog{0};

    std::size_t instances() const { return idle + starting + working; }
};

// When a pool starts instances and when it refuses work. Lambda starts one instance per
// concurrent request; on a machine with fewer cores than requests that turns load into
// queueing in the kernel's scheduler (and every cold start takes a core from the requests
// already running). This policy starts an instance when the last waiting invocation would
// otherwise wait longer than a cold start plus one service time (both measured), and when a
// backlog has lasted that long without a break: that is load, not a burst, however short
// each wait (one instance per such stretch, up to the cores; more would not add throughput
// to a busy machine). Never more instances than the machine can run at once (its cores, or
// more when the instances are measured to spend most of their time waiting rather than
// computing), nor than the function's limit. The rest wait in a fair, bounded queue: an
// arrival that finds it full, or that would wait past the function's timeout, is refused
// (429 TooManyRequestsException).
// `strict` keeps Lambda's behaviour: an instance per concurrent invocation, up to the limit.
// No I/O and no clock: what it knows of time is what it is told.
class ScalePolicy {
public:
    struct Options {
        std::size_t cores = 1;
        bool strict = false;
        std::size_t queueLimit = 1000;
        // Until measured: a cold start, and one invocation's service time.
        std::chrono::microseconds coldStart{std::chrono::milliseconds(300)};
        std::chrono::microseconds service{std::chrono::milliseconds(20)};
    };
    explicit ScalePolicy(Options options);

    // Lambda's behaviour from now on (or not): --strict-concurrency, or a function whose
    // reservedConcurrency asks for Lambda's throttling.
    void setStrict(bool strict) { m_options.strict = strict; }
    bool strict() const { return m_options.strict; }

    // Measurements, averaged with the past (an exponentially weighted mean).
    void coldStartMeasured(std::chrono::microseconds duration);
    void serviceMeasured(std::chrono::microseconds duration);
    // The share of an instance's busy time that it spends on a core (CPU time over wall
    // time, 0 to 1): an instance that mostly waits on I/O leaves its core to others.
    void cpuShareMeasured(double share);
    std::chrono::microseconds coldStart() const { return m_coldStart; }
    std::chrono::microseconds service() const { return m_service; }
    double cpuShare() const { return m_cpuShare; }

    // How many instances to start now.
    std::size_t toStart(const ScaleState &state) const;

    // How long the invocation at `position` in the queue (1: the first) can expect to wait
    // with the instances there are and `extra` more starting now.
    std::chrono::microseconds expectedWait(const ScaleState &state, std::size_t position,
                                           std::size_t extra = 0) const;

    // Whether an arrival is taken (true) or refused because the queue is full or it would
    // wait longer than `timeout` (besides a cold start); `why` says which.
    bool admit(const ScaleState &state, std::chrono::microseconds timeout,
               const char **why = nullptr) const;

    // The most instances that run at once.
    std::size_t capacity(const ScaleState &state) const;

private:
    Options m_options;
    std::chrono::microseconds m_coldStart;
    std::chrono::microseconds m_service;
    double m_cpuShare = 1.0; // until measured: every instance keeps a core busy
};

} // namespace nimbus::sim
