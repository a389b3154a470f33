#include "nodebackend.h"

#include "nimbus/net/httpclient.h"

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <istream>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

namespace nimbus::dap {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr int kThread = 1;

// "file:///a/b.js" -> "/a/b.js"; node's own modules and the rest stay as they are.
std::string pathOfUrl(const std::string &url) {
    if (url.rfind("file://", 0) != 0)
        return url;
    std::string out;
    const std::string rest = url.substr(7);
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '%' && i + 2 < rest.size()) {
            out += static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += rest[i];
        }
    }
    return out;
}

// The URLs V8 knows a file by: a CommonJS module's path or an ES module's file URL.
std::string urlRegexFor(const std::string &path) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return "^(file://)?" + std::regex_replace(path, special, R"(\$&)") + "$";
}

// A DAP Source for a file on disk.
json sourceOf(const std::string &path) {
    return {{"path", path}, {"name", path.substr(path.rfind('/') + 1)}};
}

// Node's own code and the runtime's bootstrap: shown, but set apart and stepped over.
bool internal(const std::string &url) {
    return url.rfind("node:", 0) == 0 || url.find("/runtimes/node/") != std::string::npos ||
           url.empty();
}

// A RemoteObject as DAP shows a value.
std::string display(const json &remote) {
    const std::string type = remote.value("type", "");
    if (type == "undefined")
        return "undefined";
    if (type == "string")
        return json(remote.value("value", "")).dump();
    if (remote.contains("unserializableValue"))
        return remote["unserializableValue"].get<std::string>();
    if (type == "number" || type == "boolean")
        return remote.contains("value") ? remote["value"].dump() : remote.value("description", "");
    if (remote.value("subtype", "") == "null")
        return "null";
    std::string description = remote.value("description", type);
    if (type == "function") {
        const auto newline = description.find('\n');
        if (newline != std::string::npos)
            description = description.substr(0, newline) + " …";
    }
    return description;
}

// "5", ">= 3", "% 2" (as VS Code's Node debugger reads hit conditions).
bool hitReached(const std::string &condition, int hits) {
    static const std::regex form(R"(^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$)");
    std::smatch m;
    if (!std::regex_match(condition, m, form))
        return true;
    const std::string op = m[1].str();
    const int n = std::stoi(m[2].str());
    if (op == ">=")
        return hits >= n;
    if (op == ">")
        return hits > n;
    if (op == "<=")
        return hits <= n;
    if (op == "<")
        return hits < n;
    if (op == "%")
        return n > 0 && hits % n == 0;
    return hits == n;
}

} // namespace

// The bootstrap's connection: one JSON line per message.
struct NodeBackend::Agent {
    explicit Agent(tcp::socket s)
        : socket(std::move(s)) {}
    tcp::socket socket;
    std::mutex writeMutex;
    bool open = true;
    std::mutex pongMutex;
    std::condition_variable pongWake;
    long long pongs = 0;
};

NodeBackend::NodeBackend()
    : m_port([this](tcp::socket socket) { agentLoop(std::make_shared<Agent>(std::move(socket))); })
    , m_pauseThread([this] { pauseLoop(); })
    , m_platformThread([this] { platformLoop(); }) {}

void NodeBackend::pauseLoop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_pauseMutex);
            m_pauseWake.wait(lock, [this] { return m_pauseStop || !m_pauses.empty(); });
            if (m_pauseStop)
                return;
            job = std::move(m_pauses.front());
            m_pauses.pop_front();
        }
        try {
            job();
        } catch (const std::exception &) {
            // The inspector went away mid-way: the next instance starts over.
        }
    }
}

void NodeBackend::queue(std::function<void()> job) {
    {
        std::lock_guard lock(m_pauseMutex);
        m_pauses.push_back(std::move(job));
    }
    m_pauseWake.notify_one();
}

void NodeBackend::placeMapped(CdpClient &client, const std::string &path, Breakpoint &bp,
                              const std::string &scriptId, const SourceMap &map) {
    int bound = 0;
    const auto at = map.generated(path, bp.line - 1, &bound);
    if (!at)
        return;
    json params{{"location",
                 {{"scriptId", scriptId}, {"lineNumber", at->line}, {"columnNumber", at->column}}}};
    if (!bp.condition.empty())
        params["condition"] = bp.condition;
    const json result = client.call("Debugger.setBreakpoint", params);
    bp.cdpIds.push_back(result.value("breakpointId", ""));
    bp.verified = true;
    bp.boundLine = bound + 1;
}

void NodeBackend::loadSourceMap(const std::string &scriptId, const std::string &scriptUrl,
                                const std::string &mapUrl) {
    std::string baseDir, error;
    const auto text = readSourceMap(mapUrl, pathOfUrl(scriptUrl), baseDir, error);
    if (!text)
        return;
    auto parsed = SourceMap::parse(*text, baseDir, error);
    if (!parsed)
        return;
    auto map = std::make_shared<SourceMap>(std::move(*parsed));
    std::map<std::string, std::vector<Breakpoint>> affected;
    {
        std::lock_guard lock(m_mutex);
        m_maps[scriptId] = map;
        for (const auto &[path, list] : m_breakpoints)
            if (map->hasSource(path))
                affected[path] = list;
    }
    for (const auto &source : map->sources())
        if (source.rfind('/', 0) == 0)
            emitEvent("loadedSource", {{"reason", "new"}, {"source", sourceOf(source)}});
    auto client = cdp();
    if (!client || affected.empty())
        return;
    for (auto &[path, list] : affected) {
        for (auto &bp : list) {
            placeMapped(*client, path, bp, scriptId, *map);
            if (bp.verified)
                emitEvent("breakpoint", {{"reason", "changed"},
                                         {"breakpoint",
                                          {{"id", bp.id},
                                           {"verified", true},
                                           {"line", bp.boundLine},
                                           {"source", {{"path", path}}}}}});
        }
        std::lock_guard lock(m_mutex);
        auto it = m_breakpoints.find(path);
        if (it == m_breakpoints.end())
            continue;
        for (auto &stored : it->second)
            for (const auto &bp : list)
                if (bp.id == stored.id) {
                    stored.cdpIds = bp.cdpIds;
                    stored.verified = bp.verified;
                    stored.boundLine = bp.boundLine;
                }
    }
}

NodeBackend::~NodeBackend() {
    close();
}

std::string NodeBackend::listen() {
    return m_port.listen();
}

void NodeBackend::setStopOnEntry(bool stop) {
    std::lock_guard lock(m_mutex);
    m_stopOnEntry = stop;
}


std::shared_ptr<CdpClient> NodeBackend::cdp() const {
    std::lock_guard lock(m_mutex);
    return m_cdp && m_cdp->open() ? m_cdp : nullptr;
}

bool NodeBackend::connected() const {
    return cdp() != nullptr;
}

void NodeBackend::sendAgent(const std::shared_ptr<Agent> &agent, const std::string &event,
                            const json &body) {
    const std::string line = json{{"event", event}, {"body", body}}.dump() + "\n";
    std::lock_guard lock(agent->writeMutex);
    boost::system::error_code ec;
    asio::write(agent->socket, asio::buffer(line), ec);
}

void NodeBackend::agentLoop(std::shared_ptr<Agent> agent) {
    asio::streambuf buffer;
    for (bool first = true;; first = false) {
        boost::system::error_code ec;
        asio::read_until(agent->socket, buffer, '\n', ec);
        if (ec)
            break;
        std::istream in(&buffer);
        std::string line;
        std::getline(in, line);
        const json message = json::parse(line, nullptr, false);
        if (!message.is_object())
            continue;
        const std::string event = message.value("event", "");
        const json body = message.value("body", json::object());
        if (first && event == "inspector") {
            // An instance's inspector relay: its connection waits for the agent's hello.
            InspectorChannel channel;
            channel.pending.assign(asio::buffers_begin(buffer.data()),
                                   asio::buffers_end(buffer.data()));
            boost::system::error_code releasing;
            channel.descriptor = agent->socket.release(releasing);
            if (releasing)
                return;
            {
                std::lock_guard lock(m_channelMutex);
                auto &slot = m_channels[body.value("token", "")];
                if (slot.descriptor >= 0)
                    ::close(slot.descriptor);
                slot = std::move(channel);
            }
            m_channelWake.notify_all();
            return;
        }
        if (event == "hello") {
            std::string error;
            if (!attachInspector(agent, body.value("inspector", ""), error)) {
                emitEvent("output", {{"category", "stderr"}, {"output", error + "\n"}});
                break;
            }
            emitEvent("agentConnected", {{"pid", body.value("pid", 0)},
                                         {"runtime", "Node " + body.value("node", "")}});
            sendAgent(agent, "ready", json::object());
            emitEvent("agentConfigured", json::object());
        } else if (event == "invocation") {
            onInvocation(agent, body);
        } else if (event == "output") {
            emitEvent("output", body);
        } else if (event == "pong") {
            std::lock_guard lock(agent->pongMutex);
            ++agent->pongs;
            agent->pongWake.notify_all();
        }
    }
    bool current = false;
    std::shared_ptr<CdpClient> inspector;
    {
        std::lock_guard lock(m_mutex);
        agent->open = false;
        current = m_agent == agent;
        if (current) {
            m_agent.reset();
            inspector = std::move(m_cdp);
        }
    }
    {
        std::lock_guard lock(agent->pongMutex);
        agent->pongWake.notify_all();
    }
    if (inspector)
        inspector->close();
    if (current && !m_port.closing())
        emitEvent("agentGone", json::object());
}

bool NodeBackend::attachInspector(const std::shared_ptr<Agent> &agent, const std::string &token,
                                  std::string &error) {
    InspectorChannel channel;
    {
        std::unique_lock lock(m_channelMutex);
        const bool came =
            !token.empty() && m_channelWake.wait_for(lock, std::chrono::seconds(10), [&] {
                return m_port.closing() || m_channels.count(token) > 0;
            });
        if (!came || m_port.closing()) {
            error = "the function's inspector relay did not connect to the debugger";
            return false;
        }
        channel = std::move(m_channels[token]);
        m_channels.erase(token);
    }
    auto client = std::make_shared<CdpClient>(
        [this](const std::string &method, const json &params) { onCdpEvent(method, params); },
        [] {});
    if (!client->adopt(channel.descriptor, std::move(channel.pending), error)) {
        ::close(channel.descriptor);
        return false;
    }
    std::shared_ptr<CdpClient> previous;
    std::shared_ptr<Agent> previousAgent;
    {
        std::lock_guard lock(m_mutex);
        // A new instance replaces the old one (the simulator retired it).
        previous = std::move(m_cdp);
        previousAgent = m_agent;
        m_cdp = client;
        m_agent = agent;
        m_scripts.clear();
        m_maps.clear();
        m_callFrames = json::array();
        m_handles.clear();
        m_frameIds.clear();
        m_released = false;
    }
    if (previousAgent && previousAgent != agent) {
        boost::system::error_code ignored;
        previousAgent->socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
    if (previous)
        previous->close();
    try {
        client->call("Runtime.enable");
        client->call("Debugger.enable", {{"maxScriptsCacheSize", 10000000}});
        client->call("Debugger.setAsyncCallStackDepth", {{"maxDepth", 32}});
        // Stepping never stops inside node's own code or the runtime's bootstrap.
        client->call("Debugger.setBlackboxPatterns",
                     {{"patterns", json::array({"^node:", "/runtimes/node/"})}});
        // A script with a source map stops before it runs, until its breakpoints are placed.
        client->call("Debugger.setInstrumentationBreakpoint",
                     {{"instrumentation", "beforeScriptWithSourceMapExecution"}});
        applyBreakpoints(*client);
    } catch (const BackendError &e) {
        error = std::string("cannot set up the function's inspector: ") + e.what();
        return false;
    }
    return true;
}

json NodeBackend::placeBreakpoints(const std::string &path, std::vector<Breakpoint> &breakpoints,
                                   CdpClient *cdp) {
    json placed = json::array();
    // A TypeScript file never runs as it is: its breakpoints go where its source maps say.
    static const std::regex original(R"(\.(ts|tsx|mts|cts)$)");
    if (std::regex_search(path, original)) {
        std::map<std::string, std::shared_ptr<SourceMap>> maps;
        {
            std::lock_guard lock(m_mutex);
            for (const auto &[scriptId, map] : m_maps)
                if (map->hasSource(path))
                    maps[scriptId] = map;
        }
        for (auto &bp : breakpoints) {
            if (cdp)
                for (const auto &[scriptId, map] : maps) {
                    try {
                        placeMapped(*cdp, path, bp, scriptId, *map);
                    } catch (const BackendError &) {
                        // Another script may still take it.
                    }
                }
            json out{{"id", bp.id},
                     {"line", bp.verified ? bp.boundLine : bp.line},
                     {"source", {{"path", path}}},
                     {"verified", bp.verified}};
            if (!bp.verified)
                out["message"] = maps.empty() ? "binds when the module compiled from it loads"
                                              : "no code at or after this line";
            placed.push_back(out);
        }
        return placed;
    }
    for (auto &bp : breakpoints) {
        json out{{"id", bp.id}, {"line", bp.line}, {"source", {{"path", path}}}};
        if (!cdp) {
            out["verified"] = false;
            out["message"] = "binds when the function's module loads";
            placed.push_back(out);
            continue;
        }
        json params{
            {"urlRegex", urlRegexFor(path)}, {"lineNumber", bp.line - 1}, {"columnNumber", 0}};
        if (!bp.condition.empty())
            params["condition"] = bp.condition;
        try {
            const json result = cdp->call("Debugger.setBreakpointByUrl", params);
            bp.cdpIds = {result.value("breakpointId", "")};
            const json locations = result.value("locations", json::array());
            bp.verified = !locations.empty();
            if (bp.verified) {
                bp.boundLine = locations[0].value("lineNumber", 0) + 1;
                out["line"] = bp.boundLine;
            }
            out["verified"] = bp.verified;
            if (!bp.verified)
                out["message"] = "binds when the module loads";
        } catch (const BackendError &e) {
            out["verified"] = false;
            out["message"] = e.what();
        }
        placed.push_back(out);
    }
    return placed;
}

void NodeBackend::applyBreakpoints(CdpClient &client) {
    std::map<std::string, std::vector<Breakpoint>> breakpoints;
    std::string exceptions;
    {
        std::lock_guard lock(m_mutex);
        breakpoints = m_breakpoints;
        exceptions = m_exceptionState;
    }
    for (auto &[path, list] : breakpoints) {
        const json placed = placeBreakpoints(path, list, &client);
        for (const auto &bp : placed)
            emitEvent("breakpoint", {{"reason", "changed"}, {"breakpoint", bp}});
    }
    {
        std::lock_guard lock(m_mutex);
        for (auto &[path, list] : breakpoints) {
            auto it = m_breakpoints.find(path);
            if (it == m_breakpoints.end())
                continue;
            for (std::size_t i = 0; i < list.size() && i < it->second.size(); ++i) {
                it->second[i].cdpIds = list[i].cdpIds;
                it->second[i].verified = list[i].verified;
                it->second[i].boundLine = list[i].boundLine;
            }
        }
    }
    client.call("Debugger.setPauseOnExceptions", {{"state", exceptions}});
}

void NodeBackend::onInvocation(const std::shared_ptr<Agent> &agent, const json &body) {
    bool stopOnEntry = false;
    std::vector<std::string> functions;
    {
        std::lock_guard lock(m_mutex);
        m_requestId = body.value("requestId", "");
        m_runtimeApi = body.value("runtimeApi", "");
        stopOnEntry = m_stopOnEntry;
        m_stopOnEntry = false; // the first invocation only
        functions = m_functionBreakpoints;
    }
    if (auto client = cdp()) {
        try {
            if (stopOnEntry) {
                const json handler = client->call("Runtime.evaluate",
                                                  {{"expression", "globalThis.__nimbusHandler"}});
                const std::string objectId = handler["result"].value("objectId", "");
                if (!objectId.empty()) {
                    const json set = client->call("Debugger.setBreakpointOnFunctionCall",
                                                  {{"objectId", objectId}});
                    std::lock_guard lock(m_mutex);
                    m_entryBreakpoint = set.value("breakpointId", "");
                }
            }
            if (!functions.empty())
                setFunctionBreakpoints({{"breakpoints", json::array()}, {"_reapply", true}});
            // The handler's compiled modules have been parsed; once every event the
            // inspector sent before now is here (a round trip) and handled (the jobs before
            // this one), their source-mapped breakpoints are in place.
            client->call("Runtime.evaluate", {{"expression", "0"}, {"silent", true}});
            auto placed = std::make_shared<std::promise<void>>();
            queue([placed] { placed->set_value(); });
            placed->get_future().wait_for(std::chrono::seconds(10));
        } catch (const BackendError &) {
            // The handler runs without them; the breakpoints say why when asked.
        }
    }
    sendAgent(agent, "go", json::object());
}

void NodeBackend::onCdpEvent(const std::string &method, const json &params) {
    if (method == "Debugger.scriptParsed") {
        const std::string url = params.value("url", "");
        const std::string scriptId = params.value("scriptId", "");
        {
            std::lock_guard lock(m_mutex);
            m_scripts[scriptId] = url;
        }
        // A compiled script (TypeScript, a bundle): its original files' breakpoints go in
        // before it runs (V8 pauses it for that; see the instrumentation breakpoint).
        if (const std::string map = params.value("sourceMapURL", "");
            !map.empty() && !internal(url))
            queue([this, scriptId, url, map] { loadSourceMap(scriptId, url, map); });
        if (!internal(url) && url.rfind("file://", 0) == 0)
            emitEvent("loadedSource", {{"reason", "new"}, {"source", sourceOf(pathOfUrl(url))}});
        return;
    }
    if (method == "Debugger.breakpointResolved") {
        const std::string id = params.value("breakpointId", "");
        const int line = params.value("location", json::object()).value("lineNumber", 0) + 1;
        json changed;
        {
            std::lock_guard lock(m_mutex);
            for (auto &[path, list] : m_breakpoints)
                for (auto &bp : list)
                    if (std::find(bp.cdpIds.begin(), bp.cdpIds.end(), id) != bp.cdpIds.end()) {
                        bp.verified = true;
                        bp.boundLine = line;
                        changed = {{"id", bp.id},
                                   {"verified", true},
                                   {"line", line},
                                   {"source", {{"path", path}}}};
                    }
        }
        if (!changed.is_null())
            emitEvent("breakpoint", {{"reason", "changed"}, {"breakpoint", changed}});
        return;
    }
    if (method == "Debugger.paused") {
        // Off the inspector's thread: deciding may need to ask the inspector.
        queue([this, params] { onPaused(params); });
        return;
    }
    if (method == "Debugger.resumed") {
        bool requested = false;
        {
            std::lock_guard lock(m_mutex);
            m_callFrames = json::array();
            m_handles.clear();
            m_frameIds.clear();
            requested = std::exchange(m_resumeRequested, false);
        }
        if (!requested)
            emitEvent("continued", {{"threadId", kThread}, {"allThreadsContinued", true}});
        return;
    }
    if (method == "Runtime.exceptionThrown") {
        const json details = params.value("exceptionDetails", json::object());
        const std::string text = details.value("exception", json::object())
                                     .value("description", details.value("text", ""));
        emitEvent("output", {{"category", "stderr"}, {"output", text + "\n"}});
    }
}

void NodeBackend::notifyPlatform(bool paused) {
    std::string requestId, runtimeApi;
    {
        std::lock_guard lock(m_mutex);
        requestId = m_requestId;
        runtimeApi = m_runtimeApi;
    }
    if (requestId.empty() || runtimeApi.empty())
        return;
    // In order, on a thread of its own: a stop is reported without waiting for this.
    {
        std::lock_guard lock(m_platformMutex);
        m_platformJobs.push_back({requestId, runtimeApi, paused});
    }
    m_platformWake.notify_one();
}

void NodeBackend::platformLoop() {
    for (;;) {
        PlatformJob job;
        {
            std::unique_lock lock(m_platformMutex);
            m_platformWake.wait(lock, [this] { return m_platformStop || !m_platformJobs.empty(); });
            if (m_platformStop)
                return;
            job = std::move(m_platformJobs.front());
            m_platformJobs.pop_front();
        }
        tellPlatform(job.requestId, job.runtimeApi, job.paused);
    }
}

void NodeBackend::tellPlatform(const std::string &requestId, const std::string &runtimeApi,
                               bool paused) {
    // The platform stops the invocation's timeout clock while it is stopped here.
    net::HttpRequestSpec spec;
    spec.method = "POST";
    spec.url = "http://" + runtimeApi + "/2018-06-01/runtime/invocation/" + requestId + "/debug";
    spec.body = json{{"paused", paused}}.dump();
    spec.headers["Content-Type"] = "application/json";
    spec.timeout = std::chrono::seconds(2);
    net::httpRequest(spec);
}

void NodeBackend::onPaused(const json &params) {
    auto client = cdp();
    if (!client)
        return;
    const std::string reason = params.value("reason", "other");
    if (reason == "instrumentation") {
        // Its source map was read (the job before this one): let it run.
        {
            std::lock_guard lock(m_mutex);
            m_resumeRequested = true;
        }
        client->send("Debugger.resume");
        return;
    }
    const json hit = params.value("hitBreakpoints", json::array());
    std::string stopReason = "pause";
    json hitIds = json::array();
    std::string logOutput;
    bool stop = true;
    {
        std::lock_guard lock(m_mutex);
        if (m_released) {
            stop = false;
        } else if (!m_entryBreakpoint.empty() &&
                   std::find(hit.begin(), hit.end(), m_entryBreakpoint) != hit.end()) {
            stopReason = "entry";
        } else if (!hit.empty()) {
            // A stop at breakpoints: counted here; it stops when one of them wants to.
            stop = false;
            for (auto &[path, list] : m_breakpoints)
                for (auto &bp : list) {
                    if (std::none_of(bp.cdpIds.begin(), bp.cdpIds.end(),
                                     [&](const std::string &id) {
                                         return std::find(hit.begin(), hit.end(), id) != hit.end();
                                     }))
                        continue;
                    ++bp.hits;
                    if (!bp.hitCondition.empty() && !hitReached(bp.hitCondition, bp.hits))
                        continue;
                    if (!bp.logMessage.empty()) {
                        logOutput += bp.logMessage + "\n";
                        continue;
                    }
                    stop = true;
                    hitIds.push_back(bp.id);
                }
            for (const auto &id : m_functionBreakpointCdpIds)
                if (std::find(hit.begin(), hit.end(), id) != hit.end()) {
                    stop = true;
                    stopReason = "function breakpoint";
                }
            if (stop && stopReason == "pause")
                stopReason = "breakpoint";
        } else if (reason == "exception" || reason == "promiseRejection") {
            stopReason = "exception";
        } else if (!m_stepping.empty()) {
            stopReason = "step";
        }
        m_stepping.clear();
        if (stop) {
            m_callFrames = params.value("callFrames", json::array());
            m_asyncTrace = params.value("asyncStackTrace", json());
            m_handles.clear();
            m_frameIds.clear();
            m_nextHandle = 1;
        }
    }
    if (!m_entryBreakpoint.empty() && stopReason == "entry") {
        client->send("Debugger.removeBreakpoint", {{"breakpointId", m_entryBreakpoint}});
        std::lock_guard lock(m_mutex);
        m_entryBreakpoint.clear();
    }
    if (!logOutput.empty()) {
        // Log messages: {expression} parts evaluated in the frame, as VS Code writes them.
        const std::string frame = params["callFrames"][0].value("callFrameId", "");
        std::string text;
        static const std::regex part(R"(\{([^}]+)\})");
        std::string rest = logOutput;
        std::smatch m;
        while (std::regex_search(rest, m, part)) {
            text += m.prefix().str();
            try {
                const json r = client->call(
                    "Debugger.evaluateOnCallFrame",
                    {{"callFrameId", frame}, {"expression", m[1].str()}, {"silent", true}});
                text += display(r.value("result", json::object()));
            } catch (const BackendError &e) {
                text += std::string("<") + e.what() + ">";
            }
            rest = m.suffix().str();
        }
        text += rest;
        emitEvent("output", {{"category", "console"}, {"output", text}});
    }
    if (!stop) {
        client->send("Debugger.resume");
        std::lock_guard lock(m_mutex);
        m_resumeRequested = true;
        return;
    }
    notifyPlatform(true);
    json body{{"reason", stopReason}, {"threadId", kThread}, {"allThreadsStopped", true}};
    if (!hitIds.empty())
        body["hitBreakpointIds"] = hitIds;
    if (stopReason == "exception") {
        const json data = params.value("data", json::object());
        body["description"] = "Paused on exception";
        body["text"] = data.value("description", data.value("className", "exception"));
    }
    emitEvent("stopped", body);
}

int NodeBackend::referenceFor(const std::string &path, const std::string &text) {
    for (const auto &[id, source] : m_sourceTexts)
        if (source.first == path)
            return id;
    const int id = static_cast<int>(m_sourceTexts.size()) + 1;
    m_sourceTexts[id] = {path, text};
    return id;
}

int NodeBackend::handleFor(Handle handle) {
    const int id = m_nextHandle++;
    m_handles[id] = std::move(handle);
    return id;
}

std::string NodeBackend::pathOfScript(const std::string &scriptId) const {
    const auto it = m_scripts.find(scriptId);
    return it == m_scripts.end() ? std::string() : pathOfUrl(it->second);
}

json NodeBackend::stackTrace(const json &arguments) {
    std::lock_guard lock(m_mutex);
    json frames = json::array();
    int index = 0;
    auto addFrame = [&](const std::string &name, const std::string &url, int line, int column,
                        const std::string &callFrameId) {
        const std::string path = pathOfUrl(url);
        const int id = 1000 * (index + 1);
        ++index;
        json frame{{"id", id},
                   {"name", name.empty() ? "(anonymous)" : name},
                   {"line", line + 1},
                   {"column", column + 1}};
        if (!path.empty()) {
            json source{{"name", path.substr(path.rfind('/') + 1)}};
            if (path.rfind('/', 0) == 0)
                source["path"] = path;
            else
                source["origin"] = "node internals";
            if (internal(url))
                source["presentationHint"] = "deemphasize";
            frame["source"] = source;
        }
        if (internal(url))
            frame["presentationHint"] = "subtle";
        if (!callFrameId.empty())
            m_frameIds[id] = callFrameId;
        frames.push_back(frame);
    };
    for (const auto &f : m_callFrames) {
        const json location = f.value("location", json::object());
        const std::string scriptId = location.value("scriptId", "");
        const auto script = m_scripts.find(scriptId);
        std::string url = script == m_scripts.end() ? f.value("url", "") : script->second;
        int line = location.value("lineNumber", 0);
        int column = location.value("columnNumber", 0);
        // Compiled code is shown where it was written: the original file, or (not on disk)
        // the text the source map carries, by reference.
        int sourceReference = 0;
        if (const auto map = m_maps.find(scriptId); map != m_maps.end())
            if (const auto original = map->second->original({line, column})) {
                url = "file://" + original->path;
                line = original->position.line;
                column = original->position.column;
                std::error_code ec;
                const std::string *text = map->second->content(original->path);
                if (text && !std::filesystem::exists(original->path, ec))
                    sourceReference = referenceFor(original->path, *text);
            }
        addFrame(f.value("functionName", ""), url, line, column, f.value("callFrameId", ""));
        if (sourceReference) {
            json &source = frames.back()["source"];
            source.erase("path");
            source["sourceReference"] = sourceReference;
            source["origin"] = "from the source map";
        }
    }
    // Where the async functions awaiting this one were called from.
    for (json trace = m_asyncTrace; trace.is_object(); trace = trace.value("parent", json())) {
        frames.push_back({{"id", 1000 * (index + 1)},
                          {"name", "[" + trace.value("description", "async") + "]"},
                          {"line", 0},
                          {"column", 0},
                          {"presentationHint", "label"}});
        ++index;
        for (const auto &f : trace.value("callFrames", json::array()))
            addFrame(f.value("functionName", ""), f.value("url", ""), f.value("lineNumber", 0),
                     f.value("columnNumber", 0), {});
    }
    const int start = arguments.value("startFrame", 0);
    const int levels = arguments.value("levels", 0);
    json page = json::array();
    for (int i = start; i < static_cast<int>(frames.size()) && (levels <= 0 || i < start + levels);
         ++i)
        page.push_back(frames[static_cast<std::size_t>(i)]);
    return {{"stackFrames", page}, {"totalFrames", frames.size()}};
}

json NodeBackend::scopes(const json &arguments) {
    std::lock_guard lock(m_mutex);
    const int frameId = arguments.value("frameId", 0);
    const auto it = m_frameIds.find(frameId);
    if (it == m_frameIds.end())
        throw BackendError("no frame " + std::to_string(frameId) + " (the function has moved on)");
    json frame;
    for (const auto &f : m_callFrames)
        if (f.value("callFrameId", "") == it->second)
            frame = f;
    json scopes = json::array();
    int number = 0;
    for (const auto &scope : frame.value("scopeChain", json::array())) {
        const std::string type = scope.value("type", "");
        static const std::map<std::string, std::string> names{
            {"local", "Local"},   {"closure", "Closure"}, {"global", "Global"},
            {"block", "Block"},   {"catch", "Catch"},     {"script", "Script"},
            {"module", "Module"}, {"with", "With"},       {"eval", "Eval"}};
        const auto name = names.find(type);
        Handle handle{
            Handle::Kind::Scope, scope["object"].value("objectId", ""), {}, it->second, number};
        json out{{"name", name == names.end() ? type : name->second},
                 {"variablesReference", handleFor(handle)},
                 {"expensive", type == "global"}};
        if (type == "local")
            out["presentationHint"] = "locals";
        if (scope.contains("startLocation")) {
            out["line"] = scope["startLocation"].value("lineNumber", 0) + 1;
            out["endLine"] = scope.value("endLocation", json::object()).value("lineNumber", 0) + 1;
        }
        scopes.push_back(out);
        ++number;
    }
    return {{"scopes", scopes}};
}

json NodeBackend::variable(const std::string &name, const json &remote) {
    json out{{"name", name}, {"value", display(remote)}, {"variablesReference", 0}};
    const std::string type = remote.value("type", "");
    const std::string subtype = remote.value("subtype", "");
    out["type"] = subtype.empty() ? type : subtype;
    if (type == "object" && subtype != "null" && remote.contains("objectId")) {
        out["variablesReference"] =
            handleFor({Handle::Kind::Object, remote["objectId"], {}, {}, -1});
        // Arrays page by index: the client asks for slices.
        static const std::regex length(R"(\((\d+)\)$)");
        std::smatch m;
        const std::string description = remote.value("description", "");
        if ((subtype == "array" || subtype == "typedarray") &&
            std::regex_search(description, m, length))
            out["indexedVariables"] = std::stoi(m[1].str());
    } else if (type == "function" && remote.contains("objectId")) {
        out["variablesReference"] =
            handleFor({Handle::Kind::Object, remote["objectId"], {}, {}, -1});
    }
    return out;
}

json NodeBackend::variables(const json &arguments) {
    auto client = cdp();
    if (!client)
        throw BackendError("the function is not stopped");
    Handle handle;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_handles.find(arguments.value("variablesReference", 0));
        if (it == m_handles.end())
            throw BackendError("no such variable reference (the function has moved on)");
        handle = it->second;
    }
    if (handle.kind == Handle::Kind::Getter) {
        // A getter, run only now that the user opened it.
        const json r =
            client->call("Runtime.callFunctionOn",
                         {{"objectId", handle.objectId},
                          {"functionDeclaration", "function (name) { return this[name]; }"},
                          {"arguments", json::array({{{"value", handle.name}}})},
                          {"silent", true}});
        std::lock_guard lock(m_mutex);
        return {
            {"variables", json::array({variable(handle.name, r.value("result", json::object()))})}};
    }
    const json properties = client->call("Runtime.getProperties",
                                         {{"objectId", handle.objectId},
                                          {"ownProperties", handle.kind != Handle::Kind::Scope},
                                          {"generatePreview", false}});
    const std::string filter = arguments.value("filter", "");
    const int start = arguments.value("start", 0);
    const int count = arguments.value("count", 0);
    std::lock_guard lock(m_mutex);
    json indexed = json::array(), named = json::array();
    auto isIndex = [](const std::string &name) {
        return !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
    };
    for (const auto &p : properties.value("result", json::array())) {
        const std::string name = p.value("name", "");
        if (name == "__proto__" && handle.kind == Handle::Kind::Scope)
            continue;
        json v;
        if (p.contains("value")) {
            v = variable(name, p["value"]);
        } else if (p.contains("get") && p["get"].value("type", "") == "function") {
            v = {{"name", name},
                 {"value", "(…)"},
                 {"presentationHint", {{"lazy", true}}},
                 {"variablesReference",
                  handleFor({Handle::Kind::Getter, handle.objectId, name, {}, -1})}};
        } else {
            continue;
        }
        (isIndex(name) ? indexed : named).push_back(v);
    }
    // Maps and Sets: their entries, as V8 lists them internally.
    for (const auto &p : properties.value("internalProperties", json::array())) {
        const std::string name = p.value("name", "");
        if (name == "[[Entries]]" && p.contains("value"))
            named.push_back(variable("[[Entries]]", p["value"]));
        else if (name == "[[Prototype]]" || name == "[[Scopes]]" || name == "[[FunctionLocation]]")
            continue;
        else if (p.contains("value"))
            named.push_back(variable(name, p["value"]));
    }
    json chosen = filter == "indexed" ? indexed : filter == "named" ? named : json::array();
    if (filter.empty()) {
        chosen = indexed;
        for (auto &v : named)
            chosen.push_back(v);
    }
    if (start > 0 || count > 0) {
        json page = json::array();
        for (int i = start;
             i < static_cast<int>(chosen.size()) && (count <= 0 || i < start + count); ++i)
            page.push_back(chosen[static_cast<std::size_t>(i)]);
        chosen = page;
    }
    return {{"variables", chosen}};
}

json NodeBackend::evaluate(const json &arguments) {
    auto client = cdp();
    if (!client)
        throw BackendError("the function is not running in a debug instance yet");
    const std::string expression = arguments.value("expression", "");
    const std::string context = arguments.value("context", "repl");
    std::string callFrameId;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_frameIds.find(arguments.value("frameId", 0));
        if (it != m_frameIds.end())
            callFrameId = it->second;
        else if (!m_callFrames.empty())
            callFrameId = m_callFrames[0].value("callFrameId", "");
    }
    // Hovers and watches never change anything: V8 refuses side effects for them.
    const bool sideEffectFree = context == "hover" || context == "watch";
    json params{
        {"expression", expression}, {"silent", context != "repl"}, {"generatePreview", false}};
    if (sideEffectFree)
        params["throwOnSideEffect"] = true;
    json r;
    if (!callFrameId.empty()) {
        params["callFrameId"] = callFrameId;
        r = client->call("Debugger.evaluateOnCallFrame", params);
    } else {
        r = client->call("Runtime.evaluate", params);
    }
    if (r.contains("exceptionDetails")) {
        const json &d = r["exceptionDetails"];
        const std::string text =
            d.value("exception", json::object()).value("description", d.value("text", "error"));
        if (sideEffectFree && text.find("Possible side-effect") != std::string::npos)
            throw BackendError("not evaluated: '" + expression +
                               "' could change the function's state, which a " + context +
                               " never does; evaluate it in the Debug Console");
        throw BackendError(text);
    }
    std::lock_guard lock(m_mutex);
    json v = variable(expression, r.value("result", json::object()));
    json out{{"result", v["value"]}, {"variablesReference", v["variablesReference"]}};
    if (v.contains("type"))
        out["type"] = v["type"];
    if (v.contains("indexedVariables"))
        out["indexedVariables"] = v["indexedVariables"];
    return out;
}

json NodeBackend::setVariable(const json &arguments) {
    auto client = cdp();
    if (!client)
        throw BackendError("the function is not stopped");
    Handle handle;
    std::string topFrame;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_handles.find(arguments.value("variablesReference", 0));
        if (it == m_handles.end())
            throw BackendError("no such variable reference (the function has moved on)");
        handle = it->second;
        if (!m_callFrames.empty())
            topFrame = m_callFrames[0].value("callFrameId", "");
    }
    const std::string name = arguments.value("name", "");
    const std::string value = arguments.value("value", "");
    // The new value is an expression, evaluated where the variable lives.
    const std::string frame = handle.kind == Handle::Kind::Scope ? handle.callFrameId : topFrame;
    const json evaluated =
        client->call("Debugger.evaluateOnCallFrame",
                     {{"callFrameId", frame}, {"expression", value}, {"silent", true}});
    if (evaluated.contains("exceptionDetails"))
        throw BackendError("'" + value + "': " +
                           evaluated["exceptionDetails"]
                               .value("exception", json::object())
                               .value("description", "cannot evaluate"));
    const json result = evaluated.value("result", json::object());
    json argument = json::object();
    if (result.contains("objectId"))
        argument["objectId"] = result["objectId"];
    else if (result.contains("unserializableValue"))
        argument["unserializableValue"] = result["unserializableValue"];
    else if (result.contains("value"))
        argument["value"] = result["value"];
    if (handle.kind == Handle::Kind::Scope) {
        client->call("Debugger.setVariableValue", {{"scopeNumber", handle.scopeNumber},
                                                   {"variableName", name},
                                                   {"newValue", argument},
                                                   {"callFrameId", handle.callFrameId}});
    } else {
        client->call("Runtime.callFunctionOn",
                     {{"objectId", handle.objectId},
                      {"functionDeclaration", "function (name, value) { this[name] = value; }"},
                      {"arguments", json::array({{{"value", name}}, argument})},
                      {"silent", true}});
    }
    std::lock_guard lock(m_mutex);
    json v = variable(name, result);
    return {{"value", v["value"]},
            {"type", v.value("type", "")},
            {"variablesReference", v["variablesReference"]}};
}

json NodeBackend::setFunctionBreakpoints(const json &arguments) {
    std::vector<std::string> names;
    std::vector<std::string> oldIds;
    {
        std::lock_guard lock(m_mutex);
        if (!arguments.value("_reapply", false)) {
            m_functionBreakpoints.clear();
            for (const auto &bp : arguments.value("breakpoints", json::array()))
                m_functionBreakpoints.push_back(bp.value("name", ""));
        }
        names = m_functionBreakpoints;
        oldIds = std::exchange(m_functionBreakpointCdpIds, {});
    }
    auto client = cdp();
    json placed = json::array();
    std::vector<std::string> ids;
    for (const auto &id : oldIds)
        if (client)
            client->send("Debugger.removeBreakpoint", {{"breakpointId", id}});
    for (const auto &name : names) {
        json out{{"id", 0}, {"verified", false}};
        if (!client) {
            out["message"] = "binds when the function's instance runs";
            placed.push_back(out);
            continue;
        }
        try {
            // A function of the handler's module, or any expression naming one.
            const json r = client->call(
                "Runtime.evaluate",
                {{"expression", "(globalThis.__nimbusModule && globalThis.__nimbusModule[" +
                                    json(name).dump() + "]) || (" + name + ")"},
                 {"silent", true}});
            const json fn = r.value("result", json::object());
            if (fn.value("type", "") != "function")
                throw BackendError("no function '" + name + "' in the handler's module");
            const json set = client->call("Debugger.setBreakpointOnFunctionCall",
                                          {{"objectId", fn.value("objectId", "")}});
            ids.push_back(set.value("breakpointId", ""));
            out["verified"] = true;
        } catch (const BackendError &e) {
            out["message"] = e.what();
        }
        placed.push_back(out);
    }
    {
        std::lock_guard lock(m_mutex);
        m_functionBreakpointCdpIds = ids;
        for (auto &bp : placed)
            bp["id"] = m_nextClientId++;
    }
    return {{"breakpoints", placed}};
}

json NodeBackend::request(const std::string &command, const json &arguments) {
    if (command == "setBreakpoints") {
        const std::string path = arguments.value("source", json::object()).value("path", "");
        if (path.empty())
            throw BackendError("setBreakpoints needs source.path");
        std::vector<Breakpoint> list;
        std::vector<std::string> oldIds;
        {
            std::lock_guard lock(m_mutex);
            for (const auto &bp : arguments.value("breakpoints", json::array())) {
                Breakpoint b;
                b.id = m_nextClientId++;
                b.line = bp.value("line", 0);
                b.condition = bp.value("condition", "");
                b.hitCondition = bp.value("hitCondition", "");
                b.logMessage = bp.value("logMessage", "");
                list.push_back(std::move(b));
            }
            for (const auto &old : m_breakpoints[path])
                oldIds.insert(oldIds.end(), old.cdpIds.begin(), old.cdpIds.end());
        }
        auto client = cdp();
        if (client)
            for (const auto &id : oldIds)
                client->send("Debugger.removeBreakpoint", {{"breakpointId", id}});
        const json placed = placeBreakpoints(path, list, client.get());
        {
            std::lock_guard lock(m_mutex);
            m_breakpoints[path] = list;
        }
        return {{"breakpoints", placed}};
    }
    if (command == "setFunctionBreakpoints")
        return setFunctionBreakpoints(arguments);
    if (command == "setExceptionBreakpoints") {
        std::string state = "none";
        for (const auto &f : arguments.value("filters", json::array())) {
            if (f == "raised")
                state = "all";
            else if (f == "uncaught" && state == "none")
                state = "uncaught";
        }
        {
            std::lock_guard lock(m_mutex);
            m_exceptionState = state;
        }
        if (auto client = cdp())
            client->call("Debugger.setPauseOnExceptions", {{"state", state}});
        return json::object();
    }
    if (command == "threads")
        return {{"threads", json::array({{{"id", kThread}, {"name", "Handler (main)"}}})}};
    if (command == "loadedSources") {
        json sources = json::array();
        std::lock_guard lock(m_mutex);
        for (const auto &[id, url] : m_scripts)
            if (!internal(url) && (url.rfind("file://", 0) == 0 || url[0] == '/'))
                sources.push_back(sourceOf(pathOfUrl(url)));
        return {{"sources", sources}};
    }
    if (command == "stackTrace")
        return stackTrace(arguments);
    if (command == "source") {
        std::lock_guard lock(m_mutex);
        const int reference = arguments.value("sourceReference", 0);
        const auto it = m_sourceTexts.find(reference);
        if (it == m_sourceTexts.end())
            throw BackendError("no source " + std::to_string(reference));
        return {{"content", it->second.second}, {"mimeType", "text/x-typescript"}};
    }
    if (command == "scopes")
        return scopes(arguments);
    if (command == "variables")
        return variables(arguments);
    if (command == "evaluate")
        return evaluate(arguments);
    if (command == "setVariable")
        return setVariable(arguments);
    auto client = cdp();
    if (!client)
        throw BackendError("the function is not running in a debug instance yet");
    static const std::map<std::string, std::string> motions{{"continue", "Debugger.resume"},
                                                            {"next", "Debugger.stepOver"},
                                                            {"stepIn", "Debugger.stepInto"},
                                                            {"stepOut", "Debugger.stepOut"}};
    if (const auto m = motions.find(command); m != motions.end()) {
        {
            std::lock_guard lock(m_mutex);
            if (m_callFrames.empty())
                throw BackendError("the function is not stopped");
            m_resumeRequested = true;
            m_stepping = command == "continue" ? "" : "step";
        }
        notifyPlatform(false);
        client->call(m->second);
        return json::object();
    }
    if (command == "pause") {
        client->call("Debugger.pause");
        return json::object();
    }
    throw BackendError("'" + command + "' is not supported for Node functions");
}

void NodeBackend::drain() {
    std::shared_ptr<Agent> agent;
    {
        std::lock_guard lock(m_mutex);
        agent = m_agent;
    }
    if (!agent || !agent->open)
        return;
    // The bootstrap answers a ping after every line it sent before: then they are all here.
    long long before = 0;
    {
        std::lock_guard lock(agent->pongMutex);
        before = agent->pongs;
    }
    sendAgent(agent, "ping", json::object());
    std::unique_lock lock(agent->pongMutex);
    agent->pongWake.wait_for(lock, std::chrono::seconds(2),
                             [&] { return agent->pongs > before || !agent->open; });
}

void NodeBackend::release() {
    auto client = cdp();
    {
        std::lock_guard lock(m_mutex);
        m_released = true;
    }
    if (!client)
        return;
    std::vector<std::string> ids;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[path, list] : m_breakpoints)
            for (const auto &bp : list)
                ids.insert(ids.end(), bp.cdpIds.begin(), bp.cdpIds.end());
        ids.insert(ids.end(), m_functionBreakpointCdpIds.begin(), m_functionBreakpointCdpIds.end());
        m_resumeRequested = true;
    }
    for (const auto &id : ids)
        client->send("Debugger.removeBreakpoint", {{"breakpointId", id}});
    client->send("Debugger.setPauseOnExceptions", {{"state", "none"}});
    notifyPlatform(false);
    // Answered before the connection may close: a stopped function must have resumed.
    try {
        client->call("Debugger.resume", json::object(), std::chrono::seconds(2));
    } catch (const BackendError &) {
        // Not stopped ("Can only perform operation while paused"), or gone: nothing to let go.
    }
}

void NodeBackend::reconfigure() {
    {
        std::lock_guard lock(m_mutex);
        m_released = false;
    }
    if (auto client = cdp()) {
        try {
            applyBreakpoints(*client);
        } catch (const BackendError &) {
            // The instance is gone: the next one gets them as it connects.
        }
    }
}

void NodeBackend::close() {
    m_port.close([this] {
        {
            // An agent waiting for its relay stops waiting.
            std::lock_guard lock(m_channelMutex);
        }
        m_channelWake.notify_all();
        // The bootstrap sees its debugger go and lets the function run on; a reader waiting
        // on the inspector is answered.
        std::shared_ptr<CdpClient> inspector;
        {
            std::lock_guard lock(m_mutex);
            boost::system::error_code ignored;
            if (m_agent)
                m_agent->socket.shutdown(tcp::socket::shutdown_both, ignored);
            inspector = m_cdp;
        }
        if (inspector)
            inspector->close();
    });
    {
        std::lock_guard lock(m_pauseMutex);
        m_pauseStop = true;
    }
    m_pauseWake.notify_all();
    if (m_pauseThread.joinable())
        m_pauseThread.join();
    {
        std::lock_guard lock(m_platformMutex);
        m_platformStop = true;
    }
    m_platformWake.notify_all();
    if (m_platformThread.joinable())
        m_platformThread.join();
    std::lock_guard lock(m_channelMutex);
    for (auto &[token, channel] : m_channels)
        ::close(channel.descriptor);
    m_channels.clear();
}

} // namespace nimbus::dap
