#include "cli.h"

#include "nimbus/manifest/suggest.h"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace nimbus::cli {

int run(int argc, char **argv, std::ostream &out, std::ostream &err) {
    CLI::App app{"nimbus: build, run, debug and publish serverless functions locally", "nimbus"};
    app.set_version_flag("--version", std::string("nimbus ") + NIMBUS_VERSION);
    app.require_subcommand(1);
    app.footer("Run 'nimbus COMMAND --help' for a command's options.");

    int exitCode = 0;
    Streams streams{out, err};
    addInitCommand(app, streams, exitCode);
    addValidateCommand(app, streams, exitCode);
    addDoctorCommand(app, streams, exitCode);
    addInvokeCommand(app, streams, exitCode);
    addTriggerCommand(app, streams, exitCode);
    addDevCommand(app, streams, exitCode);
    addPackageCommand(app, streams, exitCode);
    addDeployCommand(app, streams, exitCode);
    addManageCommands(app, streams, exitCode);
    addObserveCommands(app, streams, exitCode);

    if (argc > 1 && argv[1][0] != '-') {
        std::vector<std::string> commands;
        for (const CLI::App *sub : app.get_subcommands({}))
            commands.push_back(sub->get_name());
        if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
            err << "nimbus: unknown command '" << argv[1] << "'";
            if (auto guess = manifest::closestMatch(argv[1], commands))
                err << "; did you mean '" << *guess << "'?";
            err << "\nRun 'nimbus --help' for the list of commands.\n";
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &) {
        out << app.help(); // shows the chosen subcommand's help when there is one
        return 0;
    } catch (const CLI::CallForAllHelp &) {
        out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion &e) {
        out << e.what() << '\n';
        return 0;
    } catch (const CLI::ParseError &e) {
        err << "nimbus: " << e.what() << '\n'
            << "Run 'nimbus "
            << (app.get_subcommands().empty() ? ""
                                              : app.get_subcommands().front()->get_name() + " ")
            << "--help' for usage.\n";
        return 2;
    }
    return exitCode;
}

} // namespace nimbus::cli
