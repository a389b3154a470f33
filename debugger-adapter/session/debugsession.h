#pragma once

#include "../backend/debugbackend.h"
#include "../protocol/dapprotocol.h"
#include "functiontarget.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace nimbus::dap {

struct SessionConfig {
    std::string binDir;       // where nimbus-sim is, to start one
    std::string resourcesDir; // the runtimes (the Python agent)
};

// One DAP session: a handler per request, translating to the debug backend (the running
// code) and the function target (the simulator: start, attach, invoke). Lifecycle as the
// protocol orders it: initialize (then the initialized event), breakpoints, configuration
// done, launch or attach, and disconnect or terminate. `send` must be thread-safe: events
// come from the backend's and the invocation's threads.
class DebugSession {
public:
    using Send = std::function<void(const nlohmann::json &message)>;
    // A backend for a runtime ("python" or "node") and the resources folder.
    using BackendFactory = std::function<std::unique_ptr<DebugBackend>(const std::string &runtime,
                                                                       const std::string &)>;

    DebugSession(Send send, SessionConfig config, BackendFactory backendFactory = {});
    ~DebugSession();

    // One message body from the client.
    void handle(const std::string &body);
    // A frame that could not be read.
    void frameError(const std::string &error);
    // The client is gone (end of input): let the function go, clean up.
    void clientGone();
    bool ended() const { return m_ended; }

private:
    using Handler = std::function<nlohmann::json(const Request &)>;

    void registerHandlers();
    nlohmann::json initialize(const Request &request);
    nlohmann::json launch(const Request &request);
    nlohmann::json attach(const Request &request);
    nlohmann::json configurationDone(const Request &request);
    nlohmann::json restart(const Request &request);
    nlohmann::json disconnect(const Request &request, bool terminate);
    void connect(const Request &request, const std::string &project, const std::string &function,
                 const std::map<std::string, std::string> &environment = {});
    // The client's exception filters with "uncaught" added (a replay stops where it fails).
    nlohmann::json replayFilters() const;
    void onBackendEvent(const std::string &event, const nlohmann::json &body);
    void startInvocation();
    void finishInvocation();
    void endSession();
    void letGo(bool terminateDebuggee);
    void output(const std::string &text, const std::string &category = "console");
    void sendEvent(const std::string &event, const nlohmann::json &body);
    void flushDeferredEvents();
    void useBackend(const std::string &runtime);

    Send m_send;
    SessionConfig m_config;
    BackendFactory m_backendFactory;
    MessageFactory m_messages;
    std::map<std::string, Handler> m_handlers;

    std::unique_ptr<DebugBackend> m_backend;
    std::string m_backendRuntime;
    // Breakpoint requests made before the function (and so its runtime) was known, for a
    // backend of another runtime: by source path, and the last of the others.
    std::map<std::string, nlohmann::json> m_sourceBreakpoints;
    std::map<std::string, nlohmann::json> m_otherBreakpoints;
    std::unique_ptr<FunctionTarget> m_target;
    enum class Mode { None, Launch, Attach } m_mode = Mode::None;
    bool m_initialized = false;
    bool m_configured = false;
    bool m_launchPending = false; // launch answered, invocation waits for configurationDone
    std::string m_payload;
    // A replayed failure (launch with "replay"): the debugger stops where it fails again, so
    // exceptions that leave the handler always stop, whatever the client's filters.
    bool m_replay = false;
    nlohmann::json m_exceptionFilters = nlohmann::json::array(); // the client's last choice
    std::thread m_invocation;
    std::atomic<bool> m_invoking{false};
    std::atomic<bool> m_restarting{false};
    std::atomic<bool> m_ended{false};
    bool m_letGo = false; // released the debuggee (terminate, disconnect)
    std::mutex m_lifecycle;
    std::mutex m_eventMutex;
    int m_requestsInFlight = 0;
    std::vector<nlohmann::json> m_deferredEvents;
    // The newest change to the project's files when the last debug instance started: a
    // newer one means the simulator reloaded the code (hot reload) for the next instance.
    std::optional<std::filesystem::file_time_type> m_codeSeen;
};

} // namespace nimbus::dap
