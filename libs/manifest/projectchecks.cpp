// Checks of a loaded manifest that need the project's files and the whole model: handler
// modules, runtimes the simulator has, bootstrap files, schedules, the queues, buckets,
// WebSocket routes and authorizers events name, clashing routes.
#include "projectchecks.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/scheduleexpression.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

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

// The resource a reference names (Fn::GetAtt [Id, ...], !GetAtt Id.Arn, Ref: Id), if it is
// one: its id and the node that says so.
const YamlNode *resourceReference(const YamlNode &value, std::string &id) {
    if (!value.isMapping())
        return nullptr;
    if (const YamlNode *att = value.find("Fn::GetAtt")) {
        if (att->isSequence() && !att->items.empty() && att->items[0].isScalar())
            id = att->items[0].scalar;
        else if (att->isScalar())
            id = att->scalar.substr(0, att->scalar.find('.'));
        return att;
    }
    if (const YamlNode *ref = value.find("Ref"); ref && ref->isScalar()) {
        id = ref->scalar;
        return ref;
    }
    return nullptr;
}

// (resources may also be a list of such documents, each from its own file.)
std::string resourceType(const Manifest &manifest, const std::string &id) {
    const YamlNode *resources = manifest.tree.find("resources");
    if (!resources)
        return {};
    std::vector<const YamlNode *> documents{resources};
    for (const auto &item : resources->items)
        documents.push_back(&item);
    for (const YamlNode *document : documents) {
        const YamlNode *all = document->isMapping() ? document->find("Resources") : nullptr;
        const YamlNode *resource = all ? all->find(id) : nullptr;
        const YamlNode *type = resource ? resource->find("Type") : nullptr;
        if (type && type->isScalar())
            return type->scalar;
    }
    return {};
}

// A queue or bucket an event names by reference must be one the manifest defines, of the
// right type: otherwise the simulator cannot know it and delivers nothing from it.
void checkReference(const Manifest &manifest, const YamlNode &value, const std::string &type,
                    const std::string &what, std::vector<Diagnostic> &diagnostics) {
    std::string id;
    const YamlNode *at = resourceReference(value, id);
    if (!at) {
        if (value.isMapping() && !value.entries.empty() &&
            value.entries.front().key.scalar.rfind("Fn::", 0) == 0)
            diagnostics.push_back(diagnosticAt(
                manifest.filePath, value.range, "trigger-not-local",
                value.entries.front().key.scalar + " is resolved by CloudFormation at deployment: "
                    "the simulator cannot tell which " + what + " this is, and this trigger does "
                    "not fire locally (name it, or define it under resources.Resources)",
                Severity::Information));
        return;
    }
    const std::string found = resourceType(manifest, id);
    if (found.empty())
        diagnostics.push_back(diagnosticAt(
            manifest.filePath, at->range, "unknown-resource",
            "'" + id + "' is not a resource of resources.Resources: the " + what +
                " it names is unknown, and this trigger does not fire locally",
            Severity::Warning));
    else if (found != type)
        diagnostics.push_back(diagnosticAt(manifest.filePath, at->range, "wrong-resource-type",
                                           "'" + id + "' is a " + found + ", not a " + type,
                                           Severity::Warning));
}

bool validBucketName(const std::string &name) {
    if (name.size() < 3 || name.size() > 63 || name.find("..") != std::string::npos)
        return false;
    auto alnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
    return alnum(name.front()) && alnum(name.back()) &&
           std::all_of(name.begin(), name.end(),
                       [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// What sqs, s3, websocket events and authorizers name must exist and make sense, or the
// simulator (and the deployment) cannot use them.
void checkTriggers(const Manifest &manifest, const Event &event,
                   std::map<std::string, SourceRange> &webSocketRoutes,
                   std::vector<Diagnostic> &diagnostics) {
    const std::string &file = manifest.filePath;
    const YamlNode &settings = event.settings;
    if (event.type == "sqs") {
        const YamlNode *arn = settings.isMapping() ? settings.find("arn") : &settings;
        if (arn)
            checkReference(manifest, *arn, "AWS::SQS::Queue", "queue", diagnostics);
        const YamlNode *batch = settings.isMapping() ? settings.find("batchSize") : nullptr;
        const YamlNode *window = settings.isMapping() ? settings.find("maximumBatchingWindow") : nullptr;
        if (batch && batch->toInteger().value_or(0) > 10 &&
            (!window || window->toInteger().value_or(0) < 1))
            diagnostics.push_back(diagnosticAt(
                file, batch->range, "sqs-batch-window",
                "a batchSize above 10 needs maximumBatchingWindow of at least 1 second (Lambda "
                "refuses the mapping otherwise)",
                Severity::Warning));
    } else if (event.type == "s3") {
        const YamlNode *bucket = settings.isMapping() ? settings.find("bucket") : &settings;
        if (bucket && bucket->isScalar() && bucket->scalarType() == "string" &&
            bucket->scalar.find("${") == std::string::npos && !validBucketName(bucket->scalar)) {
            // provider.s3.KEY names a bucket defined there; KEY itself need not be a name.
            const YamlNode *provider = manifest.tree.find("provider");
            const YamlNode *defined = provider && provider->find("s3") ? provider->find("s3")->find(bucket->scalar) : nullptr;
            if (!defined)
                diagnostics.push_back(diagnosticAt(
                    file, bucket->range, "invalid-bucket-name",
                    "'" + bucket->scalar + "' is not a valid bucket name: 3 to 63 lower-case "
                    "letters, digits, '.' and '-', starting and ending with a letter or digit",
                    Severity::Warning));
        } else if (bucket) {
            checkReference(manifest, *bucket, "AWS::S3::Bucket", "bucket", diagnostics);
        }
        static const std::set<std::string> kEvents{
            "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
            "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
            "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
            "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed",
            "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject", "s3:Replication:*",
            "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
            "s3:ObjectAcl:Put", "s3:LifecycleExpiration:*", "s3:LifecycleTransition",
            "s3:IntelligentTiering", "s3:TestEvent"};
        const YamlNode *name = settings.isMapping() ? settings.find("event") : nullptr;
        if (name && name->isScalar() && name->scalar.rfind("s3:", 0) == 0 &&
            !kEvents.count(name->scalar))
            diagnostics.push_back(diagnosticAt(
                file, name->range, "unknown-s3-event",
                "'" + name->scalar + "' is not an S3 event type; e.g. s3:ObjectCreated:*, "
                "s3:ObjectCreated:Put, s3:ObjectRemoved:*",
                Severity::Warning));
    } else if (event.type == "websocket") {
        const YamlNode *route = settings.isMapping() ? settings.find("route") : &settings;
        if (route && route->isScalar() && !route->scalar.empty()) {
            auto [it, fresh] = webSocketRoutes.emplace(route->scalar, route->range);
            if (!fresh)
                diagnostics.push_back(diagnosticAt(
                    file, route->range, "duplicate-websocket-route",
                    "the WebSocket route '" + route->scalar + "' is already taken (line " +
                        std::to_string(it->second.start.line + 1) + "); each route key goes to "
                        "one function"));
        }
    } else if (event.type == "http" || event.type == "httpApi") {
        const YamlNode *authorizer = settings.isMapping() ? settings.find("authorizer") : nullptr;
        if (!authorizer)
            return;
        const YamlNode *named = authorizer->isScalar() ? authorizer : authorizer->find("name");
        if (event.type == "httpApi") {
            if (!named || !named->isScalar())
                return;
            const YamlNode *provider = manifest.tree.find("provider");
            const YamlNode *httpApi = provider ? provider->find("httpApi") : nullptr;
            const YamlNode *all = httpApi ? httpApi->find("authorizers") : nullptr;
            const YamlNode *defined = all ? all->find(named->scalar) : nullptr;
            if (!defined) {
                std::string known;
                for (const auto &entry : all ? all->entries : std::vector<YamlEntry>{})
                    known += (known.empty() ? "" : ", ") + entry.key.scalar;
                diagnostics.push_back(diagnosticAt(
                    file, named->range, "unknown-authorizer",
                    "'" + named->scalar + "' is not an authorizer of provider.httpApi.authorizers" +
                        (known.empty() ? " (there are none)" : " (" + known + ")")));
                return;
            }
            const YamlNode *type = defined->find("type");
            const YamlNode *function = defined->find("functionName");
            if (type && type->isScalar() && type->scalar == "request" && function &&
                function->isScalar() && !manifest.function(function->scalar))
                diagnostics.push_back(diagnosticAt(
                    file, function->range, "authorizer-not-found",
                    "the authorizer function '" + function->scalar + "' is not a function of "
                    "this manifest"));
            return;
        }
        // (With an arn, the name is only the authorizer's name.)
        if (!named || !named->isScalar() || named->scalar.rfind("arn:", 0) == 0 ||
            (authorizer->isMapping() && authorizer->find("arn")))
            return;
        const std::string lowered = [&] {
            std::string t = named->scalar;
            std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            return t;
        }();
        const YamlNode *type = authorizer->isMapping() ? authorizer->find("type") : nullptr;
        const std::string typeText = type && type->isScalar() ? type->scalar : "";
        if (lowered == "aws_iam" || typeText == "aws_iam" || typeText == "AWS_IAM" ||
            typeText == "cognito_user_pools" || typeText == "COGNITO_USER_POOLS") {
            diagnostics.push_back(diagnosticAt(
                file, named->range, "authorizer-not-local",
                "IAM and Cognito authorizers are checked by AWS: the simulator's gateway lets "
                "these requests through",
                Severity::Information));
            return;
        }
        if (!manifest.function(named->scalar))
            diagnostics.push_back(diagnosticAt(
                file, named->range, "authorizer-not-found",
                "the authorizer '" + named->scalar + "' is not a function of this manifest; name "
                "one of its functions, or give its arn"));
    }
}

// The quick fixes of a handler that is not found: define the function at the end of its
// module, or create the module with it.
std::vector<Fix> handlerFixes(const std::string &projectDir, const std::string &handler,
                              RuntimeFamily family) {
    const auto ref = parseHandler(handler, family);
    if (!ref || ref->function.empty())
        return {};
    const auto candidates = moduleCandidates(*ref, family);
    if (candidates.empty())
        return {};
    auto definition = [&](const std::string &file) {
        const std::string ext = fs::path(file).extension().string();
        const std::string &name = ref->function;
        if (family == RuntimeFamily::Python)
            return "def " + name + "(event, context):\n    return {}\n";
        if (ext == ".ts" || ext == ".mts")
            return "export const " + name +
                   " = async (event: unknown, context: unknown) => {\n    return {};\n};\n";
        if (ext == ".mjs")
            return "export const " + name + " = async (event, context) => {\n    return {};\n};\n";
        return "exports." + name + " = async (event, context) => {\n    return {};\n};\n";
    };
    for (const auto &candidate : candidates) {
        const fs::path file = fs::path(projectDir) / candidate;
        std::error_code ec;
        if (!fs::is_regular_file(file, ec))
            continue;
        // At the end of the module, after a blank line.
        std::ifstream in(file, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
        std::string lead = text.empty() ? "" : text.back() == '\n' ? "\n" : "\n\n";
        int column = 0;
        if (!text.empty() && text.back() != '\n')
            column = static_cast<int>(text.size() - text.rfind('\n') - 1);
        if (text.size() > 0 && text.rfind('\n') == std::string::npos)
            column = static_cast<int>(text.size());
        const SourcePosition end{lines, column};
        return {{"Create function " + ref->function + " in " + candidate, file.string(),
                 {end, end}, lead + definition(candidate), false}};
    }
    const fs::path file = fs::path(projectDir) / candidates.front();
    return {{"Create " + candidates.front() + " with function " + ref->function, file.string(),
             {{0, 0}, {0, 0}}, definition(candidates.front()), true}};
}

// The runtimes Lambda no longer runs, and what to offer instead.
const std::map<std::string, std::string> &deprecatedRuntimes() {
    static const std::map<std::string, std::string> deprecated{
        {"python3.6", "python"}, {"python3.7", "python"}, {"python3.8", "python"},
        {"nodejs12.x", "node"},  {"nodejs14.x", "node"},  {"nodejs16.x", "node"},
        {"nodejs18.x", "node"},  {"provided", "provided"}};
    return deprecated;
}

std::vector<Fix> runtimeFixes(const std::string &file, const SourceRange &range,
                              const std::string &family, const std::string &guess) {
    std::vector<std::string> offers;
    if (!guess.empty())
        offers.push_back(guess);
    const std::vector<std::string> current =
        family == "python" ? std::vector<std::string>{"python3.13", "python3.12"}
        : family == "node" ? std::vector<std::string>{"nodejs22.x", "nodejs20.x"}
        : family == "provided" ? std::vector<std::string>{"provided.al2023"}
                               : std::vector<std::string>{"python3.13", "nodejs22.x"};
    for (const auto &runtime : current)
        if (std::find(offers.begin(), offers.end(), runtime) == offers.end())
            offers.push_back(runtime);
    std::vector<Fix> fixes;
    for (const auto &runtime : offers)
        fixes.push_back({"Change to " + runtime, file, range, runtime, false});
    return fixes;
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
        // (A method beside ANY on one path is not a clash: as on API Gateway, the method's
        // route wins and ANY takes the rest.)
        const std::string key = method + ' ' + (path == "*" ? "*" : routeShape(path));
        const auto [it, first] = m_routes.try_emplace(key, Route{function, method, path, what, range});
        if (first)
            return;
        const Route &other = it->second;
        diagnostics.push_back(diagnosticAt(
            file, range, "duplicate-route",
            what + " " + method + " " + path + " takes the same requests as " + other.what + " " +
                other.method + " " + other.path + " of function '" + other.function + "' (line " +
                std::to_string(other.range.start.line + 1) +
                "); the local gateway serves one function per route, the first",
            Severity::Warning));
    }

private:
    struct Route {
        std::string function, method, path, what;
        SourceRange range;
    };
    std::unordered_map<std::string, Route> m_routes; // by method and shape: the first
};

} // namespace

void checkProject(const Manifest &manifest, const LoadOptions &options,
                  std::vector<Diagnostic> &diagnostics) {
    RouteChecker routes;
    std::map<std::string, SourceRange> webSocketRoutes;
    std::set<SourcePosition> bootstrapChecked, unsupportedChecked;
    ModuleFiles files; // most handlers share a few modules
    const bool scf = isScf(manifest.dialect);
    for (const auto &fn : manifest.functions) {
        const RuntimeFamily family = runtimeFamily(fn.runtime.value);
        const std::string codeDir = manifest.codeDirOf(fn);
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
                    (scf ? " It runs PythonX.Y, NodejsNN.NN and CustomRuntime (an executable "
                           "'bootstrap' in the code folder)"
                         : " It runs python3.x, nodejsNN.x, go1.x (the compiled handler) and "
                           "provided* (a 'bootstrap' executable)")));
            diagnostics.back().function = fn.name;
            {
                // "; did you mean 'python3.11'?" -> python3.11
                std::string suggested;
                if (const auto q = guess.find('\''); q != std::string::npos)
                    suggested = guess.substr(q + 1, guess.find('\'', q + 1) - q - 1);
                if (!scf && (fn.runtime.range.start.line != fn.runtime.range.end.line ||
                             fn.runtime.range.start.column != fn.runtime.range.end.column))
                    diagnostics.back().fixes =
                        runtimeFixes(manifest.filePath, fn.runtime.range,
                                     suggested.rfind("python", 0) == 0   ? "python"
                                     : suggested.rfind("nodejs", 0) == 0 ? "node"
                                                                         : "",
                                     suggested);
            }
            continue;
        }
        // Runtimes Lambda no longer runs: they still run here, but not once deployed.
        if (const auto old = deprecatedRuntimes().find(fn.runtime.value);
            old != deprecatedRuntimes().end() &&
            unsupportedChecked.insert(fn.runtime.range.start).second) {
            diagnostics.push_back(diagnosticAt(
                manifest.filePath, fn.runtime.range, "deprecated-runtime",
                "Lambda no longer supports runtime '" + fn.runtime.value +
                    "': functions on it cannot be created or updated; move to a current one",
                Severity::Warning));
            diagnostics.back().fixes =
                runtimeFixes(manifest.filePath, fn.runtime.range, old->second, "");
        }
        // (A handler still holding ${...} did not resolve, and that is reported already.)
        // (A code folder that does not exist is reported by the model already.)
        std::error_code missing;
        if (options.checkHandlers && fn.kind != FunctionKind::HttpService &&
            !fn.handler.value.empty() && fn.handler.value.find("${") == std::string::npos &&
            fs::is_directory(codeDir, missing)) {
            if (family == RuntimeFamily::Python || family == RuntimeFamily::Node) {
                // A serverless-wsgi function runs the app the plugin serves.
                const std::string &code = fn.wsgiApp ? *fn.wsgiApp : fn.handler.value;
                HandlerLookup lookup = locateHandler(codeDir, code, family, &files);
                // (SCF code lives in its own folder, which the message names.)
                if (const auto at = lookup.error.rfind(" in the project folder)");
                    at != std::string::npos && codeDir != manifest.projectDir) {
                    std::error_code ec;
                    lookup.error.replace(
                        at, std::string::npos,
                        " in " + fs::relative(codeDir, manifest.projectDir, ec).generic_string() +
                            "/)");
                }
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
                    if (!fn.wsgiApp)
                        diagnostics.back().fixes = handlerFixes(codeDir, fn.handler.value, family);
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
                       (scf || bootstrapChecked.insert(fn.runtime.range.start).second)) {
                const fs::path bootstrap = manifest.customBootstrapOf(fn);
                const std::string bootstrapName = bootstrap.filename().string();
                std::error_code ec;
                if (!fs::is_regular_file(bootstrap, ec)) {
                    diagnostics.push_back(diagnosticAt(
                        manifest.filePath, fn.runtime.range, "bootstrap-not-found",
                        "runtime '" + fn.runtime.value + "' runs the " +
                            (scf ? "code's own 'bootstrap'" : "project's own 'bootstrap'") +
                            " executable, and there is none in " +
                            (scf ? fs::relative(codeDir, manifest.projectDir, ec).string()
                                 : std::string("the project folder"))));
                    diagnostics.back().function = fn.name;
                } else if ((fs::status(bootstrap, ec).permissions() & fs::perms::owner_exec) ==
                           fs::perms::none) {
                    diagnostics.push_back(diagnosticAt(
                        manifest.filePath, fn.runtime.range, "bootstrap-not-executable",
                        "'" + bootstrapName + "' is not executable; run: chmod +x " +
                            (scf ? bootstrap.string() : bootstrapName)));
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
            checkTriggers(manifest, event, webSocketRoutes, diagnostics);
            if ((event.type != "http" && event.type != "httpApi") || event.path.empty())
                continue;
            routes.add(manifest.filePath, fn.name, event.method, event.path, event.type + " route",
                       event.range, diagnostics);
        }
    }
}

} // namespace nimbus::manifest
