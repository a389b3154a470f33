#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"

#include <nlohmann/json.hpp>
#include <string>

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

} // namespace nimbus::sim
