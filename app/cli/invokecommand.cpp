#include "cli.h"
#include "diagnosticprinter.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/manifest/suggest.h"
#include "simulator/invoker.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nimbus::cli {

namespace {

struct InvokeOptions {
    std::string function;
    std::string project = ".";
    std::string eventFile;
    std::string data;
    std::string stage;
};

int invoke(const InvokeOptions &options, Streams streams) {
    // The manifest is read here too, so mistakes are reported the same way as by validate.
    manifest::LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    const manifest::LoadResult loaded =
        manifest::ManifestLoader(loadOptions).loadProject(options.project);
    // Only errors that keep this function from running stop it; warnings never do.
    if (loaded.blocksEverything()) {
        printDiagnostics(streams.err, loaded.blocking(""));
        streams.err << "nimbus invoke: fix the manifest first (nimbus doctor " << options.project
                    << " explains each problem)\n";
        return 1;
    }
    const manifest::Manifest &m = *loaded.manifest;
    if (m.function(options.function) && !loaded.canRun(options.function)) {
        printDiagnostics(streams.err, loaded.blocking(options.function));
        streams.err << "nimbus invoke: function '" << options.function
                    << "' cannot run until this is fixed (nimbus doctor " << options.project
                    << ")\n";
        return 1;
    }
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

    const auto payload = readEvent(options.eventFile, options.data, "invoke", streams);
    if (!payload)
        return 1;

    const sim::InvokeOutcome outcome = sim::invokeFunction(options.project, options.stage, options.function, *payload);

    if (!outcome.ran) {
        streams.err << "nimbus invoke: " << outcome.error << '\n';
        return 1;
    }
    streams.err << outcome.log << std::flush;
    streams.out << outcome.payload << '\n' << std::flush;
    return outcome.functionError ? 1 : 0;
}

} // namespace

std::optional<std::string> readEvent(const std::string &eventFile, const std::string &data,
                                     const char *command, Streams streams) {
    std::string payload = data.empty() ? "{}" : data;
    std::string source = "--data";
    if (!eventFile.empty()) {
        std::ifstream in(eventFile, std::ios::binary);
        if (!in) {
            streams.err << "nimbus " << command << ": " << eventFile
                        << ": cannot read the event file\n";
            return std::nullopt;
        }
        std::ostringstream text;
        text << in.rdbuf();
        payload = text.str();
        source = eventFile;
    }
    try {
        const nlohmann::json parsed = nlohmann::json::parse(payload);
        (void)parsed;
    } catch (const nlohmann::json::parse_error &e) {
        streams.err << "nimbus " << command << ": " << source
                    << ": the event is not valid JSON (at byte " << e.byte << "): " << e.what()
                    << '\n';
        return std::nullopt;
    }
    return payload;
}

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
