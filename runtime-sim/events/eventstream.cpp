#include "eventstream.h"

#include "../simulator/wallclock.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <sstream>

namespace nimbus::sim {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

int megabytes(long long kb) {
    return static_cast<int>((kb + 1023) / 1024);
}

} // namespace

struct EventStream::Waiter {
    long long after;
    std::size_t limit;
    Callback callback;
    asio::steady_timer timer;
    bool answered = false;

    Waiter(asio::io_context &io, long long a, std::size_t l, Callback c)
        : after(a)
        , limit(l)
        , callback(std::move(c))
        , timer(io) {}
};

EventStream::EventStream(asio::io_context &io, std::size_t capacity)
    : m_io(io)
    , m_capacity(std::max<std::size_t>(capacity, 16)) {}

EventStream::~EventStream() {
    close();
}

long long EventStream::lastSequence() const {
    std::lock_guard lock(m_mutex);
    return m_next - 1;
}

json EventStream::collect(long long after, std::size_t limit) const {
    // A client asking from beyond the end reads a simulator that restarted under it: it
    // starts again from the oldest event and is told so.
    const bool reset = after >= m_next;
    if (reset)
        after = 0;
    const long long first = m_backlog.empty() ? m_next : m_backlog.front().seq;
    const long long from = std::max(after + 1, first);
    json events = json::array();
    for (long long seq = from; seq < m_next && events.size() < limit; ++seq)
        events.push_back(m_backlog[static_cast<std::size_t>(seq - first)].toJson());
    const auto count = static_cast<long long>(events.size());
    json answer{
        {"events", std::move(events)}, {"next", from - 1 + count}, {"dropped", from - (after + 1)}};
    if (reset)
        answer["reset"] = true;
    return answer;
}

void EventStream::poll(long long after, std::chrono::milliseconds wait, std::size_t limit,
                       Callback callback) {
    limit = std::clamp<std::size_t>(limit, 1, 10000);
    {
        std::lock_guard lock(m_mutex);
        // Answer now when there is something to say: new events, a restarted sequence, or
        // a simulator that is stopping.
        if (after + 1 < m_next || after >= m_next || m_closed || wait.count() <= 0) {
            json answer = collect(after, limit);
            asio::post(m_io, [callback = std::move(callback), answer = std::move(answer)] {
                callback(answer);
            });
            return;
        }
    }
    auto waiter = std::make_shared<Waiter>(m_io, after, limit, std::move(callback));
    {
        std::lock_guard lock(m_mutex);
        m_waiters.push_back(waiter);
    }
    waiter->timer.expires_after(std::min(wait, std::chrono::milliseconds(60000)));
    waiter->timer.async_wait([this, weak = std::weak_ptr<Waiter>(waiter)](auto) {
        auto w = weak.lock();
        if (!w || w->answered)
            return;
        json answer;
        {
            std::lock_guard lock(m_mutex);
            w->answered = true;
            answer = collect(w->after, w->limit);
            m_waiters.remove(w);
        }
        w->callback(std::move(answer));
    });
}

void EventStream::wake() {
    // Waiters are answered from the I/O context, never from inside the observer call that
    // appended the event (which may hold the pool mid-update).
    std::list<std::shared_ptr<Waiter>> ready;
    {
        std::lock_guard lock(m_mutex);
        ready.swap(m_waiters);
    }
    for (auto &w : ready) {
        asio::post(m_io, [this, w] {
            if (w->answered)
                return;
            json answer;
            {
                std::lock_guard lock(m_mutex);
                w->answered = true;
                answer = collect(w->after, w->limit);
            }
            w->timer.cancel();
            w->callback(std::move(answer));
        });
    }
}

void EventStream::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    std::list<std::shared_ptr<Waiter>> ready;
    {
        std::lock_guard lock(m_mutex);
        ready.swap(m_waiters);
    }
    for (auto &w : ready) {
        if (w->answered)
            continue;
        w->answered = true;
        w->timer.cancel();
        json answer;
        {
            std::lock_guard lock(m_mutex);
            answer = collect(w->after, w->limit);
        }
        w->callback(std::move(answer));
    }
}

json EventStream::snapshot() const {
    std::lock_guard lock(m_mutex);
    json instances = json::array();
    for (const auto &[function, pids] : m_instances)
        for (const auto &[pid, s] : pids)
            instances.push_back({{"function", function},
                                 {"pid", pid},
                                 {"state", s.state},
                                 {"memoryMb", megabytes(s.peakKb)},
                                 {"since", s.sinceMs}});
    return {{"instances", instances}, {"next", m_next - 1}};
}

void EventStream::subscribe(Listener listener) {
    m_listeners.push_back(std::move(listener));
}

json EventStream::Event::toJson() const {
    json event{{"seq", seq}, {"time", time}};
    switch (kind) {
    case Kind::Instance:
        event["type"] = "instance";
        event["function"] = function;
        event["pid"] = pid;
        event["state"] = text;
        if (text == "stopped")
            event["reason"] = detail;
        if (memoryMb >= 0)
            event["memoryMb"] = memoryMb;
        break;
    case Kind::Log:
    case Kind::Request:
        event["type"] = kind == Kind::Log ? "log" : "request";
        event["function"] = function;
        event["line"] = text;
        break;
    case Kind::InvocationStart:
        event["type"] = "invocationStart";
        event["function"] = function;
        event["requestId"] = text;
        break;
    case Kind::InvocationEnd:
        event["type"] = "invocationEnd";
        event["function"] = function;
        event["requestId"] = text;
        event["durationMs"] = durationMs;
        event["billedDurationMs"] = billedDurationMs;
        event["memorySizeMb"] = memorySizeMb;
        event["maxMemoryUsedMb"] = maxMemoryUsedMb;
        event["error"] = failed ? json(detail) : json();
        if (initDurationMs >= 0)
            event["initDurationMs"] = initDurationMs;
        if (queuedMs >= 0.01)
            event["queuedMs"] = queuedMs;
        if (throttled)
            event["throttled"] = true;
        break;
    case Kind::Platform:
        event["type"] = "platform";
        event["message"] = text;
        break;
    }
    return event;
}

void EventStream::append(Event event) {
    std::optional<Event> told; // a copy for listeners, when there are any
    {
        std::lock_guard lock(m_mutex);
        event.seq = m_next++;
        event.time = nowMs();
        if (!m_listeners.empty())
            told = event;
        m_backlog.push_back(std::move(event));
        while (m_backlog.size() > m_capacity)
            m_backlog.pop_front();
    }
    if (told)
        for (const auto &listener : m_listeners)
            listener(*told);
    wake();
}

void EventStream::instanceStarted(const std::string &function, pid_t pid) {
    {
        std::lock_guard lock(m_mutex);
        m_instances[function][pid] = {"starting", 0, nowMs()};
    }
    Event event;
    event.kind = Event::Kind::Instance;
    event.function = function;
    event.pid = pid;
    event.text = "starting";
    append(std::move(event));
}

void EventStream::instanceStopped(const std::string &function, pid_t pid, const std::string &why) {
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_instances.find(function); it != m_instances.end()) {
            it->second.erase(pid);
            if (it->second.empty())
                m_instances.erase(it);
        }
    }
    Event event;
    event.kind = Event::Kind::Instance;
    event.function = function;
    event.pid = pid;
    event.text = "stopped";
    event.detail = why;
    append(std::move(event));
}

void EventStream::instanceState(const std::string &function, pid_t pid, const std::string &state,
                                long long peakKb) {
    {
        std::lock_guard lock(m_mutex);
        m_instances[function][pid] = {state, peakKb, nowMs()};
    }
    Event event;
    event.kind = Event::Kind::Instance;
    event.function = function;
    event.pid = pid;
    event.text = state;
    event.memoryMb = megabytes(peakKb);
    append(std::move(event));
}

void EventStream::invocationLog(const std::string &function, const std::string &log) {
    for (std::size_t from = 0; from < log.size();) {
        std::size_t end = log.find('\n', from);
        if (end == std::string::npos)
            end = log.size();
        Event event;
        event.kind = Event::Kind::Log;
        event.function = function;
        event.text.assign(log, from, end - from);
        append(std::move(event));
        from = end + 1;
    }
}

void EventStream::invocationStarted(const std::string &function, const std::string &requestId) {
    Event event;
    event.kind = Event::Kind::InvocationStart;
    event.function = function;
    event.text = requestId;
    append(std::move(event));
}

void EventStream::invocationFinished(const std::string &function, const InvocationResult &result) {
    Event event;
    event.kind = Event::Kind::InvocationEnd;
    event.function = function;
    event.text = result.requestId;
    event.durationMs = result.durationMs;
    event.billedDurationMs = result.billedDurationMs;
    event.memorySizeMb = result.memorySizeMb;
    event.maxMemoryUsedMb = result.maxMemoryUsedMb;
    event.failed = result.functionError;
    event.detail = result.errorType;
    event.initDurationMs = result.initDurationMs.value_or(-1);
    event.queuedMs = result.queuedMs;
    event.throttled = result.throttled;
    append(std::move(event));
}

void EventStream::gatewayRequest(const std::string &function, const std::string &line) {
    Event event;
    event.kind = Event::Kind::Request;
    event.function = function;
    event.text = line;
    append(std::move(event));
}

void EventStream::platformEvent(const std::string &message) {
    Event event;
    event.kind = Event::Kind::Platform;
    event.text = message;
    append(std::move(event));
}

} // namespace nimbus::sim
