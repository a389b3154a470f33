// nimbus publish / alias / functions / logs / metrics / dead-letters: managing deployed functions
// on a control plane (the project's simulator, or any Lambda-compatible endpoint).
#include "cli.h"
#include "nimbus/deploy/deployer.h"
#include "remote.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <iomanip>
#include <set>
#include <sstream>
#include <thread>

namespace nimbus::cli {

namespace {

using nlohmann::json;

struct PublishOptions : RemoteOptions {
    std::string function;
    std::string description;
};

int publish(const PublishOptions &options, Streams streams) {
    auto remote = connect(options, "publish", streams, false);
    if (!remote)
        return 1;
    const std::string name = remote->deployedName(options.function);
    const auto whole = remote->client->getFunction(name);
    const auto version = remote->client->publishVersion(
        name, deploy::versionDescription(options.description, whole.ok() ? *whole : json()));
    if (!version.ok()) {
        streams.err << "nimbus publish: " << describe(version.error) << '\n';
        if (version.error.status == 404)
            streams.err << "  deploy it first: nimbus deploy --project " << options.project << '\n';
        return 1;
    }
    streams.out << "published " << name << " version " << version->version << "  (code "
                << version->codeSha256.substr(0, 12) << ", " << version->codeSize << " bytes)\n"
                << "  " << version->functionArn << '\n';
    return 0;
}

struct AliasOptions : RemoteOptions {
    std::string function;
    std::string alias;
    std::string version;
    std::vector<std::string> weights; // V=0.1
};

int alias(const AliasOptions &options, Streams streams) {
    lambda::VersionWeights weights;
    for (const auto &w : options.weights) {
        const auto eq = w.find('=');
        char *end = nullptr;
        const double share = eq == std::string::npos ? -1 : std::strtod(w.c_str() + eq + 1, &end);
        if (eq == std::string::npos || eq == 0 || !end || *end != '\0' || share < 0 || share > 1) {
            streams.err << "nimbus alias: --weight wants VERSION=SHARE with a share from 0 to 1 "
                           "(e.g. --weight 2=0.1), not '"
                        << w << "'\n";
            return 2;
        }
        weights[w.substr(0, eq)] = share;
    }
    auto remote = connect(options, "alias", streams, false);
    if (!remote)
        return 1;
    const std::string name = remote->deployedName(options.function);
    const auto existing = remote->client->getAlias(name, options.alias);
    if (!existing.ok() && existing.error.status != 404) {
        streams.err << "nimbus alias: " << describe(existing.error) << '\n';
        return 1;
    }
    const auto result = remote->client->putAlias(name, options.alias, options.version, weights,
                                                 !existing.ok());
    if (!result.ok()) {
        streams.err << "nimbus alias: " << describe(result.error) << '\n';
        return 1;
    }
    streams.out << (existing.ok() ? "updated" : "created") << " alias " << name << ":"
                << options.alias << " -> version " << result->functionVersion;
    double rest = 1;
    for (const auto &[v, share] : result->weights) {
        streams.out << " (" << std::lround(share * 100) << "% to version " << v << ")";
        rest -= share;
    }
    if (!result->weights.empty())
        streams.out << ", " << std::lround(rest * 100) << "% to version "
                    << result->functionVersion;
    streams.out << "\n  " << result->aliasArn << '\n';
    return 0;
}

struct FunctionsOptions : RemoteOptions {
    bool json = false;
};

int functions(const FunctionsOptions &options, Streams streams) {
    auto remote = connect(options, "functions", streams, false);
    if (!remote)
        return 1;
    const auto list = remote->client->listFunctions();
    if (!list.ok()) {
        streams.err << "nimbus functions: " << describe(list.error) << '\n';
        return 1;
    }
    json rows = json::array();
    std::set<std::string> deployed;
    for (const auto &fn : *list) {
        deployed.insert(fn.functionName);
        json versions = json::array(), aliases = json::array();
        if (auto v = remote->client->listVersions(fn.functionName); v.ok())
            for (const auto &c : *v)
                if (c.version != "$LATEST")
                    versions.push_back(c.version);
        if (auto a = remote->client->listAliases(fn.functionName); a.ok())
            for (const auto &alias : *a)
                aliases.push_back({{"name", alias.name},
                                   {"version", alias.functionVersion},
                                   {"weights", alias.weights}});
        rows.push_back({{"name", fn.functionName},
                        {"runtime", fn.runtime},
                        {"handler", fn.handler},
                        {"codeSize", fn.codeSize},
                        {"lastModified", fn.lastModified},
                        {"description", fn.description},
                        {"versions", versions},
                        {"aliases", aliases},
                        {"deployed", true}});
    }
    // On the project's own simulator, the manifest's functions run too (the dev loop).
    if (remote->local && remote->manifest)
        for (const auto &fn : remote->manifest->functions)
            if (!deployed.count(fn.deployedName))
                rows.push_back({{"name", fn.deployedName},
                                {"runtime", fn.runtime.value},
                                {"handler", fn.kind == manifest::FunctionKind::HttpService
                                                ? fn.service->command
                                                : fn.handler.value},
                                {"kind", manifest::functionKindName(fn.kind)},
                                {"versions", json::array()},
                                {"aliases", json::array()},
                                {"deployed", false}});
    if (options.json) {
        streams.out << rows.dump(2) << '\n';
        return 0;
    }
    if (rows.empty()) {
        streams.out << "no functions at " << remote->client->endpoint().url << '\n';
        return 0;
    }
    std::size_t width = 8;
    for (const auto &r : rows)
        width = std::max(width, r["name"].get<std::string>().size());
    streams.out << std::left << std::setw(static_cast<int>(width)) << "FUNCTION"
                << "  " << std::setw(13) << "RUNTIME"
                << "  " << std::setw(12) << "VERSIONS"
                << "  ALIASES\n";
    for (const auto &r : rows) {
        std::string versions, aliases;
        for (const auto &v : r["versions"])
            versions += (versions.empty() ? "" : ",") + v.get<std::string>();
        for (const auto &a : r["aliases"]) {
            aliases += (aliases.empty() ? "" : "  ") + a["name"].get<std::string>() + "->" +
                       a["version"].get<std::string>();
            for (const auto &[v, share] : a["weights"].items())
                aliases += "(+" + v + ":" + std::to_string(std::lround(share.get<double>() * 100)) +
                           "%)";
        }
        if (!r["deployed"].get<bool>())
            aliases = "(not deployed: the dev loop runs it from the working tree)";
        streams.out << std::setw(static_cast<int>(width)) << r["name"].get<std::string>() << "  "
                    << std::setw(13) << r["runtime"].get<std::string>() << "  " << std::setw(12)
                    << (versions.empty() ? "-" : versions) << "  " << aliases << '\n';
    }
    return 0;
}

struct LogsOptions : RemoteOptions {
    std::string function;
    bool tail = false;
    std::string since = "1h";
    std::string filter;
};

std::atomic<bool> g_stopTail{false};

int logs(const LogsOptions &options, Streams streams) {
    const auto since = sinceStart(options.since, "logs", streams);
    if (!since)
        return 2;
    auto remote = connect(options, "logs", streams, false);
    if (!remote)
        return 1;
    const std::string name = remote->deployedName(options.function);
    long long start = *since;
    std::set<std::string> seen; // event ids already shown (tail re-reads its last moment)
    g_stopTail = false;
    if (options.tail) {
        std::signal(SIGINT, [](int) { g_stopTail = true; });
        std::signal(SIGTERM, [](int) { g_stopTail = true; });
    }
    for (;;) {
        std::string token;
        do {
            json request{{"logGroupName", "/aws/lambda/" + name}, {"startTime", start}};
            if (!options.filter.empty())
                request["filterPattern"] = options.filter;
            if (!token.empty())
                request["nextToken"] = token;
            const auto page = remote->client->filterLogEvents(request);
            if (!page.ok()) {
                if (page.error.type == "ResourceNotFoundException" && options.tail)
                    break; // no log yet: wait for the first invocation
                streams.err << "nimbus logs: " << describe(page.error) << '\n';
                return 1;
            }
            for (const auto &event : page->value("events", json::array())) {
                const std::string id = event.value("eventId", "");
                if (!seen.insert(id).second)
                    continue;
                std::string message = event.value("message", "");
                while (!message.empty() && message.back() == '\n')
                    message.pop_back();
                const long long ts = event.value("timestamp", 0LL);
                streams.out << clockTime(ts) << "  " << message << '\n';
                start = std::max(start, ts);
            }
            token = page->value("nextToken", "");
        } while (!token.empty());
        streams.out << std::flush;
        if (!options.tail)
            return 0;
        for (int i = 0; i < 10 && !g_stopTail; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (g_stopTail)
            return 0;
    }
}

struct MetricsOptions : RemoteOptions {
    std::string function;
    std::string since = "1h";
    bool json = false;
};

// Per function: invocations, errors, throttles, cold starts, duration percentiles and the
// most memory used, as the simulator recorded them.
int metrics(const MetricsOptions &options, Streams streams) {
    const auto since = sinceStart(options.since, "metrics", streams);
    if (!since)
        return 2;
    auto remote = connect(options, "metrics", streams, false);
    if (!remote)
        return 1;
    const auto answer = remote->client->metrics(options.function, *since);
    if (!answer.ok()) {
        streams.err << "nimbus metrics: " << describe(answer.error) << '\n';
        if (!remote->local)
            streams.err << "  (metrics are a Nimbus simulator feature; on AWS use CloudWatch "
                           "metrics)\n";
        return 1;
    }
    const json list = answer->value("Functions", json::array());
    if (options.json) {
        streams.out << list.dump(2) << '\n';
        return 0;
    }
    if (list.empty()) {
        streams.out << "no invocations in the last " << options.since << '\n';
        return 0;
    }
    std::size_t width = 8;
    for (const auto &f : list)
        width = std::max(width, f.value("function", "").size());
    const auto ms = [](double v) {
        std::ostringstream text;
        text << std::fixed << std::setprecision(v < 10 ? 2 : 1) << v;
        return text.str();
    };
    streams.out << std::left << std::setw(static_cast<int>(width) + 2) << "FUNCTION" << std::right
                << std::setw(11) << "INVOCATIONS" << std::setw(8) << "ERRORS" << std::setw(10)
                << "THROTTLES" << std::setw(7) << "COLD" << std::setw(10) << "P50 ms"
                << std::setw(10) << "P90 ms" << std::setw(10) << "P99 ms" << std::setw(16)
                << "QUEUED P99 ms" << std::setw(12) << "MAX MEM MB" << '\n';
    for (const auto &f : list)
        streams.out << std::left << std::setw(static_cast<int>(width) + 2)
                    << f.value("function", "") << std::right << std::setw(11)
                    << f.value("invocations", 0LL) << std::setw(8) << f.value("errors", 0LL)
                    << std::setw(10) << f.value("throttles", 0LL) << std::setw(7)
                    << f.value("coldStarts", 0LL) << std::setw(10) << ms(f.value("p50Ms", 0.0))
                    << std::setw(10) << ms(f.value("p90Ms", 0.0)) << std::setw(10)
                    << ms(f.value("p99Ms", 0.0)) << std::setw(16) << ms(f.value("queuedP99Ms", 0.0))
                    << std::setw(12) << f.value("maxMemoryMB", 0) << '\n';
    return 0;
}

struct DeadLettersOptions : RemoteOptions {
    std::string function;
};

int deadLetters(const DeadLettersOptions &options, Streams streams) {
    auto remote = connect(options, "dead-letters", streams, false);
    if (!remote)
        return 1;
    const auto letters =
        remote->client->deadLetters(options.function.empty() ? "" : remote->deployedName(options.function));
    if (!letters.ok()) {
        streams.err << "nimbus dead-letters: " << describe(letters.error) << '\n';
        if (!remote->local)
            streams.err << "  (dead-letter queues are a Nimbus simulator feature; on AWS read the "
                           "function's DeadLetterConfig queue with the SQS API)\n";
        return 1;
    }
    const json list = letters->value("DeadLetters", json::array());
    if (list.empty()) {
        streams.out << "no dead letters\n";
        return 0;
    }
    for (const auto &d : list)
        streams.out << clockTime(d.value("Timestamp", 0LL)) << "  " << d.value("Queue", "") << "  "
                    << d.value("FunctionName", "") << "  request " << d.value("RequestId", "")
                    << "  after " << d.value("Attempts", 0) << " attempts\n"
                    << "  error:   " << d.value("Error", "") << "\n"
                    << "  payload: " << d.value("Payload", "") << "\n";
    return 0;
}

} // namespace

void addManageCommands(CLI::App &app, Streams streams, int &exitCode) {
    auto publishOptions = std::make_shared<PublishOptions>();
    CLI::App *p = app.add_subcommand("publish", "Publish $LATEST of a function as a new version");
    p->add_option("function", publishOptions->function, "Function (manifest or deployed name)")
        ->required();
    p->add_option("--description", publishOptions->description, "The version's description");
    publishOptions->addTo(*p);
    p->callback([publishOptions, streams, &exitCode] {
        exitCode = publish(*publishOptions, streams);
    });

    auto aliasOptions = std::make_shared<AliasOptions>();
    CLI::App *a = app.add_subcommand(
        "alias", "Create or update an alias, optionally splitting traffic with another version");
    a->add_option("function", aliasOptions->function, "Function (manifest or deployed name)")
        ->required();
    a->add_option("name", aliasOptions->alias, "Alias name, e.g. live")->required();
    a->add_option("--version", aliasOptions->version, "The version the alias points to")
        ->required();
    a->add_option("--weight", aliasOptions->weights,
                  "VERSION=SHARE: send SHARE (0-1) of traffic to another version");
    aliasOptions->addTo(*a);
    a->callback([aliasOptions, streams, &exitCode] { exitCode = alias(*aliasOptions, streams); });

    auto functionsOptions = std::make_shared<FunctionsOptions>();
    CLI::App *f = app.add_subcommand("functions", "List functions with their versions and aliases");
    f->add_flag("--json", functionsOptions->json, "Print JSON");
    functionsOptions->addTo(*f);
    f->callback([functionsOptions, streams, &exitCode] {
        exitCode = functions(*functionsOptions, streams);
    });

    auto logsOptions = std::make_shared<LogsOptions>();
    CLI::App *l = app.add_subcommand("logs", "Show a function's logs (--tail to follow)");
    l->add_option("function", logsOptions->function, "Function (manifest or deployed name)")
        ->required();
    l->add_flag("--tail,-f", logsOptions->tail, "Keep printing new lines until Ctrl-C");
    l->add_option("--since", logsOptions->since, "How far back to start: 30s, 10m, 2h, 1d (1h)");
    l->add_option("--filter", logsOptions->filter, "CloudWatch filter pattern: terms to match");
    logsOptions->addTo(*l);
    l->callback([logsOptions, streams, &exitCode] { exitCode = logs(*logsOptions, streams); });

    auto metricsOptions = std::make_shared<MetricsOptions>();
    CLI::App *m = app.add_subcommand(
        "metrics", "Invocations, errors, cold starts and duration percentiles per function");
    m->add_option("function", metricsOptions->function, "Only this function's");
    m->add_option("--since", metricsOptions->since, "How far back: 30s, 10m, 2h, 1d (1h)");
    m->add_flag("--json", metricsOptions->json, "Print JSON");
    metricsOptions->addTo(*m);
    m->callback(
        [metricsOptions, streams, &exitCode] { exitCode = metrics(*metricsOptions, streams); });

    auto deadOptions = std::make_shared<DeadLettersOptions>();
    CLI::App *d = app.add_subcommand(
        "dead-letters", "Show asynchronous invocations that failed every retry");
    d->add_option("function", deadOptions->function, "Only this function's");
    deadOptions->addTo(*d);
    d->callback([deadOptions, streams, &exitCode] { exitCode = deadLetters(*deadOptions, streams); });
}

} // namespace nimbus::cli
