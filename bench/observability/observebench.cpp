// What observability costs a function: warm invokes with metrics and tracing recorded (the
// control plane's stores) against none, the success path with failure capture on against
// off, and a CPU-bound handler under the sampling profiler against without it.
//   nimbus-bench-observe [--warm N] [--busy N] [--resources DIR]
// Configurations are measured alternately, one invocation each, in one run, so that the
// machine's noise falls on both; prints Markdown tables of medians, p99s and the median of
// the paired differences.
#include "benchsupport.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace nimbus::sim;
using nimbus::bench::Stats;
using nimbus::bench::stats;
using Clock = std::chrono::steady_clock;

namespace {

// A simulator of the bench project, run by this thread.
struct Platform {
    boost::asio::io_context io;
    std::unique_ptr<Simulator> simulator;

    Platform(const std::string &project, const std::string &resources, bool controlPlane,
             const std::string &stateDir, PoolSettings pool) {
        SimulatorOptions options;
        options.projectDir = project;
        options.resourcesDir = resources;
        options.serveGateway = false;
        options.serveControlPlane = controlPlane;
        options.control.stateDir = stateDir;
        options.pool = pool;
        simulator = std::make_unique<Simulator>(io, options);
        if (!simulator->load()) {
            std::cerr << "the bench project does not load\n";
            std::exit(1);
        }
        simulator->start();
    }
    ~Platform() {
        simulator->shutdown();
        io.run_for(std::chrono::milliseconds(200));
    }

    // invoke → result, as a client of the platform sees it.
    double invoke(const std::string &function, int n) {
        std::optional<InvocationResult> result;
        InvocationRequest request;
        request.payload = "{\"n\": " + std::to_string(n) + "}";
        if (io.stopped())
            io.restart();
        std::string error;
        const auto start = Clock::now();
        if (!simulator->invoke(function, request,
                               [&](InvocationResult r) { result = std::move(r); }, error)) {
            std::cerr << function << ": " << error << '\n';
            std::exit(1);
        }
        while (!result)
            io.run_one();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (result->functionError || result->throttled) {
            std::cerr << function << " failed: " << result->payload << '\n' << result->log;
            std::exit(1);
        }
        return ms;
    }
};

struct Comparison {
    Stats a, b;
    double pairedDifference = 0; // the median of b - a over pairs of neighbouring invocations
    double pairedRatio = 1;      // the median of b / a over the same pairs
};

// `count` invocations of `function` on each platform, alternating one by one, so that the
// machine's drifts (frequency, steal time, another process) fall on both alike; each pair's
// difference and ratio are taken too.
Comparison compare(Platform &a, Platform &b, const std::string &function, int count) {
    for (int i = 0; i < 50; ++i) { // start both instances, then warm them
        a.invoke(function, i);
        b.invoke(function, i);
    }
    std::vector<double> sa, sb, differences, ratios;
    for (int i = 0; i < count; ++i) {
        double x, y; // which goes first alternates too
        if (i % 2) {
            x = a.invoke(function, i);
            y = b.invoke(function, i);
        } else {
            y = b.invoke(function, i);
            x = a.invoke(function, i);
        }
        sa.push_back(x);
        sb.push_back(y);
        differences.push_back(y - x);
        ratios.push_back(y / x);
    }
    Comparison c{stats(sa), stats(sb)};
    c.pairedDifference = stats(differences).p50;
    c.pairedRatio = stats(ratios).p50;
    return c;
}

} // namespace

int main(int argc, char **argv) {
    int warm = 2000, busy = 200;
    std::string resources = nimbus::resources::resourcesDir();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--warm")
            warm = std::max(10, std::atoi(argv[i + 1]));
        else if (flag == "--busy")
            busy = std::max(10, std::atoi(argv[i + 1]));
        else if (flag == "--resources")
            resources = argv[i + 1];
    }
    resources = fs::absolute(resources).lexically_normal().string();
    const std::string project =
        (fs::path(resources).parent_path() / "bench" / "observability" / "project").string();
    char pattern[] = "/tmp/nimbus-bench-observe-XXXXXX";
    const std::string work = ::mkdtemp(pattern);

    std::printf("Machine: %s. %d warm invocations per configuration, %d busy ones, alternating "
                "one by one.\n\n",
                nimbus::bench::machine().c_str(), warm, busy);

    // 1. Metrics and tracing recorded (the control plane with its stores) against not.
    std::printf("Metrics and tracing (warm invoke, ms)\n\n| runtime | off p50 | on p50 | added "
                "(paired median) | off p99 | on p99 |\n|---|---|---|---|---|---|\n");
    {
        PoolSettings pool;
        Platform off(project, resources, false, work + "/off", pool);
        Platform on(project, resources, true, work + "/on", pool);
        for (const std::string function : {"pyhello", "nodehello"}) {
            const Comparison c = compare(off, on, function, warm);
            std::printf("| %s | %.3f | %.3f | %+.3f | %.3f | %.3f |\n",
                        function == "pyhello" ? "python" : "node", c.a.p50, c.b.p50,
                        c.pairedDifference, c.a.p99, c.b.p99);
        }
    }

    // 2. Failure capture on the success path.
    std::printf("\nFailure capture, success path (warm invoke, ms)\n\n| runtime | off p50 | on p50 | "
                "added (paired median) | off p99 | on p99 |\n|---|---|---|---|---|---|\n");
    {
        PoolSettings without, with;
        without.captureFailures = false;
        Platform off(project, resources, false, work + "/c-off", without);
        Platform on(project, resources, false, work + "/c-on", with);
        for (const std::string function : {"pyhello", "nodehello"}) {
            const Comparison c = compare(off, on, function, warm);
            std::printf("| %s | %.3f | %.3f | %+.3f | %.3f | %.3f |\n",
                        function == "pyhello" ? "python" : "node", c.a.p50, c.b.p50,
                        c.pairedDifference, c.a.p99, c.b.p99);
        }
    }

    // 3. The profiler's slowdown of a CPU-bound handler at the default sampling interval.
    std::printf("\nProfiling a CPU-bound handler (warm invoke, ms)\n\n| runtime | plain p50 | "
                "profiled p50 | slowdown (paired median) |\n|---|---|---|---|\n");
    {
        PoolSettings plain, profiled;
        profiled.profileDir = work + "/profiles";
        fs::create_directories(profiled.profileDir);
        Platform off(project, resources, false, work + "/p-off", plain);
        Platform on(project, resources, false, work + "/p-on", profiled);
        for (const std::string function : {"pybusy", "nodebusy"}) {
            const Comparison c = compare(off, on, function, busy);
            std::printf("| %s | %.2f | %.2f | %+.1f %% |\n",
                        function == "pybusy" ? "python" : "node", c.a.p50, c.b.p50,
                        100.0 * (c.pairedRatio - 1));
        }
    }
    std::error_code ec;
    fs::remove_all(work, ec);
    return 0;
}
