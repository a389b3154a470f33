#include "functiontarget.h"

#include "nimbus/manifest/manifestloader.h"
#include "process/childprocess.h"
#include "simulator/invoker.h"
#include "simulator/statefile.h"

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace fs = std::filesystem;

namespace nimbus::dap {

using nlohmann::json;

FunctionTarget::FunctionTarget(std::string project, std::string function, std::string binDir)
    : m_project(std::move(project))
    , m_function(std::move(function))
    , m_binDir(std::move(binDir)) {}

FunctionTarget::~FunctionTarget() {
    close();
}

bool FunctionTarget::open(std::string &error) {
    std::error_code ec;
    if (!fs::is_directory(m_project, ec)) {
        error = "\"project\": no folder at " + m_project;
        return false;
    }
    m_project = fs::canonical(m_project, ec).string();
    const auto loaded = manifest::ManifestLoader().loadProject(m_project);
    // Warnings never stop a debug session; errors about the whole manifest or this
    // function do.
    if (loaded.blocksEverything() ||
        (loaded.manifest->function(m_function) && !loaded.canRun(m_function))) {
        const auto errors = loaded.blocking(loaded.blocksEverything() ? "" : m_function);
        error = loaded.blocksEverything() ? "the project's manifest has errors"
                                          : "function '" + m_function + "' cannot run";
        if (!errors.empty())
            error += ": " + manifest::formatDiagnostic(errors.front());
        return false;
    }
    const manifest::Function *fn = loaded.manifest->function(m_function);
    if (!fn) {
        std::string names;
        for (const auto &f : loaded.manifest->functions)
            names += (names.empty() ? "" : ", ") + f.name;
        error = "\"function\": no function '" + m_function + "' in " + loaded.manifest->filePath +
                " (functions: " + names + ")";
        return false;
    }
    if (fn->kind == manifest::FunctionKind::HttpService) {
        error = "'" + m_function + "' is an http service; debug the server it runs directly";
        return false;
    }
    const auto family = manifest::runtimeFamily(fn->runtime.value);
    if (family != manifest::RuntimeFamily::Python && family != manifest::RuntimeFamily::Node) {
        error = "'" + m_function + "' runs " + fn->runtime.value +
                "; nimbus-dap debugs Python and Node functions";
        return false;
    }
    m_runtime = family == manifest::RuntimeFamily::Node ? "node" : "python";
    m_function = fn->name;
    m_invokable = fn->kind == manifest::FunctionKind::Event;
    auto live = sim::StateFile::readLive(m_project);
    if (!live) {
        if (!startSimulator(error))
            return false;
        live = sim::StateFile::readLive(m_project);
    }
    if (!live) {
        error = "the simulator did not start";
        return false;
    }
    m_gateway = live->value("gateway", "");
    m_client = std::make_unique<lambdaclient::LambdaClient>(sim::runningSimulator(*live));
    // A launched invocation may stay stopped at a breakpoint for as long as the developer
    // looks: no client-side limit short of a day.
    m_client->setTimeout(std::chrono::hours(24));
    return true;
}

bool FunctionTarget::startSimulator(std::string &error) {
    sim::ChildProcess::Spec spec;
    spec.executable = (fs::path(m_binDir) / "nimbus-sim").string();
    spec.arguments = {"--project", m_project};
    spec.workingDirectory = m_project;
    for (char **e = environ; *e; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos)
            spec.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    m_child = sim::ChildProcess::start(
        m_io, spec,
        [this](std::string_view output) {
            std::lock_guard lock(m_outputMutex);
            m_childOutput.append(output);
            if (m_childOutput.size() > 8192)
                m_childOutput.erase(0, m_childOutput.size() - 8192);
        },
        [](sim::ExitStatus) {}, error);
    if (!m_child) {
        error = "cannot start " + spec.executable + ": " + error;
        return false;
    }
    m_ioThread = std::thread([this] {
        auto guard = boost::asio::make_work_guard(m_io);
        m_io.run();
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto live = sim::StateFile::readLive(m_project);
            live && live->value("pid", 0) == m_child->pid())
            return true;
        if (!m_child->running())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::lock_guard lock(m_outputMutex);
    error = "the simulator did not start: " + m_childOutput;
    return false;
}

bool FunctionTarget::attach(const std::string &agent, std::string &error,
                            const std::map<std::string, std::string> &environment) {
    json request{{"agent", agent}};
    if (!environment.empty())
        request["environment"] = environment;
    const auto raw = m_client->send("PUT", "/_nimbus/debug/" + m_function, {}, request.dump());
    if (raw.status != 200) {
        const json body = json::parse(raw.body, nullptr, false);
        error = raw.status == 0 ? "cannot reach the simulator: " + raw.transportError
                                : (body.is_object() ? body.value("message", raw.body) : raw.body);
        return false;
    }
    m_attached = true;
    return true;
}

void FunctionTarget::detach(bool terminate) {
    if (!m_attached || !m_client)
        return;
    m_attached = false;
    std::vector<std::pair<std::string, std::string>> query;
    if (terminate)
        query.emplace_back("terminate", "true");
    m_client->send("DELETE", "/_nimbus/debug/" + m_function, query, "");
}

lambdaclient::InvokeResult FunctionTarget::invoke(const std::string &payload) {
    return m_client->invoke(m_function, payload);
}

void FunctionTarget::close() {
    detach();
    if (m_child) {
        if (m_child->running()) {
            m_child->killGroup(SIGTERM);
            for (int i = 0; i < 100 && m_child->running(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (m_child->running())
                m_child->killGroup(SIGKILL);
        }
    }
    m_io.stop();
    if (m_ioThread.joinable())
        m_ioThread.join();
    m_child.reset();
}

} // namespace nimbus::dap
