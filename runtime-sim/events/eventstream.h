#pragma once

#include "../pool/functionpool.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace nimbus::sim {

// The simulator's live event stream, which the Studio, `nimbus dev` and editors watch it
// through: instances starting, becoming idle or busy and stopping; invocations starting and
// ending with their REPORT figures; every log line; gateway requests; platform news. Events
// are numbered and kept in a bounded backlog that clients read with long polls (the control
// plane's GET /_nimbus/events), so a client that reconnects resumes where it was and one
// that fell too far behind is told how many events it missed.
class EventStream : public PoolObserver {
public:
    using Json = nlohmann::json;
    using Callback = std::function<void(Json)>;

    explicit EventStream(boost::asio::io_context &io, std::size_t capacity = 20000);
    ~EventStream() override;

    // Answers {"events": [...], "next": N, "dropped": D} with the events numbered above
    // `after` (at most `limit`); when there are none yet, waits up to `wait` for some.
    // `next` is the `after` of the following poll; `dropped` counts events that left the
    // backlog before this client read them.
    void poll(long long after, std::chrono::milliseconds wait, std::size_t limit,
              Callback callback);
    // What runs now, for a client that just connected: {"instances": [...], "next": N}.
    Json snapshot() const;
    // Answers every waiting poll (the simulator is stopping).
    void close();

    long long lastSequence() const;

    // An event as the backlog keeps it and listeners get it: plain fields, made JSON only
    // when a client reads it. (Kept as JSON, the events of every log line cost the event
    // loop a seventh of its time under load: bench/README.md, http.)
    struct Event {
        enum class Kind : std::uint8_t {
            Instance,
            Log,
            InvocationStart,
            InvocationEnd,
            Request,
            Platform
        };
        Kind kind = Kind::Platform;
        long long seq = 0;
        long long time = 0;
        std::string function;
        std::string text;   // the line, message, request id, or an instance's state
        std::string detail; // why an instance stopped; the error type of a failed invocation
        pid_t pid = 0;
        int memoryMb = -1; // an instance's, when known
        // InvocationEnd
        double durationMs = 0;
        double billedDurationMs = 0;
        double queuedMs = 0;
        double initDurationMs = -1;
        int memorySizeMb = 0;
        int maxMemoryUsedMb = 0;
        bool failed = false;
        bool throttled = false;

        Json toJson() const;
    };

    // In-process listeners (the console of `nimbus dev` and nimbus-sim) get every event as
    // it is numbered, on the thread that produced it.
    using Listener = std::function<void(const Event &)>;
    void subscribe(Listener listener);

    // PoolObserver
    void instanceStarted(const std::string &function, pid_t pid) override;
    void instanceStopped(const std::string &function, pid_t pid, const std::string &why) override;
    void instanceState(const std::string &function, pid_t pid, const std::string &state,
                       long long peakKb) override;
    void invocationLog(const std::string &function, const std::string &log) override;
    void invocationStarted(const std::string &function, const std::string &requestId) override;
    void invocationFinished(const std::string &function, const InvocationResult &result) override;
    void gatewayRequest(const std::string &function, const std::string &line) override;
    void platformEvent(const std::string &message) override;

private:
    struct Waiter;
    struct InstanceState {
        std::string state;
        long long peakKb = 0;
        long long sinceMs = 0;
    };

    void append(Event event);
    Json collect(long long after, std::size_t limit) const; // m_mutex held
    void wake();

    boost::asio::io_context &m_io;
    std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::deque<Event> m_backlog;
    long long m_next = 1; // the number the next event gets
    std::map<std::string, std::map<pid_t, InstanceState>> m_instances;
    std::list<std::shared_ptr<Waiter>> m_waiters;
    std::vector<Listener> m_listeners;
    bool m_closed = false;
};

} // namespace nimbus::sim
