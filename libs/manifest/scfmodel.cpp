#include "scfmodel.h"

#include "modelreaders.h"
#include "nimbus/manifest/scheduleexpression.h"
#include "nimbus/manifest/variableresolver.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace nimbus::manifest {

namespace {

// SCF's defaults (CreateFunction's, and its tools').
constexpr int kMemorySize = 128;
constexpr int kTimeout = 3;
constexpr int kWebPort = 9000; // a web function's server listens here
const char *const kRegion = "ap-guangzhou";
const char *const kHandler = "index.main_handler";

std::string optionOr(const LoadOptions &options, const char *name, const std::string &fallback) {
    const auto it = options.options.find(name);
    return it != options.options.end() && !it->second.empty() ? it->second : fallback;
}

// A scalar or a structure as the text an event carries (a timer's Message).
std::string asText(const YamlNode &node) {
    if (node.isScalar())
        return node.scalar;
    return yamlToJson(node).dump();
}

class ScfModelBuilder {
public:
    ScfModelBuilder(Manifest &manifest, const LoadOptions &options,
                    std::vector<Diagnostic> &diagnostics)
        : m_manifest(manifest)
        , m_options(options)
        , m_diagnostics(diagnostics) {}

    void build() {
        Provider &provider = m_manifest.provider;
        provider.name = "tencent";
        provider.memorySize = kMemorySize;
        provider.timeout = kTimeout;
        provider.region = kRegion;
        switch (m_manifest.dialect) {
        case Dialect::ScfComponent:
            buildComponent();
            break;
        case Dialect::ScfPlugin:
            buildPlugin();
            break;
        case Dialect::ScfTemplate:
            buildTemplate();
            break;
        case Dialect::Aws:
            break;
        }
    }

private:
    const YamlNode &root() const { return m_manifest.tree; }

    Function newFunction(const std::string &name, const SourceRange &nameRange) const {
        const Provider &provider = m_manifest.provider;
        Function fn;
        fn.name = name;
        fn.nameRange = nameRange;
        fn.runtime = {provider.runtime, m_runtimeRange.value_or(nameRange)};
        fn.memorySize = {provider.memorySize, m_memoryRange.value_or(nameRange)};
        fn.timeout = {provider.timeout, m_timeoutRange.value_or(nameRange)};
        fn.environment = provider.environment;
        fn.codeDir = m_manifest.projectDir;
        return fn;
    }

    // The settings every function has, from a mapping of them (Components' inputs, a
    // plugin function, a template's Properties with its Globals).
    template <typename Find>
    void readSettings(Function &fn, Find find, const char *runtimeKey, const char *memoryKey,
                      const char *timeoutKey) {
        if (const YamlNode *runtime = find(runtimeKey); runtime && runtime->isScalar())
            fn.runtime = {runtime->scalar, runtime->range};
        readInt(find(memoryKey), fn.memorySize);
        readInt(find(timeoutKey), fn.timeout);
    }

    void codeFolder(Function &fn, const YamlNode *src) {
        if (!src)
            return;
        const YamlNode *folder = src->isScalar() ? src : src->find("src");
        if (folder && folder->isScalar()) {
            fn.codeDir =
                (fs::path(m_manifest.projectDir) / folder->scalar).lexically_normal().string();
            std::error_code ec;
            if (!fs::is_directory(fn.codeDir, ec)) {
                m_diagnostics.push_back(diagnosticAt(
                    m_manifest.filePath, folder->range, "code-not-found",
                    "the code folder '" + folder->scalar + "' of '" + fn.name +
                        "' does not exist (paths are relative to the manifest's folder)"));
                m_diagnostics.back().function = fn.name;
            }
            return;
        }
        if (src->find("object") || src->find("Key"))
            warn(src->range, "code-in-cos",
                 "the code of '" + fn.name +
                     "' is a package in COS; the simulator runs code from a local folder, so "
                     "it cannot run this function (give src a folder to run it here)");
    }

    void warn(const SourceRange &range, const char *code, std::string message,
              Severity severity = Severity::Warning) {
        m_diagnostics.push_back(
            diagnosticAt(m_manifest.filePath, range, code, std::move(message), severity));
    }

    // A timer: its cron (checked as SCF reads it), whether it is on, and its Message.
    void readTimer(Event &event, const YamlNode *cron, const YamlNode *enable,
                   const YamlNode *message, bool onByDefault, const char *tool) {
        event.type = "schedule";
        event.writtenType = "timer";
        if (cron && cron->isScalar()) {
            std::string error;
            if (ScheduleExpression::parseScf(cron->scalar, error))
                event.schedules.push_back(cron->scalar);
            else
                warn(cron->range, "invalid-schedule", error + " (the timer will not fire)");
        }
        event.enabled = onByDefault;
        if (enable && enable->isScalar())
            event.enabled = enabledOf(enable);
        else if (!onByDefault)
            warn(event.range, "timer-off",
                 std::string("this timer is off: ") + tool +
                     " deploys a timer without 'enable: true' switched off, and the simulator "
                     "does the same; add enable: true under parameters to have it fire",
                 Severity::Information);
        if (message && !message->isNull())
            event.message = asText(*message);
    }

    // --- component: scf ------------------------------------------------------------------

    void buildComponent() {
        const auto names = componentVariables(root(), m_options);
        const std::string &name = names.at("name"), &app = names.at("app"),
                          &stage = names.at("stage");
        Provider &provider = m_manifest.provider;
        provider.runtime = "Nodejs10.15"; // the component's default
        provider.stage = stage;
        m_manifest.service = app;
        const YamlNode *inputs = root().find("inputs");
        if (inputs && !inputs->isMapping())
            inputs = nullptr;
        auto find = [&](const char *key) { return inputs ? inputs->find(key) : nullptr; };
        provider.region = optionOr(m_options, "region", scalarOr(find("region"), kRegion));

        const YamlEntry *nameEntry = root().findEntry("name");
        Function fn = newFunction(name, nameEntry ? nameEntry->value.range : root().range);
        fn.deployedName = scalarOr(find("name"), name + "-" + stage + "-" + app);
        fn.namespaceName = scalarOr(find("namespace"), "default");
        fn.description = scalarOr(find("description"), "");
        readSettings(fn, find, "runtime", "memorySize", "timeout");
        if (const YamlNode *init = find("initTimeout"); init && init->toInteger())
            fn.initTimeout = static_cast<int>(*init->toInteger());
        if (const YamlNode *environment = find("environment"))
            readEnvironment(environment->find("variables"), fn.environment);
        codeFolder(fn, find("src"));
        if (!find("src") && nameEntry)
            m_diagnostics.push_back(diagnosticAt(
                m_manifest.filePath, nameEntry->key.range, "missing-src",
                "the scf component needs its code folder: add 'src: ./src' under inputs"));

        const YamlNode *type = find("type");
        const bool web = type && type->isScalar() && type->scalar == "web";
        if (web)
            webFunction(fn, type->range, scalarOr(find("entryFile"), ""));
        else if (const YamlNode *handler = find("handler"); handler && handler->isScalar())
            fn.handler = {handler->scalar, handler->range};
        else
            fn.handler = {kHandler, fn.nameRange};

        if (const YamlNode *events = find("events"); events && events->isSequence()) {
            for (const auto &item : events->items)
                componentEvent(fn, item, name + "-" + stage + "-" + app);
        }
        m_manifest.functions.push_back(std::move(fn));
    }

    // A trigger as the component and the plugin write it: `- TYPE: {name, parameters}`.
    // Fills the event's common part and returns its parameters (an empty node when it has
    // none), or nullptr when the item is not a trigger.
    static const YamlNode *triggerItem(const YamlNode &item, Event &event,
                                       const std::string &nameSuffix, bool namedByDefault) {
        if (!item.isMapping() || item.entries.empty())
            return nullptr;
        const YamlEntry &trigger = item.entries.front();
        event.range = item.range;
        event.type = trigger.key.scalar;
        event.name = scalarOr(trigger.value.find("name"),
                              namedByDefault ? event.type + "-" + nameSuffix : "");
        static const YamlNode none;
        const YamlNode *parameters = trigger.value.find("parameters");
        if (!parameters)
            return &none;
        event.settings = *parameters;
        event.enabled = enabledOf(parameters->find("enable"));
        return parameters;
    }

    // A trigger's `enable` (component, plugin) or `Enable` (template): true or OPEN, false
    // or CLOSE; on when absent (a timer decides its own default).
    static bool enabledOf(const YamlNode *enable) {
        if (!enable || !enable->isScalar())
            return true;
        return enable->toBoolean().value_or(enable->scalar == "OPEN");
    }

    // A component's trigger; its default name is TYPE-${name}-${stage}-${app}.
    void componentEvent(Function &fn, const YamlNode &item, const std::string &instance) {
        Event event;
        const YamlNode *parameters = triggerItem(item, event, instance, true);
        if (!parameters)
            return;
        auto parameter = [&](const char *key) { return parameters->find(key); };
        if (event.type == "timer") {
            readTimer(event, parameter("cronExpression"), parameter("enable"),
                      parameter("argument"), false, "the scf component");
        } else if (event.type == "apigw") {
            event.apiStage = scalarOr(parameter("environment"), "release");
            const YamlNode *endpoints = parameter("endpoints");
            if (endpoints && endpoints->isSequence()) {
                for (const auto &endpoint : endpoints->items) {
                    const YamlNode *function = endpoint.find("function");
                    const YamlNode *integrated =
                        function ? function->find("isIntegratedResponse") : nullptr;
                    event.integratedResponse =
                        integrated && integrated->toBoolean().value_or(false);
                    apiEndpoint(fn, event, endpoint, scalarOr(endpoint.find("method"), "ANY"),
                                scalarOr(endpoint.find("path"), "/"));
                }
            }
            return;
        }
        fn.events.push_back(std::move(event));
    }

    // An API of the gateway: a route of an event function, or where a web function is served.
    void apiEndpoint(Function &fn, const Event &trigger, const YamlNode &at,
                     const std::string &method, const std::string &path) {
        Event event = trigger;
        event.range = at.range;
        event.settings = at;
        event.writtenType = "apigw";
        event.method = upper(method);
        event.path = normalisePath(path);
        if (fn.kind == FunctionKind::HttpService) {
            // A web function is served at its API's path, whatever the method.
            if (fn.path.empty())
                fn.path = event.path;
            event.type = "apigw";
        } else {
            event.type = "http";
        }
        fn.events.push_back(std::move(event));
    }

    // A web function: its code's scf_bootstrap starts a server on port 9000; without one,
    // the component runs entryFile with the runtime's interpreter.
    void webFunction(Function &fn, const SourceRange &typeRange, std::string entryFile) {
        fn.kind = FunctionKind::HttpService;
        HttpServiceSpec spec;
        spec.port = kWebPort;
        // One request at a time per instance, as SCF runs a web function unless its
        // instance concurrency is raised: concurrent requests start more instances.
        spec.concurrency = 1;
        fn.handler.range = typeRange;
        std::error_code ec;
        const fs::path bootstrap = fs::path(fn.codeDir) / "scf_bootstrap";
        const RuntimeFamily family = runtimeFamily(fn.runtime.value);
        if (fs::is_regular_file(bootstrap, ec)) {
            spec.command = "./scf_bootstrap";
            if ((fs::status(bootstrap, ec).permissions() & fs::perms::owner_exec) ==
                fs::perms::none)
                m_diagnostics.push_back(
                    diagnosticAt(m_manifest.filePath, typeRange, "bootstrap-not-executable",
                                 "'scf_bootstrap' of web function '" + fn.name +
                                     "' is not executable; run: chmod +x " + bootstrap.string()));
        } else {
            if (entryFile.empty())
                entryFile = family == RuntimeFamily::Python ? "app.py" : "app.js";
            if (family == RuntimeFamily::Python)
                spec.command = "python3 -u " + entryFile;
            else if (family == RuntimeFamily::Node)
                spec.command = "node " + entryFile;
            // (A code folder that does not exist is reported already.)
            if ((spec.command.empty() ||
                 !fs::is_regular_file(fs::path(fn.codeDir) / entryFile, ec)) &&
                fs::is_directory(fn.codeDir, ec))
                m_diagnostics.push_back(diagnosticAt(
                    m_manifest.filePath, typeRange, "web-entry-not-found",
                    "web function '" + fn.name + "' has no scf_bootstrap in " +
                        fs::relative(fn.codeDir, m_manifest.projectDir, ec).generic_string() + "/" +
                        (spec.command.empty()
                             ? " (and runtime '" + fn.runtime.value + "' has no default entry file)"
                             : " and no entry file '" + entryFile + "'") +
                        "; add an executable scf_bootstrap that starts the server on port 9000"));
        }
        if (!m_diagnostics.empty() && m_diagnostics.back().function.empty() &&
            (m_diagnostics.back().code == "web-entry-not-found" ||
             m_diagnostics.back().code == "bootstrap-not-executable"))
            m_diagnostics.back().function = fn.name;
        fn.service = spec;
    }

    // --- provider: tencent (serverless-tencent-scf) -----------------------------------------

    void buildPlugin() {
        Provider &provider = m_manifest.provider;
        provider.runtime = "Nodejs8.9"; // the plugin's default
        m_manifest.service = scalarOr(root().find("service"), "");
        const VariableContext context{m_options.options, {}, {}, false, {}};
        provider.stage = VariableResolver::effectiveStage(root(), context);
        const YamlNode *p = root().find("provider");
        auto find = [&](const char *key) { return p ? p->find(key) : nullptr; };
        provider.region = optionOr(m_options, "region", scalarOr(find("region"), kRegion));
        provider.runtime = scalarOr(find("runtime"), provider.runtime);
        Located<int> memory{provider.memorySize, {}}, timeout{provider.timeout, {}};
        readInt(find("memorySize"), memory);
        readInt(find("timeout"), timeout);
        provider.memorySize = memory.value;
        provider.timeout = timeout.value;
        if (p) {
            if (const YamlEntry *e = p->findEntry("runtime"))
                m_runtimeRange = e->value.range;
            if (const YamlEntry *e = p->findEntry("memorySize"))
                m_memoryRange = e->value.range;
            if (const YamlEntry *e = p->findEntry("timeout"))
                m_timeoutRange = e->value.range;
        }
        if (const YamlNode *environment = find("environment"))
            readEnvironment(environment->find("variables"), provider.environment);
        const std::string description = scalarOr(find("description"), "");

        const YamlNode *functions = root().find("functions");
        if (!functions || !functions->isMapping())
            return;
        for (const auto &entry : functions->entries) {
            Function fn = newFunction(entry.key.scalar, entry.key.range);
            fn.deployedName = m_manifest.service + "-" + provider.stage + "-" + fn.name;
            fn.description = description;
            fn.handler = {kHandler, fn.nameRange};
            const YamlNode &body = entry.value;
            if (body.isMapping()) {
                auto get = [&](const char *key) { return body.find(key); };
                readSettings(fn, get, "runtime", "memorySize", "timeout");
                fn.description = scalarOr(body.find("description"), description);
                if (const YamlNode *handler = body.find("handler"); handler && handler->isScalar())
                    fn.handler = {handler->scalar, handler->range};
                if (const YamlNode *environment = body.find("environment"))
                    readEnvironment(environment->find("variables"), fn.environment);
                if (const YamlNode *events = body.find("events"); events && events->isSequence()) {
                    for (const auto &item : events->items)
                        pluginEvent(fn, item);
                }
            }
            m_manifest.functions.push_back(std::move(fn));
        }
    }

    void pluginEvent(Function &fn, const YamlNode &item) {
        Event event;
        const YamlNode *parameters = triggerItem(item, event, "", false);
        if (!parameters)
            return;
        auto parameter = [&](const char *key) { return parameters->find(key); };
        if (event.type == "timer") {
            readTimer(event, parameter("cronExpression"), parameter("enable"), nullptr, false,
                      "serverless-tencent-scf");
        } else if (event.type == "apigw") {
            event.apiStage = scalarOr(parameter("stageName"), "release");
            const YamlNode *integrated = parameter("integratedResponse");
            event.integratedResponse = integrated && integrated->toBoolean().value_or(false);
            apiEndpoint(fn, event, parameters->isNull() ? item : *parameters,
                        scalarOr(parameter("httpMethod"), "GET"),
                        scalarOr(parameter("path"), "/" + fn.deployedName));
            return;
        }
        fn.events.push_back(std::move(event));
    }

    // --- template.yaml (scfcli) ---------------------------------------------------------------

    void buildTemplate() {
        Provider &provider = m_manifest.provider;
        provider.runtime = "";
        provider.region = optionOr(m_options, "region", kRegion);
        provider.stage = optionOr(m_options, "stage", "dev");
        const YamlNode *globals = root().find("Globals");
        globals = globals ? globals->find("Function") : nullptr;
        const YamlNode *resources = root().find("Resources");
        if (!resources || !resources->isMapping())
            return;
        for (const auto &ns : resources->entries) {
            if (!ns.value.isMapping())
                continue;
            if (m_manifest.service.empty())
                m_manifest.service = ns.key.scalar;
            for (const auto &entry : ns.value.entries) {
                if (entry.key.scalar == "Type" || !entry.value.isMapping())
                    continue;
                const YamlNode *type = entry.value.find("Type");
                if (!type || !type->isScalar() ||
                    type->scalar != "TencentCloud::Serverless::Function")
                    continue;
                templateFunction(ns.key.scalar, entry, globals);
            }
        }
    }

    void templateFunction(const std::string &ns, const YamlEntry &entry, const YamlNode *globals) {
        Function fn = newFunction(entry.key.scalar, entry.key.range);
        fn.deployedName = fn.name;
        fn.namespaceName = ns;
        const YamlNode *properties = entry.value.find("Properties");
        if (properties && !properties->isMapping())
            properties = nullptr;
        // A function's own setting, else Globals.Function's (as scfcli merges them).
        auto find = [&](const char *key) -> const YamlNode * {
            const YamlNode *own = properties ? properties->find(key) : nullptr;
            if (own && !own->isNull())
                return own;
            return globals ? globals->find(key) : nullptr;
        };
        readSettings(fn, find, "Runtime", "MemorySize", "Timeout");
        fn.description = scalarOr(find("Description"), "");
        if (const YamlNode *environment = find("Environment"))
            readEnvironment(environment->find("Variables"), fn.environment);
        auto missing = [&](const char *key, const char *what) {
            m_diagnostics.push_back(
                diagnosticAt(m_manifest.filePath, entry.key.range, std::string("missing-") + what,
                             "function '" + fn.name + "' has no " + key + ": set Properties." +
                                 key + " (or Globals.Function." + key + ")"));
            m_diagnostics.back().function = fn.name;
        };
        if (const YamlNode *handler = find("Handler"); handler && handler->isScalar())
            fn.handler = {handler->scalar, handler->range};
        else
            missing("Handler", "handler");
        if (fn.runtime.value.empty())
            missing("Runtime", "runtime");
        if (const YamlNode *code = find("CodeUri"))
            codeFolder(fn, code);
        else
            missing("CodeUri", "code");
        const YamlNode *events = properties ? properties->find("Events") : nullptr;
        if (events && events->isMapping()) {
            for (const auto &trigger : events->entries)
                templateEvent(fn, trigger);
        }
        m_manifest.functions.push_back(std::move(fn));
    }

    void templateEvent(Function &fn, const YamlEntry &trigger) {
        const YamlNode *type = trigger.value.find("Type");
        const YamlNode *properties = trigger.value.find("Properties");
        auto property = [&](const char *key) {
            return properties ? properties->find(key) : nullptr;
        };
        Event event;
        event.range = trigger.key.range;
        event.name = trigger.key.scalar;
        event.type = type && type->isScalar() ? type->scalar : "";
        std::transform(event.type.begin(), event.type.end(), event.type.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (properties) {
            event.settings = *properties;
            event.enabled = enabledOf(properties->find("Enable"));
        }
        if (event.type == "timer") {
            readTimer(event, property("CronExpression"), property("Enable"), property("Message"),
                      true, "scfcli");
        } else if (event.type == "apigw") {
            event.apiStage = scalarOr(property("StageName"), "release");
            const YamlNode *integrated = property("IntegratedResponse");
            event.integratedResponse = integrated && integrated->toBoolean().value_or(false);
            apiEndpoint(fn, event, trigger.value, scalarOr(property("HttpMethod"), "ANY"),
                        "/" + fn.name);
            return;
        }
        fn.events.push_back(std::move(event));
    }

    Manifest &m_manifest;
    const LoadOptions &m_options;
    std::vector<Diagnostic> &m_diagnostics;
    std::optional<SourceRange> m_runtimeRange, m_memoryRange, m_timeoutRange;
};

} // namespace

void buildScfModel(Manifest &manifest, const LoadOptions &options,
                   std::vector<Diagnostic> &diagnostics) {
    ScfModelBuilder(manifest, options, diagnostics).build();
}

std::map<std::string, std::string> componentVariables(const YamlNode &root,
                                                      const LoadOptions &options) {
    std::map<std::string, std::string> names;
    names["name"] = scalarOr(root.find("name"), "");
    names["app"] = scalarOr(root.find("app"), names["name"]);
    names["stage"] = optionOr(options, "stage", scalarOr(root.find("stage"), "dev"));
    names["org"] = scalarOr(root.find("org"), "");
    // (An app or stage written as ${name} or ${stage} stands for what that resolves to.)
    for (const char *key : {"app", "stage"}) {
        std::string &value = names[key];
        for (const auto &[name, text] : std::map<std::string, std::string>(names)) {
            const std::string variable = "${" + name + "}";
            for (auto at = value.find(variable); at != std::string::npos && name != key;
                 at = value.find(variable))
                value.replace(at, variable.size(), text);
        }
    }
    return names;
}

std::optional<std::string> scfCodeOwner(Dialect dialect, const YamlNode &root,
                                        const std::string &where) {
    if (dialect == Dialect::ScfComponent) {
        for (const char *code : {"inputs.handler", "inputs.src", "inputs.runtime"}) {
            if (where.rfind(code, 0) == 0)
                return scalarOr(root.find("name"), "");
        }
        return std::nullopt;
    }
    if (dialect == Dialect::ScfTemplate) {
        // Resources.NAMESPACE.FUNCTION.Properties.KEY
        std::vector<std::string> parts;
        for (std::size_t at = 0, dot; at <= where.size(); at = dot + 1) {
            dot = where.find('.', at);
            if (dot == std::string::npos)
                dot = where.size();
            parts.push_back(where.substr(at, dot - at));
        }
        if (parts.size() >= 5 && parts[0] == "Resources" && parts[3] == "Properties" &&
            (parts[4] == "Handler" || parts[4] == "CodeUri" || parts[4] == "Runtime"))
            return parts[2];
    }
    return std::nullopt;
}

} // namespace nimbus::manifest
