#pragma once

#include "agentport.h"
#include "cdpclient.h"
#include "debugbackend.h"
#include "sourcemap.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace nimbus::dap {

// The Node backend: DAP answered over the Chrome DevTools Protocol of V8's inspector. The
// function's bootstrap (resources/runtimes/node/debug-agent.js) connects to a loopback port
// here, which only this user may use, and so does the worker thread that relays its
// inspector (inspector-relay.js; the inspector is never opened on a port of its own). This
// side pairs the two by a token, enables the debugger and places the breakpoints by file URL
// (so they bind as the module loads), then lets the instance go on. What V8 has no notion of is
// done here: hit counts, log messages, DAP's numbered frames and variable references, lazy getters,
// paging.
class NodeBackend : public DebugBackend {
public:
    NodeBackend();
    ~NodeBackend() override;

    std::string listen() override;
    void setStopOnEntry(bool stop) override;
    nlohmann::json request(const std::string &command, const nlohmann::json &arguments) override;
    void release() override;
    void reconfigure() override;
    bool connected() const override;
    void drain() override;
    void close() override;

private:
    struct Agent; // the bootstrap's TCP connection
    struct Breakpoint {
        int id = 0; // as the client knows it
        int line = 0;
        std::string condition;
        std::string hitCondition;
        std::string logMessage;
        std::vector<std::string> cdpIds;
        int hits = 0;
        bool verified = false;
        int boundLine = 0;
    };
    // What a DAP variablesReference stands for while the debuggee is stopped.
    struct Handle {
        enum class Kind { Object, Getter, Scope } kind = Kind::Object;
        std::string objectId;    // the object (or the getter's owner)
        std::string name;        // Getter: the property
        std::string callFrameId; // Scope: its frame
        int scopeNumber = -1;    // Scope: its index in the frame's scope chain
    };

    void agentLoop(std::shared_ptr<Agent> agent);
    void sendAgent(const std::shared_ptr<Agent> &agent, const std::string &event,
                   const nlohmann::json &body);
    bool attachInspector(const std::shared_ptr<Agent> &agent, const std::string &token,
                         std::string &error);
    void applyBreakpoints(CdpClient &cdp);
    nlohmann::json placeBreakpoints(const std::string &path, std::vector<Breakpoint> &breakpoints,
                                    CdpClient *cdp);
    void onInvocation(const std::shared_ptr<Agent> &agent, const nlohmann::json &body);
    void onCdpEvent(const std::string &method, const nlohmann::json &params);
    void onPaused(const nlohmann::json &params);
    void pauseLoop();
    void queue(std::function<void()> job);
    void loadSourceMap(const std::string &scriptId, const std::string &scriptUrl,
                       const std::string &mapUrl);
    // Places a breakpoint of an original file (a .ts) in one script that maps it.
    void placeMapped(CdpClient &cdp, const std::string &path, Breakpoint &bp,
                     const std::string &scriptId, const SourceMap &map);
    void notifyPlatform(bool paused);
    static void tellPlatform(const std::string &requestId, const std::string &runtimeApi,
                             bool paused);
    std::shared_ptr<CdpClient> cdp() const;

    nlohmann::json stackTrace(const nlohmann::json &arguments);
    nlohmann::json scopes(const nlohmann::json &arguments);
    nlohmann::json variables(const nlohmann::json &arguments);
    nlohmann::json evaluate(const nlohmann::json &arguments);
    nlohmann::json setVariable(const nlohmann::json &arguments);
    nlohmann::json setFunctionBreakpoints(const nlohmann::json &arguments);
    nlohmann::json variable(const std::string &name, const nlohmann::json &remote);
    int handleFor(Handle handle);
    // A DAP sourceReference for a source known only by the text its source map carries.
    int referenceFor(const std::string &path, const std::string &text);
    std::string pathOfScript(const std::string &scriptId) const;

    AgentPort m_port;

    // Relays' connections not yet claimed by their instance's agent, by token.
    struct InspectorChannel {
        int descriptor = -1;
        std::string pending; // read past the relay's first line
    };
    std::mutex m_channelMutex;
    std::condition_variable m_channelWake;
    std::map<std::string, InspectorChannel> m_channels;

    mutable std::mutex m_mutex;
    std::shared_ptr<Agent> m_agent;   // the instance connected now
    std::shared_ptr<CdpClient> m_cdp; // its inspector
    std::map<std::string, std::vector<Breakpoint>> m_breakpoints; // path -> breakpoints
    std::vector<std::string> m_functionBreakpoints;               // names in the handler's module
    std::vector<std::string> m_functionBreakpointCdpIds;
    std::string m_exceptionState = "none";
    bool m_stopOnEntry = false;
    std::string m_entryBreakpoint; // CDP id of the stop-on-entry breakpoint
    int m_nextClientId = 1;
    bool m_released = false;

    // The current stop.
    nlohmann::json m_callFrames = nlohmann::json::array();
    nlohmann::json m_asyncTrace;
    std::map<int, std::string> m_frameIds; // DAP frame id -> CDP callFrameId
    std::map<int, Handle> m_handles;
    int m_nextHandle = 1;
    std::string m_stepping; // "step" while a step request runs, else empty
    bool m_resumeRequested = false;
    // Where scripts come from (scriptId -> url) for frames and loaded sources.
    std::map<std::string, std::string> m_scripts;
    std::string m_requestId; // the invocation running, for the platform's timeout clock
    std::string m_runtimeApi;

    // Source maps of the scripts that have one (TypeScript, bundles), by scriptId.
    std::map<std::string, std::shared_ptr<SourceMap>> m_maps;
    std::map<int, std::pair<std::string, std::string>> m_sourceTexts; // reference -> path, text

    // Work that asks the inspector (deciding a stop, placing breakpoints in a newly parsed
    // script) runs in order on a thread of its own, never on the inspector's.
    std::mutex m_pauseMutex;
    std::condition_variable m_pauseWake;
    std::deque<std::function<void()>> m_pauses;
    bool m_pauseStop = false;
    std::thread m_pauseThread;

    // The platform's timeout clock told of stops and resumes, in order, off the step path.
    struct PlatformJob {
        std::string requestId;
        std::string runtimeApi;
        bool paused = false;
    };
    void platformLoop();
    std::mutex m_platformMutex;
    std::condition_variable m_platformWake;
    std::deque<PlatformJob> m_platformJobs;
    bool m_platformStop = false;
    std::thread m_platformThread;
};

} // namespace nimbus::dap
