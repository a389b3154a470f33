#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace nimbus::sim {

struct ServeOptions {
    std::string project = ".";
    std::string stage;
    std::chrono::milliseconds keepAlive{std::chrono::minutes(5)};
    int concurrency = 10;
    // Lambda's scaling as it is, an instance per concurrent invocation (see PoolSettings).
    bool strictConcurrency = false;
    unsigned short controlPort = 0;
    unsigned short gatewayPort = 0;
    bool watch = true;                  // reload on changes to the manifest and the code
    bool captureFailures = true;        // keep failed invocations' scenes (locals included)
    bool prewarm = true;                // runtime templates (see SimulatorOptions::prewarm)
    std::optional<bool> sandbox;        // --sandbox / --no-sandbox (SimulatorOptions::sandbox)
    std::string host = "127.0.0.1";     // --host: where the control plane and gateway listen
    std::chrono::milliseconds asyncRetryDelay{1000}; // first retry of a failed Event invoke
    bool colour = false;                // ANSI colours in the log (a terminal)
    std::string program = "nimbus-sim"; // the name used in messages
};

// Serves one project in the foreground until SIGINT/SIGTERM: the simulator, its control
// plane and gateway, advertised in PROJECT/.nimbus/sim.json, with the routes table and a
// live log on `out`. Used by nimbus-sim and by `nimbus dev`. Returns the exit code.
// --strict-concurrency's help, for nimbus-sim and nimbus dev alike.
inline constexpr const char *kStrictConcurrencyHelp =
    "Scale as Lambda does, an instance per concurrent invocation up to the limit, and throttle "
    "past it (default: start an instance only when waiting for a busy one would take longer, "
    "no more than the machine's cores keep busy, and queue the rest)";

int serve(const ServeOptions &options, std::ostream &out, std::ostream &err);

// --sandbox, --no-sandbox and --host, for nimbus-sim and nimbus dev alike.
void addContainmentFlags(CLI::App &app, ServeOptions &options);

// nimbus-sim's command line.
int runDaemon(int argc, char **argv);

} // namespace nimbus::sim
