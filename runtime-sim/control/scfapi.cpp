// Tencent SCF's API 3.0 (2018-04-16) on the control plane's endpoint: POST / with
// X-TC-Action, signed with TC3-HMAC-SHA256 by the simulator's credentials, answered in
// SCF's {"Response": {...}} envelope. The functions it manages are the control plane's own
// records (one model: the AWS CLI sees them too); those it creates run as SCF runs
// functions.
#include "nimbus/scf/scfapi.h"

#include "../simulator/simulator.h"
#include "controlplane.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/tc3/tc3.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace nimbus::sim {

using nlohmann::json;

namespace {

constexpr std::size_t kScfLogTailBytes = 4096;

// The SCF runtimes this simulator runs: those of SCF's schema it has a runtime for.
const scf::Limits &scfLimits() {
    static const scf::Limits value = [] {
        scf::Limits l;
        const auto &doc =
            manifest::ManifestSchema::forDialect(manifest::Dialect::ScfComponent).document();
        for (const auto &runtime : doc["definitions"]["scfRuntime"]["enum"]) {
            const auto name = runtime.get<std::string>();
            if (manifest::runtimeFamily(name) != manifest::RuntimeFamily::Unknown &&
                name != "Python2.7")
                l.runtimes.push_back(name);
        }
        return l;
    }();
    return value;
}

net::Response scfAnswer(const json &envelope) {
    return net::makeResponse(200, envelope.dump(), "application/json");
}

// Lambda's errors (the shared steps: a package's checks, the store) in SCF's codes.
scf::ApiError fromLambda(const lambda::ApiError &error) {
    if (error.type.rfind("AuthFailure", 0) == 0 || error.type == "MissingParameter")
        return {error.type, error.message};
    if (error.type == "InvalidRequestContentException")
        return {"InvalidParameter", error.message};
    if (error.type == "InvalidParameterValueException" || error.type == "ValidationException")
        return {"InvalidParameterValue", error.message};
    if (error.type == "ResourceNotFoundException")
        return {"ResourceNotFound", error.message};
    if (error.type == "ResourceConflictException")
        return {"ResourceInUse", error.message};
    if (error.type == "TooManyRequestsException")
        return {"RequestLimitExceeded", error.message};
    return {"InternalError", error.message};
}

scf::ApiError notFound(const std::string &name, const std::string &namespaceName) {
    return {"ResourceNotFound.Function",
            "The function '" + name + "' does not exist in namespace '" + namespaceName + "'"};
}

std::string namespaceOf(const lambda::FunctionConfiguration &config) {
    return config.scf ? config.scf->namespaceName : "default";
}

// "2017-05-16 20:00:00" (UTC) as Unix milliseconds; nullopt when it is not that form.
std::optional<long long> parseScfTime(const std::string &text) {
    std::tm tm{};
    const char *end = ::strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    return static_cast<long long>(::timegm(&tm)) * 1000;
}

std::string scfTimeOfMs(long long ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

} // namespace

bool ControlPlane::isScfRequest(const net::Request &request) {
    return !request["X-TC-Action"].empty() ||
           std::string(request[boost::beast::http::field::authorization])
                   .rfind(tc3::kAlgorithm, 0) == 0;
}

std::optional<lambda::ApiError> ControlPlane::authenticateScf(const net::Request &request) const {
    if (!m_options.requireSignature)
        return std::nullopt;
    const auto signedRequest = signedPartsOf<tc3::Request>(request);
    const auto verdict = tc3::verify(signedRequest, scf::kService, [this](const std::string &id) {
        return id == m_credentials.accessKeyId ? std::optional(m_credentials.secretAccessKey)
                                               : std::nullopt;
    });
    if (verdict.ok)
        return std::nullopt;
    return lambda::ApiError{401, verdict.errorCode,
                            verdict.message + " (this simulator takes the credentials in its "
                                              ".nimbus/sim.json: TENCENTCLOUD_SECRETID is its "
                                              "accessKeyId, TENCENTCLOUD_SECRETKEY its "
                                              "secretAccessKey)"};
}

void ControlPlane::scfRequest(ApiRequest &r, net::Responder &responder) {
    const std::string requestId = newRequestId();
    auto fail = [&](const scf::ApiError &error) {
        responder(scfAnswer(scf::errorResponse(error, requestId)));
    };
    auto refused = r.prepared.authenticated ? r.prepared.refused : authenticateScf(*r.http);
    if (refused) {
        fail(fromLambda(*refused));
        return;
    }
    const std::string action(r.http->operator[]("X-TC-Action"));
    const std::string version(r.http->operator[]("X-TC-Version"));
    if (action.empty()) {
        fail({"MissingParameter", "The request has no X-TC-Action header naming the action"});
        return;
    }
    if (r.method != "POST") {
        fail({"UnsupportedProtocol",
              "SCF's API takes POST requests with a JSON body; this was " + r.method});
        return;
    }
    if (version != scf::kApiVersion) {
        fail({"NoSuchVersion", "X-TC-Version '" + version + "' is not served here: SCF's API is " +
                                   std::string(scf::kApiVersion)});
        return;
    }
    if (!scf::isKnownAction(action)) {
        std::string known;
        for (const auto &a : scf::knownActions())
            known += (known.empty() ? "" : ", ") + a;
        fail({"InvalidAction",
              "The action '" + action + "' is not served here (it serves " + known + ")"});
        return;
    }
    json body;
    if (r.prepared.bodyError) {
        fail(fromLambda(*r.prepared.bodyError));
        return;
    }
    if (r.prepared.body) {
        body = std::move(*r.prepared.body);
    } else {
        body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
        if (body.is_discarded()) {
            fail({"InvalidParameter", "The request body is not valid JSON"});
            return;
        }
    }
    std::string region(r.http->operator[]("X-TC-Region"));
    try {
        if (action == "Invoke" || action == "InvokeFunction") {
            scfInvoke(body, action, requestId, responder);
            return;
        }
        json fields;
        if (auto problem = scfAction(r, action, body, region, fields)) {
            fail(*problem);
            return;
        }
        responder(scfAnswer(scf::response(std::move(fields), requestId)));
    } catch (const StoreError &e) {
        fail({"InternalError", std::string("the store failed: ") + e.what()});
    }
}

std::optional<scf::ApiError> ControlPlane::findScf(const std::string &name,
                                                   const std::string &namespaceName,
                                                   FunctionRecord &record) {
    auto found = m_store->function(name);
    if (!found || namespaceOf(found->latest) != namespaceName)
        return notFound(name, namespaceName);
    record = std::move(*found);
    return std::nullopt;
}

json ControlPlane::scfFunctionJson(const FunctionRecord &record,
                                   const lambda::FunctionConfiguration &config,
                                   const std::string &qualifier) const {
    const auto &latest = record.latest;
    const std::string ns = namespaceOf(latest);
    const std::string added = scf::scfTime(
        latest.scf && !latest.scf->addTime.empty() ? latest.scf->addTime : latest.lastModified);
    return json{{"FunctionName", config.functionName},
                {"FunctionId", scf::functionId(ns, config.functionName)},
                {"Namespace", ns},
                {"FunctionVersion", config.version},
                {"Qualifier", qualifier.empty() ? config.version : qualifier},
                {"Runtime", config.runtime},
                {"Handler", config.handler},
                {"Description", config.description},
                {"MemorySize", config.memorySize},
                {"Timeout", config.timeout},
                {"InitTimeout", config.scf ? config.scf->initTimeout : 65},
                {"CodeSize", config.codeSize},
                {"CodeInfo", ""},
                {"CodeResult", "success"},
                {"CodeError", ""},
                {"ErrNo", 0},
                {"Environment", {{"Variables", scf::variablesJson(config.environment)}}},
                {"Role", config.role},
                {"Type", config.scf ? config.scf->type : "Event"},
                {"Status", "Active"},
                {"StatusDesc", ""},
                {"StatusReasons", json::array()},
                {"AvailableStatus", "Available"},
                {"Triggers", json::array()},
                {"Tags", json::array()},
                {"Layers", json::array()},
                {"AddTime", added},
                {"ModTime", scf::scfTime(config.lastModified)},
                {"InstallDependency", "FALSE"},
                {"L5Enable", "FALSE"},
                {"AsyncRunEnable", "FALSE"},
                {"TraceEnable", "FALSE"},
                {"DnsCache", "FALSE"}};
}

std::optional<scf::ApiError> ControlPlane::scfAction(const ApiRequest &r, const std::string &action,
                                                     const json &body, const std::string &region,
                                                     json &out) {
    if (action == "CreateFunction") {
        scf::CreateFunctionRequest request;
        if (auto problem = scf::parse(body, request, scfLimits()))
            return problem;
        if (auto existing = m_store->function(request.functionName)) {
            const std::string ns = namespaceOf(existing->latest);
            return scf::ApiError{"ResourceInUse.Function",
                                 "The function '" + request.functionName + "' already exists" +
                                     (ns == request.namespaceName
                                          ? std::string()
                                          : " (in namespace '" + ns +
                                                "': the simulator keeps one function of a name "
                                                "across namespaces)")};
        }
        FunctionRecord record;
        auto &c = record.latest;
        lambda::ApiError error;
        const auto hex = storeCode(r, request.zipFile, c.codeSize, c.codeSha256, error);
        if (!hex)
            return scf::ApiError{"InvalidParameterValue.Code", error.message};
        const auto &s = request.settings;
        c.functionName = request.functionName;
        c.functionArn = arn(request.functionName);
        c.runtime = *s.runtime;
        c.handler = s.handler.value_or(c.runtime == "CustomRuntime" ? "scf_bootstrap" : "");
        c.role = s.role.value_or("");
        c.description = s.description.value_or("");
        c.timeout = s.timeout.value_or(3);
        c.memorySize = s.memorySize.value_or(128);
        c.environment = s.environment.value_or(lambda::Environment{});
        c.lastModified = lambda::lastModifiedNow();
        c.revisionId = newRequestId();
        lambda::FunctionConfiguration::Scf scf;
        scf.namespaceName = request.namespaceName;
        scf.type = request.type;
        scf.region = region.empty() ? "ap-guangzhou" : region; // SCF's SDKs' usual default
        scf.initTimeout = s.initTimeout.value_or(65);
        scf.addTime = c.lastModified;
        c.scf = scf;
        record.codeHex = *hex;
        if (!m_store->createFunction(record))
            return scf::ApiError{"ResourceInUse.Function",
                                 "The function '" + request.functionName + "' already exists"};
        m_simulator.platformEvent("deployed " + request.functionName + " through SCF's API (" +
                                  c.runtime + ", " + std::to_string(c.codeSize) + " bytes)");
        out = json::object();
        return std::nullopt;
    }
    if (action == "UpdateFunctionCode") {
        scf::UpdateFunctionCodeRequest request;
        if (auto problem = scf::parse(body, request))
            return problem;
        FunctionRecord record;
        if (auto problem = findScf(request.functionName, request.namespaceName, record))
            return problem;
        auto &c = record.latest;
        lambda::ApiError error;
        const auto hex = storeCode(r, request.zipFile, c.codeSize, c.codeSha256, error);
        if (!hex)
            return scf::ApiError{"InvalidParameterValue.ZipFile", error.message};
        if (request.handler)
            c.handler = *request.handler;
        c.lastModified = lambda::lastModifiedNow();
        c.revisionId = newRequestId();
        record.codeHex = *hex;
        m_store->updateFunction(record);
        m_simulator.platformEvent("updated the code of " + c.functionName + " through SCF's API (" +
                                  std::to_string(c.codeSize) + " bytes)");
        if (request.publish)
            publish(record, "");
        out = json::object();
        return std::nullopt;
    }
    if (action == "UpdateFunctionConfiguration") {
        scf::UpdateFunctionConfigurationRequest request;
        if (auto problem = scf::parse(body, request, scfLimits()))
            return problem;
        FunctionRecord record;
        if (auto problem = findScf(request.functionName, request.namespaceName, record))
            return problem;
        auto &c = record.latest;
        const auto &s = request.settings;
        if (s.runtime && *s.runtime != c.runtime)
            return scf::ApiError{"InvalidParameterValue.Runtime",
                                 "A function's Runtime is set when it is created (" + c.runtime +
                                     "); SCF does not change it"};
        if (s.handler)
            c.handler = *s.handler;
        if (s.description)
            c.description = *s.description;
        if (s.memorySize)
            c.memorySize = *s.memorySize;
        if (s.timeout)
            c.timeout = *s.timeout;
        if (s.environment)
            c.environment = *s.environment;
        if (s.role)
            c.role = *s.role;
        if (s.initTimeout) {
            if (!c.scf)
                c.scf = lambda::FunctionConfiguration::Scf{};
            c.scf->initTimeout = *s.initTimeout;
        }
        c.lastModified = lambda::lastModifiedNow();
        c.revisionId = newRequestId();
        m_store->updateFunction(record);
        if (request.publish)
            publish(record, "");
        out = json::object();
        return std::nullopt;
    }
    if (action == "ListFunctions") {
        scf::ListFunctionsRequest request;
        if (auto problem = scf::parse(body, request))
            return problem;
        std::vector<FunctionRecord> matching;
        for (auto &record : m_store->functions()) {
            const auto &c = record.latest;
            if (namespaceOf(c) != request.namespaceName)
                continue;
            if (!request.searchKey.empty() &&
                c.functionName.find(request.searchKey) == std::string::npos)
                continue;
            if (!request.description.empty() &&
                c.description.find(request.description) == std::string::npos)
                continue;
            matching.push_back(std::move(record));
        }
        auto key = [&](const FunctionRecord &f) {
            if (request.orderBy == "FunctionName")
                return f.latest.functionName;
            if (request.orderBy == "ModTime")
                return f.latest.lastModified;
            return f.latest.scf && !f.latest.scf->addTime.empty() ? f.latest.scf->addTime
                                                                  : f.latest.lastModified;
        };
        std::stable_sort(matching.begin(), matching.end(), [&](const auto &a, const auto &b) {
            return request.order == "ASC" ? key(a) < key(b) : key(b) < key(a);
        });
        json functions = json::array();
        for (std::size_t i = static_cast<std::size_t>(request.offset);
             i < matching.size() && functions.size() < static_cast<std::size_t>(request.limit);
             ++i) {
            json f = scfFunctionJson(matching[i], matching[i].latest, "$LATEST");
            functions.push_back({{"FunctionName", f["FunctionName"]},
                                 {"FunctionId", f["FunctionId"]},
                                 {"Namespace", f["Namespace"]},
                                 {"Runtime", f["Runtime"]},
                                 {"Description", f["Description"]},
                                 {"Status", "Active"},
                                 {"StatusDesc", ""},
                                 {"StatusReasons", json::array()},
                                 {"Type", f["Type"]},
                                 {"Tags", json::array()},
                                 {"AddTime", f["AddTime"]},
                                 {"ModTime", f["ModTime"]},
                                 {"AsyncRunEnable", "FALSE"},
                                 {"TraceEnable", "FALSE"}});
        }
        out = {{"Functions", functions}, {"TotalCount", matching.size()}};
        return std::nullopt;
    }
    if (action == "GetFunctionLogs")
        return scfFunctionLogs(body, out);

    scf::FunctionRequest request;
    if (action == "CreateAlias" || action == "UpdateAlias" || action == "GetAlias" ||
        action == "DeleteAlias")
        return scfAlias(body, action, out);
    if (auto problem = scf::parse(body, action, request))
        return problem;
    FunctionRecord record;
    if (auto problem = findScf(request.functionName, request.namespaceName, record)) {
        // GetFunction names the missing function by its own code, which tools that deploy
        // to SCF test for to tell "create" from "update".
        if (action == "GetFunction")
            problem->code = "ResourceNotFound.FunctionName";
        return problem;
    }
    const std::string &fn = record.latest.functionName;
    if (action == "GetFunction") {
        lambda::FunctionConfiguration config = record.latest;
        std::string qualifier = request.qualifier == "$DEFAULT" ? "" : request.qualifier;
        std::string version = qualifier.empty() ? "$LATEST" : qualifier;
        if (!lambda::isVersion(version)) {
            const auto alias = m_store->alias(fn, version);
            if (!alias)
                return scf::ApiError{"ResourceNotFound.Alias",
                                     "The function '" + fn + "' has no alias '" + version + "'"};
            version = alias->functionVersion;
        }
        if (version != "$LATEST") {
            const auto v = m_store->version(fn, std::stoi(version));
            if (!v)
                return scf::ApiError{"ResourceNotFound.Version",
                                     "The function '" + fn + "' has no version " + version};
            config = v->config;
        }
        out = scfFunctionJson(record, config, qualifier.empty() ? "$LATEST" : qualifier);
        return std::nullopt;
    }
    if (action == "DeleteFunction") {
        if (request.qualifier.empty()) {
            m_store->deleteFunction(fn);
            m_deployed->retire(fn);
            m_simulator.platformEvent("deleted " + fn + " through SCF's API");
            out = json::object();
            return std::nullopt;
        }
        if (!lambda::isVersion(request.qualifier) || request.qualifier == "$LATEST")
            return scf::ApiError{"InvalidParameterValue.Qualifier",
                                 "DeleteFunction's Qualifier names a published version to delete; "
                                 "'" +
                                     request.qualifier + "' is not one"};
        if (!m_store->version(fn, std::stoi(request.qualifier)))
            return scf::ApiError{"ResourceNotFound.Version",
                                 "The function '" + fn + "' has no version " + request.qualifier};
        for (const auto &alias : m_store->aliases(fn))
            if (alias.functionVersion == request.qualifier ||
                alias.weights.count(request.qualifier))
                return scf::ApiError{"ResourceInUse.Alias",
                                     "Version " + request.qualifier + " is used by the alias '" +
                                         alias.name + "'; change or delete the alias first"};
        m_store->deleteVersion(fn, std::stoi(request.qualifier));
        m_deployed->retire(fn, request.qualifier);
        out = json::object();
        return std::nullopt;
    }
    if (action == "PublishVersion") {
        const auto config = publish(record, request.description);
        out = {{"FunctionVersion", config.version}, {"CodeSize", config.codeSize},
               {"MemorySize", config.memorySize},   {"Description", config.description},
               {"Handler", config.handler},         {"Timeout", config.timeout},
               {"Runtime", config.runtime},         {"Namespace", namespaceOf(record.latest)}};
        return std::nullopt;
    }
    if (action == "ListVersionByFunction") {
        std::vector<lambda::FunctionConfiguration> all{record.latest};
        for (const auto &v : m_store->versions(fn))
            all.push_back(v.config);
        if (request.order == "DESC")
            std::reverse(all.begin() + 1, all.end()); // $LATEST first, then the newest
        json names = json::array(), versions = json::array();
        for (std::size_t i = static_cast<std::size_t>(request.offset);
             i < all.size() && versions.size() < static_cast<std::size_t>(request.limit); ++i) {
            names.push_back(all[i].version);
            versions.push_back({{"Version", all[i].version},
                                {"Description", all[i].description},
                                {"AddTime", scf::scfTime(all[i].lastModified)},
                                {"ModTime", scf::scfTime(all[i].lastModified)},
                                {"Status", "Active"}});
        }
        out = {{"FunctionVersion", names}, {"Versions", versions}, {"TotalCount", all.size()}};
        return std::nullopt;
    }
    if (action == "ListAliases") {
        json aliases = json::array();
        std::size_t total = 0;
        for (const auto &alias : m_store->aliases(fn)) {
            if (!request.functionVersion.empty() &&
                alias.functionVersion != request.functionVersion)
                continue;
            if (total++ < static_cast<std::size_t>(request.offset) ||
                aliases.size() >= static_cast<std::size_t>(request.limit))
                continue;
            aliases.push_back(scfAliasJson(alias));
        }
        out = {{"Aliases", aliases}, {"TotalCount", total}};
        return std::nullopt;
    }
    return scf::ApiError{"InvalidAction", "The action '" + action + "' is not served here"};
}

json ControlPlane::scfAliasJson(const lambda::AliasConfiguration &alias) {
    json weights = json::array();
    for (const auto &[version, weight] : alias.weights)
        weights.push_back({{"Version", version}, {"Weight", weight}});
    // The store keeps no times for aliases; their revision is their identity here.
    return json{{"Name", alias.name},
                {"FunctionVersion", alias.functionVersion},
                {"Description", alias.description},
                {"RoutingConfig",
                 {{"AdditionalVersionWeights", weights}, {"AddtionVersionMatchs", json::array()}}}};
}

std::optional<scf::ApiError> ControlPlane::scfAlias(const json &body, const std::string &action,
                                                    json &out) {
    scf::AliasRequest request;
    if (auto problem = scf::parse(body, action, request))
        return problem;
    FunctionRecord record;
    if (auto problem = findScf(request.functionName, request.namespaceName, record))
        return problem;
    const std::string &fn = record.latest.functionName;
    auto existing = m_store->alias(fn, request.name);
    if (action == "CreateAlias" && existing)
        return scf::ApiError{"ResourceInUse.Alias", "The function '" + fn +
                                                        "' already has an alias '" + request.name +
                                                        "'"};
    if (action != "CreateAlias" && !existing)
        return scf::ApiError{"ResourceNotFound.Alias",
                             "The function '" + fn + "' has no alias '" + request.name + "'"};
    if (action == "GetAlias") {
        json alias = scfAliasJson(*existing);
        const std::string time = scf::scfTime(record.latest.lastModified);
        alias["AddTime"] = time;
        alias["ModTime"] = time;
        out = std::move(alias);
        return std::nullopt;
    }
    if (action == "DeleteAlias") {
        m_store->deleteAlias(fn, request.name);
        out = json::object();
        return std::nullopt;
    }
    lambda::AliasConfiguration alias = existing.value_or(
        lambda::AliasConfiguration{arn(fn, request.name), request.name, "", "", {}, ""});
    alias.functionVersion = *request.functionVersion;
    if (request.description)
        alias.description = *request.description;
    if (request.weights)
        alias.weights = *request.weights;
    else if (action == "UpdateAlias")
        alias.weights.clear(); // UpdateAlias without RoutingConfig routes everything to one version
    auto exists = [&](const std::string &v) {
        return v == "$LATEST" || m_store->version(fn, std::stoi(v)).has_value();
    };
    if (!exists(alias.functionVersion))
        return scf::ApiError{"ResourceNotFound.Version",
                             "The function '" + fn + "' has no version " + alias.functionVersion +
                                 "; publish it first"};
    for (const auto &[version, weight] : alias.weights) {
        if (!exists(version))
            return scf::ApiError{"ResourceNotFound.Version",
                                 "RoutingConfig names version " + version +
                                     ", which the function '" + fn + "' does not have"};
        if (version == alias.functionVersion)
            return scf::ApiError{"InvalidParameterValue.RoutingConfig",
                                 "The additional version " + version +
                                     " is the alias's main version; name another one"};
    }
    alias.revisionId = newRequestId();
    m_store->putAlias(fn, alias);
    out = json::object();
    return std::nullopt;
}

void ControlPlane::scfInvoke(const json &body, const std::string &action,
                             const std::string &requestId, net::Responder &responder) {
    auto fail = [&](const scf::ApiError &error) {
        responder(scfAnswer(scf::errorResponse(error, requestId)));
    };
    scf::InvokeRequest request;
    if (auto problem = scf::parse(body, action, request)) {
        fail(*problem);
        return;
    }
    FunctionRecord record;
    if (auto problem = findScf(request.functionName, request.namespaceName, record)) {
        // Not deployed: a function of the project's Tencent manifest, run from the working
        // tree by its SCF name (the dev loop's $LATEST), as Lambda's Invoke does.
        const manifest::Function *local = m_simulator.findFunction(request.functionName);
        const bool ours = local && manifest::isScf(m_simulator.manifest().dialect) &&
                          local->namespaceName == request.namespaceName &&
                          local->kind == manifest::FunctionKind::Event &&
                          (request.qualifier.empty() || request.qualifier == "$LATEST");
        std::string why;
        if (!ours) {
            fail(*problem);
            return;
        }
        if (!m_simulator.canInvoke(local->name, why)) {
            fail({"FailedOperation.FunctionStatusError", why});
            return;
        }
    } else if (record.latest.scf && record.latest.scf->type == "HTTP") {
        fail({"UnsupportedOperation",
              "'" + request.functionName +
                  "' is a web function (Type HTTP): call it over HTTP, not with " + action});
        return;
    }
    lambda::ApiError error;
    auto target = resolveTarget(request.functionName, request.qualifier, error);
    if (!target) {
        fail(error.type == "ResourceNotFoundException"
                 ? scf::ApiError{lambda::isVersion(request.qualifier) ? "ResourceNotFound.Version"
                                                                      : "ResourceNotFound.Alias",
                                 "The function '" + request.functionName +
                                     "' has no version or "
                                     "alias '" +
                                     request.qualifier + "'"}
                 : fromLambda(error));
        return;
    }
    if (request.async) {
        // On disk before the caller hears: accepted means it will run (with retries).
        QueuedEvent event;
        event.requestId = newRequestId();
        event.function = target->name;
        event.qualifier = request.qualifier;
        event.payload = request.event;
        event.nextAttemptMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        event.createdMs = event.nextAttemptMs;
        m_queue->enqueue(event);
        scheduleQueue();
        scf::Outcome accepted;
        accepted.requestId = event.requestId;
        // (Nothing ran yet: the figures are zero and the texts empty, as SCF answers.)
        responder(
            scfAnswer(scf::response({{"Result", scf::invokeResult(accepted, 0)}}, requestId)));
        return;
    }
    InvocationRequest invocation;
    invocation.payload = request.event;
    invocation.trigger = "invoke";
    auto shared = std::make_shared<net::Responder>(std::move(responder));
    const bool tail = request.tail;
    run(*target, std::move(invocation), [shared, tail, requestId](InvocationResult result) {
        if (result.throttled) {
            (*shared)(scfAnswer(scf::errorResponse(
                {"RequestLimitExceeded", "The function is running as many invocations as its "
                                         "concurrency allows; try again"},
                requestId)));
            return;
        }
        scf::Outcome outcome;
        outcome.requestId = result.requestId;
        outcome.payload = result.payload;
        outcome.functionError = result.functionError;
        outcome.errorType = result.errorType;
        outcome.durationMs = result.durationMs;
        outcome.billedDurationMs = result.billedDurationMs;
        outcome.memUsageBytes = static_cast<long long>(result.maxMemoryUsedMb) * 1024 * 1024;
        outcome.log = result.log;
        (*shared)(scfAnswer(scf::response(
            {{"Result", scf::invokeResult(outcome, tail ? kScfLogTailBytes : 0)}}, requestId)));
    });
}

std::optional<scf::ApiError> ControlPlane::scfFunctionLogs(const json &body, json &out) {
    scf::FunctionRequest request;
    if (auto problem = scf::parse(body, "GetFunctionLogs", request))
        return problem;
    if (!request.functionName.empty()) {
        FunctionRecord record;
        if (auto problem = findScf(request.functionName, request.namespaceName, record))
            return problem;
    }
    const long long nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    long long startMs = nowMs - 24LL * 3600 * 1000, endMs = nowMs;
    for (const auto &[field, into] : {std::pair<const char *, long long *>{"StartTime", &startMs},
                                      std::pair<const char *, long long *>{"EndTime", &endMs}}) {
        if (!body.contains(field) || body[field].is_null())
            continue;
        const auto parsed =
            body[field].is_string() ? parseScfTime(body[field].get<std::string>()) : std::nullopt;
        if (!parsed)
            return scf::ApiError{"InvalidParameterValue." + std::string(field),
                                 std::string(field) + " must be written as 2017-05-16 20:00:00"};
        *into = *parsed;
    }
    std::vector<metrics::Invocation> matching;
    for (auto &invocation : m_metrics->since(startMs, request.functionName)) {
        if (invocation.startMs > endMs)
            continue;
        if (!request.requestId.empty() && invocation.requestId != request.requestId)
            continue;
        if (!request.qualifier.empty() && invocation.qualifier != request.qualifier)
            continue;
        const bool ok = invocation.outcome == metrics::Outcome::Success;
        if ((request.retCode == "is0" && !ok) || (request.retCode == "not0" && ok))
            continue;
        matching.push_back(std::move(invocation));
    }
    if (request.order == "DESC")
        std::reverse(matching.begin(), matching.end());
    json data = json::array();
    for (std::size_t i = static_cast<std::size_t>(request.offset);
         i < matching.size() && data.size() < static_cast<std::size_t>(request.limit); ++i) {
        const auto &inv = matching[i];
        // The invocation's lines: from its START line to its Report line.
        std::string log;
        bool inside = false;
        const long long windowEnd = inv.startMs + static_cast<long long>(inv.durationMs) + 5000;
        for (const auto &line : m_logs->filter("/aws/lambda/" + inv.function, inv.startMs - 2000,
                                               windowEnd, "", 0, 5000)) {
            if (!inside && line.message.find("START RequestId: " + inv.requestId) == 0)
                inside = true;
            if (!inside)
                continue;
            log += line.message + "\n";
            if (line.message.find(inv.requestId) != std::string::npos &&
                (line.message.rfind("Report ", 0) == 0 || line.message.rfind("REPORT ", 0) == 0))
                break;
        }
        scf::Outcome outcome;
        outcome.functionError = inv.outcome != metrics::Outcome::Success;
        outcome.errorType = inv.errorType;
        const int status = scf::statusCode(outcome);
        data.push_back({{"FunctionName", inv.function},
                        {"RetMsg", status == 200 ? "" : inv.errorType},
                        {"RequestId", inv.requestId},
                        {"StartTime", scfTimeOfMs(inv.startMs)},
                        {"RetCode", status == 200 ? 0 : status},
                        {"InvokeFinished", 1},
                        {"Duration", inv.durationMs},
                        {"BillDuration", static_cast<long long>(inv.billedDurationMs)},
                        {"MemUsage", static_cast<long long>(inv.maxMemoryUsedMb) * 1024 * 1024},
                        {"Log", log},
                        {"Level", ""},
                        {"Source", ""},
                        {"RetryNum", 0}});
    }
    out = {{"TotalCount", matching.size()}, {"Data", data}, {"SearchContext", json::object()}};
    return std::nullopt;
}

} // namespace nimbus::sim
