#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace nimbus::sim {

struct ServeOptions {
    std::string project = ".";
    std::string stage;
    std::chrono::milliseconds keepAlive{std::chrono::minutes(5)};
    int concurrency = 10;
    unsigned short controlPort = 0;
    unsigned short gatewayPort = 0;
    bool watch = true;                  // reload on changes to the manifest and the code
    bool captureFailures = true;        // keep failed invocations' scenes (locals included)
    bool prewarm = true;                // runtime templates (see SimulatorOptions::prewarm)
    std::chrono::milliseconds asyncRetryDelay{1000}; // first retry of a failed Event invoke
    bool colour = false;                // ANSI colours in the log (a terminal)
    std::string program = "nimbus-sim"; // the name used in messages
};

// Serves one project in the foreground until SIGINT/SIGTERM: the simulator, its control
// plane and gateway, advertised in PROJECT/.nimbus/sim.json, with the routes table and a
// live log on `out`. Used by nimbus-sim and by `nimbus dev`. Returns the exit code.
int serve(const ServeOptions &options, std::ostream &out, std::ostream &err);

// nimbus-sim's command line.
int runDaemon(int argc, char **argv);

} // namespace nimbus::sim
