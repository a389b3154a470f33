// nimbus traces / failures / replay / profile: seeing inside functions — the call chains the
// simulator traced, the scenes of failed invocations and running one again, and where a
// function spends its time.
#include "cli.h"
#include "nimbus/failures/failure.h"
#include "nimbus/net/httpclient.h"
#include "nimbus/profiling/profile.h"
#include "nimbus/tracing/span.h"
#include "remote.h"
#include "simulator/invoker.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::cli {

namespace {

using nlohmann::json;

std::string formatMs(double ms) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(ms < 10 ? 2 : 1) << ms << " ms";
    return text.str();
}

// ---- nimbus traces ----------------------------------------------------------------------

struct TracesOptions : RemoteOptions {
    std::string function;
    std::string since = "1h";
    int limit = 20;
    bool json = false;
    std::string otlpEndpoint;
};

// Spans of a trace as an indented tree with a bar of where each ran in the trace's time.
void printTrace(std::ostream &out, const json &trace) {
    const long long start = trace.value("startUs", 0LL);
    const double total = std::max(1.0, trace.value("durationUs", 0.0));
    out << "trace " << trace.value("traceId", "") << "  " << trace.value("name", "") << "  "
        << formatMs(trace.value("durationUs", 0.0) / 1000.0)
        << (trace.value("error", false) ? "  ERROR" : "") << '\n';
    std::map<std::string, int> depth;
    constexpr int kBar = 30;
    for (const auto &span : trace.value("spans", json::array())) {
        const std::string parent = span.value("parentId", "");
        const int d = depth.count(parent) ? depth[parent] + 1 : 0;
        depth[span.value("spanId", "")] = d;
        const double offset = static_cast<double>(span.value("startUs", 0LL) - start);
        const double length = span.value("durationUs", 0.0);
        const int from = std::clamp(static_cast<int>(offset / total * kBar), 0, kBar - 1);
        const int width = std::clamp(static_cast<int>(length / total * kBar), 1, kBar - from);
        std::string bar(static_cast<std::size_t>(kBar), ' ');
        bar.replace(static_cast<std::size_t>(from), static_cast<std::size_t>(width),
                    static_cast<std::size_t>(width), '=');
        std::string label = std::string(static_cast<std::size_t>(d) * 2, ' ') + span.value("name", "");
        out << "  |" << bar << "| " << std::left << std::setw(36) << label << std::right
            << std::setw(11) << formatMs(length / 1000.0) << "  span " << span.value("spanId", "");
        if (span.value("status", "") == "error")
            out << "  ERROR " << span.value("statusMessage", "");
        out << '\n';
    }
}

int traces(const TracesOptions &options, Streams streams) {
    const auto since = sinceStart(options.since, "traces", streams);
    if (!since)
        return 2;
    if (options.limit < 1) {
        streams.err << "nimbus traces: --limit wants a positive number\n";
        return 2;
    }
    auto remote = connect(options, "traces", streams, false);
    if (!remote)
        return 1;
    const auto answer = remote->client->traces(options.function, *since, options.limit);
    if (!answer.ok()) {
        streams.err << "nimbus traces: " << describe(answer.error) << '\n';
        if (!remote->local)
            streams.err << "  (traces are a Nimbus simulator feature; on AWS use X-Ray)\n";
        return 1;
    }
    const json list = answer->value("Traces", json::array());
    if (!options.otlpEndpoint.empty()) {
        std::vector<tracing::Span> spans;
        for (const auto &trace : list)
            for (const auto &span : trace.value("spans", json::array()))
                spans.push_back(tracing::spanFromJson(span));
        std::string url = options.otlpEndpoint;
        // The collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT) or the traces URL itself.
        if (url.find("/v1/traces") == std::string::npos)
            url = (url.back() == '/' ? url.substr(0, url.size() - 1) : url) + "/v1/traces";
        net::HttpRequestSpec request;
        request.method = "POST";
        request.url = url;
        request.body = tracing::otlpExportRequest(spans).dump();
        request.headers["Content-Type"] = "application/json";
        request.timeout = std::chrono::seconds(30);
        const net::HttpResult result = net::httpRequest(request);
        if (result.status < 200 || result.status >= 300) {
            streams.err << "nimbus traces: the collector at " << url << " did not take the spans: "
                        << (result.status ? "HTTP " + std::to_string(result.status) + " " +
                                                result.body.substr(0, 300)
                                          : result.error)
                        << '\n';
            return 1;
        }
        streams.out << "exported " << spans.size() << " span(s) of " << list.size()
                    << " trace(s) to " << url << '\n';
        return 0;
    }
    if (options.json) {
        streams.out << list.dump(2) << '\n';
        return 0;
    }
    if (list.empty()) {
        streams.out << "no traces in the last " << options.since << '\n';
        return 0;
    }
    for (const auto &trace : list) {
        printTrace(streams.out, trace);
        streams.out << '\n';
    }
    return 0;
}

// ---- nimbus failures --------------------------------------------------------------------

struct FailuresOptions : RemoteOptions {
    std::string function;
    std::string since = "1d";
    int limit = 20;
    bool json = false;
};

void printFailure(std::ostream &out, const failures::Failure &failure, bool full) {
    out << '#' << failure.id << "  " << clockTime(failure.timeMs) << "  " << failure.function
        << "  " << failures::headline(failure) << '\n';
    if (!full)
        return;
    for (const auto &frame : failure.frames) {
        out << "    at " << frame.name << " (" << frame.file << ":" << frame.line << ")\n";
        for (const auto &[name, value] : frame.locals)
            out << "        " << name << " = " << value << '\n';
    }
    if (failure.frames.empty() && !failure.stackTrace.empty())
        for (const auto &line : failure.stackTrace) {
            std::string text = line;
            while (!text.empty() && text.back() == '\n')
                text.pop_back();
            out << "    " << text << '\n';
        }
}

int failuresCommand(const FailuresOptions &options, Streams streams) {
    const auto since = sinceStart(options.since, "failures", streams);
    if (!since)
        return 2;
    auto remote = connect(options, "failures", streams, false);
    if (!remote)
        return 1;
    const auto answer = remote->client->failures(options.function, *since, options.limit);
    if (!answer.ok()) {
        streams.err << "nimbus failures: " << describe(answer.error) << '\n';
        return 1;
    }
    const json list = answer->value("Failures", json::array());
    if (options.json) {
        streams.out << list.dump(2) << '\n';
        return 0;
    }
    if (list.empty()) {
        streams.out << "no failures in the last " << options.since << '\n';
        return 0;
    }
    for (const auto &item : list)
        printFailure(streams.out, failures::failureFromJson(item), true);
    streams.out << "\nrun one again: nimbus replay ID --project " << options.project
                << "   (--debug: stopped at the failing line)\n";
    return 0;
}

// ---- nimbus replay ----------------------------------------------------------------------

struct ReplayOptions {
    std::string id;
    std::string project = ".";
    std::string stage;
    bool debug = false;
    int port = 0;
};

// The captured variables a replay sets again: masked secrets keep today's values.
std::map<std::string, std::string> replayEnvironment(const failures::Failure &failure) {
    std::map<std::string, std::string> environment;
    for (const auto &[name, value] : failure.environment)
        if (value != failures::kMasked)
            environment[name] = value;
    return environment;
}

// A loopback port nothing listens on now (for the debug adapter to take).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = -1;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    if (fd >= 0)
        ::close(fd);
    return port;
}

// Runs nimbus-dap on a port and waits for an editor to launch the replay through it.
int replayUnderDebugger(const ReplayOptions &options, const failures::Failure &failure,
                        Streams streams) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    const fs::path adapter = self.parent_path() / "nimbus-dap";
    if (ec || !fs::exists(adapter, ec)) {
        streams.err << "nimbus replay: cannot find nimbus-dap beside " << self.string() << '\n';
        return 1;
    }
    std::string project = fs::weakly_canonical(fs::absolute(options.project, ec), ec).string();
    while (project.size() > 1 && project.back() == '/')
        project.pop_back();
    const json launch{{"type", "nimbus"},
                      {"request", "launch"},
                      {"name", "Replay failure #" + std::to_string(failure.id)},
                      {"project", project},
                      {"replay", std::to_string(failure.id)},
                      {"debugServer", options.port}};
    streams.out << "Replaying failure #" << failure.id << " of " << failure.function << " ("
                << failures::headline(failure) << ") under the debugger.\n"
                << "nimbus-dap listens on 127.0.0.1:" << options.port
                << "; start this launch configuration in your editor (VS Code: add it to "
                   ".vscode/launch.json and press F5):\n"
                << launch.dump(2) << '\n'
                << "It stops at the failing line. Ctrl-C ends the adapter.\n"
                << std::flush;
    const std::string port = std::to_string(options.port);
    ::execl(adapter.c_str(), adapter.c_str(), "--port", port.c_str(), static_cast<char *>(nullptr));
    streams.err << "nimbus replay: cannot run " << adapter.string() << '\n';
    return 1;
}

int replay(const ReplayOptions &options, Streams streams) {
    std::string error;
    const auto found = sim::findFailure(options.project, options.id, error);
    if (!found) {
        streams.err << "nimbus replay: " << error << '\n';
        return 1;
    }
    failures::Failure failure;
    try {
        failure = failures::failureFromJson(*found);
    } catch (const std::exception &e) {
        streams.err << "nimbus replay: failure " << options.id << " cannot be read: " << e.what()
                    << '\n';
        return 1;
    }
    if (options.debug) {
        ReplayOptions withPort = options;
        if (withPort.port == 0)
            withPort.port = freePort();
        if (withPort.port <= 0 || withPort.port > 65535) {
            streams.err << "nimbus replay: --port wants a port number from 1 to 65535\n";
            return 2;
        }
        return replayUnderDebugger(withPort, failure, streams);
    }
    sim::EmbeddedRun run;
    run.environment = replayEnvironment(failure);
    streams.err << "replaying failure #" << failure.id << " of " << failure.function << " ("
                << failures::headline(failure) << ")\n";
    const auto outcomes =
        sim::runEmbedded(options.project, options.stage, failure.function, failure.event, run);
    const sim::InvokeOutcome &outcome = outcomes.front();
    if (!outcome.ran) {
        streams.err << "nimbus replay: " << outcome.error << '\n';
        return 1;
    }
    streams.err << outcome.log << std::flush;
    streams.out << outcome.payload << '\n' << std::flush;
    return outcome.functionError ? 1 : 0;
}

// ---- nimbus profile ---------------------------------------------------------------------

struct ProfileOptions {
    std::string function;
    std::string project = ".";
    std::string stage;
    std::string eventFile;
    std::string data;
    int count = 1;
    int intervalUs = 0;
    std::string out;
    int top = 20;
};

int profile(const ProfileOptions &options, Streams streams) {
    const auto payload = readEvent(options.eventFile, options.data, "profile", streams);
    if (!payload)
        return 1;
    if (options.count < 1 || options.count > 10000) {
        streams.err << "nimbus profile: --count wants 1 to 10000 invocations\n";
        return 2;
    }
    std::error_code ec;
    char pattern[] = "/tmp/nimbus-profile-XXXXXX";
    const char *dir = ::mkdtemp(pattern);
    if (!dir) {
        streams.err << "nimbus profile: cannot make a temporary folder\n";
        return 1;
    }
    struct Cleanup {
        std::string dir;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
        }
    } cleanup{dir};
    sim::EmbeddedRun run;
    run.profileDir = dir;
    run.profileIntervalUs = options.intervalUs;
    run.count = options.count;
    const auto outcomes =
        sim::runEmbedded(options.project, options.stage, options.function, *payload, run);
    if (!outcomes.front().ran) {
        streams.err << "nimbus profile: " << outcomes.front().error << '\n';
        return 1;
    }
    int failed = 0;
    for (const auto &outcome : outcomes)
        failed += outcome.functionError ? 1 : 0;
    // The profiles in the order they were written (one per invocation).
    std::vector<fs::path> files;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end(), [](const fs::path &a, const fs::path &b) {
        std::error_code e1, e2;
        return fs::last_write_time(a, e1) < fs::last_write_time(b, e2);
    });
    if (files.empty()) {
        streams.err << "nimbus profile: " << options.function
                    << " wrote no profile; its runtime has no profiler here (Python and Node "
                       "functions do)\n";
        return 1;
    }
    std::vector<profiling::SampledProfile> profiles;
    for (std::size_t i = 0; i < files.size(); ++i) {
        try {
            std::ifstream in(files[i]);
            profiles.push_back(profiling::readRuntimeProfile(
                json::parse(in), options.function + " #" + std::to_string(i + 1)));
        } catch (const std::exception &e) {
            streams.err << "nimbus profile: invocation " << i + 1
                        << "'s profile cannot be read: " << e.what() << '\n';
            return 1;
        }
    }
    const json document = profiling::speedscope(profiles, options.function);
    std::ofstream out(options.out, std::ios::binary | std::ios::trunc);
    if (!(out << document.dump()) || !out.flush()) {
        streams.err << "nimbus profile: cannot write " << options.out << '\n';
        return 1;
    }
    const auto summary = profiling::summarize(profiles);
    const std::string project = fs::canonical(options.project, ec).string();
    streams.out << options.function << ": " << outcomes.size() << " invocation(s)"
                << (failed ? ", " + std::to_string(failed) + " failed" : std::string()) << ", "
                << formatMs(summary.totalUs / 1000.0) << " sampled\n\n"
                << profiling::topTable(summary, static_cast<std::size_t>(options.top), project)
                << "\nwrote " << options.out
                << " (speedscope's format: open it at https://www.speedscope.app or in the "
                   "Studio)\n";
    return 0;
}

} // namespace

void addObserveCommands(CLI::App &app, Streams streams, int &exitCode) {
    auto tracesOptions = std::make_shared<TracesOptions>();
    CLI::App *t = app.add_subcommand(
        "traces", "Recent call chains: gateway, functions and the functions they invoke");
    t->add_option("function", tracesOptions->function, "Only traces through this function");
    t->add_option("--since", tracesOptions->since, "How far back: 30s, 10m, 2h, 1d (1h)");
    t->add_option("--limit", tracesOptions->limit, "At most this many traces (20)");
    t->add_flag("--json", tracesOptions->json, "Print JSON");
    t->add_option("--otlp-endpoint", tracesOptions->otlpEndpoint,
                  "Export the spans to an OpenTelemetry collector (OTLP/HTTP JSON), e.g. "
                  "http://127.0.0.1:4318");
    tracesOptions->addTo(*t);
    t->callback([tracesOptions, streams, &exitCode] { exitCode = traces(*tracesOptions, streams); });

    auto failuresOptions = std::make_shared<FailuresOptions>();
    CLI::App *f = app.add_subcommand(
        "failures", "Failed invocations with their scene: event, error, frames and locals");
    f->add_option("function", failuresOptions->function, "Only this function's");
    f->add_option("--since", failuresOptions->since, "How far back: 30s, 10m, 2h, 1d (1d)");
    f->add_option("--limit", failuresOptions->limit, "At most this many (20)");
    f->add_flag("--json", failuresOptions->json, "Print JSON");
    failuresOptions->addTo(*f);
    f->callback([failuresOptions, streams, &exitCode] {
        exitCode = failuresCommand(*failuresOptions, streams);
    });

    auto replayOptions = std::make_shared<ReplayOptions>();
    CLI::App *r = app.add_subcommand(
        "replay", "Run a failed invocation again: the same event, the same environment");
    r->add_option("id", replayOptions->id, "The failure's number (nimbus failures) or request id")
        ->required();
    r->add_option("--project,-p", replayOptions->project,
                  "Project folder (default: the current folder)");
    r->add_option("--stage", replayOptions->stage, "Stage for ${opt:stage} and ${sls:stage}");
    r->add_flag("--debug", replayOptions->debug,
                "Replay under the debugger (nimbus-dap on --port), stopped at the failing line");
    r->add_option("--port", replayOptions->port,
                  "The debug adapter's port, with --debug (default: a free one)");
    r->footer("Like nimbus invoke: the result to stdout, the log to stderr; exit status 1 when it "
              "fails again.\nSecrets were masked when the failure was kept: they take the "
              "values the manifest gives them now.");
    r->callback([replayOptions, streams, &exitCode] { exitCode = replay(*replayOptions, streams); });

    auto profileOptions = std::make_shared<ProfileOptions>();
    CLI::App *p = app.add_subcommand(
        "profile", "Run a function under a sampling profiler and show where the time goes");
    p->add_option("function", profileOptions->function, "Function name, as in serverless.yml")
        ->required();
    p->add_option("--project,-p", profileOptions->project,
                  "Project folder (default: the current folder)");
    auto *event =
        p->add_option("--event,-e", profileOptions->eventFile, "File holding the event JSON");
    p->add_option("--data,-d", profileOptions->data, "The event JSON itself")->excludes(event);
    p->add_option("--count,-n", profileOptions->count, "Invocations to profile (1)");
    p->add_option("--interval-us", profileOptions->intervalUs,
                  "Sampling interval in microseconds (the runtime's default)");
    p->add_option("--top", profileOptions->top, "Rows in the table (20)");
    p->add_option("--out,-o", profileOptions->out, "Where to write the speedscope JSON")
        ->required();
    p->add_option("--stage", profileOptions->stage, "Stage for ${opt:stage} and ${sls:stage}");
    p->callback([profileOptions, streams, &exitCode] {
        exitCode = profile(*profileOptions, streams);
    });
}

} // namespace nimbus::cli
