#include "daemon.h"

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/net/httpserver.h"
#include "nimbus/resources/resourcelocator.h"
#include "simulator.h"
#include "statefile.h"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

// The live log: the simulator's event stream (the one the Studio and editors read), one
// line per log line, prefixed by the function, coloured on a terminal (each function its
// own colour, errors red, platform lines dim).
class ConsoleLog {
public:
    ConsoleLog(std::ostream &out, bool colour, boost::asio::io_context &io)
        : m_out(out)
        , m_colour(colour)
        , m_io(io) {}

    void show(const EventStream::Event &event) {
        using Kind = EventStream::Event::Kind;
        const std::string &function = event.function;
        const std::string &text = event.text;
        if (event.kind == Kind::Instance) {
            const std::string pid = std::to_string(event.pid);
            if (text == "starting")
                line(function, "instance " + pid + " started", Style::Dim);
            else if (text == "stopped")
                line(function, "instance " + pid + " stopped: " + event.detail, Style::Dim);
            else
                return;
        } else if (event.kind == Kind::Log) {
            // (Lambda's lines, and SCF's Event / Report / Init Report.)
            const bool platform = text.starts_with("START ") || text.starts_with("END ") ||
                                  text.starts_with("REPORT ") || text.starts_with("INIT_") ||
                                  text.starts_with("Event RequestId: ") ||
                                  text.starts_with("Report RequestId: ") ||
                                  text.starts_with("Init Report RequestId: ");
            const bool error = text.starts_with("[ERROR]") ||
                               text.find("Error:") != std::string::npos ||
                               text.find("Task timed out") != std::string::npos ||
                               text.find("Traceback") != std::string::npos;
            line(function, text, error ? Style::Error : platform ? Style::Dim : Style::Plain);
        } else if (event.kind == Kind::Request) {
            const bool failed =
                text.find(" 5") != std::string::npos && text.find(" — ") != std::string::npos;
            line(function, "→ " + text, failed ? Style::Error : Style::Request);
        } else if (event.kind == Kind::Platform) {
            line("nimbus", text, Style::Dim);
        } else {
            return; // invocation start/end: the log lines say it
        }
        // One flush for all the lines of a turn of the event loop, not one write per line:
        // under load a write per line was a syscall per line on the loop.
        if (!m_flushPending) {
            m_flushPending = true;
            boost::asio::post(m_io, [this] {
                m_flushPending = false;
                m_out << std::flush;
            });
        }
    }

private:
    enum class Style { Plain, Dim, Error, Request };

    void line(const std::string &function, const std::string &text, Style style) {
        if (!m_colour) {
            m_out << "[" << function << "] " << text << "\n";
            return;
        }
        static const int palette[] = {36, 32, 35, 33, 34, 96, 92, 95};
        const int colour = palette[std::hash<std::string>{}(function) % std::size(palette)];
        m_out << "\033[" << colour << "m[" << function << "]\033[0m ";
        switch (style) {
        case Style::Plain:
            m_out << text;
            break;
        case Style::Dim:
            m_out << "\033[2m" << text << "\033[0m";
            break;
        case Style::Error:
            m_out << "\033[31m" << text << "\033[0m";
            break;
        case Style::Request:
            m_out << "\033[1m" << text << "\033[0m";
            break;
        }
        m_out << "\n";
    }

    std::ostream &m_out;
    bool m_colour;
    boost::asio::io_context &m_io;
    bool m_flushPending = false;
};

std::string isoNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

void printRoutes(std::ostream &out, const RouteTable &routes, const std::string &baseUrl,
                 const std::string &stage, bool colour) {
    const auto rows = routes.toJson(baseUrl, stage);
    if (rows.empty()) {
        out << "  routes         none (no http/httpApi events, http functions or services)\n";
        return;
    }
    std::size_t method = 6, path = 4, function = 8, kind = 4;
    for (const auto &r : rows) {
        method = std::max(method, r["method"].get<std::string>().size());
        path = std::max(path, r["path"].get<std::string>().size());
        function = std::max(function, r["function"].get<std::string>().size());
        kind = std::max(kind, r["kind"].get<std::string>().size() + 6 +
                                  (r.contains("authorizer")
                                       ? 14 + r["authorizer"]["type"].get<std::string>().size() +
                                             r["authorizer"]["name"].get<std::string>().size()
                                       : 0));
    }
    auto row = [&](const std::string &a, const std::string &b, const std::string &c,
                   const std::string &d, const std::string &e) {
        out << "  " << std::left << std::setw(static_cast<int>(method)) << a << "  "
            << std::setw(static_cast<int>(path)) << b << "  "
            << std::setw(static_cast<int>(function)) << c << "  "
            << std::setw(static_cast<int>(kind)) << d << "  " << e << "\n";
    };
    out << (colour ? "\033[1m" : "");
    row("METHOD", "PATH", "FUNCTION", "KIND", "URL");
    out << (colour ? "\033[0m" : "");
    for (const auto &r : rows) {
        std::string k = r["kind"].get<std::string>();
        if (r.contains("payload"))
            k += " (" + r["payload"].get<std::string>() + ")";
        if (r.contains("authorizer"))
            k += ", " + r["authorizer"]["type"].get<std::string>() + " authorizer " +
                 r["authorizer"]["name"].get<std::string>();
        row(r["method"], r["path"], r["function"], k, r["url"]);
    }
}

} // namespace

// "  schedules      tick  rate(1 minute)  next 2026-11-26T06:51:00Z", one line each.
static void printSchedules(std::ostream &out, const std::vector<Scheduler::State> &schedules) {
    bool first = true;
    for (const auto &state : schedules) {
        out << (first ? "  schedules      " : "                 ") << state.schedule.function << "  "
            << state.schedule.expression << "  "
            << (!state.schedule.enabled ? std::string("disabled (enabled: false)")
                : state.nextFire        ? "next " + isoSeconds(*state.nextFire)
                                        : std::string("never fires again"))
            << "\n";
        first = false;
    }
}

// "  queues         jobs → worker  (batch 10, window 0 s)", one line each.
static void printQueueTriggers(std::ostream &out, const std::vector<QueuePoller::State> &mappings) {
    bool first = true;
    for (const auto &state : mappings) {
        const auto &m = state.mapping;
        out << (first ? "  queues         " : "                 ") << m.queue << " → " << m.function
            << "  (batch " << m.batchSize << ", window " << m.batchingWindowSeconds << " s"
            << (m.reportBatchItemFailures ? ", ReportBatchItemFailures" : "")
            << (m.enabled ? "" : ", disabled") << ")"
            << (state.lastResult.rfind("the queue cannot", 0) == 0 ? "  " + state.lastResult : "")
            << "\n";
        first = false;
    }
}

// "  buckets        photos → thumb  (s3:ObjectCreated:*, suffix .jpg)", one line each.
static void printBucketTriggers(std::ostream &out, const std::vector<BucketNotification> &all) {
    bool first = true;
    for (const auto &n : all) {
        out << (first ? "  buckets        " : "                 ") << n.bucket << " → " << n.function
            << "  (" << n.event;
        for (const auto &p : n.prefixes)
            out << ", prefix " << p;
        for (const auto &x : n.suffixes)
            out << ", suffix " << x;
        out << ")\n";
        first = false;
    }
}

int serve(const ServeOptions &opts, std::ostream &out, std::ostream &err) {
    std::error_code ec;
    if (!fs::is_directory(opts.project, ec)) {
        err << opts.program << ": " << opts.project << ": no such project folder\n";
        return 1;
    }
    const std::string project = fs::canonical(opts.project, ec).string();
    // The project's serving lock, held until this process ends (the kernel lets it go even
    // after kill -9, so a simulator started next is never refused by a dead one).
    std::string lockError;
    const int lock = StateFile::lock(project, lockError);
    if (lock < 0) {
        if (auto live = StateFile::readLive(project))
            err << opts.program << ": a simulator is already serving " << project << " (pid "
                << (*live)["pid"].get<int>() << ", gateway " << (*live).value("gateway", "")
                << ")\n";
        else
            err << opts.program << ": a simulator is already serving " << project << " ("
                << lockError << ")\n";
        return 1;
    }
    struct LockHolder {
        int fd;
        ~LockHolder() { ::close(fd); }
    } holder{lock};

    boost::asio::io_context io;
    ConsoleLog console(out, opts.colour, io);
    SimulatorOptions options;
    options.projectDir = project;
    options.stage = opts.stage;
    options.resourcesDir = resources::resourcesDir();
    options.pool.keepAlive = opts.keepAlive;
    options.pool.captureFailures = opts.captureFailures;
    options.prewarm = opts.prewarm;
    options.sandbox = opts.sandbox;
    options.listenAddress = opts.host;
    boost::system::error_code addressError;
    boost::asio::ip::make_address(opts.host, addressError);
    if (addressError) {
        err << opts.program << ": --host " << opts.host
            << " is not an IP address (give one such as 127.0.0.1 or 0.0.0.0)\n";
        return 2;
    }
    if (!net::isLoopback(opts.host))
        err << opts.program << ": warning: listening on " << opts.host
            << ", not loopback: other machines can reach the gateway (and invoke functions "
               "through it) and the control plane (which still needs the keys in "
               ".nimbus/credentials.json)\n";
    options.defaultConcurrency = opts.concurrency;
    options.pool.strictConcurrency = opts.strictConcurrency;
    options.controlPort = opts.controlPort;
    options.gatewayPort = opts.gatewayPort;
    options.control.retryDelay = opts.asyncRetryDelay;
    Simulator simulator(io, options);
    simulator.events().subscribe(
        [&console](const EventStream::Event &event) { console.show(event); });
    if (!simulator.load()) {
        for (const auto &d : simulator.diagnostics())
            err << manifest::formatDiagnostic(d) << '\n';
        err << opts.program << ": the manifest has errors; fix them and start again\n";
        return 1;
    }
    for (const auto &d : simulator.diagnostics())
        err << manifest::formatDiagnostic(d) << '\n';
    try {
        simulator.start();
    } catch (const std::exception &e) {
        err << opts.program << ": cannot start: " << e.what() << '\n';
        return 1;
    }

    const auto &m = simulator.manifest();
    const auto &credentials = simulator.controlPlane()->credentials();
    nlohmann::json state{{"pid", ::getpid()},
                         {"project", project},
                         {"service", m.service},
                         {"stage", m.provider.stage},
                         {"region", m.provider.region},
                         {"runtimeApi", "http://127.0.0.1"},
                         {"controlPlane", simulator.controlPlaneUrl()},
                         {"metrics", simulator.controlPlaneUrl() + "/metrics"},
                         {"gateway", simulator.gatewayUrl()},
                         {"credentials",
                          {{"accessKeyId", credentials.accessKeyId},
                           {"secretAccessKey", credentials.secretAccessKey}}},
                         {"startedAt", isoNow()}};
    std::string error;
    if (!StateFile::write(project, state, error)) {
        err << opts.program << ": " << error << '\n';
        return 1;
    }

    if (opts.watch) {
        const bool watching = simulator.watch(
            [&](const std::vector<std::string> &files, bool ok) {
                std::string list;
                for (std::size_t i = 0; i < files.size() && i < 3; ++i)
                    list += (i ? ", " : "") + files[i];
                if (files.size() > 3)
                    list += " and " + std::to_string(files.size() - 3) + " more";
                if (!ok) {
                    simulator.platformEvent(
                        "changed: " + list +
                        " — the manifest has errors; still running the last good one:");
                    for (const auto &d : simulator.diagnostics())
                        err << manifest::formatDiagnostic(d) << '\n';
                    return;
                }
                simulator.platformEvent("changed: " + list +
                                        " — reloaded; next requests get fresh instances");
                const bool manifestChanged =
                    std::any_of(files.begin(), files.end(), [](const auto &f) {
                        return manifest::ManifestLoader::isManifestFileName(f);
                    });
                if (manifestChanged)
                    printRoutes(out, *simulator.routes(), simulator.gatewayUrl(), simulator.stage(), opts.colour);
                out << std::flush;
            },
            error);
        if (!watching)
            err << opts.program << ": " << error << " (hot reload is off)\n";
    }

    out << opts.program << ": serving '" << m.service << "' (stage " << m.provider.stage
        << ") from " << project << "\n"
        << "  gateway        " << simulator.gatewayUrl() << "\n"
        << "  control plane  " << simulator.controlPlaneUrl()
        << "  (Lambda, SQS and S3 APIs; credentials in " << StateFile::pathFor(project) << ")\n"
        << "  metrics        " << simulator.controlPlaneUrl() << "/metrics  (Prometheus)\n"
        << "  functions     ";
    for (const auto &f : m.functions)
        out << " " << f.name << " (" << manifest::functionKindName(f.kind) << ", "
            << f.runtime.value << ")";
    out << "\n";
    if (!simulator.notServed().empty()) {
        out << "  not served    ";
        for (const auto &name : simulator.notServed())
            out << " " << name;
        out << "  (errors above; nimbus doctor explains each)\n";
    }
    printRoutes(out, *simulator.routes(), simulator.gatewayUrl(), simulator.stage(), opts.colour);
    printSchedules(out, simulator.schedules());
    printQueueTriggers(out, simulator.queueMappings());
    printBucketTriggers(out, simulator.bucketNotifications());
    out << "  invoke with    nimbus invoke FUNCTION --project " << project << "\n"
        << (opts.watch ? "Watching for changes. " : "") << "Press Ctrl-C to stop.\n"
        << std::flush;

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) {
        out << opts.program << ": stopping\n" << std::flush;
        simulator.shutdown();
        StateFile::remove(project);
        io.stop();
    });
    io.run();
    StateFile::remove(project);
    return 0;
}

void addContainmentFlags(CLI::App &app, ServeOptions &options) {
    std::optional<bool> &sandbox = options.sandbox;
    app.add_flag_callback(
        "--sandbox", [&sandbox] { sandbox = true; },
        "Run instances under bubblewrap: the system and the code read-only, no home folders "
        "(no ~/.aws, no SSH keys), a private /tmp of the function's ephemeral storage size "
        "(default: the manifest's custom.nimbus.sandbox, else off)");
    app.add_flag_callback(
        "--no-sandbox", [&sandbox] { sandbox = false; },
        "Run instances unsandboxed, whatever the manifest's custom.nimbus.sandbox says");
    app.add_option("--host", options.host,
                   "Address the control plane and the gateway listen on (default 127.0.0.1, "
                   "this machine only; another, such as 0.0.0.0, lets other machines reach "
                   "them)");
}

int runDaemon(int argc, char **argv) {
    CLI::App app{"nimbus-sim: the local function platform for one project", "nimbus-sim"};
    ServeOptions options;
    double keepAlive = 300;
    app.add_option("--project,-p", options.project, "Project folder (default: the current folder)");
    app.add_option("--stage", options.stage, "Stage for ${opt:stage} and deployed names");
    app.add_option("--keep-alive", keepAlive, "Seconds an idle instance stays warm (default 300)")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-concurrency", options.concurrency,
                   "Instances per function unless reservedConcurrency says (default 10)")
        ->check(CLI::Range(1, 1000));
    app.add_flag("--strict-concurrency", options.strictConcurrency, kStrictConcurrencyHelp);
    app.add_option("--port", options.controlPort,
                   "Control plane port on 127.0.0.1 (default: any free port)");
    app.add_option("--gateway-port", options.gatewayPort,
                   "HTTP gateway port on 127.0.0.1 (default: any free port)");
    app.add_flag("!--no-watch", options.watch, "Do not reload when the project's files change");
    app.add_flag("!--no-capture", options.captureFailures,
                 "Do not keep failed invocations' scenes (event, environment, frames with locals)");
    app.add_flag("!--no-prewarm", options.prewarm,
                 "Start every instance from scratch, without the pre-initialised runtimes "
                 "(a Python zygote, idle Node bootstraps) that make cold starts fast");
    addContainmentFlags(app, options);
    double retryDelay = 1;
    app.add_option("--async-retry-delay", retryDelay,
                   "Seconds before the first retry of a failed asynchronous invocation; the "
                   "second waits twice as long (default 1; Lambda waits about 60)")
        ->check(CLI::Range(0.0, 3600.0));
    app.set_version_flag("--version", std::string("nimbus-sim ") + NIMBUS_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }
    options.keepAlive = std::chrono::milliseconds(static_cast<long long>(keepAlive * 1000));
    options.asyncRetryDelay = std::chrono::milliseconds(static_cast<long long>(retryDelay * 1000));
    return serve(options, std::cout, std::cerr);
}

} // namespace nimbus::sim
