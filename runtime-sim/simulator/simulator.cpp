#include "simulator.h"

#include "../dependencies/functiondependencies.h"
#include "../sandbox/bubblewrap.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/resources/programlocator.h"

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::sim {

Simulator::Simulator(boost::asio::io_context &io, SimulatorOptions options, PoolObserver *observer)
    : m_io(io)
    , m_options(std::move(options))
    , m_launcher(m_options.resourcesDir) {
    m_observers.add(observer);
    m_observers.add(&m_events);
    if (m_options.prewarm) {
        m_templates = std::make_unique<RuntimeTemplates>(
            m_io, [this](const std::string &message) { platformEvent(message); });
        m_options.pool.templates = m_templates.get();
    }
    if (m_options.pool.tmpRoot.empty())
        m_options.pool.tmpRoot = makePrivateTmpRoot();
}

Simulator::~Simulator() {
    shutdown();
    removePrivateTmpRoot(m_options.pool.tmpRoot);
}

bool Simulator::load() {
    manifest::LoadOptions loadOptions;
    if (!m_options.stage.empty())
        loadOptions.options["stage"] = m_options.stage;
    std::error_code ec;
    const std::string project = fs::absolute(m_options.projectDir, ec).lexically_normal().string();
    manifest::LoadResult result = manifest::ManifestLoader(loadOptions).loadProject(project);
    // Functions with errors of their own are left out; the others are served.
    std::vector<std::string> notServed = result.dropUnrunnable();
    const bool blocked = result.blocksEverything();
    m_diagnostics = std::move(result.diagnostics);
    if (blocked)
        return false;
    m_notServed = std::move(notServed);
    m_manifest = std::move(result.manifest);
    m_routes = std::make_shared<RouteTable>(*m_manifest);
    applySandbox();
    refreshDependencies();
    prewarm();
    return true;
}

void Simulator::applySandbox() {
    PoolSettings &pool = m_options.pool;
    pool.sandbox = m_options.sandbox.value_or(m_manifest->sandbox.value_or(false));
    pool.sandboxNetwork = m_manifest->sandboxNetwork;
}

void Simulator::prepareContainment() {
    if (m_containmentReady)
        return;
    m_containmentReady = true;
    // Control groups hold instances to their memory exactly where the kernel lets us make
    // them; elsewhere memory is sampled. The tree (and the probe of whether a process may
    // join it) waits for the first instance: a simulator that runs none makes no groups.
    PoolSettings &pool = m_options.pool;
    std::string why;
    pool.cgroups = CgroupTree::create(why);
    std::string how = pool.cgroups
                          ? "instances are held to their memory size and 1024 processes by " +
                                pool.cgroups->describe()
                          : "instances' memory is sampled every " +
                                std::to_string(pool.memorySampleInterval.count()) +
                                " ms (no control group: " + why + ")";
    if (pool.sandbox)
        how += findBubblewrap().empty()
                   ? "; sandboxed instances cannot start: bubblewrap is not installed (Debian: "
                     "apt-get install bubblewrap), or run without --sandbox"
                   : std::string("; sandboxed by bubblewrap: the system and their code "
                                 "read-only, no home folders, a private /tmp") +
                         (pool.sandboxNetwork ? ""
                                              : ", no network (only their Runtime API, "
                                                "through a socket of the simulator's)");
    platformEvent(how);
}

void Simulator::refreshDependencies() {
    if (!m_dependencies) {
        m_dependencies = std::make_unique<FunctionDependencies>(
            m_io, m_manifest->projectDir, installerTools(m_launcher),
            [this](const std::vector<std::string> &functions, bool ok, const std::string &message) {
                dependenciesInstalled(functions, ok, message);
            });
    }
    std::map<std::string, std::optional<DependencySet>> wanted;
    for (const auto &function : m_manifest->functions)
        wanted[function.name] = dependencySetOf(*m_manifest, function, m_launcher);
    for (const auto &[set, functions] : m_dependencies->set(std::move(wanted))) {
        std::string names;
        for (const auto &name : functions)
            names += (names.empty() ? "" : ", ") + name;
        platformEvent(names + ": installing dependencies from " +
                      set.relativeFile(m_manifest->projectDir) + " (" + set.tool() + ")");
    }
}

void Simulator::dependenciesInstalled(const std::vector<std::string> &functions, bool ok,
                                      const std::string &message) {
    std::string names;
    for (const auto &name : functions) {
        names += (names.empty() ? "" : ", ") + name;
        // Instances from now on import from what is now in use (the new set, or, when it
        // failed, what they used before).
        const manifest::Function *function = m_manifest ? m_manifest->function(name) : nullptr;
        if (const auto pool = m_pools.find(name); function && pool != m_pools.end())
            pool->second->reconfigure(configFor(*function));
    }
    platformEvent(names + ": " + message +
                  (ok ? std::string()
                      : "\n(fix the file and save it to try again; until then the function runs "
                        "without the packages it failed to install, or with those it had)"));
}

DependencyStatus Simulator::dependencies(const std::string &function) const {
    return m_dependencies ? m_dependencies->status(function) : DependencyStatus{};
}

void Simulator::prewarm() {
    if (!m_templates)
        return;
    // Soon, not now: starting the templates' processes must not delay what the caller does
    // next (the daemon advertises itself in its state file; a debugger that finds no
    // simulator there starts another).
    m_prewarmSoon.expires_after(std::chrono::milliseconds(0));
    m_prewarmSoon.async_wait([this](boost::system::error_code ec) {
        if (!ec && m_manifest)
            prewarmNow();
    });
}

void Simulator::prewarmNow() {
    for (const auto &function : m_manifest->functions) {
        if (function.kind == manifest::FunctionKind::HttpService)
            continue;
        ChildProcess::Spec spec;
        std::string error;
        if (m_launcher.prepare(configFor(function), "127.0.0.1:0", spec, error))
            m_templates->prewarm(spec);
    }
}

bool Simulator::watch(ReloadCallback onReload, std::string &error) {
    if (m_watcher)
        return true;
    m_watcher = ProjectWatcher::create(
        m_io, m_manifest->projectDir,
        [this, onReload = std::move(onReload)](std::vector<std::string> files) {
            const bool ok = reload(files);
            if (onReload)
                onReload(files, ok);
        });
    if (!m_watcher->start(error)) {
        m_watcher.reset();
        return false;
    }
    return true;
}

void Simulator::takeChanges() const {
    if (m_watcher)
        m_watcher->flush();
}

std::vector<Scheduler::State> Simulator::schedules() const {
    return m_scheduler ? m_scheduler->states() : std::vector<Scheduler::State>{};
}

void Simulator::fireEvent(const std::string &function, std::string payload,
                          const std::string &trigger) {
    if (m_control) {
        try {
            m_control->enqueue(function, std::move(payload), trigger);
            return;
        } catch (const std::exception &e) {
            platformEvent(std::string("cannot queue the ") + trigger + " event for " + function +
                          ": " + e.what());
            return;
        }
    }
    InvocationRequest request;
    request.payload = std::move(payload);
    request.trigger = trigger;
    std::string error;
    if (!invoke(function, std::move(request), [](InvocationResult) {}, error))
        platformEvent("cannot send the " + trigger + " event to " + function + ": " + error);
}

std::vector<QueuePoller::State> Simulator::queueMappings() const {
    return m_queuePoller ? m_queuePoller->states() : std::vector<QueuePoller::State>{};
}

std::vector<TemplateInfo> Simulator::templates() const {
    return m_templates ? m_templates->describe() : std::vector<TemplateInfo>{};
}

namespace {

// Which functions may run a changed file: a .py file concerns the Python functions, a
// .js file the Node ones; anything else (data, templates, a custom bootstrap) all of them.
bool mayRun(const manifest::Function &function, const std::vector<std::string> &files) {
    const auto family = manifest::runtimeFamily(function.runtime.value);
    for (const auto &file : files) {
        const std::string ext = fs::path(file).extension().string();
        const bool python = ext == ".py";
        const bool node = ext == ".js" || ext == ".mjs" || ext == ".cjs" || ext == ".json" ||
                          ext == ".ts" || ext == ".mts" || ext == ".cts";
        if (function.kind == manifest::FunctionKind::HttpService)
            return true; // a service may be written in anything
        if ((!python && !node) || (python && family == manifest::RuntimeFamily::Python) ||
            (node && family == manifest::RuntimeFamily::Node))
            return true;
    }
    return false;
}

} // namespace

bool Simulator::reload(const std::vector<std::string> &changedFiles) {
    manifest::LoadOptions loadOptions;
    if (!m_options.stage.empty())
        loadOptions.options["stage"] = m_options.stage;
    manifest::LoadResult result =
        manifest::ManifestLoader(loadOptions).loadProject(m_manifest->projectDir);
    std::vector<std::string> notServed = result.dropUnrunnable();
    const bool blocked = result.blocksEverything();
    m_diagnostics = std::move(result.diagnostics);
    if (blocked)
        return false;
    m_notServed = std::move(notServed);
    m_manifest = std::move(result.manifest);
    m_routes = std::make_shared<RouteTable>(*m_manifest);
    refreshDependencies();

    // Pools of removed functions finish what they are serving, then go.
    std::erase_if(m_retiredPools, [](const auto &pool) { return pool->instanceCount() == 0; });
    std::erase_if(m_retiredServices, [](const auto &pool) { return pool->instanceCount() == 0; });
    for (auto it = m_pools.begin(); it != m_pools.end();) {
        const manifest::Function *function = m_manifest->function(it->first);
        if (!function || function->kind == manifest::FunctionKind::HttpService) {
            it->second->reconfigure(it->second->config()); // busy instances finish first
            m_retiredPools.push_back(it->second);
            it = m_pools.erase(it);
            continue;
        }
        const FunctionConfig config = configFor(*function);
        const FunctionConfig &running = it->second->config();
        const bool changed = config.runtime != running.runtime ||
                             config.handler != running.handler ||
                             config.memoryMb != running.memoryMb ||
                             config.timeoutSeconds != running.timeoutSeconds ||
                             config.concurrencyLimit != running.concurrencyLimit ||
                             config.concurrencyReserved != running.concurrencyReserved ||
                             config.instanceConcurrency != running.instanceConcurrency ||
                             config.environment != running.environment ||
                             config.httpFunction != running.httpFunction ||
                             config.debugAgent != running.debugAgent ||
                             config.deployedName != running.deployedName ||
                             config.dependencyPath != running.dependencyPath ||
                             config.awaitingDependencies != running.awaitingDependencies ||
                             config.layerDirs != running.layerDirs;
        if (changed || mayRun(*function, changedFiles))
            it->second->reconfigure(config);
        ++it;
    }
    for (auto it = m_services.begin(); it != m_services.end();) {
        const manifest::Function *function = m_manifest->function(it->first);
        if (!function || function->kind != manifest::FunctionKind::HttpService) {
            it->second->reconfigure(it->second->config()); // busy instances finish first
            m_retiredServices.push_back(it->second);
            it = m_services.erase(it);
            continue;
        }
        ServiceConfig config = serviceConfigFor(*function);
        if (!(config == it->second->config()) || mayRun(*function, changedFiles))
            it->second->reconfigure(std::move(config));
        ++it;
    }
    prewarm();
    if (m_scheduler)
        m_scheduler->set(schedulesOf(*m_manifest));
    if (m_queuePoller)
        m_queuePoller->set(queueMappingsOf(*m_manifest));
    m_notifications = bucketNotificationsOf(*m_manifest);
    ensureBuckets();
    return true;
}

void Simulator::start() {
    if (m_options.serveControlPlane && !m_controlPlane) {
        ControlPlaneOptions control = m_options.control;
        if (control.stateDir.empty())
            control.stateDir = (fs::path(m_manifest->projectDir) / ".nimbus").string();
        m_control = std::make_unique<ControlPlane>(m_io, *this, control);
        std::string error;
        if (!m_control->open(error))
            throw std::runtime_error(error);
        m_observers.add(m_control.get());
        net::HttpServerOptions http;
        // CreateFunction carries its zip in the body: Lambda takes requests up to this size.
        http.bodyLimit = 70167211;
        m_controlPlane = net::HttpServer::create(
            m_io,
            [this](net::Request request, net::Responder responder) {
                m_control->handle(std::move(request), std::move(responder));
            },
            http);
        m_controlPlane->listen(m_options.controlPort, m_options.listenAddress);
        m_launcher.setControlPlane(controlPlaneUrl(), m_control->credentials().accessKeyId,
                                   m_control->credentials().secretAccessKey);
    }
    if (m_options.serveGateway && !m_gateway) {
        m_gateway = Gateway::create(m_io, *this, m_options.gateway);
        m_gateway->listen(m_options.gatewayPort, m_options.listenAddress);
    }
    if (!m_scheduler) {
        // EventBridge invokes a schedule's target asynchronously.
        m_scheduler = std::make_unique<Scheduler>(
            m_io, m_manifest->provider.region, [this](const Schedule &schedule, std::string payload) {
                platformEvent("schedule " + schedule.rule + " (" + schedule.expression + ") → " +
                              schedule.function);
                fireEvent(schedule.function, std::move(payload), "schedule");
            });
        m_scheduler->set(schedulesOf(*m_manifest));
    }
    if (!m_queuePoller && m_control && m_control->queues()) {
        // Lambda's event source mapping invokes synchronously, a batch at a time.
        m_queuePoller = std::make_unique<QueuePoller>(
            m_io, *m_control->queues(), m_manifest->provider.region,
            [this](const QueueMapping &mapping, std::string payload, InvocationCallback done) {
                const std::string &function = mapping.function;
                InvocationRequest request;
                request.payload = std::move(payload);
                request.trigger = mapping.cmq ? "cmq" : "sqs";
                std::string error;
                if (!invoke(function, std::move(request), done, error)) {
                    platformEvent("cannot deliver a queue batch to " + function + ": " + error);
                    InvocationResult failed;
                    failed.functionError = true;
                    failed.errorType = "Nimbus.FunctionUnavailable";
                    failed.payload = error;
                    done(std::move(failed));
                }
            });
        m_queuePoller->set(queueMappingsOf(*m_manifest));
    }
    m_notifications = bucketNotificationsOf(*m_manifest);
    ensureBuckets();
}

void Simulator::ensureBuckets() {
    StorageService *storage = m_control ? m_control->storage() : nullptr;
    if (!storage)
        return;
    for (const auto &n : m_notifications) {
        try {
            storage->ensureBucket(n.bucket);
        } catch (const s3::Error &e) {
            platformEvent("the bucket '" + n.bucket + "' of " + n.function +
                          "'s s3 event cannot be created: " + e.message);
        } catch (const std::exception &e) {
            platformEvent("the bucket '" + n.bucket + "' of " + n.function +
                          "'s s3 event cannot be created: " + e.what());
        }
    }
}

void Simulator::storageChanged(const StorageService::Event &event) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (const auto &n : m_notifications) {
        if (n.bucket != event.bucket || !matches(n, event.name, event.key))
            continue;
        fireEvent(n.function,
                  s3EventPayload(n, event.name, event.key, event.size, event.etag, event.sequencer,
                                 event.requestId, m_manifest->provider.region, now),
                  "s3");
    }
}

std::string Simulator::gatewayUrl() const {
    return m_gateway ? m_gateway->url() : std::string();
}

std::string Simulator::stage() const {
    return m_manifest ? m_manifest->provider.stage : "dev";
}

void Simulator::invokeFromGateway(const std::string &name, std::string payload,
                                  tracing::TraceContext trace, InvocationCallback callback) {
    const manifest::Function *function = m_manifest ? m_manifest->function(name) : nullptr;
    if (!function || function->kind == manifest::FunctionKind::HttpService) {
        InvocationResult result;
        result.functionError = true;
        result.errorType = "ResourceNotFoundException";
        result.payload = R"({"errorMessage":"no such function"})";
        callback(std::move(result));
        return;
    }
    checkDebugger(*function);
    InvocationRequest request;
    request.payload = std::move(payload);
    request.trigger = "gateway";
    request.trace = std::move(trace);
    poolFor(*function)->invoke(std::move(request), std::move(callback));
}

std::shared_ptr<ServicePool> Simulator::servicePool(const std::string &name) {
    takeChanges();
    const manifest::Function *function = m_manifest ? m_manifest->function(name) : nullptr;
    if (!function || function->kind != manifest::FunctionKind::HttpService)
        return nullptr;
    auto it = m_services.find(name);
    if (it != m_services.end())
        return it->second;
    auto pool = ServicePool::create(m_io, serviceConfigFor(*function), m_observer);
    m_services.emplace(name, pool);
    return pool;
}

void Simulator::gatewayLog(const std::string &function, const std::string &line) {
    if (m_observer)
        m_observer->gatewayRequest(function, line);
}

void Simulator::recordSpan(tracing::Span span) {
    if (m_control)
        m_control->recordSpan(std::move(span));
}

ServiceConfig Simulator::serviceConfigFor(const manifest::Function &function) const {
    ServiceConfig config;
    config.name = function.name;
    const auto &spec = *function.service;
    config.command = spec.command;
    config.workingDirectory = m_manifest->codeDirOf(function);
    config.readinessPath = spec.readinessPath;
    config.concurrency = spec.concurrency;
    config.maxInstances = spec.maxInstances;
    config.idleTimeout = std::chrono::seconds(spec.idleTimeoutSeconds);
    config.startTimeout = std::chrono::seconds(std::max(30, function.timeout.value));
    config.requestTimeout = std::chrono::seconds(function.timeout.value);
    config.environment = function.environment;
    if (manifest::isScf(m_manifest->dialect)) {
        // An SCF web function: its server binds 9000, and sees SCF's variables and headers.
        config.fixedPort = spec.port;
        ServiceConfig::Scf scf;
        scf.functionName = function.deployedName;
        scf.namespaceName = function.namespaceName;
        scf.region = m_manifest->provider.region;
        scf.memoryMb = function.memorySize.value;
        scf.timeoutSeconds = function.timeout.value;
        config.scf = scf;
        auto &env = config.environment;
        env.emplace("TENCENTCLOUD_RUNENV", "SCF");
        env.emplace("TENCENTCLOUD_REGION", scf.region);
        env.emplace("SCF_FUNCTIONNAME", scf.functionName);
        env.emplace("SCF_FUNCTIONVERSION", "$LATEST");
        env.emplace("SCF_NAMESPACE", scf.namespaceName);
        env.emplace("SCF_RUNTIME", function.runtime.value);
        env.emplace("USER_CODE_ROOT", config.workingDirectory);
    }
    return config;
}

std::string Simulator::controlPlaneUrl() const {
    return m_controlPlane ? "http://" + net::urlHost(m_options.listenAddress) + ":" +
                                std::to_string(m_controlPlane->port())
                          : std::string();
}

const manifest::Function *Simulator::findFunction(const std::string &name) const {
    if (!m_manifest)
        return nullptr;
    // An ARN names the function after "function:" (and may add ":qualifier").
    std::string key = name;
    if (auto at = key.find(":function:"); at != std::string::npos) {
        key = key.substr(at + 10);
        key = key.substr(0, key.find(':'));
    }
    for (const auto &function : m_manifest->functions) {
        if (function.name == key || function.deployedName == key)
            return &function;
    }
    return nullptr;
}

FunctionConfig Simulator::configFor(const manifest::Function &function) const {
    FunctionConfig config;
    config.name = function.name;
    config.deployedName = function.deployedName;
    config.runtime = function.runtime.value;
    config.handler = function.handler.value;
    config.codeDir = m_manifest->codeDirOf(function);
    config.region = m_manifest->provider.region;
    config.scf = manifest::isScf(m_manifest->dialect);
    config.namespaceName = function.namespaceName;
    config.customBootstrap = m_manifest->customBootstrapOf(function);
    config.memoryMb = function.memorySize.value;
    config.ephemeralStorageMb = function.ephemeralStorageSize;
    config.timeoutSeconds = function.timeout.value;
    config.concurrencyLimit = function.reservedConcurrency.value_or(m_options.defaultConcurrency);
    config.concurrencyReserved = function.reservedConcurrency.has_value();
    config.instanceConcurrency = manifest::instanceConcurrencyOf(function);
    config.environment = function.environment;
    if (function.wsgiApp) // the runtime's wsgi_handler serves it (resources/runtimes/python)
        config.environment["NIMBUS_WSGI_APP"] = *function.wsgiApp;
    config.httpFunction = function.kind == manifest::FunctionKind::HttpFunction;
    if (m_dependencies) {
        const FunctionDependencies::Status dependencies = m_dependencies->status(function.name);
        config.dependencyPath = dependencies.importPath;
        config.awaitingDependencies = dependencies.awaited();
    }
    config.layerDirs = layerDirsOf(function);
    if (auto it = m_options.environmentOverrides.find(function.name);
        it != m_options.environmentOverrides.end())
        for (const auto &[name, value] : it->second)
            config.environment[name] = value;
    if (auto it = m_debugAgents.find(function.name); it != m_debugAgents.end()) {
        config.debugAgent = it->second;
        if (auto env = m_debugEnvironments.find(function.name); env != m_debugEnvironments.end())
            for (const auto &[name, value] : env->second)
                config.environment[name] = value;
    }
    return config;
}

std::vector<std::string> Simulator::layerDirsOf(const manifest::Function &function) const {
    std::vector<std::string> dirs;
    for (const auto &use : function.layers) {
        if (const manifest::Layer *layer = m_manifest->layer(use.layer)) {
            if (!layer->path.empty()) // (a missing 'path' is the manifest's warning)
                dirs.push_back(layer->path);
            continue;
        }
        // A layer version's ARN: one published to this simulator's control plane.
        std::string error;
        std::optional<std::string> dir;
        if (m_control)
            dir = m_control->layerVersionDir(use.arn, error);
        else if (m_options.serveControlPlane)
            continue; // not started yet: its pool is configured once it has
        else
            error = "the simulator serves no control plane to publish it to";
        if (dir)
            dirs.push_back(*dir);
        else if (m_reportedLayers.insert(function.name + " " + use.arn).second)
            m_observer->platformEvent("function " + function.name + " runs without layer " +
                                      use.arn + ": " + error);
    }
    return dirs;
}

void Simulator::layerPublished() {
    m_reportedLayers.clear(); // (one still missing is said again)
    for (const auto &[name, pool] : m_pools) {
        const manifest::Function *function = m_manifest ? m_manifest->function(name) : nullptr;
        if (!function || function->layers.empty())
            continue;
        FunctionConfig config = configFor(*function);
        if (config.layerDirs != pool->config().layerDirs)
            pool->reconfigure(std::move(config));
    }
}

std::shared_ptr<FunctionPool> Simulator::poolFor(const manifest::Function &function) {
    auto it = m_pools.find(function.name);
    if (it != m_pools.end())
        return it->second;
    prepareContainment();
    auto pool =
        FunctionPool::create(m_io, configFor(function), m_launcher, m_options.pool, m_observer);
    m_pools.emplace(function.name, pool);
    return pool;
}

namespace {

// Whether something listens at host:port on this machine (a debug adapter's agent port).
bool listening(boost::asio::io_context &io, const std::string &address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos)
        return false;
    boost::system::error_code ec;
    const auto host = boost::asio::ip::make_address(address.substr(0, colon), ec);
    if (ec)
        return false;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({host, static_cast<unsigned short>(std::atoi(address.c_str() + colon + 1))}, ec);
    return !ec;
}

} // namespace

void Simulator::checkDebugger(const manifest::Function &function) {
    // A debugger that went away without detaching (killed) must not leave the function in
    // a debug instance that waits for it: it returns to ordinary instances.
    auto it = m_debugAgents.find(function.name);
    if (it == m_debugAgents.end() || listening(m_io, it->second))
        return;
    platformEvent("the debugger of " + function.name + " at " + it->second +
                  " is gone; ordinary instances again");
    std::string error;
    setDebugAgent(function.name, "", error);
}

bool Simulator::setDebugAgent(const std::string &name, const std::string &agent,
                              std::string &error, bool terminate,
                              const std::map<std::string, std::string> &environment) {
    const manifest::Function *function = findFunction(name);
    if (!function) {
        error = "no function '" + name + "' in " + (m_manifest ? m_manifest->filePath : "the project");
        return false;
    }
    if (function->kind == manifest::FunctionKind::HttpService) {
        error = "'" + function->name + "' is an http service: debug the server it runs directly";
        return false;
    }
    const auto family = manifest::runtimeFamily(function->runtime.value);
    if (!agent.empty() && family != manifest::RuntimeFamily::Python &&
        family != manifest::RuntimeFamily::Node) {
        error = "'" + function->name + "' runs " + function->runtime.value +
                "; the debugger supports Python and Node functions";
        return false;
    }
    if (agent.empty()) {
        m_debugAgents.erase(function->name);
        m_debugEnvironments.erase(function->name);
    } else {
        m_debugAgents[function->name] = agent;
        m_debugEnvironments[function->name] = environment;
    }
    // Instances without (or with another) agent finish what they run and go.
    auto pool = poolFor(*function);
    pool->reconfigure(configFor(*function));
    if (terminate && agent.empty())
        pool->killRetiring();
    platformEvent(agent.empty() ? "debugger detached from " + function->name
                                : "debugger attached to " + function->name + " (agent " + agent + ")");
    return true;
}

bool Simulator::canInvoke(const std::string &name, std::string &error) const {
    const manifest::Function *function = findFunction(name);
    if (!function) {
        error = "Function not found: arn:aws:lambda:" +
                (m_manifest ? m_manifest->provider.region : "us-east-1") +
                ":000000000000:function:" + name;
        return false;
    }
    if (function->kind != manifest::FunctionKind::Event) {
        error = "function '" + function->name + "' is an " +
                (function->kind == manifest::FunctionKind::HttpFunction ? "http function"
                                                                        : "http service") +
                "; it is reached over HTTP at " + function->path + ", not invoked";
        return false;
    }
    return true;
}

bool Simulator::invoke(const std::string &name, InvocationRequest request,
                       InvocationCallback callback, std::string &error) {
    takeChanges(); // an edit saved just before is what this invocation runs
    if (!canInvoke(name, error))
        return false;
    const manifest::Function *function = findFunction(name);
    checkDebugger(*function);
    poolFor(*function)->invoke(std::move(request), std::move(callback));
    return true;
}

void Simulator::shutdown() {
    m_prewarmSoon.cancel();
    if (m_dependencies)
        m_dependencies->shutdown();
    if (m_scheduler)
        m_scheduler->stop();
    m_queuePoller.reset(); // (before the queues it reads)
    if (m_watcher)
        m_watcher->stop();
    m_events.close();
    for (auto &[name, pool] : m_pools)
        pool->shutdown();
    for (auto &[name, pool] : m_services)
        pool->shutdown();
    for (auto &pool : m_retiredPools)
        pool->shutdown();
    for (auto &pool : m_retiredServices)
        pool->shutdown();
    if (m_gateway) {
        m_gateway->close();
        m_gateway.reset();
    }
    if (m_controlPlane) {
        m_controlPlane->close();
        m_controlPlane.reset();
    }
    if (m_control) {
        m_observers.remove(m_control.get());
        m_control->shutdown();
    }
    if (m_templates)
        m_templates->shutdown();
}

} // namespace nimbus::sim
