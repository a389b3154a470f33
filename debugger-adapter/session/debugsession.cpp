#include "debugsession.h"

#include "../backend/nodebackend.h"
#include "../backend/pythonbackend.h"
#include "nimbus/failures/failure.h"
#include "simulator/invoker.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::dap {

using nlohmann::json;

namespace {
// The newest modification time among a project's own files (not the simulator's state or
// dependencies), to tell a hot reload from another reason for a new instance.
fs::file_time_type newestChange(const std::string &project) {
    auto newest = fs::file_time_type::min(); // (file_clock's epoch is in the future)
    std::error_code ec;
    int seen = 0;
    for (auto it = fs::recursive_directory_iterator(
             project, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && seen < 20000;
         it.increment(ec), ++seen) {
        const std::string name = it->path().filename().string();
        std::error_code entry; // an unreadable entry is passed over, not the end of the walk
        if (it->is_directory(entry) && (name == ".nimbus" || name == "node_modules" ||
                                        name == ".git" || name == "__pycache__")) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file(entry)) {
            const auto time = it->last_write_time(entry);
            if (!entry)
                newest = std::max(newest, time);
        }
    }
    return newest;
}
} // namespace

DebugSession::DebugSession(Send send, SessionConfig config, BackendFactory backendFactory)
    : m_send(std::move(send))
    , m_config(std::move(config))
    , m_backendFactory(std::move(backendFactory)) {
    if (!m_backendFactory)
        m_backendFactory = [](const std::string &runtime,
                              const std::string &resourcesDir) -> std::unique_ptr<DebugBackend> {
            if (runtime == "node")
                return std::make_unique<NodeBackend>();
            return std::make_unique<PythonBackend>(resourcesDir);
        };
    registerHandlers();
}

DebugSession::~DebugSession() {
    endSession();
}

void DebugSession::output(const std::string &text, const std::string &category) {
    sendEvent("output", {{"category", category}, {"output", text}});
}

void DebugSession::frameError(const std::string &error) {
    m_send(m_messages.errorResponse(0, "", "unreadable message frame: " + error));
}

void DebugSession::handle(const std::string &body) {
    const ParsedRequest parsed = parseRequest(body);
    if (!parsed.request) {
        m_send(m_messages.errorResponse(parsed.seq, parsed.command,
                                        "malformed request: " + parsed.error));
        return;
    }
    const Request &request = *parsed.request;
    auto it = m_handlers.find(request.command);
    if (it == m_handlers.end()) {
        m_send(m_messages.errorResponse(request.seq, request.command,
                                        "unknown request '" + request.command + "'"));
        return;
    }
    if (!m_initialized && request.command != "initialize") {
        m_send(m_messages.errorResponse(request.seq, request.command, "send 'initialize' first"));
        return;
    }
    // Events the backend raises while one of its requests is answered wait for that answer:
    // the agent answers `next` before it stops again, but its stopped event must not reach
    // the client before the response (a client may start waiting for it only then).
    struct Deferral {
        DebugSession &session;
        explicit Deferral(DebugSession &s)
            : session(s) {
            std::lock_guard lock(session.m_eventMutex);
            ++session.m_requestsInFlight;
        }
        ~Deferral() { session.flushDeferredEvents(); }
    } deferral(*this);
    try {
        json result = it->second(request);
        m_send(m_messages.response(request, std::move(result)));
        // The protocol's order: these events follow their request's response.
        if (request.command == "initialize")
            m_send(m_messages.event("initialized"));
        if (request.command == "terminate")
            m_send(m_messages.event("terminated"));
    } catch (const ArgumentError &e) {
        m_send(m_messages.errorResponse(request.seq, request.command, e.what()));
    } catch (const BackendError &e) {
        m_send(m_messages.errorResponse(request.seq, request.command, e.what()));
    } catch (const json::exception &e) {
        m_send(m_messages.errorResponse(request.seq, request.command,
                                        "malformed arguments: " + std::string(e.what())));
    } catch (const std::exception &e) {
        m_send(m_messages.errorResponse(request.seq, request.command, e.what()));
    }
}

void DebugSession::registerHandlers() {
    m_handlers["initialize"] = [this](const Request &r) { return initialize(r); };
    m_handlers["launch"] = [this](const Request &r) { return launch(r); };
    m_handlers["attach"] = [this](const Request &r) { return attach(r); };
    m_handlers["configurationDone"] = [this](const Request &r) { return configurationDone(r); };
    m_handlers["restart"] = [this](const Request &r) { return restart(r); };
    m_handlers["disconnect"] = [this](const Request &r) { return disconnect(r, false); };
    m_handlers["terminate"] = [this](const Request &r) { return disconnect(r, true); };
    // (Both are answered after the session has let go of the function.)
    // What concerns the running code goes to the backend as it is.
    for (const char *command :
         {"setBreakpoints", "setFunctionBreakpoints", "setExceptionBreakpoints", "threads",
          "stackTrace", "scopes", "variables", "evaluate", "setVariable", "continue", "next",
          "stepIn", "stepOut", "pause", "loadedSources", "source"}) {
        m_handlers[command] = [this](const Request &r) {
            if (!m_backend) {
                // Breakpoints may come before launch or attach: kept for then, by the backend
                // their files suggest (the function's runtime decides when it is known).
                const std::string path =
                    r.arguments.value("source", json::object()).value("path", "");
                const auto dot = path.rfind('.');
                const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
                static const std::set<std::string> node{".js", ".mjs", ".cjs",
                                                        ".ts", ".mts", ".cts"};
                useBackend(node.count(ext) ? "node" : "python");
            }
            if (r.command == "setExceptionBreakpoints") {
                m_exceptionFilters = r.arguments.value("filters", json::array());
                if (m_replay) {
                    json arguments = r.arguments;
                    arguments["filters"] = replayFilters();
                    return m_backend->request(r.command, arguments);
                }
            }
            if (!m_target) {
                if (r.command == "setBreakpoints")
                    m_sourceBreakpoints[r.arguments.value("source", json::object())
                                            .value("path", "")] = r.arguments;
                else if (r.command == "setFunctionBreakpoints" ||
                         r.command == "setExceptionBreakpoints")
                    m_otherBreakpoints[r.command] = r.arguments;
            }
            json body = m_backend->request(r.command, r.arguments);
            if (r.command == "continue")
                body["allThreadsContinued"] = true;
            return body;
        };
    }
}

json DebugSession::replayFilters() const {
    json filters = m_exceptionFilters.is_array() ? m_exceptionFilters : json::array();
    if (std::find(filters.begin(), filters.end(), "uncaught") == filters.end())
        filters.push_back("uncaught");
    return filters;
}

void DebugSession::useBackend(const std::string &runtime) {
    if (m_backend && m_backendRuntime == runtime)
        return;
    const bool replay = m_backend != nullptr;
    if (m_backend)
        m_backend->close();
    m_backend = m_backendFactory(runtime, m_config.resourcesDir);
    m_backendRuntime = runtime;
    m_backend->setEventSink(
        [this](const std::string &event, const json &body) { onBackendEvent(event, body); });
    if (!replay)
        return;
    // The breakpoints set before the runtime was known go to the backend that debugs it;
    // the client hears where they are now.
    for (const auto &[path, arguments] : m_sourceBreakpoints) {
        const json placed = m_backend->request("setBreakpoints", arguments);
        for (const auto &bp : placed.value("breakpoints", json::array()))
            sendEvent("breakpoint", {{"reason", "new"}, {"breakpoint", bp}});
    }
    for (const auto &[command, arguments] : m_otherBreakpoints)
        m_backend->request(command, arguments);
}

json DebugSession::initialize(const Request &request) {
    if (m_initialized)
        throw ArgumentError("the session is already initialized");
    if (request.arguments.value("pathFormat", "path") != "path")
        throw ArgumentError("only \"pathFormat\": \"path\" is supported");
    m_initialized = true;
    return capabilities();
}

void DebugSession::connect(const Request &request, const std::string &project,
                           const std::string &function,
                           const std::map<std::string, std::string> &environment) {
    if (m_mode != Mode::None)
        throw ArgumentError("the session already has a function; start another session");
    m_target = std::make_unique<FunctionTarget>(project, function, m_config.binDir);
    std::string error;
    if (!m_target->open(error)) {
        m_target.reset();
        throw ArgumentError(error);
    }
    useBackend(m_target->runtime());
    m_backend->setStopOnEntry(request.arguments.value("stopOnEntry", false));
    const std::string agent = m_backend->listen();
    if (!m_target->attach(agent, error, environment)) {
        m_target->close();
        m_target.reset();
        throw ArgumentError("cannot attach to '" + function + "': " + error);
    }
}

json DebugSession::launch(const Request &request) {
    const json &args = request.arguments;
    const std::string project = requireString(args, "project", "launch");
    std::map<std::string, std::string> environment;
    std::string function;
    if (args.contains("replay")) {
        // A failure the simulator kept: its function, event and environment (secrets were
        // masked: they keep today's values).
        const std::string id =
            args["replay"].is_number_integer() ? std::to_string(args["replay"].get<long long>())
            : args["replay"].is_string()       ? args["replay"].get<std::string>()
                                               : std::string();
        if (id.empty())
            throw ArgumentError("\"replay\" wants a failure's number or request id (nimbus "
                                "failures lists them)");
        std::string error;
        const auto found = sim::findFailure(project, id, error);
        if (!found)
            throw ArgumentError("\"replay\": " + error);
        const failures::Failure failure = failures::failureFromJson(*found);
        function = failure.function;
        m_payload = failure.event.empty() ? "{}" : failure.event;
        for (const auto &[name, value] : failure.environment)
            if (value != failures::kMasked)
                environment[name] = value;
        m_replay = true;
        output("Replaying failure #" + std::to_string(failure.id) + " of " + function + ": " +
               failures::headline(failure) + "\n");
    } else {
        function = requireString(args, "function", "launch");
    }
    // The event: inline JSON, or a file of it.
    if (m_replay) {
        // (the failure's)
    } else if (args.contains("eventFile") && args["eventFile"].is_string()) {
        fs::path file = args["eventFile"].get<std::string>();
        if (file.is_relative())
            file = fs::path(project) / file;
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw ArgumentError("\"eventFile\": cannot read " + file.string());
        std::ostringstream text;
        text << in.rdbuf();
        const json parsed = json::parse(text.str(), nullptr, false);
        if (parsed.is_discarded())
            throw ArgumentError("\"eventFile\": " + file.string() + " is not valid JSON");
        m_payload = parsed.dump();
    } else if (args.contains("event")) {
        m_payload = args["event"].dump();
    } else {
        m_payload = "{}";
    }
    connect(request, project, function, environment);
    m_mode = Mode::Launch;
    if (!m_target->invokable()) {
        const std::string name = m_target->function();
        m_target->close(); // detached, and a simulator started for it stopped
        m_target.reset();
        m_mode = Mode::None;
        throw ArgumentError("'" + name +
                            "' is an http function: it is reached over HTTP, not invoked. "
                            "Attach to it, then send it a request");
    }
    output("Debugging " + m_target->function() + " in " +
           (m_target->startedSimulator() ? "a simulator started for this session"
                                         : "the project's running simulator") +
           "\n");
    std::lock_guard lock(m_lifecycle);
    if (m_configured)
        startInvocation();
    else
        m_launchPending = true;
    return json::object();
}

json DebugSession::attach(const Request &request) {
    const json &args = request.arguments;
    connect(request, requireString(args, "project", "attach"),
            requireString(args, "function", "attach"));
    m_mode = Mode::Attach;
    output("Attached to " + m_target->function() +
           ": every invocation now runs in a debug instance" +
           (m_target->gatewayUrl().empty() ? std::string()
                                           : " (gateway " + m_target->gatewayUrl() + ")") +
           ". Detach to return it to ordinary instances.\n");
    return json::object();
}

json DebugSession::configurationDone(const Request &) {
    std::lock_guard lock(m_lifecycle);
    m_configured = true;
    if (m_launchPending) {
        m_launchPending = false;
        startInvocation();
    }
    return json::object();
}

void DebugSession::startInvocation() {
    if (m_invocation.joinable())
        m_invocation.join();
    if (m_replay && m_backend)
        m_backend->request("setExceptionBreakpoints", {{"filters", replayFilters()}});
    m_invoking = true;
    m_invocation = std::thread([this] {
        const auto result = m_target->invoke(m_payload);
        if (m_restarting || m_ended || m_letGo) {
            m_invoking = false;
            return;
        }
        // The function's own output travels from its agent, the result from the simulator:
        // the output first, as in a terminal.
        if (m_backend)
            m_backend->drain();
        if (result.status == 0 || result.status >= 300) {
            output("The invocation failed: " + result.error.type + ": " + result.error.message +
                       "\n",
                   "stderr");
        } else if (!result.functionError.empty()) {
            output("Error: " + result.payload + "\n", "stderr");
        } else {
            output("Result: " + result.payload + "\n");
        }
        // The platform's summary lines, as Lambda logs them (REPORT) or SCF (Init Report
        // after a cold start, Report).
        std::istringstream lines(result.log);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("REPORT ", 0) == 0 || line.rfind("Report ", 0) == 0 ||
                line.rfind("Init Report ", 0) == 0)
                output(line + "\n");
        m_invoking = false;
        if (m_mode == Mode::Launch) {
            const int code = result.status == 200 && result.functionError.empty() ? 0 : 1;
            sendEvent("exited", {{"exitCode", code}});
            sendEvent("terminated", json::object());
        }
    });
}

json DebugSession::restart(const Request &) {
    if (m_mode != Mode::Launch)
        throw ArgumentError("restart is for launched sessions; detach and attach again");
    // Let the running invocation finish without stopping, then invoke again.
    m_restarting = true;
    if (m_backend)
        m_backend->release();
    if (m_invocation.joinable())
        m_invocation.join();
    m_restarting = false;
    if (m_backend)
        m_backend->reconfigure();
    output("Restarting: invoking " + m_target->function() + " again\n");
    startInvocation();
    return json::object();
}

json DebugSession::disconnect(const Request &request, bool terminate) {
    // terminate ends the debuggee and keeps the session for the disconnect that follows;
    // disconnect ends the session, and the debuggee too when asked (the default for a
    // launch, as in VS Code), else lets it run on.
    const bool killDebuggee =
        terminate || request.arguments.value("terminateDebuggee", m_mode == Mode::Launch);
    if (terminate) {
        letGo(true);
        return json::object();
    }
    letGo(killDebuggee);
    endSession();
    return json::object();
}

void DebugSession::letGo(bool terminateDebuggee) {
    std::lock_guard lock(m_lifecycle);
    if (m_letGo)
        return;
    m_letGo = true;
    // The function runs on without its debugger (or ends, when terminated); an attached
    // function goes back to ordinary instances.
    if (m_backend)
        m_backend->release();
    if (m_target)
        m_target->detach(terminateDebuggee);
    if (m_backend)
        m_backend->close();
}

void DebugSession::endSession() {
    if (m_ended.exchange(true))
        return;
    letGo(m_mode == Mode::Launch);
    if (m_invocation.joinable())
        m_invocation.join();
    // A simulator started for the session stops with it.
    if (m_target)
        m_target->close();
}

void DebugSession::clientGone() {
    endSession();
}

void DebugSession::flushDeferredEvents() {
    std::vector<json> events;
    {
        std::lock_guard lock(m_eventMutex);
        if (--m_requestsInFlight > 0)
            return;
        events = std::move(m_deferredEvents);
        m_deferredEvents.clear();
        for (auto &event : events)
            m_send(event); // under the lock, so later events cannot overtake these
    }
}

void DebugSession::sendEvent(const std::string &event, const json &body) {
    std::lock_guard lock(m_eventMutex);
    json message = m_messages.event(event, body);
    if (m_requestsInFlight > 0)
        m_deferredEvents.push_back(std::move(message));
    else
        m_send(message);
}

void DebugSession::onBackendEvent(const std::string &event, const json &body) {
    if (m_ended)
        return;
    if (event == "agentConnected") {
        if (m_target) {
            const auto newest = newestChange(m_target->project());
            if (m_codeSeen && newest > *m_codeSeen)
                output("The function's code changed: a new debug instance runs it, with your "
                       "breakpoints\n");
            m_codeSeen = newest;
        }
        output("Debug instance started (pid " + std::to_string(body.value("pid", 0)) + ", " +
               body.value("runtime", "Python " + body.value("python", "")) + ")\n");
        return;
    }
    if (event == "agentGone") {
        if (!m_invoking)
            output("The debug instance ended; the next invocation starts another\n");
        return;
    }
    if (event == "agentConfigured")
        return;
    sendEvent(event, body);
}

} // namespace nimbus::dap
