#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace CLI {
class App;
}

namespace nimbus::cli {

// Runs the nimbus command line and returns the process exit code.
int run(int argc, char **argv, std::ostream &out, std::ostream &err);

// Where a command writes; commands never touch std::cout directly so tests can capture them.
struct Streams {
    std::ostream &out;
    std::ostream &err;
};

// The event a command runs a function with: the file `eventFile`, else the JSON `data`, else
// {}; nothing (with the reason printed, naming the file or --data) when it cannot be read or
// is not JSON.
std::optional<std::string> readEvent(const std::string &eventFile, const std::string &data,
                                     const char *command, Streams streams);

// Each subcommand adds itself to the app and sets `exitCode` when it runs.
void addValidateCommand(CLI::App &app, Streams streams, int &exitCode);
void addDoctorCommand(CLI::App &app, Streams streams, int &exitCode);
void addInitCommand(CLI::App &app, Streams streams, int &exitCode);
void addInvokeCommand(CLI::App &app, Streams streams, int &exitCode);
void addTriggerCommand(CLI::App &app, Streams streams, int &exitCode);
void addDevCommand(CLI::App &app, Streams streams, int &exitCode);
void addPackageCommand(CLI::App &app, Streams streams, int &exitCode);
void addDeployCommand(CLI::App &app, Streams streams, int &exitCode);
void addManageCommands(CLI::App &app, Streams streams, int &exitCode); // publish alias functions logs dead-letters
void addObserveCommands(CLI::App &app, Streams streams, int &exitCode); // traces failures replay profile

} // namespace nimbus::cli
