// Cold starts with and without the runtime templates, beside the bare interpreter's start;
// ten concurrent cold starts; edit -> first response from the new code; what the templates
// cost in memory.
//   nimbus-bench-coldstart [--cold N] [--bursts N] [--edits N] [--resources DIR]
// Samples of the three kinds of start alternate (and which goes first alternates too), so
// the machine's drifts fall on all of them. Prints Markdown tables of p50/p99 in ms.
#include "benchsupport.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <spawn.h>
#include <sys/wait.h>

namespace fs = std::filesystem;
using namespace nimbus::sim;
using nimbus::bench::Stats;
using nimbus::bench::stats;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

FunctionConfig configFor(const std::string &runtime, const std::string &dir, int concurrency) {
    FunctionConfig config;
    config.name = "hello";
    config.deployedName = "bench-dev-hello";
    config.runtime = runtime;
    config.handler = "handler.hello";
    config.codeDir = dir;
    config.memoryMb = 512;
    config.timeoutSeconds = 10;
    config.concurrencyLimit = concurrency;
    return config;
}

void runUntil(boost::asio::io_context &io, const std::function<bool()> &done,
              std::chrono::seconds limit = std::chrono::seconds(20)) {
    if (io.stopped())
        io.restart();
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline)
        io.run_one_for(std::chrono::milliseconds(5));
    if (!done()) {
        std::cerr << "timed out\n";
        std::exit(1);
    }
}

void check(const InvocationResult &r) {
    if (r.functionError || r.throttled) {
        std::cerr << "invocation failed: " << r.payload << "\n" << r.log;
        std::exit(1);
    }
}

// `count` invocations at once on a fresh pool; the time until the last result.
double coldBurst(boost::asio::io_context &io, RuntimeLauncher &launcher, PoolSettings settings,
                 const std::string &runtime, const std::string &dir, int count,
                 std::vector<double> *initMs = nullptr) {
    auto pool = FunctionPool::create(io, configFor(runtime, dir, count), launcher, settings, nullptr);
    int done = 0;
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        InvocationRequest request;
        request.payload = "{\"n\": " + std::to_string(i) + "}";
        pool->invoke(request, [&](InvocationResult r) {
            check(r);
            if (initMs && r.initDurationMs)
                initMs->push_back(*r.initDurationMs);
            ++done;
        });
    }
    runUntil(io, [&] { return done == count; });
    const double ms = msSince(start);
    pool->shutdown();
    io.run_for(std::chrono::milliseconds(5));
    return ms;
}

// The bare interpreter: spawn, run nothing, exit; with the environment instances start with
// (the developer's may hold variables that slow an interpreter down, NODE_EXTRA_CA_CERTS
// among them).
double bareStart(const std::vector<std::string> &command) {
    std::vector<char *> argv;
    for (const auto &a : command)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    static const std::vector<std::string> environment = [] {
        std::vector<std::string> out;
        for (const auto &[name, value] : RuntimeLauncher::baseEnvironment())
            out.push_back(name + "=" + value);
        return out;
    }();
    std::vector<char *> envp;
    for (const auto &e : environment)
        envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);
    const auto start = Clock::now();
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()) != 0)
        return 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return msSince(start);
}

bool templatesReady(RuntimeTemplates &templates) {
    const auto all = templates.describe();
    return !all.empty() && std::all_of(all.begin(), all.end(), [](const auto &t) { return t.ready; });
}

void writeFile(const fs::path &path, const std::string &text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

} // namespace

int main(int argc, char **argv) {
    int cold = 200, bursts = 20, edits = 100;
    std::string resources = nimbus::resources::resourcesDir();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--cold")
            cold = std::atoi(argv[i + 1]);
        else if (flag == "--bursts")
            bursts = std::atoi(argv[i + 1]);
        else if (flag == "--edits")
            edits = std::atoi(argv[i + 1]);
        else if (flag == "--resources")
            resources = argv[i + 1];
    }
    const std::string handlers = fs::path(resources).parent_path() / "bench" / "invoke-latency";
    RuntimeLauncher launcher(resources);
    std::string error;
    const std::string python = launcher.resolveInterpreter("python3", error);
    const std::string node = launcher.resolveInterpreter("node", error);

    struct Row {
        std::string runtime;
        Stats floor, withTemplates, withoutTemplates, initWith, initWithout;
        Stats burstWith, burstWithout;
        std::vector<TemplateInfo> memory;
    };
    std::vector<Row> rows;
    for (const std::string runtime : {"python3.11", "nodejs20.x"}) {
        const bool isPython = runtime.starts_with("python");
        boost::asio::io_context io;
        RuntimeTemplates templates(io);
        PoolSettings withSettings;
        withSettings.templates = &templates;
        const PoolSettings withoutSettings;
        ChildProcess::Spec spec;
        launcher.prepare(configFor(runtime, handlers, 1), "127.0.0.1:0", spec, error);
        templates.prewarm(spec);
        runUntil(io, [&] { return templatesReady(templates); });
        coldBurst(io, launcher, withSettings, runtime, handlers, 1); // warm the file cache
        coldBurst(io, launcher, withoutSettings, runtime, handlers, 1);

        std::vector<double> floor, with, without, initWith, initWithout;
        const std::vector<std::string> bare =
            isPython ? std::vector<std::string>{python, "-I", "-S", "-c", "pass"}
                     : std::vector<std::string>{node, "-e", "0"};
        for (int i = 0; i < cold; ++i) {
            for (int k = 0; k < 3; ++k) {
                switch ((i + k) % 3) {
                case 0:
                    // (Waiting for the template to be ready again is not counted: it happens
                    // between cold starts, as between a developer's edits.)
                    runUntil(io, [&] { return templatesReady(templates); });
                    with.push_back(coldBurst(io, launcher, withSettings, runtime, handlers, 1, &initWith));
                    break;
                case 1:
                    without.push_back(
                        coldBurst(io, launcher, withoutSettings, runtime, handlers, 1, &initWithout));
                    break;
                default:
                    floor.push_back(bareStart(bare));
                }
            }
        }
        runUntil(io, [&] { return templatesReady(templates); });
        Row row{runtime, stats(floor), stats(with), stats(without), stats(initWith),
                stats(initWithout), {}, {}, templates.describe()};
        std::vector<double> burstWith, burstWithout;
        for (int i = 0; i < bursts; ++i) {
            runUntil(io, [&] { return templatesReady(templates); });
            burstWith.push_back(coldBurst(io, launcher, withSettings, runtime, handlers, 10));
            burstWithout.push_back(coldBurst(io, launcher, withoutSettings, runtime, handlers, 10));
        }
        row.burstWith = stats(burstWith);
        row.burstWithout = stats(burstWithout);
        templates.shutdown();
        io.run_for(std::chrono::milliseconds(50));
        rows.push_back(row);
    }

    // Edit -> first response from the new code, through the simulator with hot reload.
    struct EditRow {
        std::string runtime;
        Stats edit;
    };
    std::vector<EditRow> editRows;
    {
        const fs::path project = fs::temp_directory_path() / ("nimbus-bench-edit-" + std::to_string(::getpid()));
        fs::create_directories(project);
        writeFile(project / "serverless.yml",
                  "service: bench\nprovider:\n  name: aws\n  runtime: python3.11\n"
                  "functions:\n  py: {handler: handler.hello}\n"
                  "  js: {handler: app.hello, runtime: nodejs20.x}\n");
        writeFile(project / "handler.py", "def hello(event, context):\n    return 'v0'\n");
        writeFile(project / "app.js", "exports.hello = async () => 'v0';\n");
        boost::asio::io_context io;
        SimulatorOptions options;
        options.projectDir = project.string();
        options.resourcesDir = resources;
        options.serveControlPlane = false;
        options.serveGateway = false;
        Simulator simulator(io, options);
        if (!simulator.load() || !simulator.watch({}, error)) {
            std::cerr << "cannot start the simulator: " << error << "\n";
            return 1;
        }
        for (const std::string function : {"py", "js"}) {
            std::vector<double> samples;
            for (int i = 1; i <= edits; ++i) {
                runUntil(io, [&] {
                    const auto all = simulator.templates();
                    return all.size() == 2 &&
                           std::all_of(all.begin(), all.end(), [](const auto &t) { return t.ready; });
                });
                const std::string version = "v" + std::to_string(i);
                const auto start = Clock::now();
                if (function == "py")
                    writeFile(project / "handler.py",
                              "def hello(event, context):\n    return '" + version + "'\n");
                else
                    writeFile(project / "app.js", "exports.hello = async () => '" + version + "';\n");
                std::optional<InvocationResult> result;
                simulator.invoke(function, {}, [&](InvocationResult r) { result = std::move(r); },
                                 error);
                runUntil(io, [&] { return result.has_value(); });
                samples.push_back(msSince(start));
                check(*result);
                if (result->payload != "\"" + version + "\"") {
                    std::cerr << "edit " << version << " answered " << result->payload << "\n";
                    return 1;
                }
            }
            editRows.push_back({function == "py" ? "python3.11" : "nodejs20.x", stats(samples)});
        }
        simulator.shutdown();
        io.run_for(std::chrono::milliseconds(100));
        fs::remove_all(project);
    }

    std::printf("Machine: %s. %d cold starts of each kind (alternating), %d bursts of 10, %d "
                "edits.\n\n",
                nimbus::bench::machine().c_str(), cold, bursts, edits);
    std::printf("| runtime | bare interpreter p50 | p99 | cold, templates p50 | p99 | Init "
                "Duration p50 | cold, no templates p50 | p99 | Init Duration p50 | ratio p50 "
                "(no templates / templates) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto &r : rows)
        std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f× |\n",
                    r.runtime.c_str(), r.floor.p50, r.floor.p99, r.withTemplates.p50,
                    r.withTemplates.p99, r.initWith.p50, r.withoutTemplates.p50,
                    r.withoutTemplates.p99, r.initWithout.p50,
                    r.withoutTemplates.p50 / r.withTemplates.p50);
    std::printf("\n| runtime | 10 concurrent cold, templates p50 | p99 | ÷ one cold (p50) | 10 "
                "concurrent, no templates p50 | p99 |\n|---|---|---|---|---|---|\n");
    for (const auto &r : rows)
        std::printf("| %s | %.1f | %.1f | %.1f× | %.1f | %.1f |\n", r.runtime.c_str(),
                    r.burstWith.p50, r.burstWith.p99, r.burstWith.p50 / r.withTemplates.p50,
                    r.burstWithout.p50, r.burstWithout.p99);
    std::printf("\n| runtime | edit → first response p50 | p99 |\n|---|---|---|\n");
    for (const auto &r : editRows)
        std::printf("| %s | %.1f | %.1f |\n", r.runtime.c_str(), r.edit.p50, r.edit.p99);
    std::printf("\n| template | RSS | PSS |\n|---|---|---|\n");
    for (const auto &r : rows)
        for (const auto &t : r.memory)
            std::printf("| %s %s | %.1f MB | %.1f MB |\n", t.runtime.c_str(), t.kind.c_str(),
                        static_cast<double>(t.residentKb) / 1024.0,
                        static_cast<double>(t.proportionalKb) / 1024.0);
    return 0;
}
