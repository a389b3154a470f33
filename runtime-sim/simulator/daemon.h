#pragma once

namespace nimbus::sim {

// nimbus-sim: serves one project until SIGINT/SIGTERM, advertising itself in
// PROJECT/.nimbus/sim.json. Returns the process exit code.
int runDaemon(int argc, char **argv);

} // namespace nimbus::sim
