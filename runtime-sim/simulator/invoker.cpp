#include "invoker.h"

#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator.h"
#include "statefile.h"
#include "../store/failurestore.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
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

std::vector<InvokeOutcome> runEmbedded(const std::string &project, const std::string &stage,
                                       const std::string &function, const std::string &payload,
                                       const EmbeddedRun &run) {
    std::vector<InvokeOutcome> outcomes;
    auto fail = [&](std::string error) {
        InvokeOutcome outcome;
        outcome.error = std::move(error);
        return std::vector<InvokeOutcome>{std::move(outcome)};
    };
    boost::asio::io_context io;
    SimulatorOptions options;
    options.projectDir = project;
    options.stage = stage;
    options.resourcesDir = resources::resourcesDir();
    options.serveControlPlane = false;
    options.serveGateway = false;
    // One invocation: a template would only compete with its cold start for the CPU.
    options.prewarm = false;
    options.pool.profileDir = run.profileDir;
    options.pool.profileIntervalUs = run.profileIntervalUs;
    if (!run.environment.empty())
        options.environmentOverrides[function] = run.environment;
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
    if (!simulator.load())
        return fail("the manifest has errors" + firstError(""));
    const auto &notServed = simulator.notServed();
    if (std::find(notServed.begin(), notServed.end(), function) != notServed.end())
        return fail("function '" + function + "' cannot run" + firstError(function));
    // When every invocation has answered: stop, once the runtime has written the last
    // invocation's profile (it does so just after its result; up to 5 s).
    boost::asio::steady_timer profileWait(io);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::function<void()> finish = [&] {
        std::size_t written = 0;
        std::error_code ec;
        if (!run.profileDir.empty())
            for (const auto &entry : fs::directory_iterator(run.profileDir, ec))
                written += entry.path().extension() == ".json" ? 1 : 0;
        if (!run.profileDir.empty() && written < outcomes.size() &&
            std::chrono::steady_clock::now() < deadline) {
            profileWait.expires_after(std::chrono::milliseconds(10));
            profileWait.async_wait([&](boost::system::error_code) { finish(); });
            return;
        }
        simulator.shutdown();
        io.stop();
    };
    // One invocation after another: each starts when the last has answered.
    std::string error;
    std::function<void()> next = [&] {
        InvocationRequest request;
        request.payload = payload;
        const bool accepted = simulator.invoke(
            function, request,
            [&](InvocationResult result) {
                InvokeOutcome outcome;
                if (result.throttled) {
                    outcome.error = "TooManyRequestsException: Rate Exceeded.";
                } else {
                    outcome.ran = true;
                    outcome.functionError = result.functionError;
                    outcome.errorType = result.errorType;
                    outcome.payload = result.payload;
                    outcome.log = result.log;
                }
                outcomes.push_back(std::move(outcome));
                if (static_cast<int>(outcomes.size()) < std::max(1, run.count)) {
                    boost::asio::post(io, next);
                    return;
                }
                boost::asio::post(io, finish);
            },
            error);
        if (!accepted) {
            InvokeOutcome outcome;
            outcome.error = error;
            outcomes.push_back(std::move(outcome));
            simulator.shutdown();
            io.stop();
        }
    };
    next();
    io.run();
    return outcomes;
}

std::optional<nlohmann::json> findFailure(const std::string &projectDir, const std::string &id,
                                          std::string &error) {
    std::error_code ec;
    const std::string project = fs::canonical(projectDir, ec).string();
    if (ec) {
        error = projectDir + ": no such project folder";
        return std::nullopt;
    }
    if (auto state = StateFile::readLive(project)) {
        lambdaclient::LambdaClient client(runningSimulator(*state));
        auto found = client.failure(id);
        if (found.ok())
            return *found;
        error = found.error.status == 0 ? "cannot reach the simulator at " +
                                              client.endpoint().url + ": " + found.error.message
                                        : found.error.message;
        return std::nullopt;
    }
    // No simulator runs: read the store it left.
    const fs::path db = fs::path(project) / ".nimbus" / "nimbus.db";
    if (!fs::exists(db, ec)) {
        error = "no failures recorded for " + project + " (the simulator keeps them in " +
                db.string() + ")";
        return std::nullopt;
    }
    auto database = Database::open(db.string(), error);
    if (!database)
        return std::nullopt;
    try {
        FailureStore store(*database);
        store.migrate();
        if (auto failure = store.find(id))
            return failures::toJson(*failure);
    } catch (const StoreError &e) {
        error = std::string("the store cannot be read: ") + e.what();
        return std::nullopt;
    }
    error = "No failure " + id + " (nimbus failures lists them)";
    return std::nullopt;
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
    return runEmbedded(project, stage, function, payload, {}).front();
}

} // namespace nimbus::sim
