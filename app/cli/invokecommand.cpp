#include "cli.h"
#include "diagnosticprinter.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/manifest/suggest.h"
#include "simulator/invoker.h"
#include "triggers/schedules.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
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

// The project's manifest, when `function` can run from it; else what is wrong, on err.
std::optional<manifest::LoadResult> loadForFunction(const std::string &project,
                                                    const std::string &stage,
                                                    const std::string &function,
                                                    const char *command, Streams streams) {
    // The manifest is read here too, so mistakes are reported the same way as by validate.
    manifest::LoadOptions loadOptions;
    if (!stage.empty())
        loadOptions.options["stage"] = stage;
    manifest::LoadResult loaded = manifest::ManifestLoader(loadOptions).loadProject(project);
    // Only errors that keep this function from running stop it; warnings never do.
    if (loaded.blocksEverything()) {
        printDiagnostics(streams.err, loaded.blocking(""));
        streams.err << "nimbus " << command << ": fix the manifest first (nimbus doctor "
                    << project << " explains each problem)\n";
        return std::nullopt;
    }
    const manifest::Manifest &m = *loaded.manifest;
    if (m.function(function) && !loaded.canRun(function)) {
        printDiagnostics(streams.err, loaded.blocking(function));
        streams.err << "nimbus " << command << ": function '" << function
                    << "' cannot run until this is fixed (nimbus doctor " << project << ")\n";
        return std::nullopt;
    }
    if (!m.function(function)) {
        std::vector<std::string> names;
        for (const auto &f : m.functions)
            names.push_back(f.name);
        streams.err << "nimbus " << command << ": no function '" << function << "' in "
                    << m.filePath;
        if (auto guess = manifest::closestMatch(function, names))
            streams.err << "; did you mean '" << *guess << "'?";
        streams.err << "\nfunctions:";
        for (const auto &n : names)
            streams.err << ' ' << n;
        streams.err << '\n';
        return std::nullopt;
    }
    return loaded;
}

// Prints what a run of the function gave; the exit status.
int report(const sim::InvokeOutcome &outcome, const char *command, Streams streams) {
    if (!outcome.ran) {
        streams.err << "nimbus " << command << ": " << outcome.error << '\n';
        return 1;
    }
    streams.err << outcome.log << std::flush;
    streams.out << outcome.payload << '\n' << std::flush;
    return outcome.functionError ? 1 : 0;
}

int invoke(const InvokeOptions &options, Streams streams) {
    if (!loadForFunction(options.project, options.stage, options.function, "invoke", streams))
        return 1;

    const auto payload = readEvent(options.eventFile, options.data, "invoke", streams);
    if (!payload)
        return 1;

    return report(sim::invokeFunction(options.project, options.stage, options.function, *payload),
                  "invoke", streams);
}

struct TriggerOptions {
    std::string function;
    std::string project = ".";
    std::string eventType;
    std::string stage;
};

// Fires a function's event source once, now, with the event it would send.
int trigger(const TriggerOptions &options, Streams streams) {
    const auto loaded =
        loadForFunction(options.project, options.stage, options.function, "trigger", streams);
    if (!loaded)
        return 1;
    const manifest::Manifest &m = *loaded->manifest;
    const manifest::Function &function = *m.function(options.function);
    std::vector<std::string> types;
    for (const auto &event : function.events)
        if (std::find(types.begin(), types.end(), event.type) == types.end())
            types.push_back(event.type);
    const std::string type = !options.eventType.empty() ? options.eventType
                             : std::find(types.begin(), types.end(), "schedule") != types.end()
                                 ? std::string("schedule")
                                 : std::string();
    if (type != "schedule") {
        streams.err << "nimbus trigger: ";
        if (type.empty() || std::find(types.begin(), types.end(), type) == types.end())
            streams.err << "function '" << function.name << "' has no "
                        << (type.empty() ? std::string("schedule") : "'" + type + "'")
                        << " event" << (types.empty() ? "" : "; its events:");
        else
            streams.err << "'" << type << "' events cannot be triggered yet (only schedule);"
                        << " its events:";
        for (const auto &t : types)
            streams.err << ' ' << t;
        streams.err << "\n(nimbus invoke " << function.name << " --data '{...}' sends any event)\n";
        return 1;
    }
    std::vector<sim::Schedule> schedules;
    for (auto &schedule : sim::schedulesOf(m))
        if (schedule.function == function.name)
            schedules.push_back(std::move(schedule));
    if (schedules.empty()) {
        streams.err << "nimbus trigger: function '" << function.name
                    << "' has no valid schedule (nimbus validate " << options.project << ")\n";
        return 1;
    }
    // The first schedule, as if its time had come now (disabled ones too: asked for by name).
    const sim::Schedule &schedule = schedules.front();
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    streams.err << "nimbus trigger: " << function.name << "'s schedule " << schedule.expression
                << " (rule " << schedule.rule << ")\n";
    return report(sim::invokeFunction(options.project, options.stage, options.function,
                                      sim::scheduledEventPayload(schedule, m.provider.region, now)),
                  "trigger", streams);
}} // namespace

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

void addTriggerCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<TriggerOptions>();
    CLI::App *cmd = app.add_subcommand(
        "trigger", "Fire a function's event source once, now, with the event it would send");
    cmd->add_option("function", options->function, "Function name, as in serverless.yml")
        ->required();
    cmd->add_option("--project,-p", options->project,
                    "Project folder (default: the current folder)");
    cmd->add_option("--event-type", options->eventType,
                    "Which of its events (default: its schedule)");
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->footer("A schedule sends EventBridge's Scheduled Event for its rule (or its input).\n"
                "The result goes to stdout, the function's log to stderr, as with nimbus invoke.");
    cmd->callback([options, streams, &exitCode] { exitCode = trigger(*options, streams); });
}

} // namespace nimbus::cli
