#pragma once

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
InvokeOutcome invokeFunction(const std::string &projectDir, const std::string &stage,
                             const std::string &function, const std::string &payload);

} // namespace nimbus::sim
