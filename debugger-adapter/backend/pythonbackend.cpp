#include "pythonbackend.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <istream>
#include <sys/socket.h>

namespace nimbus::dap {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct PythonBackend::Connection {
    tcp::socket socket;
    std::mutex writeMutex;
    std::map<long long, Callback> pending;
    long long nextSeq = 1;
    bool open = true;
    explicit Connection(tcp::socket s)
        : socket(std::move(s)) {}
};

PythonBackend::PythonBackend(std::string resourcesDir)
    : m_resourcesDir(std::move(resourcesDir))
    // A connection becomes the agent's when it says hello (the simulator also knocks, to
    // see that the debugger is still there).
    , m_port([this](tcp::socket socket) {
        readLoop(std::make_shared<Connection>(std::move(socket)));
    }) {}

PythonBackend::~PythonBackend() {
    close();
}

std::string PythonBackend::listen() {
    return m_port.listen(); // one port for the session, whatever it attaches to
}

void PythonBackend::setStopOnEntry(bool stop) {
    std::lock_guard lock(m_mutex);
    m_stopOnEntry = stop;
}


bool PythonBackend::connected() const {
    std::lock_guard lock(m_mutex);
    return m_connection && m_connection->open;
}

void PythonBackend::readLoop(std::shared_ptr<Connection> connection) {
    asio::streambuf buffer;
    for (;;) {
        boost::system::error_code ec;
        asio::read_until(connection->socket, buffer, '\n', ec);
        if (ec)
            break;
        std::istream in(&buffer);
        std::string line;
        std::getline(in, line);
        const json message = json::parse(line, nullptr, false);
        if (!message.is_object())
            continue;
        if (message.value("type", "") == "response") {
            Callback callback;
            {
                std::lock_guard lock(m_mutex);
                auto it = connection->pending.find(message.value("request_seq", 0LL));
                if (it != connection->pending.end()) {
                    callback = std::move(it->second);
                    connection->pending.erase(it);
                }
            }
            if (callback)
                callback(message);
            continue;
        }
        const std::string event = message.value("event", "");
        json body = message.value("body", json::object());
        if (event == "hello") {
            {
                std::lock_guard lock(m_mutex);
                // A new instance replaces the old one (the simulator retired it).
                if (m_connection && m_connection != connection) {
                    boost::system::error_code ignored;
                    m_connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
                }
                m_connection = connection;
            }
            emitEvent("agentConnected", body);
            configure(connection);
            continue;
        }
        emitEvent(event, body);
    }
    std::map<long long, Callback> orphans;
    bool current = false;
    {
        std::lock_guard lock(m_mutex);
        connection->open = false;
        orphans = std::move(connection->pending);
        connection->pending.clear();
        current = m_connection == connection;
        if (current)
            m_connection.reset();
    }
    for (auto &[seq, callback] : orphans)
        callback(json{{"success", false}, {"message", "the function's instance went away"}});
    if (current && !m_port.closing())
        emitEvent("agentGone", json::object());
}

void PythonBackend::send(const std::shared_ptr<Connection> &connection, const std::string &command,
                         const json &arguments, Callback callback) {
    long long seq = 0;
    {
        std::lock_guard lock(m_mutex);
        seq = connection->nextSeq++;
        if (callback)
            connection->pending[seq] = std::move(callback);
    }
    const std::string line =
        json{{"seq", seq}, {"command", command}, {"arguments", arguments}}.dump() + "\n";
    std::lock_guard write(connection->writeMutex);
    boost::system::error_code ec;
    asio::write(connection->socket, asio::buffer(line), ec);
}

json PythonBackend::call(const std::string &command, const json &arguments,
                         std::chrono::milliseconds timeout) {
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(m_mutex);
        connection = m_connection;
    }
    if (!connection || !connection->open)
        throw BackendError("the function is not running in a debug instance yet");
    auto promise = std::make_shared<std::promise<json>>();
    auto future = promise->get_future();
    send(connection, command, arguments,
         [promise](const json &response) { promise->set_value(response); });
    if (future.wait_for(timeout) != std::future_status::ready)
        throw BackendError("the function did not answer '" + command + "' in time");
    const json response = future.get();
    if (!response.value("success", false))
        throw BackendError(response.value("message", "'" + command + "' failed"));
    return response.value("body", json::object());
}

std::vector<int> PythonBackend::statementLines(const std::string &path, std::string &error) {
    std::string quoted = "'";
    for (char c : path)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    const std::string command = "python3 '" + m_resourcesDir +
                                "/runtimes/python/_nimbus_debug.py' --statement-lines " + quoted +
                                " 2>/dev/null";
    std::string output;
    if (FILE *pipe = ::popen(command.c_str(), "r")) {
        char chunk[4096];
        std::size_t n;
        while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0)
            output.append(chunk, n);
        ::pclose(pipe);
    }
    const json parsed = json::parse(output, nullptr, false);
    if (!parsed.is_array()) {
        error = parsed.is_object() ? parsed.value("error", "cannot read the file")
                                   : "cannot run python3 to read the file";
        return {};
    }
    return parsed.get<std::vector<int>>();
}

json PythonBackend::placeOffline(const std::string &path, const json &breakpoints) {
    std::string error;
    const auto lines = statementLines(path, error);
    json placed = json::array();
    for (const auto &bp : breakpoints) {
        const int want = bp.value("line", 0);
        const auto it = std::lower_bound(lines.begin(), lines.end(), want);
        if (it == lines.end())
            placed.push_back(
                {{"verified", false},
                 {"line", want},
                 {"message", error.empty() ? "no code at or after this line" : error}});
        else
            placed.push_back({{"verified", true}, {"line", *it}, {"source", {{"path", path}}}});
    }
    return placed;
}

// Numbers the breakpoints of a request with the client's ids (new ones each time, as a
// setBreakpoints request replaces the set); the agent keeps these ids, so its stopped events
// name breakpoints as the client knows them.
json PythonBackend::numbered(const json &breakpoints) {
    json out = json::array();
    std::lock_guard lock(m_mutex);
    for (json bp : breakpoints) {
        bp["id"] = m_nextClientId++;
        out.push_back(std::move(bp));
    }
    return out;
}

// The ids the client gave, put back on what the agent or the placement answered.
json withIds(const json &placed, const json &requested) {
    json out = json::array();
    for (std::size_t i = 0; i < placed.size(); ++i) {
        json bp = placed[i];
        if (i < requested.size() && requested[i].contains("id"))
            bp["id"] = requested[i]["id"];
        out.push_back(std::move(bp));
    }
    return out;
}

void PythonBackend::configure(const std::shared_ptr<Connection> &connection,
                              std::function<void()> done) {
    json arguments;
    {
        std::lock_guard lock(m_mutex);
        json breakpoints = json::object();
        for (const auto &[path, bps] : m_breakpoints)
            breakpoints[path] = bps;
        arguments = {{"breakpoints", breakpoints},
                     {"functionBreakpoints", m_functionBreakpoints},
                     {"exceptionFilters", m_exceptionFilters},
                     {"stopOnEntry", m_stopOnEntry}};
        m_stopOnEntry = false; // the first instance's first invocation only
    }
    send(connection, "configure", arguments, [this, done](const json &response) {
        struct Done {
            std::function<void()> f;
            ~Done() {
                if (f)
                    f();
            }
        } signal{done};
        if (!response.value("success", false))
            return;
        const json body = response.value("body", json::object());
        // Where the instance placed them (it knows the code best): the client hears.
        const json byPath = body.value("breakpoints", json::object());
        for (const auto &[path, placed] : byPath.items())
            for (const auto &bp : placed)
                emitEvent("breakpoint", {{"reason", "changed"}, {"breakpoint", bp}});
        for (const auto &bp : body.value("functionBreakpoints", json::array()))
            emitEvent("breakpoint", {{"reason", "changed"}, {"breakpoint", bp}});
        emitEvent("agentConfigured", json::object());
    });
}

json PythonBackend::request(const std::string &command, const json &arguments) {
    if (command == "setBreakpoints") {
        const std::string path = arguments.value("source", json::object()).value("path", "");
        if (path.empty())
            throw BackendError("setBreakpoints needs source.path");
        const json breakpoints = numbered(arguments.value("breakpoints", json::array()));
        {
            std::lock_guard lock(m_mutex);
            m_breakpoints[path] = breakpoints;
        }
        if (connected()) {
            json forwarded = arguments;
            forwarded["breakpoints"] = breakpoints;
            const json body = call(command, forwarded);
            return {
                {"breakpoints", withIds(body.value("breakpoints", json::array()), breakpoints)}};
        }
        return {{"breakpoints", withIds(placeOffline(path, breakpoints), breakpoints)}};
    }
    if (command == "setFunctionBreakpoints") {
        const json breakpoints = numbered(arguments.value("breakpoints", json::array()));
        {
            std::lock_guard lock(m_mutex);
            m_functionBreakpoints = breakpoints;
        }
        if (connected()) {
            const json body = call(command, {{"breakpoints", breakpoints}});
            return {
                {"breakpoints", withIds(body.value("breakpoints", json::array()), breakpoints)}};
        }
        json pending = json::array();
        for (std::size_t i = 0; i < breakpoints.size(); ++i)
            pending.push_back(
                {{"verified", false}, {"message", "resolved when the function's instance starts"}});
        return {{"breakpoints", withIds(pending, breakpoints)}};
    }
    if (command == "setExceptionBreakpoints") {
        {
            std::lock_guard lock(m_mutex);
            m_exceptionFilters = arguments.value("filters", json::array());
        }
        if (connected())
            call(command, arguments);
        return json::object();
    }
    if (command == "threads" && !connected())
        return {{"threads", json::array({{{"id", 1}, {"name", "Handler (MainThread)"}}})}};
    if (command == "loadedSources" && !connected())
        return {{"sources", json::array()}};
    return call(command, arguments);
}

void PythonBackend::drain() {
    // The agent answers on the connection its events came on, after them, and the reader
    // hands messages on in order: once the answer is in, so is everything before it.
    if (!connected())
        return;
    try {
        call("threads", json::object(), std::chrono::seconds(2));
    } catch (const BackendError &) {
        // Gone or busy: nothing more will come, or it comes late.
    }
}

void PythonBackend::release() {
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(m_mutex);
        connection = m_connection;
    }
    if (!connection || !connection->open)
        return;
    send(connection, "configure",
         {{"breakpoints", json::object()},
          {"functionBreakpoints", json::array()},
          {"exceptionFilters", json::array()},
          {"stopOnEntry", false}},
         {});
    send(connection, "continue", json::object(), {});
}

void PythonBackend::reconfigure() {
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(m_mutex);
        connection = m_connection;
    }
    if (!connection || !connection->open)
        return;
    // Waits for the agent to have the breakpoints: the next invocation must find them.
    auto done = std::make_shared<std::promise<void>>();
    auto ready = done->get_future();
    configure(connection, [done] { done->set_value(); });
    ready.wait_for(std::chrono::seconds(10));
}

void PythonBackend::close() {
    m_port.close([this] {
        // The agent sees its debugger go and lets the function run on.
        std::lock_guard lock(m_mutex);
        boost::system::error_code ignored;
        if (m_connection)
            m_connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
    });
}

} // namespace nimbus::dap
