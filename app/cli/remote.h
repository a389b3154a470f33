#pragma once

#include "cli.h"
#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/manifest/manifest.h"

#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace nimbus::cli {

// The options every command that talks to a control plane takes.
struct RemoteOptions {
    std::string project = ".";
    std::string endpoint; // empty: the simulator serving the project
    std::string stage;
    std::string region;
    std::string profile;
    void addTo(CLI::App &command);
};

// A control plane to talk to and the project around the command: the project's running
// simulator (its URL and credentials from .nimbus/sim.json) unless --endpoint names
// another; then credentials come from the usual AWS places.
struct Remote {
    std::unique_ptr<lambdaclient::LambdaClient> client;
    std::optional<manifest::Manifest> manifest; // when the project's manifest loads
    bool local = false;                         // the project's own simulator

    // A function named as the manifest names it becomes its deployed name
    // (<service>-<stage>-<function>); any other name is taken as it is.
    std::string deployedName(const std::string &name) const;
};

// Nullopt after printing why (to streams.err) when there is nowhere to go.
std::optional<Remote> connect(const RemoteOptions &options, const char *command, Streams streams,
                              bool needManifest);

// "ResourceNotFoundException: Function not found: ..." for the user.
std::string describe(const lambda::ApiError &error);

// "10m", "2h", "30s", "1d" (minutes without a unit) as milliseconds.
std::optional<long long> duration(const std::string &text);
// The Unix time in ms `--since` reaches back to, or nothing (with the error printed).
std::optional<long long> sinceStart(const std::string &since, const char *command,
                                    Streams streams);
// A Unix time in ms as the local clock reads it: "14:03:07.250".
std::string clockTime(long long ms);

} // namespace nimbus::cli
