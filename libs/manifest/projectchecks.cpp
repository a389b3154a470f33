// Checks of a loaded manifest that need the project's files and the whole model: handler
// modules, runtimes the simulator has, bootstrap files, schedules, clashing routes.
#include "projectchecks.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/scheduleexpression.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace nimbus::manifest {

namespace {

// Schedules the schema let through (rate(...) / cron(...)) must also make sense.
void checkSchedules(const std::string &file, const Event &event,
                    std::vector<Diagnostic> &diagnostics) {
    if (event.type != "schedule")
        return;
    const YamlNode &settings = event.settings;
    if (settings.isMapping()) {
        // What EventBridge sends in place of the event: one of them, and JSON.
        const YamlNode *input = settings.find("input");
        const YamlNode *inputPath = settings.find("inputPath");
        if (input && inputPath)
            diagnostics.push_back(diagnosticAt(
                file, inputPath->range, "input-conflict",
                "'input' and 'inputPath' cannot both be set: EventBridge sends one of them; "
                "keep 'input' for a constant event, 'inputPath' for a part of the scheduled "
                "event",
                Severity::Warning));
        if (input && input->isScalar() && input->scalarType() == "string" &&
            nlohmann::json::parse(input->scalar, nullptr, false).is_discarded())
            diagnostics.push_back(diagnosticAt(
                file, input->range, "input-not-json",
                "'input' as text is sent as JSON, and '" + input->scalar +
                    "' is not JSON; write it as a mapping (input: {key: value}) or as JSON text",
                Severity::Warning));
        if (inputPath && inputPath->isScalar() && inputPath->scalar.rfind("$", 0) != 0)
            diagnostics.push_back(diagnosticAt(
                file, inputPath->range, "invalid-input-path",
                "'inputPath' is a JSONPath into the scheduled event and starts with '$', e.g. "
                "$.detail or $.resources[0]",
                Severity::Warning));
    }
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
            diagnostics.push_back(diagnosticAt(file, expression->range, "invalid-schedule",
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
            diagnostics.push_back(diagnosticAt(
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

} // namespace

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
                diagnostics.push_back(diagnosticAt(manifest.filePath, value.range,
                                                   "unresolved-variable",
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
                const bool same =
                    d.code == "invalid-value" && d.range.start == fn.runtime.range.start;
                if (const auto at = d.message.find("; did you mean");
                    same && at != std::string::npos)
                    guess = d.message.substr(at, d.message.find('?', at) - at + 1);
                return same;
            });
            diagnostics.push_back(diagnosticAt(
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
                    lookup.error = "custom.wsgi.app '" + code +
                                   "', the app serverless-wsgi "
                                   "serves: " +
                                   lookup.error;
                if (!lookup.definition) {
                    diagnostics.push_back(diagnosticAt(manifest.filePath, fn.handler.range,
                                                       "handler-not-found", lookup.error));
                    diagnostics.back().function = fn.name;
                }
            } else if (family == RuntimeFamily::Custom && fn.runtime.value == "go1.x") {
                const fs::path binary = fs::path(manifest.projectDir) / fn.handler.value;
                std::error_code ec;
                if (!fs::is_regular_file(binary, ec)) {
                    diagnostics.push_back(diagnosticAt(
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
                    diagnostics.push_back(diagnosticAt(
                        manifest.filePath, fn.runtime.range, "bootstrap-not-found",
                        "runtime '" + fn.runtime.value +
                            "' runs the project's own 'bootstrap' executable, and there is none "
                            "in the project folder"));
                    diagnostics.back().function = fn.name;
                } else if ((fs::status(bootstrap, ec).permissions() & fs::perms::owner_exec) ==
                           fs::perms::none) {
                    diagnostics.push_back(diagnosticAt(
                        manifest.filePath, fn.runtime.range, "bootstrap-not-executable",
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
            routes.add(manifest.filePath, fn.name, event.method, event.path, event.type + " route",
                       event.range, diagnostics);
        }
    }
}

} // namespace nimbus::manifest
