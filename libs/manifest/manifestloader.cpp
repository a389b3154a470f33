#include "nimbus/manifest/manifestloader.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/manifest/scheduleexpression.h"
#include "nimbus/manifest/variableresolver.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::manifest {

namespace {

Diagnostic fileError(const std::string &file, std::string message, std::string code = "io") {
    Diagnostic d;
    d.file = file;
    d.hasPosition = false;
    d.code = std::move(code);
    d.message = std::move(message);
    return d;
}

Diagnostic errorAt(const std::string &file, SourceRange range, std::string code,
                   std::string message, Severity severity = Severity::Error) {
    Diagnostic d;
    d.severity = severity;
    d.file = file;
    d.range = range;
    d.code = std::move(code);
    d.message = std::move(message);
    return d;
}

std::string scalarOr(const YamlNode *node, const std::string &fallback) {
    return node && node->isScalar() && node->scalarType() != "null" ? node->scalar : fallback;
}

template <typename T> void readInt(const YamlNode *node, Located<T> &target) {
    if (!node)
        return;
    if (auto value = node->toInteger()) {
        target.value = static_cast<T>(*value);
        target.range = node->range;
    }
}

void readEnvironment(const YamlNode *node, std::map<std::string, std::string> &target) {
    if (!node || !node->isMapping())
        return;
    for (const auto &entry : node->entries) {
        if (entry.value.isScalar())
            target[entry.key.scalar] = entry.value.scalar;
        else if (entry.value.isNull())
            target[entry.key.scalar] = "";
    }
}

std::string normalisePath(std::string path) {
    if (path != "*" && (path.empty() || path.front() != '/'))
        path.insert(path.begin(), '/');
    return path;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// "GET /users/{id}" -> (GET, /users/{id}); "*" -> (ANY, *).
void parseRouteShorthand(const std::string &text, Event &event) {
    if (text == "*") {
        event.method = "ANY";
        event.path = "*";
        return;
    }
    std::istringstream in(text);
    std::string method, path;
    in >> method >> path;
    event.method = method == "*" ? "ANY" : upper(method);
    event.path = normalisePath(path);
}

Event readEvent(const YamlNode &item) {
    Event event;
    event.range = item.range;
    if (item.isScalar()) { // "- alexaSkill": an event type with no settings
        event.type = item.scalar;
        return event;
    }
    if (!item.isMapping() || item.entries.empty())
        return event;
    const YamlEntry &entry = item.entries.front();
    event.type = entry.key.scalar;
    event.settings = entry.value;
    const YamlNode &value = entry.value;
    if (event.type == "http" || event.type == "httpApi") {
        if (value.isScalar()) {
            parseRouteShorthand(value.scalar, event);
        } else if (value.isMapping()) {
            event.method = upper(scalarOr(value.find("method"), "ANY"));
            if (event.method == "*")
                event.method = "ANY";
            event.path = normalisePath(scalarOr(value.find("path"), "/"));
        }
    } else if (event.type == "schedule") {
        const YamlNode *rate = value.isMapping() ? value.find("rate") : &value;
        if (rate && rate->isScalar())
            event.schedules.push_back(rate->scalar);
        else if (rate && rate->isSequence()) {
            for (const auto &r : rate->items) {
                if (r.isScalar())
                    event.schedules.push_back(r.scalar);
            }
        }
    }
    return event;
}

class ModelBuilder {
public:
    ModelBuilder(const std::string &file, std::vector<Diagnostic> &diagnostics)
        : m_file(file)
        , m_diagnostics(diagnostics) {}

    void build(Manifest &manifest, const LoadOptions &options) {
        const YamlNode &root = manifest.tree;
        manifest.service = scalarOr(root.find("service"), "");
        if (const YamlNode *service = root.find("service"); service && service->isMapping())
            manifest.service = scalarOr(service->find("name"), ""); // the older {name: ...}
        Provider &provider = manifest.provider;
        if (const YamlNode *p = root.find("provider"); p && p->isMapping()) {
            provider.name = scalarOr(p->find("name"), provider.name);
            provider.runtime = scalarOr(p->find("runtime"), provider.runtime);
            Located<int> memory{provider.memorySize, {}}, timeout{provider.timeout, {}};
            readInt(p->find("memorySize"), memory);
            readInt(p->find("timeout"), timeout);
            provider.memorySize = memory.value;
            provider.timeout = timeout.value;
            // Functions that inherit a setting point at the provider's key for it.
            if (const YamlEntry *e = p->findEntry("runtime"))
                m_runtimeRange = e->value.range;
            if (const YamlEntry *e = p->findEntry("memorySize"))
                m_memoryRange = e->value.range;
            if (const YamlEntry *e = p->findEntry("timeout"))
                m_timeoutRange = e->value.range;
            readEnvironment(p->find("environment"), provider.environment);
        }
        // The same stage and region ${sls:stage} and ${aws:region} resolved to.
        const VariableContext context{options.options, {}, {}, false};
        provider.stage = VariableResolver::effectiveStage(root, context);
        provider.region = VariableResolver::effectiveRegion(root, context);

        // serverless-wsgi generates wsgi_handler.py when it packages; the app it serves.
        const auto plugins = ManifestSchema::listedPlugins(root);
        std::error_code ec;
        if (std::find(plugins.begin(), plugins.end(), "serverless-wsgi") != plugins.end() &&
            !fs::exists(fs::path(manifest.projectDir) / "wsgi_handler.py", ec)) {
            const YamlNode *custom = root.find("custom");
            const YamlNode *wsgi = custom ? custom->find("wsgi") : nullptr;
            const YamlNode *app = wsgi ? wsgi->find("app") : nullptr;
            m_wsgiApp = app && app->isScalar() ? app->scalar : "";
        }

        const YamlNode *functions = root.find("functions");
        if (!functions || !functions->isMapping())
            return;
        for (const auto &entry : functions->entries)
            manifest.functions.push_back(buildFunction(manifest, entry));
    }

private:
    Function buildFunction(const Manifest &manifest, const YamlEntry &entry) {
        const Provider &provider = manifest.provider;
        Function fn;
        fn.name = entry.key.scalar;
        fn.nameRange = entry.key.range;
        fn.runtime = {provider.runtime, m_runtimeRange.value_or(fn.nameRange)};
        fn.memorySize = {provider.memorySize, m_memoryRange.value_or(fn.nameRange)};
        fn.timeout = {provider.timeout, m_timeoutRange.value_or(fn.nameRange)};
        fn.environment = provider.environment;
        fn.deployedName = manifest.service + "-" + provider.stage + "-" + fn.name;
        const YamlNode &body = entry.value;
        if (!body.isMapping())
            return fn;

        if (const YamlNode *runtime = body.find("runtime"); runtime && runtime->isScalar())
            fn.runtime = {runtime->scalar, runtime->range};
        readInt(body.find("memorySize"), fn.memorySize);
        readInt(body.find("timeout"), fn.timeout);
        readEnvironment(body.find("environment"), fn.environment);
        fn.description = scalarOr(body.find("description"), "");
        fn.deployedName = scalarOr(body.find("name"), fn.deployedName);
        if (const YamlNode *rc = body.find("reservedConcurrency"); rc && rc->toInteger())
            fn.reservedConcurrency = static_cast<int>(*rc->toInteger());

        determineKind(fn, body);
        if (fn.handler.value == "wsgi_handler.handler" && m_wsgiApp)
            fn.wsgiApp = m_wsgiApp;
        fn.path = normalisePath(scalarOr(body.find("path"), fn.name));
        if (const YamlNode *events = body.find("events"); events && events->isSequence()) {
            for (const auto &item : events->items)
                fn.events.push_back(readEvent(item));
        }
        return fn;
    }

    void determineKind(Function &fn, const YamlNode &body) {
        const YamlEntry *handler = body.findEntry("handler");
        const YamlEntry *httpHandler = body.findEntry("httpHandler");
        const YamlEntry *httpService = body.findEntry("httpService");
        std::vector<const YamlEntry *> kinds;
        for (const YamlEntry *e : {handler, httpHandler, httpService}) {
            if (e)
                kinds.push_back(e);
        }
        if (kinds.size() > 1) {
            m_diagnostics.push_back(
                errorAt(m_file, kinds[1]->key.range, "conflicting-kind",
                        "function '" + fn.name + "' sets both '" + kinds[0]->key.scalar +
                            "' and '" + kinds[1]->key.scalar +
                            "'; a function is exactly one kind: keep handler (event function), "
                            "httpHandler (http function) or httpService (http service)"));
            m_diagnostics.back().function = fn.name;
        }
        if (kinds.empty()) {
            if (body.find("image")) {
                m_diagnostics.push_back(
                    errorAt(m_file, fn.nameRange, "unsupported-image",
                            "function '" + fn.name +
                                "' is a container image, which the simulator cannot run; it "
                                "runs handler, httpHandler and httpService functions"));
                m_diagnostics.back().function = fn.name;
            } else {
                m_diagnostics.push_back(errorAt(
                    m_file, fn.nameRange, "missing-handler",
                    "function '" + fn.name +
                        "' has no code: set 'handler' (event function), 'httpHandler' (http "
                        "function) or 'httpService' (http service)"));
                m_diagnostics.back().function = fn.name;
            }
            return;
        }
        const YamlEntry *chosen = kinds.front();
        if (chosen == httpService) {
            fn.kind = FunctionKind::HttpService;
            HttpServiceSpec spec;
            const YamlNode &s = chosen->value;
            spec.command = scalarOr(s.find("command"), "");
            if (const YamlNode *n = s.find("concurrency"); n && n->toInteger())
                spec.concurrency = static_cast<int>(*n->toInteger());
            if (const YamlNode *n = s.find("maxInstances"); n && n->toInteger())
                spec.maxInstances = static_cast<int>(*n->toInteger());
            if (const YamlNode *n = s.find("idleTimeout"); n && n->toInteger())
                spec.idleTimeoutSeconds = static_cast<int>(*n->toInteger());
            if (const YamlNode *n = s.find("readinessPath"); n && n->isScalar())
                spec.readinessPath = n->scalar;
            fn.service = spec;
            fn.handler.range = chosen->key.range;
        } else {
            fn.kind = chosen == handler ? FunctionKind::Event : FunctionKind::HttpFunction;
            fn.handler = {scalarOr(&chosen->value, ""), chosen->value.range};
        }
        if (fn.kind != FunctionKind::Event) {
            if (const YamlEntry *events = body.findEntry("events")) {
                m_diagnostics.push_back(errorAt(
                    m_file, events->key.range, "events-on-http-kind",
                    "function '" + fn.name + "' is an " +
                        (fn.kind == FunctionKind::HttpFunction ? "http function" : "http service") +
                        "; 'events' belong to event functions (it is reached at its 'path' "
                        "instead)"));
                m_diagnostics.back().function = fn.name;
            }
        } else if (const YamlEntry *path = body.findEntry("path")) {
            m_diagnostics.push_back(errorAt(
                m_file, path->key.range, "path-on-event-function",
                "'path' applies to http functions and http services; give event function '" +
                    fn.name + "' an http or httpApi event instead",
                Severity::Warning));
        }
    }

    std::string m_file;
    std::vector<Diagnostic> &m_diagnostics;
    std::optional<SourceRange> m_runtimeRange, m_memoryRange, m_timeoutRange;
    std::optional<std::string> m_wsgiApp; // serverless-wsgi is listed: custom.wsgi.app
};

// Whether the simulator has a runtime for a function (an http service runs its own command).
bool runsInSimulator(const Function &fn) {
    return fn.kind == FunctionKind::HttpService || fn.handler.value.empty() ||
           runtimeFamily(fn.runtime.value) != RuntimeFamily::Unknown;
}

// Schedules the schema let through (rate(...) / cron(...)) must also make sense.
void checkSchedules(const std::string &file, const Event &event,
                    std::vector<Diagnostic> &diagnostics) {
    if (event.type != "schedule")
        return;
    const YamlNode &settings = event.settings;
    const YamlNode *rate = settings.isMapping() ? settings.find("rate") : &settings;
    if (!rate)
        return;
    std::vector<const YamlNode *> expressions;
    if (rate->isScalar())
        expressions.push_back(rate);
    for (const auto &item : rate->items)
        expressions.push_back(&item);
    for (const YamlNode *expression : expressions) {
        std::string error;
        const std::string &text = expression->scalar;
        const bool shaped = text.rfind("rate(", 0) == 0 || text.rfind("cron(", 0) == 0;
        if (expression->isScalar() && shaped && !ScheduleExpression::parse(text, error))
            diagnostics.push_back(errorAt(file, expression->range, "invalid-schedule",
                                          error + " (the schedule will not fire)",
                                          Severity::Warning));
    }
}

// A route's path in the shape the gateway matches on: parameter names do not matter
// (/users/{id} and /users/{userId} are the same route), a greedy parameter is its own shape,
// and a trailing slash is not significant.
std::string routeShape(const std::string &path) {
    std::string shape;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '{') {
            const std::size_t close = path.find('}', i);
            if (close != std::string::npos) {
                shape += path[close - 1] == '+' ? "{+}" : "{}";
                i = close;
                continue;
            }
        }
        shape += path[i];
    }
    while (shape.size() > 1 && shape.back() == '/')
        shape.pop_back();
    return shape;
}

// Every route the project's gateway will serve, to find two that take the same requests
// (http and httpApi events share the one local gateway).
class RouteChecker {
public:
    void add(const std::string &file, const std::string &function, const std::string &method,
             const std::string &path, const std::string &what, SourceRange range,
             std::vector<Diagnostic> &diagnostics) {
        const std::string shape = path == "*" ? "*" : routeShape(path);
        for (const auto &other : m_routes) {
            // (A method beside ANY on one path is not a clash: as on API Gateway, the
            // method's route wins and ANY takes the rest.)
            if (other.shape != shape || other.method != method)
                continue;
            diagnostics.push_back(errorAt(
                file, range, "duplicate-route",
                what + " " + method + " " + path + " takes the same requests as " + other.what +
                    " " + other.method + " " + other.path + " of function '" + other.function +
                    "' (line " + std::to_string(other.range.start.line + 1) +
                    "); the local gateway serves one function per route, the first",
                Severity::Warning));
            return;
        }
        m_routes.push_back({function, method, path, shape, what, range});
    }

private:
    struct Route {
        std::string function, method, path, shape, what;
        SourceRange range;
    };
    std::vector<Route> m_routes;
};

// Checks that need the project's files and the whole model.
void checkProject(const Manifest &manifest, const LoadOptions &options,
                  std::vector<Diagnostic> &diagnostics) {
    RouteChecker routes;
    std::set<SourcePosition> bootstrapChecked, unsupportedChecked;
    for (const auto &fn : manifest.functions) {
        const RuntimeFamily family = runtimeFamily(fn.runtime.value);
        // A handler or runtime that is still a variable did not resolve: the resolver's
        // warning becomes the error of the function that cannot run without it.
        if (fn.kind != FunctionKind::HttpService &&
            (fn.handler.value.find("${") != std::string::npos ||
             fn.runtime.value.find("${") != std::string::npos)) {
            const bool runtime = fn.runtime.value.find("${") != std::string::npos;
            const Located<std::string> &value = runtime ? fn.runtime : fn.handler;
            // (A runtime shared with other functions blocks them all through its range.)
            if (runtime && !unsupportedChecked.insert(value.range.start).second)
                continue;
            auto warning = std::find_if(diagnostics.begin(), diagnostics.end(), [&](auto &d) {
                return d.code == "unresolved-variable" && d.range.start == value.range.start &&
                       (d.function.empty() || d.function == fn.name);
            });
            if (warning == diagnostics.end()) {
                diagnostics.push_back(errorAt(manifest.filePath, value.range, "unresolved-variable",
                                              std::string(runtime ? "runtime" : "handler") +
                                                  " '" + value.value + "' does not resolve"));
                warning = diagnostics.end() - 1;
            }
            warning->severity = Severity::Error;
            warning->function = fn.name;
            if (runtime)
                warning->code = "unresolved-runtime";
            continue;
        }
        if (!runsInSimulator(fn)) {
            // One diagnostic per runtime written, in place of the schema's (keeping its
            // "did you mean"); every function using it is kept from running.
            if (!unsupportedChecked.insert(fn.runtime.range.start).second)
                continue;
            std::string guess;
            std::erase_if(diagnostics, [&](const Diagnostic &d) {
                const bool same = d.code == "invalid-value" && d.range.start == fn.runtime.range.start;
                if (const auto at = d.message.find("; did you mean"); same && at != std::string::npos)
                    guess = d.message.substr(at, d.message.find('?', at) - at + 1);
                return same;
            });
            diagnostics.push_back(errorAt(
                manifest.filePath, fn.runtime.range, "unsupported-runtime",
                "runtime '" + fn.runtime.value + "' cannot run in the simulator" +
                    (guess.empty() ? "." : guess) +
                    " It runs python3.x, nodejsNN.x, go1.x (the compiled handler) and provided* "
                    "(a 'bootstrap' executable)"));
            diagnostics.back().function = fn.name;
            continue;
        }
        // (A handler still holding ${...} did not resolve, and that is reported already.)
        if (options.checkHandlers && fn.kind != FunctionKind::HttpService &&
            !fn.handler.value.empty() && fn.handler.value.find("${") == std::string::npos) {
            if (family == RuntimeFamily::Python || family == RuntimeFamily::Node) {
                // A serverless-wsgi function runs the app the plugin serves.
                const std::string &code = fn.wsgiApp ? *fn.wsgiApp : fn.handler.value;
                HandlerLookup lookup = locateHandler(manifest.projectDir, code, family);
                if (fn.wsgiApp && code.empty())
                    lookup.error = "serverless-wsgi serves the app that custom.wsgi.app names "
                                   "(e.g. 'app.app'), and it is not set";
                else if (fn.wsgiApp && !lookup.definition)
                    lookup.error = "custom.wsgi.app '" + code + "', the app serverless-wsgi "
                                   "serves: " + lookup.error;
                if (!lookup.definition) {
                    diagnostics.push_back(errorAt(manifest.filePath, fn.handler.range,
                                                  "handler-not-found", lookup.error));
                    diagnostics.back().function = fn.name;
                }
            } else if (family == RuntimeFamily::Custom && fn.runtime.value == "go1.x") {
                const fs::path binary = fs::path(manifest.projectDir) / fn.handler.value;
                std::error_code ec;
                if (!fs::is_regular_file(binary, ec)) {
                    diagnostics.push_back(errorAt(
                        manifest.filePath, fn.handler.range, "handler-not-found",
                        "go1.x runs the compiled handler '" + fn.handler.value +
                            "', and it is not built; build it (e.g. GOOS=linux go build -o " +
                            fn.handler.value + " ., or the project's make build)"));
                    diagnostics.back().function = fn.name;
                }
            } else if (family == RuntimeFamily::Custom &&
                       bootstrapChecked.insert(fn.runtime.range.start).second) {
                const fs::path bootstrap = fs::path(manifest.projectDir) / "bootstrap";
                std::error_code ec;
                if (!fs::is_regular_file(bootstrap, ec)) {
                    diagnostics.push_back(errorAt(
                        manifest.filePath, fn.runtime.range, "bootstrap-not-found",
                        "runtime '" + fn.runtime.value +
                            "' runs the project's own 'bootstrap' executable, and there is none "
                            "in the project folder"));
                    diagnostics.back().function = fn.name;
                } else if ((fs::status(bootstrap, ec).permissions() & fs::perms::owner_exec) ==
                           fs::perms::none) {
                    diagnostics.push_back(
                        errorAt(manifest.filePath, fn.runtime.range, "bootstrap-not-executable",
                                "'bootstrap' is not executable; run: chmod +x bootstrap"));
                    diagnostics.back().function = fn.name;
                }
            }
        }
        if (fn.kind != FunctionKind::Event && !fn.path.empty())
            routes.add(manifest.filePath, fn.name, "ANY", fn.path,
                       fn.kind == FunctionKind::HttpFunction ? "http function path"
                                                             : "http service path",
                       fn.nameRange, diagnostics);
        for (const auto &event : fn.events) {
            checkSchedules(manifest.filePath, event, diagnostics);
            if ((event.type != "http" && event.type != "httpApi") || event.path.empty())
                continue;
            routes.add(manifest.filePath, fn.name, event.method, event.path,
                       event.type + " route", event.range, diagnostics);
        }
    }
}

// The framework accepts `functions` (and `resources`) as a list of mappings, typically one
// ${file(...)} each, and merges them; so does Nimbus, before anything looks at them.
void mergeListOfMappings(YamlNode *node, bool deep) {
    if (!node || !node->isSequence())
        return;
    YamlNode merged;
    merged.kind = YamlNode::Kind::Mapping;
    merged.range = node->range;
    for (auto &item : node->items) {
        if (!item.isMapping())
            continue;
        for (auto &entry : item.entries) {
            YamlEntry *existing = nullptr;
            for (auto &e : merged.entries) {
                if (e.key.scalar == entry.key.scalar)
                    existing = &e;
            }
            if (existing && deep && existing->value.isMapping() && entry.value.isMapping()) {
                for (auto &inner : entry.value.entries)
                    existing->value.entries.push_back(std::move(inner));
            } else if (existing) {
                existing->value = std::move(entry.value);
            } else {
                merged.entries.push_back(std::move(entry));
            }
        }
    }
    *node = std::move(merged);
}

// The function whose code a validation path names ("functions.hello.handler",
// "functions.web.httpService.command"): a problem there keeps that function from running.
std::optional<std::string> codeOwner(const std::string &where, const std::string &code) {
    if (where.rfind("functions.", 0) != 0)
        return std::nullopt;
    const size_t nameEnd = where.find('.', 10);
    if (nameEnd == std::string::npos)
        return std::nullopt;
    const std::string key = where.substr(nameEnd + 1, where.find_first_of(".[", nameEnd + 1) -
                                                          (nameEnd + 1));
    // (An unknown key beside httpService's command does not stop the service.)
    const bool inCode = key == "handler" || key == "httpHandler" ||
                        (key == "httpService" && code != "unknown-key");
    if (!inCode)
        return std::nullopt;
    return where.substr(10, nameEnd - 10);
}

// Schema findings, judged as the framework's configValidationMode says: warnings by
// default ('warn'), errors with 'error', nothing with 'off'. A finding about a function's
// code is an error of that function's in every mode.
void validateSchema(const YamlNode &root, const std::string &file,
                    std::vector<Diagnostic> &diagnostics) {
    std::string mode = "warn";
    if (const YamlNode *m = root.find("configValidationMode"); m && m->isScalar())
        mode = m->scalar;
    std::vector<Diagnostic> findings;
    std::vector<std::string> paths;
    ManifestSchema::forManifest(root)->validate(
        root, file, findings, mode == "error" ? Severity::Error : Severity::Warning, &paths);
    for (size_t i = 0; i < findings.size(); ++i) {
        Diagnostic &d = findings[i];
        if (auto owner = codeOwner(paths[i], d.code)) {
            d.severity = Severity::Error;
            d.function = *owner;
        }
        if (mode == "off" && d.severity != Severity::Error)
            continue;
        diagnostics.push_back(std::move(d));
    }
}

} // namespace

namespace {

// Whether an error keeps `fn` from running: it names it, or it is about the runtime `fn`
// shares with others (the provider's), which is reported once.
bool blocks(const Diagnostic &d, const Function &fn) {
    if (d.severity != Severity::Error)
        return false;
    if (d.function == fn.name)
        return true;
    static const std::set<std::string> runtimeCodes{
        "unsupported-runtime", "bootstrap-not-found", "bootstrap-not-executable",
        "unresolved-runtime"};
    return runtimeCodes.count(d.code) && d.range.start == fn.runtime.range.start;
}

} // namespace

bool LoadResult::blocksEverything() const {
    return !manifest || std::any_of(diagnostics.begin(), diagnostics.end(), [](const auto &d) {
               return d.severity == Severity::Error && d.function.empty();
           });
}

bool LoadResult::canRun(const std::string &function) const {
    if (blocksEverything())
        return false;
    const Function *fn = manifest->function(function);
    return fn && runsInSimulator(*fn) && blocking(function).empty();
}

std::vector<Diagnostic> LoadResult::blocking(const std::string &function) const {
    std::vector<Diagnostic> errors;
    const Function *fn = manifest ? manifest->function(function) : nullptr;
    for (const auto &d : diagnostics) {
        if (d.severity == Severity::Error &&
            (d.function.empty() || d.function == function || (fn && blocks(d, *fn))))
            errors.push_back(d);
    }
    return errors;
}

std::vector<std::string> LoadResult::dropUnrunnable() {
    std::vector<std::string> dropped;
    if (!manifest)
        return dropped;
    std::erase_if(manifest->functions, [&](const Function &fn) {
        const bool blocked =
            !runsInSimulator(fn) || std::any_of(diagnostics.begin(), diagnostics.end(),
                                                [&](const auto &d) { return blocks(d, fn); });
        if (blocked)
            dropped.push_back(fn.name);
        return blocked;
    });
    return dropped;
}

ManifestLoader::ManifestLoader(LoadOptions options)
    : m_options(std::move(options)) {}

std::optional<std::string> ManifestLoader::findManifestFile(const std::string &projectDir) {
    for (const char *name : {"serverless.yml", "serverless.yaml"}) {
        fs::path candidate = fs::path(projectDir) / name;
        std::error_code ec;
        if (fs::exists(candidate, ec))
            return candidate.string();
    }
    return std::nullopt;
}

LoadResult ManifestLoader::loadProject(const std::string &dirOrFile) const {
    LoadResult result;
    std::error_code ec;
    if (!fs::exists(dirOrFile, ec)) {
        result.diagnostics.push_back(fileError(dirOrFile, "no such file or directory"));
        return result;
    }
    std::string file = dirOrFile;
    if (fs::is_directory(dirOrFile, ec)) {
        auto found = findManifestFile(dirOrFile);
        if (!found) {
            result.diagnostics.push_back(fileError(
                dirOrFile, "no serverless.yml or serverless.yaml in this folder; create a project "
                           "with 'nimbus init DIR --template python-event'"));
            return result;
        }
        file = *found;
    }
    if (!fs::is_regular_file(file, ec)) {
        result.diagnostics.push_back(
            fileError(file, "is not a regular file; the manifest must be a YAML file"));
        return result;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        result.diagnostics.push_back(
            fileError(file, std::string("cannot read: ") + std::strerror(errno)));
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        result.diagnostics.push_back(fileError(file, "cannot read: I/O error"));
        return result;
    }
    return loadText(text.str(), file);
}

LoadResult ManifestLoader::loadText(std::string_view text, const std::string &filePath) const {
    LoadResult result;
    YamlParseResult parsed = parseYaml(text, filePath);
    result.diagnostics = std::move(parsed.diagnostics);
    if (!parsed.ok)
        return result;

    Manifest manifest;
    manifest.filePath = filePath;
    manifest.projectDir = fs::path(filePath).parent_path().string();
    if (manifest.projectDir.empty())
        manifest.projectDir = ".";
    manifest.tree = std::move(parsed.root);

    if (manifest.tree.isNull()) {
        Diagnostic d = fileError(filePath,
                                 "the manifest is empty; it needs at least 'service' and "
                                 "'provider' (see 'nimbus init')",
                                 "empty-manifest");
        d.hasPosition = true;
        result.diagnostics.push_back(d);
        result.manifest = std::move(manifest);
        return result;
    }

    VariableContext context{m_options.options, m_options.environment, manifest.projectDir,
                            m_options.forDeployment};
    VariableResolver resolver(filePath, context);
    resolver.resolve(manifest.tree);
    result.diagnostics.insert(result.diagnostics.end(), resolver.diagnostics().begin(),
                              resolver.diagnostics().end());

    mergeListOfMappings(manifest.tree.find("functions"), false);
    mergeListOfMappings(manifest.tree.find("resources"), true);
    validateSchema(manifest.tree, filePath, result.diagnostics);

    ModelBuilder(filePath, result.diagnostics).build(manifest, m_options);
    checkProject(manifest, m_options, result.diagnostics);

    std::stable_sort(
        result.diagnostics.begin(), result.diagnostics.end(),
        [](const Diagnostic &a, const Diagnostic &b) { return a.range.start < b.range.start; });
    result.manifest = std::move(manifest);
    return result;
}

} // namespace nimbus::manifest
