#include "scalepolicy.h"

#include <algorithm>
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

std::size_t ScalePolicy::capacity(const ScaleState &state) const {
    return m_options.strict ? state.limit : std::min(state.limit, m_options.cores);
}

microseconds ScalePolicy::expectedWait(const ScaleState &state, std::size_t position,
                                       std::size_t extra) const {
    if (position == 0)
        return microseconds(0);
    // When each instance can next take an invocation: an idle one now, a busy one halfway
    // through its invocation on average, one starting halfway through its cold start, a
    // new one after a whole cold start; each then takes one every service time.
    using Slot = long long;
    std::priority_queue<Slot, std::vector<Slot>, std::greater<>> free;
    for (std::size_t i = 0; i < state.idle; ++i)
        free.push(0);
    for (std::size_t i = 0; i < state.busy; ++i)
        free.push(m_service.count() / 2);
    for (std::size_t i = 0; i < state.starting; ++i)
        free.push(m_coldStart.count() / 2);
    for (std::size_t i = 0; i < extra; ++i)
        free.push(m_coldStart.count());
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
    const std::size_t instances = state.idle + state.starting + state.busy;
    const std::size_t cap = capacity(state);
    if (instances >= cap)
        return 0;
    const std::size_t room = cap - instances;
    const std::size_t coming = state.idle + state.starting;
    const std::size_t unserved = state.waiting > coming ? state.waiting - coming : 0;
    if (m_options.strict)
        return std::min(unserved, room);
    if (state.waiting == 0)
        return 0;
    // Nothing runs or comes: one instance must start.
    std::size_t start = instances == 0 ? 1 : 0;
    const microseconds threshold = m_coldStart + m_service;
    while (start < room && expectedWait(state, state.waiting, start) > threshold)
        ++start;
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
    // With every instance it may start, would the arrival begin before its time is up?
    const std::size_t instances = state.idle + state.starting + state.busy;
    const std::size_t cap = capacity(state);
    const std::size_t extra = cap > instances ? cap - instances : 0;
    if (expectedWait(state, state.waiting + 1, extra) > timeout) {
        if (why)
            *why = "it would wait longer than the function's timeout";
        return false;
    }
    return true;
}

} // namespace nimbus::sim
