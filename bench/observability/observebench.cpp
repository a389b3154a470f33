// What observability costs a function: warm invokes with metrics and tracing recorded (the
// control plane's stores) against none, the success path with failure capture on against
// off, and a CPU-bound handler under the sampling profiler against without it.
//   nimbus-bench-observe [--warm N] [--rounds N] [--busy N] [--resources DIR]
// Configurations are measured in alternating rounds in one run, so that the machine's noise
// falls on both; prints Markdown tables of medians, p99s and differences.
#include "nimbus/resources/resourcelocator.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/utsname.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace nimbus::sim;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
    double p50 = 0, p99 = 0;
};

Stats stats(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        return samples[std::min(samples.size() - 1,
                                static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
    };
    return {at(0.50), at(0.99)};
}

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

// Rounds of `count` invocations of `function`, alternating between the two platforms.
std::pair<Stats, Stats> compare(Platform &a, Platform &b, const std::string &function, int rounds,
                                int count) {
    for (int i = 0; i < 50; ++i) { // start both instances, then warm them
        a.invoke(function, i);
        b.invoke(function, i);
    }
    std::vector<double> sa, sb;
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < count; ++i)
            sa.push_back(a.invoke(function, i));
        for (int i = 0; i < count; ++i)
            sb.push_back(b.invoke(function, i));
    }
    return {stats(sa), stats(sb)};
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

} // namespace

int main(int argc, char **argv) {
    int warm = 2000, rounds = 10, busy = 100;
    std::string resources = nimbus::resources::resourcesDir();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--warm")
            warm = std::max(10, std::atoi(argv[i + 1]));
        else if (flag == "--rounds")
            rounds = std::max(1, std::atoi(argv[i + 1]));
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
    const int perRound = std::max(1, warm / rounds);

    utsname uts{};
    ::uname(&uts);
    std::printf("Machine: %s, %ld cores, %s %s. %d warm invocations per configuration in %d "
                "alternating rounds; %d busy invocations.\n\n",
                cpuModel().c_str(), ::sysconf(_SC_NPROCESSORS_ONLN), uts.sysname, uts.release,
                perRound * rounds, rounds, busy);

    // 1. Metrics and tracing recorded (the control plane with its stores) against not.
    std::printf("Metrics and tracing (warm invoke, ms)\n\n| runtime | off p50 | on p50 | added "
                "p50 | off p99 | on p99 |\n|---|---|---|---|---|---|\n");
    {
        PoolSettings pool;
        Platform off(project, resources, false, work + "/off", pool);
        Platform on(project, resources, true, work + "/on", pool);
        for (const std::string function : {"pyhello", "nodehello"}) {
            auto [a, b] = compare(off, on, function, rounds, perRound);
            std::printf("| %s | %.3f | %.3f | %+.3f | %.3f | %.3f |\n",
                        function == "pyhello" ? "python" : "node", a.p50, b.p50, b.p50 - a.p50,
                        a.p99, b.p99);
        }
    }

    // 2. Failure capture on the success path.
    std::printf("\nFailure capture, success path (warm invoke, ms)\n\n| runtime | off p50 | on p50 | "
                "added p50 | off p99 | on p99 |\n|---|---|---|---|---|---|\n");
    {
        PoolSettings without, with;
        without.captureFailures = false;
        Platform off(project, resources, false, work + "/c-off", without);
        Platform on(project, resources, false, work + "/c-on", with);
        for (const std::string function : {"pyhello", "nodehello"}) {
            auto [a, b] = compare(off, on, function, rounds, perRound);
            std::printf("| %s | %.3f | %.3f | %+.3f | %.3f | %.3f |\n",
                        function == "pyhello" ? "python" : "node", a.p50, b.p50, b.p50 - a.p50,
                        a.p99, b.p99);
        }
    }

    // 3. The profiler's slowdown of a CPU-bound handler at the default sampling interval.
    std::printf("\nProfiling a CPU-bound handler (warm invoke, ms)\n\n| runtime | plain p50 | "
                "profiled p50 | slowdown |\n|---|---|---|---|\n");
    {
        PoolSettings plain, profiled;
        profiled.profileDir = work + "/profiles";
        fs::create_directories(profiled.profileDir);
        Platform off(project, resources, false, work + "/p-off", plain);
        Platform on(project, resources, false, work + "/p-on", profiled);
        for (const std::string function : {"pybusy", "nodebusy"}) {
            auto [a, b] = compare(off, on, function, std::min(rounds, 5), std::max(1, busy / 5));
            std::printf("| %s | %.2f | %.2f | %+.1f %% |\n",
                        function == "pybusy" ? "python" : "node", a.p50, b.p50,
                        100.0 * (b.p50 - a.p50) / a.p50);
        }
    }
    std::error_code ec;
    fs::remove_all(work, ec);
    return 0;
}
