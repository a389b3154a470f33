#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"

#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// What one invocation produced, however it ran.
struct InvokeOutcome {
    bool ran = false;
    bool functionError = false;
    std::string errorType;
    std::string payload;
    std::string log;   // START ... REPORT
    std::string error; // why it did not run
};

// Invokes a function of a project: through the simulator serving the project when one
// runs (its control plane, so instances stay warm across clients), else in an embedded
// simulator that lives for this one call. Blocks until the result.
// The control plane of a running simulator, as its state file (.nimbus/sim.json) describes
// it: URL, region and the credentials it takes.
lambdaclient::Endpoint runningSimulator(const nlohmann::json &state);

InvokeOutcome invokeFunction(const std::string &projectDir, const std::string &stage,
                             const std::string &function, const std::string &payload);

// How a run in an embedded simulator differs from an ordinary invocation.
struct EmbeddedRun {
    std::map<std::string, std::string> environment; // over the manifest's (a replay's)
    std::string profileDir;   // run under the runtime's sampling profiler, profiles here
    int profileIntervalUs = 0; // 0: the runtime's default
    int count = 1;             // invocations, one after another, in warm instances
};

// Runs a function `run.count` times in a simulator of its own (one that lives for these calls
// only, whatever else serves the project). One outcome per invocation; a single outcome with
// `error` set when nothing could run.
std::vector<InvokeOutcome> runEmbedded(const std::string &projectDir, const std::string &stage,
                                       const std::string &function, const std::string &payload,
                                       const EmbeddedRun &run);

// A failure's scene, by its number or request id: from the running simulator's control plane,
// else from the project's store (.nimbus/nimbus.db). Nothing, with `error` set, when there is
// none.
std::optional<nlohmann::json> findFailure(const std::string &projectDir, const std::string &id,
                                          std::string &error);

} // namespace nimbus::sim
