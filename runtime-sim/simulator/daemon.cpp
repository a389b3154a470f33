#include "daemon.h"

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator.h"
#include "statefile.h"

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

// Prints what the platform does, one line per log line, prefixed by the function.
class ConsoleLog : public PoolObserver {
public:
    void instanceStarted(const std::string &function, pid_t pid) override {
        std::cout << "[" << function << "] instance " << pid << " started\n" << std::flush;
    }
    void instanceStopped(const std::string &function, pid_t pid, const std::string &why) override {
        std::cout << "[" << function << "] instance " << pid << " stopped: " << why << "\n"
                  << std::flush;
    }
    void invocationLog(const std::string &function, const std::string &log) override {
        std::istringstream lines(log);
        for (std::string line; std::getline(lines, line);)
            std::cout << "[" << function << "] " << line << "\n";
        std::cout << std::flush;
    }
};

std::string isoNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

} // namespace

int runDaemon(int argc, char **argv) {
    CLI::App app{"nimbus-sim: the local function platform for one project", "nimbus-sim"};
    std::string project = ".";
    std::string stage;
    double keepAlive = 300;
    int concurrency = 10;
    unsigned short port = 0;
    app.add_option("--project,-p", project, "Project folder (default: the current folder)");
    app.add_option("--stage", stage, "Stage for ${opt:stage} and deployed names");
    app.add_option("--keep-alive", keepAlive, "Seconds an idle instance stays warm (default 300)")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-concurrency", concurrency,
                   "Instances per function unless reservedConcurrency says (default 10)")
        ->check(CLI::Range(1, 1000));
    app.add_option("--port", port, "Control plane port on 127.0.0.1 (default: any free port)");
    app.set_version_flag("--version", std::string("nimbus-sim ") + NIMBUS_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }

    std::error_code ec;
    if (!fs::is_directory(project, ec)) {
        std::cerr << "nimbus-sim: " << project << ": no such project folder\n";
        return 1;
    }
    project = fs::canonical(project, ec).string();
    if (auto live = StateFile::readLive(project)) {
        std::cerr << "nimbus-sim: a simulator is already serving " << project << " (pid "
                  << (*live)["pid"].get<int>() << ", " << (*live).value("controlPlane", "")
                  << ")\n";
        return 1;
    }

    boost::asio::io_context io;
    ConsoleLog console;
    SimulatorOptions options;
    options.projectDir = project;
    options.stage = stage;
    options.resourcesDir = resources::resourcesDir();
    options.pool.keepAlive = std::chrono::milliseconds(static_cast<long long>(keepAlive * 1000));
    options.defaultConcurrency = concurrency;
    options.controlPort = port;
    Simulator simulator(io, options, &console);
    if (!simulator.load()) {
        for (const auto &d : simulator.diagnostics())
            std::cerr << manifest::formatDiagnostic(d) << '\n';
        std::cerr << "nimbus-sim: the manifest has errors; fix them and start again\n";
        return 1;
    }
    for (const auto &d : simulator.diagnostics())
        std::cerr << manifest::formatDiagnostic(d) << '\n';
    try {
        simulator.start();
    } catch (const std::exception &e) {
        std::cerr << "nimbus-sim: cannot listen: " << e.what() << '\n';
        return 1;
    }

    const auto &m = simulator.manifest();
    nlohmann::json state{{"pid", ::getpid()},
                         {"project", project},
                         {"service", m.service},
                         {"stage", m.provider.stage},
                         {"runtimeApi", "http://127.0.0.1"},
                         {"controlPlane", simulator.controlPlaneUrl()},
                         {"startedAt", isoNow()}};
    std::string error;
    if (!StateFile::write(project, state, error)) {
        std::cerr << "nimbus-sim: " << error << '\n';
        return 1;
    }

    std::cout << "nimbus-sim: serving '" << m.service << "' (stage " << m.provider.stage
              << ") from " << project << "\n"
              << "  control plane  " << simulator.controlPlaneUrl() << "\n"
              << "  functions     ";
    for (const auto &f : m.functions)
        std::cout << " " << f.name << " (" << manifest::functionKindName(f.kind) << ", "
                  << f.runtime.value << ")";
    std::cout << "\n  invoke with    nimbus invoke FUNCTION --project " << project
              << "\nPress Ctrl-C to stop.\n"
              << std::flush;

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) {
        std::cout << "nimbus-sim: stopping\n" << std::flush;
        simulator.shutdown();
        StateFile::remove(project);
        io.stop();
    });
    io.run();
    StateFile::remove(project);
    return 0;
}

} // namespace nimbus::sim
