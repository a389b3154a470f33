#include "invoker.h"

#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator.h"
#include "statefile.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

InvokeOutcome invokeRunning(const nlohmann::json &state, const std::string &function,
                            const std::string &payload) {
    InvokeOutcome outcome;
    lambdaclient::LambdaClient client(runningSimulator(state));
    const auto result = client.invoke(function, payload);
    if (result.status == 0) {
        outcome.error = "cannot reach the simulator at " + client.endpoint().url + ": " +
                        result.error.message;
        return outcome;
    }
    if (result.status != 200) {
        outcome.error = result.error.type + ": " + result.error.message;
        return outcome;
    }
    outcome.ran = true;
    outcome.payload = result.payload;
    outcome.functionError = !result.functionError.empty();
    if (outcome.functionError) {
        nlohmann::json body = nlohmann::json::parse(result.payload, nullptr, false);
        outcome.errorType = body.is_object() ? body.value("errorType", "") : "";
    }
    outcome.log = result.log;
    return outcome;
}

InvokeOutcome invokeEmbedded(const std::string &project, const std::string &stage,
                             const std::string &function, const std::string &payload) {
    InvokeOutcome outcome;
    boost::asio::io_context io;
    SimulatorOptions options;
    options.projectDir = project;
    options.stage = stage;
    options.resourcesDir = resources::resourcesDir();
    options.serveControlPlane = false;
    Simulator simulator(io, options);
    // The first error says why: the manifest's, or this function's (warnings never stop it).
    auto firstError = [&](const std::string &about) {
        for (const auto &d : simulator.diagnostics()) {
            if (d.severity == manifest::Severity::Error &&
                (about.empty() || d.function.empty() || d.function == about))
                return ": " + manifest::formatDiagnostic(d);
        }
        return std::string();
    };
    if (!simulator.load()) {
        outcome.error = "the manifest has errors" + firstError("");
        return outcome;
    }
    const auto &notServed = simulator.notServed();
    if (std::find(notServed.begin(), notServed.end(), function) != notServed.end()) {
        outcome.error = "function '" + function + "' cannot run" + firstError(function);
        return outcome;
    }
    InvocationRequest request;
    request.payload = payload;
    std::string error;
    const bool accepted = simulator.invoke(
        function, request,
        [&](InvocationResult result) {
            if (result.throttled) {
                outcome.error = "TooManyRequestsException: Rate Exceeded.";
            } else {
                outcome.ran = true;
                outcome.functionError = result.functionError;
                outcome.errorType = result.errorType;
                outcome.payload = result.payload;
                outcome.log = result.log;
            }
            simulator.shutdown();
            io.stop();
        },
        error);
    if (!accepted) {
        outcome.error = error;
        return outcome;
    }
    io.run();
    return outcome;
}

} // namespace

lambdaclient::Endpoint runningSimulator(const nlohmann::json &state) {
    lambdaclient::Endpoint endpoint;
    endpoint.url = state.value("controlPlane", "");
    endpoint.region = state.value("region", "us-east-1");
    if (state.contains("credentials") && state["credentials"].is_object()) {
        endpoint.credentials.accessKeyId = state["credentials"].value("accessKeyId", "");
        endpoint.credentials.secretAccessKey = state["credentials"].value("secretAccessKey", "");
    }
    return endpoint;
}

InvokeOutcome invokeFunction(const std::string &projectDir, const std::string &stage,
                             const std::string &function, const std::string &payload) {
    std::error_code ec;
    const std::string project = fs::canonical(projectDir, ec).string();
    if (ec) {
        InvokeOutcome outcome;
        outcome.error = projectDir + ": no such project folder";
        return outcome;
    }
    if (auto state = StateFile::readLive(project))
        return invokeRunning(*state, function, payload);
    return invokeEmbedded(project, stage, function, payload);
}

} // namespace nimbus::sim
