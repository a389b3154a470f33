#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace nimbus::dap {

// What a request to the debuggee could not do, in words for the user.
struct BackendError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A language's debugger for functions running in the simulator: where the function's debug
// agent connects, and the DAP requests that concern the running code (breakpoints, stack,
// variables, evaluation, stepping), answered with DAP bodies. The Python backend speaks to
// the agent inside the Python bootstrap; a Node backend will speak the V8 inspector
// protocol behind the same interface.
class DebugBackend {
public:
    // DAP events the debuggee raises (stopped, output, breakpoint...), and "agentConnected" /
    // "agentGone" about the debuggee itself.
    using EventSink = std::function<void(const std::string &event, const nlohmann::json &body)>;

    virtual ~DebugBackend() = default;

    // Starts listening for the debuggee; returns the address ("127.0.0.1:port") the
    // simulator passes to the function's instances.
    virtual std::string listen() = 0;
    // Where the events go; a backend raises them with emitEvent(), from any thread.
    virtual void setEventSink(EventSink sink) {
        std::lock_guard lock(m_sinkMutex);
        m_sink = std::move(sink);
    }
    // Whether the next invocation should stop at the handler's first line.
    virtual void setStopOnEntry(bool stop) = 0;

    // One DAP request: setBreakpoints, setFunctionBreakpoints, setExceptionBreakpoints,
    // threads, stackTrace, scopes, variables, evaluate, setVariable, continue, next, stepIn,
    // stepOut, pause, loadedSources. Returns the response body; throws BackendError.
    virtual nlohmann::json request(const std::string &command, const nlohmann::json &arguments) = 0;

    // Lets a stopped debuggee run on with no breakpoints (before a restart or a detach).
    virtual void release() = 0;
    // Sends the breakpoints again (after release()).
    virtual void reconfigure() = 0;
    virtual bool connected() const = 0;
    // Returns once the events the debuggee sent before now have reached the sink, so that
    // an invocation's last lines of output come before its result.
    virtual void drain() = 0;
    // Stops listening and lets the debuggee go.
    virtual void close() = 0;

protected:
    // Hands an event to the sink, outside the lock (the sink may call back in).
    void emitEvent(const std::string &event, const nlohmann::json &body) {
        EventSink sink;
        {
            std::lock_guard lock(m_sinkMutex);
            sink = m_sink;
        }
        if (sink)
            sink(event, body);
    }

private:
    std::mutex m_sinkMutex;
    EventSink m_sink;
};

} // namespace nimbus::dap
