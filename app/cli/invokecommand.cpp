#include "cli.h"
#include "diagnosticprinter.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/manifest/suggest.h"
#include "nimbus/net/httpclient.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator/simulator.h"
#include "simulator/statefile.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::cli {

namespace {

struct InvokeOptions {
    std::string function;
    std::string project = ".";
    std::string eventFile;
    std::string data;
    std::string stage;
};

// What an invocation produced, however it ran.
struct Outcome {
    bool ran = false;
    bool functionError = false;
    std::string payload;
    std::string log;
    std::string error; // why it did not run
};

std::string base64Decode(const std::string &text) {
    std::string out(3 * text.size() / 4 + 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0)
        return {};
    std::size_t size = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts the padding as output; take it back off.
    for (auto it = text.rbegin(); it != text.rend() && *it == '=' && size > 0; ++it)
        --size;
    out.resize(size);
    return out;
}

Outcome invokeRunning(const nlohmann::json &state, const std::string &function,
                      const std::string &payload) {
    Outcome outcome;
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
    outcome.log = base64Decode(result.header("x-amz-log-result"));
    return outcome;
}

Outcome invokeEmbedded(const std::string &project, const std::string &stage,
                       const std::string &function, const std::string &payload) {
    Outcome outcome;
    boost::asio::io_context io;
    sim::SimulatorOptions options;
    options.projectDir = project;
    options.stage = stage;
    options.resourcesDir = resources::resourcesDir();
    options.serveControlPlane = false;
    sim::Simulator simulator(io, options);
    if (!simulator.load()) {
        outcome.error = "the manifest has errors";
        return outcome;
    }
    sim::InvocationRequest request;
    request.payload = payload;
    std::string error;
    const bool accepted = simulator.invoke(
        function, request,
        [&](sim::InvocationResult result) {
            if (result.throttled) {
                outcome.error = "TooManyRequestsException: Rate Exceeded.";
            } else {
                outcome.ran = true;
                outcome.functionError = result.functionError;
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

int invoke(const InvokeOptions &options, Streams streams) {
    // The manifest is read here too, so mistakes are reported the same way as by validate.
    manifest::LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    const manifest::LoadResult loaded =
        manifest::ManifestLoader(loadOptions).loadProject(options.project);
    if (!loaded.ok()) {
        printDiagnostics(streams.err, loaded.diagnostics);
        streams.err << "nimbus invoke: fix the manifest first (nimbus validate " << options.project
                    << ")\n";
        return 1;
    }
    const manifest::Manifest &m = *loaded.manifest;
    if (!m.function(options.function)) {
        std::vector<std::string> names;
        for (const auto &f : m.functions)
            names.push_back(f.name);
        streams.err << "nimbus invoke: no function '" << options.function << "' in " << m.filePath;
        if (auto guess = manifest::closestMatch(options.function, names))
            streams.err << "; did you mean '" << *guess << "'?";
        streams.err << "\nfunctions:";
        for (const auto &n : names)
            streams.err << ' ' << n;
        streams.err << '\n';
        return 1;
    }

    std::string payload = options.data.empty() ? "{}" : options.data;
    std::string source = "--data";
    if (!options.eventFile.empty()) {
        std::ifstream in(options.eventFile, std::ios::binary);
        if (!in) {
            streams.err << "nimbus invoke: " << options.eventFile
                        << ": cannot read the event file\n";
            return 1;
        }
        std::ostringstream text;
        text << in.rdbuf();
        payload = text.str();
        source = options.eventFile;
    }
    try {
        const nlohmann::json parsed = nlohmann::json::parse(payload);
        (void)parsed;
    } catch (const nlohmann::json::parse_error &e) {
        streams.err << "nimbus invoke: " << source << ": the event is not valid JSON (at byte "
                    << e.byte << "): " << e.what() << '\n';
        return 1;
    }

    std::error_code ec;
    const std::string project = fs::canonical(options.project, ec).string();
    Outcome outcome;
    if (auto state = sim::StateFile::readLive(project))
        outcome = invokeRunning(*state, options.function, payload);
    else
        outcome = invokeEmbedded(project, options.stage, options.function, payload);

    if (!outcome.ran) {
        streams.err << "nimbus invoke: " << outcome.error << '\n';
        return 1;
    }
    streams.err << outcome.log << std::flush;
    streams.out << outcome.payload << '\n' << std::flush;
    return outcome.functionError ? 1 : 0;
}

} // namespace

void addInvokeCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<InvokeOptions>();
    CLI::App *cmd =
        app.add_subcommand("invoke", "Run a function once with an event and print its result");
    cmd->add_option("function", options->function, "Function name, as in serverless.yml")
        ->required();
    cmd->add_option("--project,-p", options->project,
                    "Project folder (default: the current folder)");
    auto *event = cmd->add_option("--event,-e", options->eventFile, "File holding the event JSON");
    cmd->add_option("--data,-d", options->data, "The event JSON itself")->excludes(event);
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->footer("The result goes to stdout, the function's log (START/END/REPORT) to stderr.\n"
                "Uses the simulator serving the project when one runs (nimbus-sim), else starts "
                "one for this call.\n"
                "Exit status: 0 on success, 1 on a function error or a problem with the input.");
    cmd->callback([options, streams, &exitCode] { exitCode = invoke(*options, streams); });
}

} // namespace nimbus::cli
