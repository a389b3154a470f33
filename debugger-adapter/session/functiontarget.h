#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace nimbus::sim {
class ChildProcess;
}

namespace nimbus::dap {

// The function a debug session is about, inside the simulator that serves its project:
// the project's running simulator, or one started for the session (and stopped after);
// attaching the debug agent's address to the function there; invoking it. Blocking calls
// over the simulator's control plane.
class FunctionTarget {
public:
    FunctionTarget(std::string project, std::string function, std::string binDir);
    ~FunctionTarget();

    // Checks the function (a Python event or http function of the project's manifest),
    // then finds or starts the simulator. False with `error` in words for the user.
    bool open(std::string &error);
    // Whether the function is invoked (an event function) or reached over HTTP.
    bool invokable() const { return m_invokable; }
    // "python" or "node": which debug backend it needs.
    const std::string &runtime() const { return m_runtime; }
    // Every invocation of the function now runs in one debug instance whose agent
    // connects to `agent`; detach() returns it to ordinary instances.
    // `environment` is set over the manifest's while attached (a replayed failure's).
    bool attach(const std::string &agent, std::string &error,
                const std::map<std::string, std::string> &environment = {});
    // `terminate`: end what the debug instance runs now, rather than letting it finish.
    void detach(bool terminate = false);
    lambdaclient::InvokeResult invoke(const std::string &payload);
    // Detaches and stops the simulator if this target started it.
    void close();

    const std::string &function() const { return m_function; }
    const std::string &project() const { return m_project; }
    std::string gatewayUrl() const { return m_gateway; }
    bool startedSimulator() const { return m_child != nullptr; }

private:
    bool startSimulator(std::string &error);

    std::string m_project;
    std::string m_function;
    std::string m_binDir;
    std::string m_gateway;
    std::unique_ptr<lambdaclient::LambdaClient> m_client;
    bool m_attached = false;
    bool m_invokable = true;
    std::string m_runtime = "python";
    boost::asio::io_context m_io;
    std::shared_ptr<sim::ChildProcess> m_child;
    std::thread m_ioThread;
    std::mutex m_outputMutex;
    std::string m_childOutput;
};

} // namespace nimbus::dap
