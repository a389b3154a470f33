#include "nimbus/manifest/manifestloader.h"

#include "modelreaders.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/manifest/variableresolver.h"
#include "projectchecks.h"
#include "scfmodel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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
        const VariableContext context{options.options, {}, {}, false, {}};
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

        readSandbox(manifest);
        readLayers(manifest);
        if (const YamlNode *p = root.find("provider"); p && p->isMapping())
            m_providerLayers = p->find("layers");

        const YamlNode *functions = root.find("functions");
        if (!functions || !functions->isMapping())
            return;
        manifest.functions.reserve(functions->entries.size());
        for (const auto &entry : functions->entries)
            manifest.functions.push_back(buildFunction(manifest, entry));
    }

private:
    // The top-level `layers`: each a folder of the project (`path`).
    void readLayers(Manifest &manifest) {
        const YamlNode *layers = manifest.tree.find("layers");
        if (!layers || !layers->isMapping())
            return;
        for (const auto &entry : layers->entries) {
            Layer layer;
            layer.name = entry.key.scalar;
            layer.nameRange = entry.key.range;
            layer.deployedName = layer.name;
            const YamlNode &body = entry.value;
            if (body.isMapping()) {
                layer.deployedName = scalarOr(body.find("name"), layer.name);
                layer.description = scalarOr(body.find("description"), "");
                layer.licenseInfo = scalarOr(body.find("licenseInfo"), "");
                if (const YamlNode *runtimes = body.find("compatibleRuntimes"))
                    for (const auto &item : runtimes->items)
                        if (item.isScalar())
                            layer.compatibleRuntimes.push_back(item.scalar);
                const YamlEntry *path = body.findEntry("path");
                const std::string written = path ? scalarOr(&path->value, "") : "";
                std::error_code ec;
                if (!written.empty()) {
                    layer.path =
                        (fs::path(manifest.projectDir) / written).lexically_normal().string();
                    if (!layer.path.empty() && layer.path.back() == '/')
                        layer.path.pop_back();
                    if (!fs::is_directory(layer.path, ec))
                        m_diagnostics.push_back(diagnosticAt(
                            m_file, path->value.range, "layer-path-missing",
                            "layer '" + layer.name + "': the folder '" + written +
                                "' does not exist; create it (its python/, nodejs/, bin/ and "
                                "lib/ folders are what Lambda puts in /opt), or fix 'path'",
                            Severity::Warning));
                } else if (body.find("artifact")) {
                    m_diagnostics.push_back(diagnosticAt(
                        m_file, entry.key.range, "layer-artifact",
                        "layer '" + layer.name +
                            "' is a prebuilt artifact; the simulator mounts layers built from a "
                            "folder ('path'), so functions run without this one locally",
                        Severity::Information));
                } else {
                    m_diagnostics.push_back(diagnosticAt(
                        m_file, entry.key.range, "layer-path-missing",
                        "layer '" + layer.name +
                            "' has no 'path': set the folder whose content becomes the layer",
                        Severity::Warning));
                }
            }
            manifest.layers.push_back(std::move(layer));
        }
    }

    // A function's `layers` (else the provider's, as the framework takes them): each a
    // layer of this service by reference, or a layer version's ARN.
    void readLayerUses(const Manifest &manifest, Function &fn, const YamlNode *layers) {
        if (!layers || !layers->isSequence())
            return;
        for (const auto &item : layers->items) {
            LayerUse use;
            use.range = item.range;
            std::string ref;
            if (item.isScalar() && item.scalar.rfind("arn:", 0) == 0) {
                use.arn = item.scalar;
            } else if (const YamlNode *r = item.isMapping() ? item.find("Ref") : nullptr;
                       r && r->isScalar()) {
                ref = r->scalar;
            } else if (item.isScalar()) {
                ref = item.scalar; // a layer's key, as some plugins write it
            } else {
                const std::string what = item.isMapping() && !item.entries.empty()
                                             ? item.entries.front().key.scalar
                                             : std::string("this value");
                m_diagnostics.push_back(diagnosticAt(
                    m_file, item.range, "layer-not-local",
                    what +
                        " is resolved by CloudFormation at deployment: the simulator cannot "
                        "tell which layer this is, and function '" +
                        fn.name +
                        "' runs without it locally (write the layer version's ARN, "
                        "or {Ref: <Layer>LambdaLayer} for a layer of this service)",
                    Severity::Information));
                m_diagnostics.back().function = fn.name;
                continue;
            }
            if (!ref.empty()) {
                for (const auto &layer : manifest.layers)
                    if (layerLogicalId(layer.name) == ref || layer.name == ref)
                        use.layer = layer.name;
                if (use.layer.empty()) {
                    std::string known;
                    for (const auto &layer : manifest.layers)
                        known += (known.empty() ? "" : ", ") + layerLogicalId(layer.name);
                    m_diagnostics.push_back(diagnosticAt(
                        m_file, item.range, "unknown-layer",
                        "'" + ref + "' is not a layer of this service" +
                            (known.empty() ? std::string(" (it defines none under 'layers')")
                                           : " (its layers are referenced as " + known + ")") +
                            "; function '" + fn.name + "' runs without it",
                        Severity::Warning));
                    m_diagnostics.back().function = fn.name;
                    continue;
                }
            }
            fn.layers.push_back(std::move(use));
        }
        if (layers->items.size() > 5) {
            m_diagnostics.push_back(diagnosticAt(
                m_file, layers->items[5].range, "too-many-layers",
                "function '" + fn.name + "' lists " + std::to_string(layers->items.size()) +
                    " layers; Lambda takes at most 5 per function, so its deployment would be "
                    "refused (merge layers, or move packages into the function's own)",
                Severity::Warning));
            m_diagnostics.back().function = fn.name;
        }
    }

    // custom.nimbus.sandbox: true / false, or {network: false} (sandboxed, without network).
    void readSandbox(Manifest &manifest) {
        const YamlNode *custom = manifest.tree.find("custom");
        const YamlNode *nimbus = custom && custom->isMapping() ? custom->find("nimbus") : nullptr;
        const YamlEntry *entry =
            nimbus && nimbus->isMapping() ? nimbus->findEntry("sandbox") : nullptr;
        if (!entry)
            return;
        const YamlNode &value = entry->value;
        const YamlNode *network = value.isMapping() ? value.find("network") : nullptr;
        if (value.isScalar() && value.toBoolean()) {
            manifest.sandbox = *value.toBoolean();
        } else if (value.isMapping() &&
                   (!network || (network->isScalar() && network->toBoolean()))) {
            manifest.sandbox = true;
            manifest.sandboxNetwork = network ? *network->toBoolean() : true;
        } else {
            m_diagnostics.push_back(diagnosticAt(
                m_file, value.range, "sandbox-value",
                "custom.nimbus.sandbox takes true, false or {network: false} (instances "
                "sandboxed without network); it is ignored as written",
                Severity::Warning));
        }
    }

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
        if (const YamlNode *size = body.find("ephemeralStorageSize"); size && size->toInteger())
            fn.ephemeralStorageSize = static_cast<int>(*size->toInteger()); // (range: schema)
        readEnvironment(body.find("environment"), fn.environment);
        fn.description = scalarOr(body.find("description"), "");
        fn.deployedName = scalarOr(body.find("name"), fn.deployedName);
        if (const YamlNode *rc = body.find("reservedConcurrency"); rc && rc->toInteger())
            fn.reservedConcurrency = static_cast<int>(*rc->toInteger());

        determineKind(fn, body);
        const YamlNode *layers = body.find("layers");
        readLayerUses(manifest, fn, layers ? layers : m_providerLayers);
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
            m_diagnostics.push_back(diagnosticAt(
                m_file, kinds[1]->key.range, "conflicting-kind",
                "function '" + fn.name + "' sets both '" + kinds[0]->key.scalar + "' and '" +
                    kinds[1]->key.scalar +
                    "'; a function is exactly one kind: keep handler (event function), "
                    "httpHandler (http function) or httpService (http service)"));
            m_diagnostics.back().function = fn.name;
        }
        if (kinds.empty()) {
            if (body.find("image")) {
                m_diagnostics.push_back(
                    diagnosticAt(m_file, fn.nameRange, "unsupported-image",
                                 "function '" + fn.name +
                                     "' is a container image, which the simulator cannot run; it "
                                     "runs handler, httpHandler and httpService functions"));
                m_diagnostics.back().function = fn.name;
            } else {
                m_diagnostics.push_back(diagnosticAt(
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
                m_diagnostics.push_back(diagnosticAt(
                    m_file, events->key.range, "events-on-http-kind",
                    "function '" + fn.name + "' is an " +
                        (fn.kind == FunctionKind::HttpFunction ? "http function" : "http service") +
                        "; 'events' belong to event functions (it is reached at its 'path' "
                        "instead)"));
                m_diagnostics.back().function = fn.name;
            }
        } else if (const YamlEntry *path = body.findEntry("path")) {
            m_diagnostics.push_back(diagnosticAt(
                m_file, path->key.range, "path-on-event-function",
                "'path' applies to http functions and http services; give event function '" +
                    fn.name + "' an http or httpApi event instead",
                Severity::Warning));
        }
        if (const YamlEntry *concurrency = body.findEntry("concurrency")) {
            if (fn.kind == FunctionKind::HttpFunction) {
                if (auto n = concurrency->value.toInteger())
                    fn.concurrency = static_cast<int>(*n);
            } else {
                m_diagnostics.push_back(diagnosticAt(
                    m_file, concurrency->key.range, "concurrency-on-other-kind",
                    fn.kind == FunctionKind::Event
                        ? "'concurrency' applies to http functions (httpHandler); an event "
                          "function's instance takes one invocation at a time, as on Lambda "
                          "(set reservedConcurrency to limit its instances)"
                        : "an http service sets its concurrency under httpService",
                    Severity::Warning));
                m_diagnostics.back().function = fn.name;
            }
        }
    }

    std::string m_file;
    std::vector<Diagnostic> &m_diagnostics;
    std::optional<SourceRange> m_runtimeRange, m_memoryRange, m_timeoutRange;
    std::optional<std::string> m_wsgiApp; // serverless-wsgi is listed: custom.wsgi.app
    const YamlNode *m_providerLayers = nullptr;
};

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
std::optional<std::string> codeOwner(const Manifest &manifest, const std::string &where,
                                     const std::string &code) {
    if (manifest.dialect == Dialect::ScfComponent || manifest.dialect == Dialect::ScfTemplate)
        return scfCodeOwner(manifest.dialect, manifest.tree, where);
    if (where.rfind("functions.", 0) != 0)
        return std::nullopt;
    const size_t nameEnd = where.find('.', 10);
    if (nameEnd == std::string::npos)
        return std::nullopt;
    const std::string key =
        where.substr(nameEnd + 1, where.find_first_of(".[", nameEnd + 1) - (nameEnd + 1));
    // (An unknown key beside httpService's command does not stop the service.)
    const bool inCode =
        key == "handler" || key == "httpHandler" || (key == "httpService" && code != "unknown-key");
    if (!inCode)
        return std::nullopt;
    return where.substr(10, nameEnd - 10);
}

// Schema findings, judged as the framework's configValidationMode says: warnings by
// default ('warn'), errors with 'error', nothing with 'off'. A finding about a function's
// code is an error of that function's in every mode.
void validateSchema(const Manifest &manifest, std::vector<Diagnostic> &diagnostics,
                    ValidationMemo *memo) {
    const YamlNode &root = manifest.tree;
    const std::string &file = manifest.filePath;
    std::string mode = "warn";
    if (const YamlNode *m = root.find("configValidationMode"); m && m->isScalar())
        mode = m->scalar;
    std::vector<Diagnostic> findings;
    std::vector<std::string> paths;
    ManifestSchema::forManifest(root)->validate(
        root, file, findings, mode == "error" ? Severity::Error : Severity::Warning, &paths, memo);
    for (size_t i = 0; i < findings.size(); ++i) {
        Diagnostic &d = findings[i];
        if (auto owner = codeOwner(manifest, paths[i], d.code)) {
            d.severity = Severity::Error;
            d.function = *owner;
        }
        if (mode == "off" && d.severity != Severity::Error)
            continue;
        diagnostics.push_back(std::move(d));
    }
}

} // namespace

ManifestLoader::ManifestLoader(LoadOptions options)
    : m_options(std::move(options)) {}

std::optional<std::string> ManifestLoader::findManifestFile(const std::string &projectDir) {
    for (const char *name : {"serverless.yml", "serverless.yaml"}) {
        fs::path candidate = fs::path(projectDir) / name;
        std::error_code ec;
        if (fs::exists(candidate, ec))
            return candidate.string();
    }
    // scfcli's template.yaml, but not AWS SAM's of the same name.
    for (const char *name : {"template.yaml", "template.yml"}) {
        const fs::path candidate = fs::path(projectDir) / name;
        if (isScfTemplate(candidate.string()))
            return candidate.string();
    }
    return std::nullopt;
}

bool ManifestLoader::isManifestFileName(std::string_view fileName) {
    return fileName == "serverless.yml" || fileName == "serverless.yaml" ||
           fileName == "template.yaml" || fileName == "template.yml";
}

bool ManifestLoader::isScfTemplate(const std::string &file) {
    std::ifstream in(file, std::ios::binary);
    std::string head(64 * 1024, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head.find("TencentCloud::Serverless::") != std::string::npos;
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
            result.diagnostics.push_back(
                fileError(dirOrFile,
                          "no serverless.yml, serverless.yaml or SCF template.yaml in this folder; "
                          "create a project with 'nimbus init DIR --template python-event'"));
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
    return loadParsed(parseYaml(text, filePath), filePath, nullptr);
}

LoadResult ManifestLoader::loadText(std::string_view text, const std::string &filePath,
                                    IncrementalLoad &state) const {
    return loadParsed(state.parser.parse(text, filePath), filePath, &state.validation);
}

LoadResult ManifestLoader::loadParsed(YamlParseResult parsed, const std::string &filePath,
                                      ValidationMemo *memo) const {
    LoadResult result;
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

    manifest.dialect = dialectOf(manifest.tree);
    VariableContext context{
        m_options.options, m_options.environment, manifest.projectDir, m_options.forDeployment, {}};
    if (manifest.dialect == Dialect::ScfComponent)
        context.names = componentVariables(manifest.tree, m_options);
    VariableResolver resolver(filePath, context);
    resolver.resolve(manifest.tree);
    result.diagnostics.insert(result.diagnostics.end(), resolver.diagnostics().begin(),
                              resolver.diagnostics().end());

    mergeListOfMappings(manifest.tree.find("functions"), false);
    mergeListOfMappings(manifest.tree.find("resources"), true);
    validateSchema(manifest, result.diagnostics, memo);

    if (isScf(manifest.dialect))
        buildScfModel(manifest, m_options, result.diagnostics);
    else
        ModelBuilder(filePath, result.diagnostics).build(manifest, m_options);
    checkProject(manifest, m_options, result.diagnostics);

    std::stable_sort(
        result.diagnostics.begin(), result.diagnostics.end(),
        [](const Diagnostic &a, const Diagnostic &b) { return a.range.start < b.range.start; });
    result.manifest = std::move(manifest);
    return result;
}

} // namespace nimbus::manifest
