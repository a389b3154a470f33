#include "controlplane.h"

#include "../simulator/simulator.h"
#include "localcredentials.h"
#include "nimbus/net/textformat.h"
#include "nimbus/tracing/tracecontext.h"

#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

ApiRequest parseRequest(const net::Request &request) {
    ApiRequest out;
    out.method = std::string(request.method_string());
    out.http = &request;
    const std::string target(request.target());
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        if (end > start)
            out.steps.push_back(
                net::percentDecode(std::string_view(path).substr(start, end - start)));
        start = end + 1;
    }
    if (question != std::string::npos) {
        const std::string query = target.substr(question + 1);
        std::size_t at = 0;
        while (at < query.size()) {
            std::size_t amp = query.find('&', at);
            if (amp == std::string::npos)
                amp = query.size();
            const std::string pair = query.substr(at, amp - at);
            const auto eq = pair.find('=');
            out.query.emplace(net::percentDecode(pair.substr(0, eq)),
                              eq == std::string::npos ? ""
                                                      : net::percentDecode(pair.substr(eq + 1)));
            at = amp + 1;
        }
    }
    return out;
}

} // namespace

net::Response lambdaError(const lambda::ApiError &error) {
    // "Type" says whose fault it is, as Lambda's bodies do.
    net::Response response = net::makeResponse(
        static_cast<unsigned>(error.status),
        json{{"Type", error.status >= 500 ? "Service" : "User"}, {"message", error.message}}
            .dump());
    response.set("x-amzn-ErrorType", error.type);
    return response;
}

net::Response lambdaError(unsigned status, const std::string &type, const std::string &message) {
    return lambdaError(lambda::ApiError{static_cast<int>(status), type, message});
}

net::Response apiResponse(unsigned status, const json &body) {
    return net::makeResponse(status, body.is_null() ? std::string() : body.dump());
}

ControlPlane::ControlPlane(boost::asio::io_context &io, Simulator &simulator,
                           ControlPlaneOptions options)
    : m_io(io)
    , m_simulator(simulator)
    , m_options(std::move(options))
    , m_queueTimer(io)
    , m_logTimer(io) {}

ControlPlane::~ControlPlane() {
    shutdown();
}

bool ControlPlane::open(std::string &error) {
    std::error_code ec;
    if (!ensurePrivateStateDir(m_options.stateDir, error))
        return false;
    auto credentials = loadOrCreateCredentials(m_options.stateDir, error);
    if (!credentials)
        return false;
    m_credentials = *credentials;
    const fs::path dbPath = fs::path(m_options.stateDir) / "nimbus.db";
    m_db = Database::open(dbPath.string(), error);
    if (!m_db)
        return false;
    for (const char *suffix : {"", "-wal", "-shm"})
        fs::permissions(dbPath.string() + suffix, fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::replace, ec);
    try {
        m_store = std::make_unique<FunctionStore>(*m_db,
                                                  (fs::path(m_options.stateDir) / "code").string());
        m_queue = std::make_unique<EventQueue>(*m_db);
        m_logs = std::make_unique<LogStore>(*m_db);
        m_metrics = std::make_unique<MetricsStore>(*m_db);
        m_spans = std::make_unique<SpanStore>(*m_db);
        m_failures = std::make_unique<FailureStore>(*m_db);
        m_invokeConfigs = std::make_unique<InvokeConfigStore>(*m_db);
        m_layers = std::make_unique<LayerStore>(*m_db);
        m_store->migrate();
        m_queue->migrate();
        m_logs->migrate();
        m_metrics->migrate();
        m_spans->migrate();
        m_failures->migrate();
        m_invokeConfigs->migrate();
        m_layers->migrate();
        // Logs, metrics and spans are written off the event loop. Their commits run the
        // WAL's checkpoints (and its fsyncs) there too; the loop's own connection, which
        // writes little, checkpoints only if the WAL grows large without them.
        std::string writerError;
        m_writer = BackgroundWriter::open(dbPath.string(), writerError);
        if (m_writer) {
            m_logs->setWriter(m_writer.get());
            m_metrics->setWriter(m_writer.get());
            m_spans->setWriter(m_writer.get());
            m_db->exec("PRAGMA wal_autocheckpoint=10000");
        } else {
            m_simulator.platformEvent("logs and metrics are written on the event loop: " +
                                      writerError);
        }
        m_sqs = std::make_unique<QueueService>(m_io, *m_db, region(), m_options.account);
        m_sqs->migrate();
        m_s3 = std::make_unique<StorageService>(
            *m_db, (fs::path(m_options.stateDir) / "objects").string(), region(),
            [this](const StorageService::Event &event) { m_simulator.storageChanged(event); });
        m_s3->migrate();
        if (const std::size_t swept = m_s3->sweep())
            m_simulator.platformEvent("object store: removed " + std::to_string(swept) +
                                      " file(s) a stop cut short");
        // Nothing runs yet: packages no longer used, and what a crash cut short, can go.
        if (const std::size_t swept = m_store->sweepCode(m_layers->codeInUse()))
            m_simulator.platformEvent("code store: removed " + std::to_string(swept) +
                                      " unused package file(s)");
    } catch (const StoreError &e) {
        error = "the store in " + m_options.stateDir + " cannot be used: " + e.what();
        return false;
    }
    m_deployed = std::make_unique<DeployedFunctions>(
        m_io, *m_store, m_simulator.launcher(), m_simulator.options().pool,
        m_simulator.observer(), m_simulator.options().defaultConcurrency);
    // Events accepted before a stop or a crash are attempted again.
    scheduleQueue();
    return true;
}

void ControlPlane::shutdown() {
    if (m_shutdown)
        return;
    m_shutdown = true;
    m_queueTimer.cancel();
    m_logTimer.cancel();
    if (m_sqs)
        m_sqs->shutdown();
    if (m_deployed)
        m_deployed->shutdown();
    try {
        if (m_logs)
            m_logs->flush();
        if (m_metrics)
            m_metrics->flush();
        if (m_spans)
            m_spans->flush();
    } catch (const StoreError &) {
    }
    if (m_writer)
        m_writer->sync(); // on disk when shutdown returns
}

std::string ControlPlane::region() const {
    return m_simulator.manifest().provider.region.empty() ? "us-east-1"
                                                          : m_simulator.manifest().provider.region;
}

std::string ControlPlane::arn(const std::string &name, const std::string &qualifier) const {
    return lambda::functionArn(region(), m_options.account, name, qualifier);
}

std::string ControlPlane::serviceOf(const net::Request &request) {
    if (isScfRequest(request))
        return "scf";
    const std::string authorization(request[boost::beast::http::field::authorization]);
    const auto credential = authorization.find("Credential=");
    if (credential != std::string::npos) {
        // Credential=KEY/DATE/REGION/SERVICE/aws4_request
        std::vector<std::string> parts;
        std::size_t at = credential + 11;
        while (parts.size() < 5) {
            const auto end = authorization.find_first_of("/, ", at);
            parts.push_back(authorization.substr(at, end == std::string::npos ? end : end - at));
            if (end == std::string::npos || authorization[end] != '/')
                break;
            at = end + 1;
        }
        if (parts.size() == 5 && !parts[3].empty())
            return parts[3];
    }
    const std::string target(request["X-Amz-Target"]);
    if (target.rfind("Logs_20140328.", 0) == 0)
        return "logs";
    if (target.rfind("AmazonSQS.", 0) == 0 || request.body().rfind("Action=", 0) == 0)
        return "sqs";
    return "lambda";
}

std::optional<lambda::ApiError> ControlPlane::authenticate(const net::Request &request,
                                                           const std::string &service) const {
    if (!m_options.requireSignature)
        return std::nullopt;
    const auto signedRequest = signedPartsOf<sigv4::Request>(request);
    const auto verdict =
        sigv4::verify(signedRequest, service, [this](const std::string &key) {
            return key == m_credentials.accessKeyId ? std::optional(m_credentials.secretAccessKey)
                                                    : std::nullopt;
        });
    if (verdict.ok)
        return std::nullopt;
    return lambda::ApiError{403, verdict.errorType,
                            verdict.message +
                                " (this simulator takes the credentials in its .nimbus/sim.json)"};
}

void ControlPlane::handle(net::Request request, net::Responder responder) {
    // Every answer carries a request id, as Lambda's do.
    responder = [inner = std::move(responder)](net::Response response) {
        if (response["x-amzn-RequestId"].empty())
            response.set("x-amzn-RequestId", newRequestId());
        inner(std::move(response));
    };
    struct Job {
        net::Request request;
        ApiRequest api;
        net::Responder responder;
    };
    auto job = std::make_shared<Job>(Job{std::move(request), {}, std::move(responder)});
    job->api = parseRequest(job->request);
    // Up to 70 MB of base64 to hash, parse, decode, inflate and write would hold up every
    // function's Runtime API and the gateway for as long: a large request does that part
    // on a worker, then comes back to this thread for the store and the answer.
    constexpr std::size_t kPrepareAwayBytes = 1 << 20;
    if (job->request.body().size() < kPrepareAwayBytes) {
        job->api.body = job->request.body();
        dispatch(job->api, job->responder);
        return;
    }
    boost::asio::post(m_workers, [this, job, alive = std::weak_ptr<int>(m_alive)] {
        job->api.body = job->request.body();
        prepare(job->api);
        boost::asio::post(m_io, [this, job, alive] {
            if (!alive.lock())
                return;
            // A package staged for a request that did not store it is gone before the
            // answer goes out, so no client ever sees it.
            if (auto code = job->api.prepared.code)
                job->responder = [code, inner = std::move(job->responder)](net::Response r) {
                    code->discard();
                    inner(std::move(r));
                };
            dispatch(job->api, job->responder);
        });
    });
}

void ControlPlane::dispatch(ApiRequest &api, net::Responder &responder) {
    try {
        route(api, responder);
    } catch (const lambda::ApiError &e) {
        responder(lambdaError(e));
    } catch (const StoreError &e) {
        responder(lambdaError(lambda::serviceError(std::string("the store failed: ") + e.what())));
    } catch (const std::exception &e) {
        responder(lambdaError(lambda::serviceError(e.what())));
    }
}

void ControlPlane::route(ApiRequest &r, net::Responder &responder) {
    const auto &s = r.steps;
    const std::string &m = r.method;
    auto unknown = [&] {
        return lambdaError(lambda::unknownOperation("Unknown operation " + m + " /" +
                                                    [&] {
                                                        std::string p;
                                                        for (const auto &step : s)
                                                            p += (p.empty() ? "" : "/") + step;
                                                        return p;
                                                    }()));
    };
    // The package download URL GetFunction hands out carries its own token.
    if (s.size() == 3 && s[0] == "_nimbus" && s[1] == "code" && m == "GET") {
        responder(codeDownload(r, s[2]));
        return;
    }
    // Prometheus scrapes without signing: counts and durations only, on loopback.
    if (s.size() == 1 && s[0] == "metrics" && m == "GET") {
        responder(prometheusMetrics());
        return;
    }
    // Tencent's API 3.0 answers its own errors, authentication's included.
    if (isScfRequest(*r.http)) {
        scfRequest(r, responder);
        return;
    }
    const std::string logsTarget(r.http->operator[]("X-Amz-Target"));
    const std::string service = serviceOf(*r.http);
    const bool logs = service == "logs";
    auto refused = r.prepared.authenticated ? r.prepared.refused : authenticate(*r.http, service);
    if (service == "sqs") {
        sqsRequest(r, responder, refused);
        return;
    }
    if (service == "s3") {
        s3Request(r, responder, refused);
        return;
    }
    if (refused) {
        responder(lambdaError(*refused));
        return;
    }
    if (logs && m == "POST") {
        responder(logsRequest(r, logsTarget.substr(14)));
        return;
    }
    if (s.size() == 3 && s[0] == "_nimbus" && s[1] == "debug" && (m == "PUT" || m == "DELETE")) {
        std::string agent;
        std::map<std::string, std::string> environment;
        if (m == "PUT") {
            const json body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
            agent = body.is_object() ? body.value("agent", "") : "";
            if (agent.empty()) {
                responder(lambdaError(lambda::invalidParameter(
                    "PUT /_nimbus/debug/FUNCTION takes {\"agent\": \"127.0.0.1:PORT\"}")));
                return;
            }
            // Optional: variables over the manifest's while debugging (a replayed failure's).
            if (body.contains("environment")) {
                const json &env = body["environment"];
                bool valid = env.is_object();
                for (auto it = env.begin(); valid && it != env.end(); ++it)
                    valid = it->is_string();
                if (!valid) {
                    responder(lambdaError(lambda::invalidParameter(
                        "\"environment\" must be an object of strings")));
                    return;
                }
                environment = env.get<std::map<std::string, std::string>>();
            }
        }
        std::string error;
        if (!m_simulator.setDebugAgent(s[2], agent, error, r.param("terminate") == "true",
                                       environment)) {
            responder(lambdaError(lambda::resourceNotFound(error)));
            return;
        }
        responder(apiResponse(200, {{"function", s[2]}, {"agent", agent}}));
        return;
    }
    if (s.size() == 2 && s[0] == "_nimbus" && s[1] == "events" && m == "GET") {
        // The live event stream, read by long polls: ?after=N&wait=SECONDS&limit=K.
        const long long after = std::atoll(r.param("after").c_str());
        const double wait = r.param("wait").empty() ? 0 : std::atof(r.param("wait").c_str());
        const auto limit = static_cast<std::size_t>(
            r.param("limit").empty() ? 1000 : std::max(1LL, std::atoll(r.param("limit").c_str())));
        m_simulator.events().poll(
            after,
            std::chrono::milliseconds(static_cast<long long>(std::clamp(wait, 0.0, 60.0) * 1000)),
            limit, [responder](json answer) mutable { responder(apiResponse(200, answer)); });
        return;
    }
    if (s.size() == 2 && s[0] == "_nimbus" && s[1] == "instances" && m == "GET") {
        json snapshot = m_simulator.events().snapshot();
        snapshot["routes"] = m_simulator.routes()->toJson(m_simulator.gatewayUrl(), m_simulator.stage());
        // The triggers that fire by themselves, and the runtimes kept ready.
        json schedules = json::array();
        for (const auto &state : m_simulator.schedules())
            schedules.push_back({{"function", state.schedule.function},
                                 {"rule", state.schedule.rule},
                                 {"expression", state.schedule.expression},
                                 {"enabled", state.schedule.enabled},
                                 {"next", state.nextFire ? json(isoSeconds(*state.nextFire)) : json()},
                                 {"fired", state.fired}});
        snapshot["schedules"] = std::move(schedules);
        json templates = json::array();
        for (const auto &t : m_simulator.templates())
            templates.push_back({{"runtime", t.runtime},
                                 {"kind", t.kind},
                                 {"pid", t.pid},
                                 {"ready", t.ready},
                                 {"residentKb", t.residentKb},
                                 {"proportionalKb", t.proportionalKb},
                                 {"instancesStarted", t.instancesStarted}});
        snapshot["templates"] = std::move(templates);
        json mappings = json::array();
        for (const auto &state : m_simulator.queueMappings())
            mappings.push_back({{"function", state.mapping.function},
                                {"queue", state.mapping.queue},
                                {"enabled", state.mapping.enabled},
                                {"batchSize", state.mapping.batchSize},
                                {"batchesInFlight", state.batchesInFlight},
                                {"batches", state.batches},
                                {"deleted", state.deleted},
                                {"failed", state.failed},
                                {"lastResult", state.lastResult}});
        snapshot["queueMappings"] = std::move(mappings);
        if (m_sqs)
            snapshot["queues"] = m_sqs->describe();
        json notifications = json::array();
        for (const auto &n : m_simulator.bucketNotifications())
            notifications.push_back({{"function", n.function},
                                     {"bucket", n.bucket},
                                     {"event", n.event},
                                     {"prefixes", n.prefixes},
                                     {"suffixes", n.suffixes}});
        snapshot["bucketNotifications"] = std::move(notifications);
        if (m_s3)
            snapshot["buckets"] = m_s3->describe();
        responder(apiResponse(200, snapshot));
        return;
    }
    if (s.size() == 2 && s[0] == "_nimbus" && s[1] == "metrics" && m == "GET") {
        responder(metricsSummary(r));
        return;
    }
    if ((s.size() == 2 || s.size() == 3) && s[0] == "_nimbus" &&
        (s[1] == "traces" || s[1] == "failures") && m == "GET") {
        const std::string id = s.size() == 3 ? s[2] : std::string();
        try {
            responder(s[1] == "traces" ? tracesRequest(r, id) : failuresRequest(r, id));
        } catch (const StoreError &e) {
            responder(lambdaError(500, "ServiceException", e.what()));
        }
        return;
    }
    if (s.size() >= 2 && s[0] == "_nimbus" && s[1] == "dead-letters") {
        responder(deadLetters(r));
        return;
    }
    if (s.size() == 2 && s[0] == "2016-08-19" && s[1] == "account-settings" && m == "GET") {
        const auto count = static_cast<long long>(m_store->functions().size());
        responder(apiResponse(200, {{"AccountLimit",
                                     {{"TotalCodeSize", 80530636800LL},
                                      {"CodeSizeUnzipped", 262144000},
                                      {"CodeSizeZipped", 52428800},
                                      {"ConcurrentExecutions", 1000},
                                      {"UnreservedConcurrentExecutions", 1000}}},
                                    {"AccountUsage", {{"TotalCodeSize", 0}, {"FunctionCount", count}}}}));
        return;
    }
    if (s.size() == 3 && s[0] == "2017-03-31" && s[1] == "tags") {
        responder(tags(r, s[2]));
        return;
    }
    if (s.size() == 4 && (s[0] == "2017-10-31" || s[0] == "2019-09-30") && s[1] == "functions" &&
        s[3] == "concurrency") {
        responder(concurrency(r, s[2]));
        return;
    }
    if ((s.size() == 4 || (s.size() == 5 && s[4] == "list")) && s[0] == "2019-09-25" &&
        s[1] == "functions" && s[3] == "event-invoke-config") {
        try {
            responder(eventInvokeConfig(r, s[2], s.size() == 5));
        } catch (const StoreError &e) {
            responder(lambdaError(500, "ServiceException", e.what()));
        }
        return;
    }
    if (s.size() >= 2 && s[0] == "2018-10-31" && s[1] == "layers") {
        const bool versions = s.size() >= 4 && s[3] == "versions";
        if (s.size() == 2 && m == "GET")
            responder(r.param("find") == "LayerVersion" ? getLayerVersionByArn(r) : listLayers(r));
        else if (s.size() == 4 && versions && m == "POST")
            responder(publishLayerVersion(r, s[2]));
        else if (s.size() == 4 && versions && m == "GET")
            responder(listLayerVersions(r, s[2]));
        else if (s.size() == 5 && versions && m == "GET")
            responder(getLayerVersion(s[2], s[4]));
        else if (s.size() == 5 && versions && m == "DELETE")
            responder(deleteLayerVersion(s[2], s[4]));
        else
            responder(unknown());
        return;
    }
    if (s.size() < 2 || s[0] != "2015-03-31" || s[1] != "functions") {
        responder(unknown());
        return;
    }
    if (s.size() == 2) {
        if (m == "POST")
            responder(createFunction(r));
        else if (m == "GET")
            responder(listFunctions(r));
        else
            responder(unknown());
        return;
    }
    const std::string &name = s[2];
    if (s.size() == 3) {
        if (m == "GET")
            responder(getFunction(r, name, true));
        else if (m == "DELETE")
            responder(deleteFunction(r, name));
        else
            responder(unknown());
        return;
    }
    const std::string &what = s[3];
    if (s.size() == 4 && what == "invocations" && m == "POST") {
        invoke(r, name, std::move(responder));
        return;
    }
    if (s.size() == 4 && what == "configuration") {
        if (m == "GET")
            responder(getFunction(r, name, false));
        else if (m == "PUT")
            responder(updateConfiguration(r, name));
        else
            responder(unknown());
        return;
    }
    if (s.size() == 4 && what == "code" && m == "PUT") {
        responder(updateCode(r, name));
        return;
    }
    if (s.size() == 4 && what == "versions") {
        if (m == "POST")
            responder(publishVersion(r, name));
        else if (m == "GET")
            responder(listVersions(r, name));
        else
            responder(unknown());
        return;
    }
    if (s.size() == 4 && what == "aliases") {
        if (m == "POST")
            responder(createAlias(r, name));
        else if (m == "GET")
            responder(listAliases(r, name));
        else
            responder(unknown());
        return;
    }
    if (s.size() == 5 && what == "aliases") {
        responder(aliasRequest(r, name, s[4]));
        return;
    }
    responder(unknown());
}

void ControlPlane::invocationRecorded(const FunctionConfig &function, const std::string &log) {
    if (!m_logs || m_shutdown)
        return;
    const auto now = std::chrono::system_clock::now();
    const long long ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char day[16];
    std::strftime(day, sizeof day, "%Y/%m/%d", &tm);
    const std::string group = "/aws/lambda/" + function.deployedName;
    const std::string stream = std::string(day) + "/[" + function.version + "]" +
                               std::to_string(std::hash<std::string>{}(function.codeDir) % 100000000);
    std::size_t start = 0;
    while (start < log.size()) {
        std::size_t end = log.find('\n', start);
        if (end == std::string::npos)
            end = log.size();
        if (end > start)
            m_logs->append({0, group, stream, ms, log.substr(start, end - start)});
        start = end + 1;
    }
    scheduleLogFlush();
}

void ControlPlane::invocationFinished(const std::string &function, const InvocationResult &result) {
    if (!m_metrics || m_shutdown)
        return;
    metrics::Invocation record;
    record.function = function;
    record.qualifier = result.qualifier.empty() ? "$LATEST" : result.qualifier;
    record.requestId = result.requestId;
    const long long nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    record.startMs = nowMs - static_cast<long long>(result.durationMs);
    record.durationMs = result.durationMs;
    record.billedDurationMs = static_cast<double>(result.billedDurationMs);
    record.initDurationMs = result.initDurationMs;
    record.queuedMs = result.queuedMs;
    record.memorySizeMb = result.memorySizeMb;
    record.maxMemoryUsedMb = result.maxMemoryUsedMb;
    record.errorType = result.errorType;
    record.trigger = result.trigger.empty() ? "invoke" : result.trigger;
    if (result.throttled)
        record.outcome = metrics::Outcome::Throttled;
    else if (!result.functionError)
        record.outcome = metrics::Outcome::Success;
    else if (result.errorType == "Sandbox.Timedout")
        record.outcome = metrics::Outcome::Timeout;
    else if (result.errorType == "Runtime.OutOfMemory")
        record.outcome = metrics::Outcome::OutOfMemory;
    else if (result.errorType == "Runtime.ExitError")
        record.outcome = metrics::Outcome::Crash;
    else
        record.outcome = metrics::Outcome::Error;
    if (!result.throttled && !result.spanId.empty()) {
        // The function's span: a child of what caused it (the gateway's span, an Invoke
        // call's), or a trace's root.
        tracing::Span span;
        span.traceId = result.traceId;
        span.spanId = result.spanId;
        span.parentId = result.parentSpanId;
        span.name = function;
        span.kind = record.trigger == "async" ? "consumer" : "internal";
        span.function = function;
        span.durationUs = static_cast<long long>(result.durationMs * 1000);
        span.startUs = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() -
                       span.durationUs;
        span.error = result.functionError;
        span.statusMessage = result.errorType;
        span.attributes = {{"faas.execution", result.requestId},
                           {"faas.coldstart", record.coldStart() ? "true" : "false"},
                           {"faas.trigger", record.trigger},
                           {"faas.version", record.qualifier}};
        if (result.initDurationMs) {
            // A cold start: the instance's initialisation, before the function's own span
            // (as X-Ray shows Lambda's "Initialization").
            tracing::Span init;
            init.traceId = span.traceId;
            init.spanId = tracing::newSpanId();
            init.parentId = span.parentId;
            init.name = function + " (init)";
            init.function = function;
            init.durationUs = static_cast<long long>(*result.initDurationMs * 1000);
            init.startUs = span.startUs - init.durationUs;
            init.attributes = {{"faas.coldstart", "true"}};
            m_spans->append(std::move(init));
        }
        m_spans->append(std::move(span));
    }
    if (result.failure && m_failures) {
        try {
            m_failures->add(*result.failure);
        } catch (const StoreError &) {
            // Best effort, like logs: the invocation already answered.
        }
    }
    m_counters.add(record);
    m_metrics->append(std::move(record));
    scheduleLogFlush();
}

void ControlPlane::recordSpan(tracing::Span span) {
    if (!m_spans || m_shutdown)
        return;
    m_spans->append(std::move(span));
    scheduleLogFlush();
}

std::optional<failures::Failure> ControlPlane::failure(const std::string &idOrRequestId) {
    if (!m_failures)
        return std::nullopt;
    try {
        return m_failures->find(idOrRequestId);
    } catch (const StoreError &) {
        return std::nullopt;
    }
}

void ControlPlane::scheduleLogFlush() {
    if (m_logFlushScheduled || m_shutdown)
        return;
    m_logFlushScheduled = true;
    // Lines are written together, a moment after they come: one transaction per burst.
    m_logTimer.expires_after(std::chrono::milliseconds(200));
    m_logTimer.async_wait([this](boost::system::error_code ec) {
        if (ec || m_shutdown) {
            m_logFlushScheduled = false;
            return;
        }
        flushSlice();
    });
}

void ControlPlane::flushSlice() {
    // Handed to the background writer whole. Without one, a slice at a time, with requests
    // served in between: under load a burst is thousands of rows, and written in one go it
    // held the event loop for tens of milliseconds, which every request in flight then
    // waited out (bench/README.md, http).
    constexpr std::size_t kSlice = 256;
    bool more = false;
    try {
        more = m_logs->flush(kSlice);
        more = m_metrics->flush(kSlice) || more;
        more = m_spans->flush(kSlice) || more;
    } catch (const StoreError &) {
        // Logs and metrics are best effort; the invocation already answered.
    }
    if (!more || m_shutdown) {
        m_logFlushScheduled = false;
        return;
    }
    // (On the same timer, so that shutdown's cancel covers it as it covers the first.)
    m_logTimer.expires_after(std::chrono::milliseconds(0));
    m_logTimer.async_wait([this](boost::system::error_code ec) {
        if (ec || m_shutdown) {
            m_logFlushScheduled = false;
            return;
        }
        flushSlice();
    });
}

std::size_t ControlPlane::queuedEvents() {
    return m_queue ? m_queue->size() : 0;
}

} // namespace nimbus::sim
