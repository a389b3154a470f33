// Cold-start and warm-invoke latency through the simulator for Python and Node hello
// handlers, beside the same handler called in a bare loop in its own language.
//   nimbus-bench-invoke [--warm N] [--cold N] [--resources DIR]
// Prints a Markdown table of p50/p99 in milliseconds.
#include "benchsupport.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;
using namespace nimbus::sim;
using nimbus::bench::Stats;
using nimbus::bench::stats;
using Clock = std::chrono::steady_clock;

namespace {

FunctionConfig configFor(const std::string &runtime, const std::string &dir) {
    FunctionConfig config;
    config.name = "hello";
    config.deployedName = "bench-dev-hello";
    config.runtime = runtime;
    config.handler = "handler.hello";
    config.codeDir = dir;
    config.memoryMb = 512;
    config.timeoutSeconds = 10;
    config.concurrencyLimit = 1;
    return config;
}

// Time from invoke() to its result, as a client of the platform sees it.
double timedInvoke(boost::asio::io_context &io, FunctionPool &pool, int n) {
    std::optional<InvocationResult> result;
    InvocationRequest request;
    request.payload = "{\"n\": " + std::to_string(n) + "}";
    if (io.stopped()) // it stops whenever it runs out of work
        io.restart();
    const auto start = Clock::now();
    pool.invoke(request, [&](InvocationResult r) { result = std::move(r); });
    while (!result)
        io.run_one();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (result->functionError || result->throttled) {
        std::cerr << "invocation failed: " << result->payload << "\n" << result->log;
        std::exit(1);
    }
    return ms;
}

std::vector<double> bareLoop(const std::string &command) {
    std::string output;
    if (FILE *pipe = ::popen(command.c_str(), "r")) {
        char buffer[65536];
        std::size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
            output.append(buffer, n);
        ::pclose(pipe);
    }
    return nlohmann::json::parse(output).get<std::vector<double>>();
}

} // namespace

int main(int argc, char **argv) {
    int warm = 2000, cold = 100;
    std::string resources = nimbus::resources::resourcesDir();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--warm")
            warm = std::atoi(argv[i + 1]);
        else if (flag == "--cold")
            cold = std::atoi(argv[i + 1]);
        else if (flag == "--resources")
            resources = argv[i + 1];
    }
    const std::string benchDir = fs::path(resources).parent_path() / "bench" / "invoke-latency";
    RuntimeLauncher launcher(resources);
    std::string error;
    const std::string python = launcher.resolveInterpreter("python3", error);
    const std::string node = launcher.resolveInterpreter("node", error);

    struct Row {
        std::string runtime;
        Stats bare, warm, cold;
    };
    std::vector<Row> rows;
    for (const std::string runtime : {"python3.11", "nodejs20.x"}) {
        boost::asio::io_context io;
        Row row{runtime, {}, {}, {}};
        // Warm: one instance, reused.
        auto pool = FunctionPool::create(io, configFor(runtime, benchDir), launcher, PoolSettings{},
                                         nullptr);
        timedInvoke(io, *pool, 0); // the cold start, not counted here
        for (int i = 0; i < 200; ++i)
            timedInvoke(io, *pool, i); // warm-up
        std::vector<double> samples;
        for (int i = 0; i < warm; ++i)
            samples.push_back(timedInvoke(io, *pool, i));
        row.warm = stats(samples);
        pool->shutdown();
        // Cold: a new pool each time, so every invocation starts an instance.
        samples.clear();
        for (int i = 0; i < cold; ++i) {
            auto fresh = FunctionPool::create(io, configFor(runtime, benchDir), launcher,
                                              PoolSettings{}, nullptr);
            samples.push_back(timedInvoke(io, *fresh, i));
            fresh->shutdown();
            io.run_for(std::chrono::milliseconds(5));
        }
        row.cold = stats(samples);
        const bool isPython = runtime.rfind("python", 0) == 0;
        const std::string command =
            isPython ? python + " " + benchDir + "/bare.py " + benchDir + " " + std::to_string(warm)
                     : node + " " + benchDir + "/bare.js " + benchDir + " " + std::to_string(warm);
        row.bare = stats(bareLoop(command));
        rows.push_back(row);
    }

    std::printf("Machine: %s. Warm: %d invocations after 200 warm-up; cold: %d fresh "
                "instances.\n\n",
                nimbus::bench::machine().c_str(), warm, cold);
    std::printf("| runtime | bare call p50 | bare call p99 | warm invoke p50 | warm invoke p99 | "
                "overhead p50 | overhead p99 | cold start p50 | cold start p99 |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const auto &r : rows) {
        std::printf("| %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.1f ms | "
                    "%.1f ms |\n",
                    r.runtime.c_str(), r.bare.p50, r.bare.p99, r.warm.p50, r.warm.p99,
                    r.warm.p50 - r.bare.p50, r.warm.p99 - r.bare.p99, r.cold.p50, r.cold.p99);
    }
    return 0;
}
