#pragma once

#include "../pool/functionpool.h"
#include "../queues/queueservice.h"
#include "../storage/storageservice.h"
#include "../store/eventqueue.h"
#include "../store/failurestore.h"
#include "../store/functionstore.h"
#include "../store/invokeconfigstore.h"
#include "../store/layerstore.h"
#include "../store/logstore.h"
#include "../store/metricsstore.h"
#include "../store/spanstore.h"
#include "deployedfunctions.h"
#include "nimbus/lambda/lambdatypes.h"
#include "nimbus/lambda/layertypes.h"
#include "nimbus/metrics/prometheus.h"
#include "nimbus/net/httpserver.h"
#include "nimbus/scf/scfapi.h"
#include "nimbus/sigv4/sigv4.h"
#include "signedparts.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::sim {

class Simulator;

struct ControlPlaneOptions {
    std::string stateDir; // where the store lives: PROJECT/.nimbus
    std::string account = "000000000000";
    bool requireSignature = true; // every request signed with the local credentials
    // Asynchronous invocations: after a failed attempt, the next waits retryDelay, then
    // twice that (Lambda waits about a minute, then two; locally we keep it short).
    std::chrono::milliseconds retryDelay{std::chrono::seconds(1)};
    int maxRetries = 2;
};

// What was done for a large request away from the I/O thread (see ControlPlane::handle),
// so that its handler does not do it again: the signature check, the JSON body, and an
// uploaded package decoded, inspected, hashed and staged in the code store.
struct PreparedRequest {
    bool authenticated = false; // the signature was checked, and `refused` is the verdict
    std::optional<lambda::ApiError> refused;
    std::shared_ptr<nlohmann::json> body; // the parsed body, for readBody to take
    std::optional<lambda::ApiError> bodyError;
    struct Code {
        std::optional<lambda::ApiError> error;
        std::string hex;
        long long size = 0;
        std::string sha256Base64;
        std::string staged; // FunctionStore::stageCode's file, until committed or discarded
        void discard();     // removes the staged file, if it is still there
        Code() = default;
        Code(const Code &) = delete;
        Code &operator=(const Code &) = delete;
        ~Code();
    };
    std::shared_ptr<Code> code; // when the body carries ZipFile, Code.ZipFile or Content.ZipFile
};

// A request as the API handlers see it: decoded path steps and query parameters.
struct ApiRequest {
    std::string method;
    std::vector<std::string> steps; // "/2015-03-31/functions/f/aliases" -> 2015-03-31 functions f aliases
    std::multimap<std::string, std::string> query;
    std::string body;
    const net::Request *http = nullptr;
    PreparedRequest prepared;

    std::string param(const std::string &name) const {
        auto it = query.find(name);
        return it == query.end() ? std::string() : it->second;
    }
};

// The control plane: a faithful subset of the AWS Lambda REST API (functions, code,
// configuration, versions, aliases with weighted routing, concurrency, tags, layers, Invoke
// in all three types) over a SQLite store, with every request checked against Signature V4, a
// durable queue with retries and dead letters for asynchronous invocations, and functions'
// logs served as CloudWatch Logs' FilterLogEvents. Functions of the project's manifest that
// were never deployed can be invoked by name too (the dev loop's $LATEST).
class ControlPlane : public PoolObserver {
public:
    ControlPlane(boost::asio::io_context &io, Simulator &simulator, ControlPlaneOptions options);
    ~ControlPlane() override;

    // Opens the store (creating it on the first start), the credentials, and resumes the
    // queued events. False with `error` set.
    bool open(std::string &error);
    const sigv4::Credentials &credentials() const { return m_credentials; }

    void handle(net::Request request, net::Responder responder);
    void shutdown();

    // PoolObserver: every invocation's log goes to the log store.
    void invocationRecorded(const FunctionConfig &function, const std::string &log) override;

    // PoolObserver: every invocation's figures go to the metrics store, its span to the span
    // store, and a failure's scene to the failure store.
    void invocationFinished(const std::string &function, const InvocationResult &result) override;
    // A span of the gateway's (or our own) for the span store.
    void recordSpan(tracing::Span span);
    // A stored failure, by its number or request id (for replay).
    std::optional<failures::Failure> failure(const std::string &idOrRequestId);
    std::size_t queuedEvents();
    // The local SQS this endpoint also serves (once open).
    QueueService *queues() { return m_sqs.get(); }
    // The local S3 this endpoint also serves (once open).
    StorageService *storage() { return m_s3.get(); }
    // Queues an asynchronous invocation of a function as an event source sends one (a
    // schedule): on disk at once, run with the function's retry and age rules, dead-lettered
    // with its reason. `trigger` names the source in logs and metrics. Returns the request id;
    // throws StoreError.
    std::string enqueue(const std::string &function, std::string payload,
                        const std::string &trigger);

    // The folder a published layer version's package is unpacked in (what Lambda extracts
    // into /opt), by its version ARN; nullopt with `error` (what to do, naming the ARN) when
    // no such version is published here or it cannot be unpacked.
    std::optional<std::string> layerVersionDir(const std::string &versionArn, std::string &error);

private:
    using Json = nlohmann::json;

    // Routing and auth (controlplane.cpp).
    void dispatch(ApiRequest &request, net::Responder &responder); // route, errors answered
    void route(ApiRequest &request, net::Responder &responder);
    // The slow, thread-safe part of a large request, run on m_workers.
    void prepare(ApiRequest &request) const;
    std::optional<lambda::ApiError> authenticate(const net::Request &request,
                                                 const std::string &service) const;
    // Which service a request is for: the signature's credential scope says (one endpoint
    // for every service, as an edge port is); unsigned, what its headers and body suggest.
    static std::string serviceOf(const net::Request &request);

    // SQS (sqsapi.cpp).
    void sqsRequest(const ApiRequest &request, net::Responder &responder,
                    const std::optional<lambda::ApiError> &refused);
    // S3 (s3api.cpp).
    void s3Request(const ApiRequest &request, net::Responder &responder,
                   const std::optional<lambda::ApiError> &refused);

    // Tencent SCF's API 3.0 on the same endpoint (scfapi.cpp): POST / with X-TC-Action,
    // signed with TC3-HMAC-SHA256.
    static bool isScfRequest(const net::Request &request);
    std::optional<lambda::ApiError> authenticateScf(const net::Request &request) const;
    void scfRequest(ApiRequest &request, net::Responder &responder);
    std::optional<scf::ApiError> scfAction(const ApiRequest &request, const std::string &action,
                                           const nlohmann::json &body, const std::string &region,
                                           nlohmann::json &out);
    std::optional<scf::ApiError> scfAlias(const nlohmann::json &body, const std::string &action,
                                          nlohmann::json &out);
    std::optional<scf::ApiError> scfFunctionLogs(const nlohmann::json &body, nlohmann::json &out);
    void scfInvoke(const nlohmann::json &body, const std::string &action,
                   const std::string &requestId, net::Responder &responder);
    // A function of `namespaceName` by name, or SCF's ResourceNotFound.Function.
    std::optional<scf::ApiError> findScf(const std::string &name, const std::string &namespaceName,
                                         FunctionRecord &record);
    nlohmann::json scfFunctionJson(const FunctionRecord &record,
                                   const lambda::FunctionConfiguration &config,
                                   const std::string &qualifier) const;
    static nlohmann::json scfAliasJson(const lambda::AliasConfiguration &alias);

    // Functions, versions, aliases, concurrency, tags (functionsapi.cpp).
    net::Response createFunction(const ApiRequest &request);
    net::Response listFunctions(const ApiRequest &request);
    net::Response getFunction(const ApiRequest &request, const std::string &name, bool whole);
    net::Response deleteFunction(const ApiRequest &request, const std::string &name);
    net::Response updateCode(const ApiRequest &request, const std::string &name);
    net::Response updateConfiguration(const ApiRequest &request, const std::string &name);
    net::Response publishVersion(const ApiRequest &request, const std::string &name);
    net::Response listVersions(const ApiRequest &request, const std::string &name);
    net::Response createAlias(const ApiRequest &request, const std::string &name);
    net::Response aliasRequest(const ApiRequest &request, const std::string &name,
                               const std::string &alias);
    net::Response listAliases(const ApiRequest &request, const std::string &name);
    net::Response concurrency(const ApiRequest &request, const std::string &name);
    net::Response tags(const ApiRequest &request, const std::string &arn);
    net::Response codeDownload(const ApiRequest &request, const std::string &hex);
    std::optional<FunctionRecord> findFunction(const std::string &pathName, std::string &qualifier,
                                               net::Response &notFound);
    // The common steps of a handler: the body as JSON; the function, by a name that must
    // not be qualified. Each returns the error response, or nothing.
    std::optional<net::Response> readBody(const ApiRequest &request, nlohmann::json &body);
    std::optional<net::Response> findUnqualified(const std::string &name, const char *operation,
                                                 FunctionRecord &record);
    // Decodes, inspects and stores an uploaded package (or commits the one the request
    // prepared); returns its hex SHA-256.
    std::optional<std::string> storeCode(const ApiRequest &request, const std::string &base64,
                                         long long &size,
                                         std::string &sha256Base64, lambda::ApiError &error,
                                         bool store = true);
    lambda::FunctionConfiguration publish(FunctionRecord &record, const std::string &description);
    std::string codeUrl(const std::string &hex) const;

    // Layer versions (layersapi.cpp).
    net::Response publishLayerVersion(const ApiRequest &request, const std::string &layerName);
    net::Response getLayerVersion(const std::string &layerName, const std::string &number);
    net::Response deleteLayerVersion(const std::string &layerName, const std::string &number);
    net::Response getLayerVersionByArn(const ApiRequest &request);
    net::Response listLayers(const ApiRequest &request);
    net::Response listLayerVersions(const ApiRequest &request, const std::string &layerName);
    // A layer (version) of another region or account than this control plane's: not here.
    bool isLocalLayer(const lambda::LayerRef &ref) const;
    // A layer version published here, by its ARN (any partition).
    std::optional<LayerVersionRecord> findLayerVersion(const std::string &versionArn);
    // The layer versions a function's Layers name, as it records them; Lambda's error when
    // one is not published here.
    std::optional<lambda::ApiError> resolveLayers(const std::vector<std::string> &arns,
                                                  std::vector<lambda::FunctionLayer> &out);

    // Invoke and the asynchronous queue (invokeapi.cpp).
    void invoke(const ApiRequest &request, const std::string &name, net::Responder responder);
    struct Target { // what an invocation runs
        bool deployed = false;
        std::string name;    // the deployed name, or the manifest's
        std::string version; // what runs: $LATEST or a number
        FunctionRecord record;
        lambda::FunctionConfiguration config;
        std::string codeHex;
    };
    std::optional<Target> resolveTarget(const std::string &name, const std::string &qualifier,
                                        lambda::ApiError &error);
    void run(const Target &target, InvocationRequest request, InvocationCallback callback);
    // The name resolveTarget finds a function by (deployed, or the manifest's).
    std::optional<std::string> targetName(const std::string &name, const std::string &qualifier,
                                          lambda::ApiError &error);
    void scheduleQueue();
    void drainQueue();
    void attemptDone(QueuedEvent event, const InvocationResult &result);
    std::string deadLetterQueueFor(const std::string &function);

    // Asynchronous invocation settings (invokeconfigapi.cpp).
    net::Response eventInvokeConfig(const ApiRequest &request, const std::string &name, bool list);
    nlohmann::json eventInvokeConfigJson(const EventInvokeConfig &config) const;
    // The settings an event for `function` (any name) and `qualifier` ("" for $LATEST) runs by.
    std::optional<EventInvokeConfig> eventInvokeConfigFor(const std::string &function,
                                                          const std::string &qualifier);
    // A destination's record of an event's outcome (Lambda's format), sent on as an
    // asynchronous invocation of the destination function.
    void sendToDestination(const std::string &destination, const QueuedEvent &event,
                           const std::string &condition, const InvocationResult *result);
    // An event that will not run again: to its dead-letter queue (or its on-failure queue)
    // with `why`, and its record to an on-failure function.
    void expire(const QueuedEvent &event, const EventInvokeConfig &config, const std::string &why,
                const std::string &condition, const InvocationResult *result = nullptr);

    // CloudWatch Logs and dead letters (logsapi.cpp).
    net::Response logsRequest(const ApiRequest &request, const std::string &target);
    net::Response deadLetters(const ApiRequest &request);
    // GET /_nimbus/metrics: per-function summaries as JSON; GET /metrics: Prometheus text.
    net::Response metricsSummary(const ApiRequest &request);
    net::Response prometheusMetrics();
    // GET /_nimbus/traces[?since=&function=&limit=], GET /_nimbus/traces/ID.
    net::Response tracesRequest(const ApiRequest &request, const std::string &traceId);
    // GET /_nimbus/failures[?since=&function=&limit=], GET /_nimbus/failures/ID.
    net::Response failuresRequest(const ApiRequest &request, const std::string &id);
    void scheduleLogFlush();
    void flushSlice();

    std::string arn(const std::string &name, const std::string &qualifier = {}) const;
    std::string region() const;

    boost::asio::io_context &m_io;
    Simulator &m_simulator;
    ControlPlaneOptions m_options;
    sigv4::Credentials m_credentials;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<FunctionStore> m_store;
    std::unique_ptr<EventQueue> m_queue;
    std::unique_ptr<LogStore> m_logs;
    std::unique_ptr<MetricsStore> m_metrics;
    std::unique_ptr<SpanStore> m_spans;
    // Writes the three stores above on a thread of its own; declared after them, so it is
    // drained and joined while they still exist.
    std::unique_ptr<BackgroundWriter> m_writer;
    std::unique_ptr<FailureStore> m_failures;
    std::unique_ptr<InvokeConfigStore> m_invokeConfigs;
    std::unique_ptr<LayerStore> m_layers;
    std::unique_ptr<QueueService> m_sqs;
    std::unique_ptr<StorageService> m_s3;
    metrics::Counters m_counters; // since start, for Prometheus
    std::unique_ptr<DeployedFunctions> m_deployed;
    boost::asio::steady_timer m_queueTimer;
    boost::asio::steady_timer m_logTimer;
    bool m_logFlushScheduled = false;
    std::set<long long> m_inFlight; // queued events being attempted now
    bool m_shutdown = false;
    // Large requests are prepared on a worker, then handled back on the I/O thread if the
    // control plane still exists (m_alive). Declared last: joined before the rest goes.
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
    boost::asio::thread_pool m_workers{1};
};

// Lambda's error response: x-amzn-ErrorType header and {"Type", "message"} body.
net::Response lambdaError(const lambda::ApiError &error);
net::Response lambdaError(unsigned status, const std::string &type, const std::string &message);
// A JSON answer with Lambda's headers.
net::Response apiResponse(unsigned status, const nlohmann::json &body);
// What requests are checked against: the runtimes this platform runs, those of the manifest
// schema's list (the one source of truth) that the simulator has a runtime for.
const lambda::Limits &lambdaLimits();

} // namespace nimbus::sim
