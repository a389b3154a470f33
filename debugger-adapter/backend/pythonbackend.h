#pragma once

#include "agentport.h"
#include "debugbackend.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nimbus::dap {

// The Python backend: a loopback port the function's debug agent (resources/runtimes/
// python/_nimbus_debug.py, inside the bootstrap) connects to, one JSON message per line.
// Requests are DAP-shaped and pass through; what this side adds is state that outlives an
// instance: the breakpoints (sent to each new instance as it connects), stable breakpoint
// ids for the client, and breakpoints placed before any instance runs (on the lines where
// Python statements start, as the agent will place them).
class PythonBackend : public DebugBackend {
public:
    explicit PythonBackend(std::string resourcesDir);
    ~PythonBackend() override;

    std::string listen() override;
    void setStopOnEntry(bool stop) override;
    nlohmann::json request(const std::string &command, const nlohmann::json &arguments) override;
    void release() override;
    void reconfigure() override;
    bool connected() const override;
    void drain() override;
    void close() override;

    // The lines of a Python file where statements start (asked of Python's own parser).
    std::vector<int> statementLines(const std::string &path, std::string &error);

private:
    using Callback = std::function<void(const nlohmann::json &response)>;
    struct Connection;

    void readLoop(std::shared_ptr<Connection> connection);
    void send(const std::shared_ptr<Connection> &connection, const std::string &command,
              const nlohmann::json &arguments, Callback callback);
    nlohmann::json call(const std::string &command, const nlohmann::json &arguments,
                        std::chrono::milliseconds timeout = std::chrono::seconds(15));
    void configure(const std::shared_ptr<Connection> &connection, std::function<void()> done = {});
    nlohmann::json placeOffline(const std::string &path, const nlohmann::json &breakpoints);
    nlohmann::json numbered(const nlohmann::json &breakpoints);

    std::string m_resourcesDir;
    AgentPort m_port;

    mutable std::mutex m_mutex;
    std::shared_ptr<Connection> m_connection; // the agent connected now
    // What the client has set, re-sent to every new instance.
    std::map<std::string, nlohmann::json> m_breakpoints; // path -> SourceBreakpoint[]
    nlohmann::json m_functionBreakpoints = nlohmann::json::array();
    nlohmann::json m_exceptionFilters = nlohmann::json::array();
    bool m_stopOnEntry = false;
    int m_nextClientId = 1; // breakpoint ids as the client knows them
};

} // namespace nimbus::dap
