#include "cli.h"
#include "diagnosticprinter.h"
#include "nimbus/manifest/manifestloader.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace nimbus::cli {

using namespace nimbus::manifest;

namespace {

struct ValidateOptions {
    std::string project = ".";
    std::string stage;
    bool json = false;
    bool noSource = false;
};

nlohmann::json diagnosticsToJson(const std::vector<Diagnostic> &diagnostics) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto &d : diagnostics) {
        nlohmann::json item{{"file", d.file},
                            {"severity", severityName(d.severity)},
                            {"code", d.code},
                            {"message", d.message}};
        if (!d.function.empty())
            item["function"] = d.function; // the function this error keeps from running
        if (d.hasPosition) {
            item["line"] = d.range.start.line + 1;
            item["column"] = d.range.start.column + 1;
            item["endLine"] = d.range.end.line + 1;
            item["endColumn"] = d.range.end.column + 1;
        }
        list.push_back(item);
    }
    return list;
}

int validate(const ValidateOptions &options, Streams streams) {
    LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    const LoadResult result = ManifestLoader(loadOptions).loadProject(options.project);
    const bool failed = !result.manifest || hasErrors(result.diagnostics);

    if (options.json) {
        streams.out << nlohmann::json{{"valid", !failed},
                                      {"diagnostics", diagnosticsToJson(result.diagnostics)}}
                           .dump(2)
                    << '\n';
        return failed ? 1 : 0;
    }
    printDiagnostics(streams.out, result.diagnostics, !options.noSource);
    if (!result.manifest)
        return 1;
    const Manifest &m = *result.manifest;
    if (failed) {
        streams.out << m.filePath << ": " << countSummary(result.diagnostics) << '\n';
        return 1;
    }
    streams.out << m.filePath << ": valid — service '" << m.service << "', " << m.functions.size()
                << (m.functions.size() == 1 ? " function" : " functions");
    if (!result.diagnostics.empty())
        streams.out << ", " << countSummary(result.diagnostics);
    streams.out << '\n';
    return 0;
}

} // namespace

void addValidateCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<ValidateOptions>();
    CLI::App *cmd = app.add_subcommand(
        "validate", "Check a project's serverless.yml: YAML, schema, variables and handlers");
    cmd->add_option("project", options->project,
                    "Project folder or manifest file (default: the current folder)");
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->add_flag("--json", options->json, "Print the diagnostics as JSON");
    cmd->add_flag("--no-source", options->noSource,
                  "Do not print the source line under each diagnostic");
    cmd->footer("Exit status: 0 when the manifest is valid, 1 when it has errors.");
    cmd->callback([options, streams, &exitCode] { exitCode = validate(*options, streams); });
}

} // namespace nimbus::cli
