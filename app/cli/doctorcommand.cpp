#include "cli.h"
#include "nimbus/doctor/projectdoctor.h"
#include "nimbus/resources/resourcelocator.h"

#include <CLI/CLI.hpp>

namespace nimbus::cli {

namespace {

struct DoctorOptions {
    std::string project = ".";
    std::string stage;
};

int doctor(const DoctorOptions &options, Streams streams) {
    manifest::LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    const doctor::Examination exam = doctor::examine(
        options.project, loadOptions, doctor::currentMachine(resources::resourcesDir()));

    // One line a reason: what is wrong, where, and what to do.
    for (const auto &f : exam.findings) {
        streams.out << (f.level == doctor::Finding::Level::Blocks ? "✗ " : "! ") << f.subject
                    << ": " << f.problem;
        if (!f.location.empty())
            streams.out << " (" << f.location << ")";
        if (!f.fix.empty())
            streams.out << " — fix: " << f.fix;
        streams.out << '\n';
    }
    if (!exam.manifestLoaded) {
        streams.out << "nimbus doctor: no manifest could be read\n";
        return 1;
    }
    if (exam.functionCount > 0 || exam.healthy()) {
        streams.out << exam.runnable.size() << " of " << exam.functionCount
                    << (exam.functionCount == 1 ? " function" : " functions") << " can run";
    } else {
        streams.out << "no function can run";
    }
    if (exam.warnings > 0)
        streams.out << "; " << exam.warnings
                    << (exam.warnings == 1 ? " more warning changes" : " more warnings change")
                    << " nothing when it runs ('nimbus validate' lists them)";
    streams.out << '\n';
    return exam.healthy() ? 0 : 1;
}

} // namespace

void addDoctorCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<DoctorOptions>();
    CLI::App *cmd = app.add_subcommand(
        "doctor", "Explain why a project, or one of its functions, does not run, with the fix");
    cmd->add_option("project", options->project,
                    "Project folder or manifest file (default: the current folder)");
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->footer("Each line is one reason: ✗ keeps something from running, ! runs but "
                "differently than in the cloud.\nExit status: 0 when every function can run, "
                "1 otherwise.");
    cmd->callback([options, streams, &exitCode] { exitCode = doctor(*options, streams); });
}

} // namespace nimbus::cli
