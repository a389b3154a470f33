#include "invoker.h"

#include "nimbus/net/base64.h"
#include "nimbus/net/httpclient.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator.h"
#include "statefile.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

InvokeOutcome invokeRunning(const nlohmann::json &state, const std::string &function,
                            const std::string &payload) {
    InvokeOutcome outcome;
    net::HttpRequestSpec request;
    request.method = "POST";
    request.url =
        state.value("controlPlane", "") + "/2015-03-31/functions/" + function + "/invocations";
    request.body = payload;
    request.headers = {{"Content-Type", "application/json"},
                       {"X-Amz-Log-Type", "Tail"},
                       {"X-Nimbus-Log-Type", "Full"}};
    const net::HttpResult result = net::httpRequest(request);
    if (result.status == 0) {
        outcome.error = "cannot reach the simulator at " + request.url + ": " + result.error;
        return outcome;
    }
    if (result.status != 200) {
        nlohmann::json body = nlohmann::json::parse(result.body, nullptr, false);
        outcome.error = result.header("x-amzn-errortype") + ": " +
                        (body.is_object() ? body.value("message", result.body) : result.body);
        return outcome;
    }
    outcome.ran = true;
    outcome.payload = result.body;
    outcome.functionError = !result.header("x-amz-function-error").empty();
    if (outcome.functionError) {
        nlohmann::json body = nlohmann::json::parse(result.body, nullptr, false);
        outcome.errorType = body.is_object() ? body.value("errorType", "") : "";
    }
    outcome.log = net::base64Decode(result.header("x-amz-log-result")).value_or("");
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
    if (!simulator.load()) {
        outcome.error = "the manifest has errors";
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
