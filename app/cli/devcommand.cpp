#include "cli.h"
#include "simulator/daemon.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace nimbus::cli {

// nimbus dev [DIR]: the local loop — the simulator for a project in the foreground, with
// its routes and a live log, reloading as the code and the manifest change.
void addDevCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<sim::ServeOptions>();
    auto keepAlive = std::make_shared<double>(300);
    auto colour = std::make_shared<std::string>("auto");
    CLI::App *dev = app.add_subcommand(
        "dev", "Run a project locally: gateway, functions and services, reloading on every edit");
    dev->add_option("project", options->project, "Project folder (default: the current folder)");
    dev->add_option("--stage", options->stage, "Stage for ${opt:stage} and deployed names");
    dev->add_option("--port", options->gatewayPort,
                    "HTTP gateway port on 127.0.0.1 (default: any free port)");
    dev->add_option("--control-port", options->controlPort,
                    "Control plane port on 127.0.0.1 (default: any free port)");
    dev->add_option("--keep-alive", *keepAlive, "Seconds an idle instance stays warm (default 300)")
        ->check(CLI::PositiveNumber);
    dev->add_option("--max-concurrency", options->concurrency,
                    "Instances per function unless reservedConcurrency says (default 10)")
        ->check(CLI::Range(1, 1000));
    dev->add_flag("--strict-concurrency", options->strictConcurrency, sim::kStrictConcurrencyHelp);
    dev->add_option("--color", *colour, "Colour the log: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    dev->add_flag("!--no-watch", options->watch, "Do not reload when the project's files change");
    dev->add_flag("!--no-prewarm", options->prewarm,
                  "Start every instance from scratch, without the pre-initialised runtimes "
                  "that make cold starts fast");
    sim::addContainmentFlags(*dev, *options);
    dev->callback([=, &exitCode]() {
        options->keepAlive = std::chrono::milliseconds(static_cast<long long>(*keepAlive * 1000));
        options->colour = *colour == "always" || (*colour == "auto" && ::isatty(STDOUT_FILENO) &&
                                                  !std::getenv("NO_COLOR"));
        options->program = "nimbus dev";
        exitCode = sim::serve(*options, streams.out, streams.err);
    });
}

} // namespace nimbus::cli
