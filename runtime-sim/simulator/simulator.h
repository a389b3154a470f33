#pragma once

#include "../control/controlplane.h"
#include "../dependencies/dependencystatus.h"
#include "../events/eventstream.h"
#include "../gateway/gateway.h"
#include "../pool/functionpool.h"
#include "../pool/observerlist.h"
#include "../pool/runtimelauncher.h"
#include "../pool/servicepool.h"
#include "../triggers/bucketnotifications.h"
#include "../triggers/queuepoller.h"
#include "../triggers/scheduler.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/net/httpserver.h"
#include "projectwatcher.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::sim {

class FunctionDependencies;

struct SimulatorOptions {
    std::string projectDir = ".";
    std::string stage; // --stage; empty = the manifest's
    std::string resourcesDir;
    PoolSettings pool;
    // Keep a pre-initialised runtime (template) ready for each runtime in use, so that cold
    // starts cost only the handler's import; off (`--no-prewarm`) starts every instance from
    // scratch.
    bool prewarm = true;
    int defaultConcurrency = 10; // instances per function unless reservedConcurrency says
    bool serveControlPlane = true;
    unsigned short controlPort = 0;
    ControlPlaneOptions control; // stateDir empty: PROJECT/.nimbus
    bool serveGateway = true;
    unsigned short gatewayPort = 0;
    // Where the control plane and the gateway listen (`--host`): loopback unless told
    // otherwise; instances' Runtime APIs stay on loopback whatever it is.
    std::string listenAddress = "127.0.0.1";
    GatewayOptions gateway;
    // Variables set over the manifest's, by function (`nimbus replay` runs a failure again
    // with the environment it had).
    std::map<std::string, std::map<std::string, std::string>> environmentOverrides;
    // Run instances under bubblewrap (`--sandbox` / `--no-sandbox`); unset: as the manifest's
    // custom.nimbus.sandbox says, else not.
    std::optional<bool> sandbox;
};

// The local function platform for one project: the manifest's functions, an instance pool
// each, and the control plane that invokes them. It knows nothing of editors or debuggers;
// it reports through PoolObserver.
class Simulator : public GatewayBackend {
public:
    Simulator(boost::asio::io_context &io, SimulatorOptions options,
              PoolObserver *observer = nullptr);
    ~Simulator() override;

    // Reads and validates the manifest. False when an error concerns the whole manifest (see
    // diagnostics()); a function with errors of its own is left out and the others served.
    bool load();
    const std::vector<manifest::Diagnostic> &diagnostics() const { return m_diagnostics; }
    // The manifest's functions left out because errors keep them from running.
    const std::vector<std::string> &notServed() const { return m_notServed; }
    const manifest::Manifest &manifest() const { return *m_manifest; }

    // Reads the manifest again (it or a handler changed): functions whose configuration
    // changed, and those that may run the changed files, get fresh instances on their next
    // call (busy ones finish first); routes follow. With errors, the running configuration
    // stays and false is returned (see diagnostics()). `changedFiles` are project-relative;
    // empty means "the manifest".
    bool reload(const std::vector<std::string> &changedFiles = {});

    // Reloads whenever the project's files change (hot reload). An edit is never served
    // stale: an invocation or a gateway request that arrives while changes wait out their
    // quiet moment reloads first. `onReload` hears of each reload (the files; whether the
    // manifest had errors and the last good one still runs). False (with `error`) when the
    // files cannot be watched.
    using ReloadCallback = std::function<void(const std::vector<std::string> &files, bool ok)>;
    bool watch(ReloadCallback onReload, std::string &error);

    // Opens the control plane (with its store) and the gateway, when enabled. Throws
    // std::runtime_error when one cannot listen or the store cannot be opened.
    void start();
    // The control plane, once started (nullptr when not served).
    ControlPlane *controlPlane() { return m_control.get(); }
    std::string controlPlaneUrl() const;
    std::string gatewayUrl() const;

    // Invokes a function by its manifest name or deployed name. Unknown functions and
    // functions that are not event functions are reported through `error`.
    bool invoke(const std::string &function, InvocationRequest request, InvocationCallback callback,
                std::string &error);

    // The function a name refers to (manifest name, deployed name or ARN), if any.
    const manifest::Function *findFunction(const std::string &name) const;
    // Attaches a debugger to a function of the manifest: from now on it runs in one debug
    // instance whose agent connects to `agent` (host:port), until detached with an empty
    // agent. Every invocation (control plane, gateway, triggers) goes through it.
    // `terminate` (with an empty agent) ends the debug instance at once, failing what it
    // runs, rather than letting it finish.
    // `environment` is set over the manifest's while the debugger is attached (a replayed
    // failure's).
    bool setDebugAgent(const std::string &function, const std::string &agent, std::string &error,
                       bool terminate = false,
                       const std::map<std::string, std::string> &environment = {});

    // Whether invoke() would take this function; `error` says why not.
    bool canInvoke(const std::string &name, std::string &error) const;

    // What the control plane's deployed functions run with.
    RuntimeLauncher &launcher() { return m_launcher; }
    const SimulatorOptions &options() const { return m_options; }
    PoolObserver *observer() { return &m_observers; }
    void addObserver(PoolObserver *observer) { m_observers.add(observer); }
    void platformEvent(const std::string &message) { m_observers.platformEvent(message); }
    // What clients watch: every instance, invocation and log line, as numbered events.
    EventStream &events() { return m_events; }

    // Stops every instance and the control plane.
    void shutdown();

    // The runtime templates kept ready (none with prewarm off).
    std::vector<TemplateInfo> templates() const;

    // The manifest's schedules and when each fires next (once started: schedules fire while
    // the simulator serves).
    std::vector<Scheduler::State> schedules() const;
    // The event source mappings of the manifest's sqs events, with what each has done.
    std::vector<QueuePoller::State> queueMappings() const;
    // The notifications of the manifest's s3 events.
    const std::vector<BucketNotification> &bucketNotifications() const { return m_notifications; }
    // A change in the local S3: the functions whose notifications match get S3's event,
    // asynchronously, as S3 sends it.
    void storageChanged(const StorageService::Event &event);
    // Sends a function an event as its source would, asynchronously: through the control
    // plane's queue (retries, dead letters) when it is served, else straight to the pool.
    void fireEvent(const std::string &function, std::string payload, const std::string &trigger);

    boost::asio::io_context &io() { return m_io; }

    // A layer version was published to the control plane: functions of the manifest that
    // list it by its ARN (and ran without it) get instances that mount it.
    void layerPublished();

    // Each function's third-party packages (requirements.txt, package.json): installed,
    // being installed or failed, and what its instances import from.
    DependencyStatus dependencies(const std::string &function) const;

    // GatewayBackend
    // (The gateway asks for the routes first at each request: pending edits are taken here.)
    std::shared_ptr<const RouteTable> routes() const override {
        takeChanges();
        return m_routes;
    }
    std::string stage() const override;
    std::string region() const override {
        return m_manifest ? m_manifest->provider.region : "us-east-1";
    }
    std::string projectDir() const override {
        return m_manifest ? m_manifest->projectDir : m_options.projectDir;
    }
    void invokeFromGateway(const std::string &function, std::string payload,
                           tracing::TraceContext trace, InvocationCallback callback) override;
    std::shared_ptr<ServicePool> servicePool(const std::string &function) override;
    void gatewayLog(const std::string &function, const std::string &line) override;
    void recordSpan(tracing::Span span) override;

private:
    FunctionConfig configFor(const manifest::Function &function) const;
    // The folders of a function's layers (this service's, and layer versions published to
    // the control plane); a layer that is not there is reported once, and left out.
    std::vector<std::string> layerDirsOf(const manifest::Function &function) const;
    void checkDebugger(const manifest::Function &function);
    ServiceConfig serviceConfigFor(const manifest::Function &function) const;
    std::shared_ptr<FunctionPool> poolFor(const manifest::Function &function);
    // Gets the templates of the runtimes the manifest's functions use ready.
    void prewarm();
    void prewarmNow();
    // Reloads now if files changed and the watcher has not reported them yet.
    void takeChanges() const;
    // The sandbox as the command line, else the manifest, says.
    void applySandbox();
    // Control groups for the instances, made before the first one starts; says, once, how
    // instances are held.
    void prepareContainment();
    // Tells the dependencies which sets the manifest's functions declare now.
    void refreshDependencies();
    void dependenciesInstalled(const std::vector<std::string> &functions, bool ok,
                               const std::string &message);

    boost::asio::io_context &m_io;
    SimulatorOptions m_options;
    ObserverList m_observers;
    EventStream m_events{m_io};
    PoolObserver *m_observer = &m_observers;
    RuntimeLauncher m_launcher;
    std::unique_ptr<RuntimeTemplates> m_templates; // (outlives the pools that start from it)
    bool m_containmentReady = false; // control groups made (or not) and said, at the first pool
    std::unique_ptr<FunctionDependencies> m_dependencies; // once loaded
    std::shared_ptr<ProjectWatcher> m_watcher;
    boost::asio::steady_timer m_prewarmSoon{m_io}; // (cancelled if we go first)
    std::unique_ptr<Scheduler> m_scheduler;         // once started
    std::unique_ptr<QueuePoller> m_queuePoller;     // once started, with a control plane
    std::vector<BucketNotification> m_notifications;
    // Creates the buckets the manifest's s3 events name (once the control plane serves).
    void ensureBuckets();
    std::optional<manifest::Manifest> m_manifest;
    std::vector<manifest::Diagnostic> m_diagnostics;
    std::vector<std::string> m_notServed;
    std::map<std::string, std::shared_ptr<FunctionPool>> m_pools;
    mutable std::set<std::string> m_reportedLayers;   // "function arn" reported missing
    std::map<std::string, std::string> m_debugAgents; // manifest name -> agent address
    std::map<std::string, std::map<std::string, std::string>> m_debugEnvironments;
    std::map<std::string, std::shared_ptr<ServicePool>> m_services;
    std::vector<std::shared_ptr<FunctionPool>> m_retiredPools; // removed; finishing their work
    std::vector<std::shared_ptr<ServicePool>> m_retiredServices;
    std::shared_ptr<const RouteTable> m_routes = std::make_shared<RouteTable>();
    std::unique_ptr<ControlPlane> m_control;
    std::shared_ptr<net::HttpServer> m_controlPlane;
    std::shared_ptr<Gateway> m_gateway;
};

} // namespace nimbus::sim
