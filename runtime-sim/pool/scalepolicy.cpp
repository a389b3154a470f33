#include "scalepolicy.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <vector>

namespace nimbus::sim {

using std::chrono::microseconds;

namespace {

// The weight of a new measurement in the running mean.
constexpr double kWeight = 0.2;

microseconds blend(microseconds mean, microseconds sample) {
    return microseconds(static_cast<long long>((1 - kWeight) * static_cast<double>(mean.count()) +
                                               kWeight * static_cast<double>(sample.count())));
}

} // namespace

ScalePolicy::ScalePolicy(Options options)
    : m_options(options)
    , m_coldStart(options.coldStart)
    , m_service(options.service) {
    m_options.cores = std::max<std::size_t>(1, m_options.cores);
}

void ScalePolicy::coldStartMeasured(microseconds duration) {
    m_coldStart = blend(m_coldStart, duration);
}

void ScalePolicy::serviceMeasured(microseconds duration) {
    m_service = blend(m_service, duration);
}

void ScalePolicy::cpuShareMeasured(double share) {
    share = std::clamp(share, 0.01, 1.0);
    m_cpuShare = (1 - kWeight) * m_cpuShare + kWeight * share;
}

std::size_t ScalePolicy::capacity(const ScaleState &state) const {
    if (m_options.strict)
        return state.limit;
    // As many instances as keep the cores busy: the cores themselves when each computes all
    // the time, ten times as many when each computes a tenth of it.
    const auto machine = static_cast<std::size_t>(
        std::max(1.0, std::floor(static_cast<double>(m_options.cores) / m_cpuShare + 0.5)));
    return std::min(state.limit, machine);
}

microseconds ScalePolicy::expectedWait(const ScaleState &state, std::size_t position,
                                       std::size_t extra) const {
    if (position == 0)
        return microseconds(0);
    // When each place for an invocation frees: a free one now, a busy one halfway through
    // its invocation on average, those of an instance starting halfway through its cold
    // start, a new instance's after a whole cold start; each then takes one every service
    // time.
    using Slot = long long;
    const std::size_t k = std::max<std::size_t>(1, state.perInstance);
    const std::size_t places = (state.idle + state.working) * k;
    const std::size_t open = places > state.busy ? places - state.busy : 0;
    std::priority_queue<Slot, std::vector<Slot>, std::greater<>> free;
    auto add = [&](std::size_t n, Slot at) {
        for (std::size_t i = 0; i < n && i < position; ++i) // more than `position` never count
            free.push(at);
    };
    add(open, 0);
    if (state.elapsed.size() == state.busy) {
        for (const auto ran : state.elapsed) {
            // What is left of a service time, or, past it, as long again as it has run.
            const long long left = ran < m_service ? (m_service - ran).count() : ran.count();
            add(1, left);
        }
    } else {
        add(state.busy, m_service.count() / 2);
    }
    add(state.starting * k, m_coldStart.count() / 2);
    add(extra * k, m_coldStart.count());
    if (free.empty())
        return microseconds::max();
    const long long step = std::max<long long>(1, m_service.count());
    Slot at = 0;
    for (std::size_t i = 0; i < position; ++i) {
        at = free.top();
        free.pop();
        free.push(at + step);
    }
    return microseconds(at);
}

std::size_t ScalePolicy::toStart(const ScaleState &state) const {
    const std::size_t instances = state.instances();
    const std::size_t cap = capacity(state);
    if (instances >= cap)
        return 0;
    const std::size_t room = cap - instances;
    const std::size_t k = std::max<std::size_t>(1, state.perInstance);
    const std::size_t places = (state.idle + state.working) * k;
    const std::size_t coming = (places > state.busy ? places - state.busy : 0) + state.starting * k;
    const std::size_t unserved = state.waiting > coming ? state.waiting - coming : 0;
    if (m_options.strict)
        return std::min((unserved + k - 1) / k, room);
    if (state.waiting == 0)
        return 0;
    // Nothing runs or comes: one instance must start.
    std::size_t start = instances == 0 ? 1 : 0;
    const microseconds threshold = m_coldStart + m_service;
    while (start < room && expectedWait(state, state.waiting, start) > threshold)
        ++start;
    // Sustained load: a queue that has not emptied for longer than a cold start would have
    // been served sooner by one more instance, started when it began.
    const std::size_t cores = std::min(cap, m_options.cores);
    if (start == 0 && state.starting == 0 && instances < cores && state.backlog > threshold)
        start = 1;
    return start;
}

bool ScalePolicy::admit(const ScaleState &state, microseconds timeout, const char **why) const {
    if (m_options.strict)
        return true; // throttling is the concurrency limit's, as on Lambda
    if (state.waiting >= m_options.queueLimit) {
        if (why)
            *why = "the queue is full";
        return false;
    }
    // With every instance it may start, would the arrival begin before its time is up? (Not
    // counting a cold start: an instance's start is not the invocation's time, as on Lambda.)
    const std::size_t instances = state.instances();
    const std::size_t cap = capacity(state);
    const std::size_t extra = cap > instances ? cap - instances : 0;
    if (instances + extra > 0 &&
        expectedWait(state, state.waiting + 1, extra) > timeout + m_coldStart) {
        if (why)
            *why = "it would wait longer than the function's timeout";
        return false;
    }
    return true;
}

} // namespace nimbus::sim
