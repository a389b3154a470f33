// The control plane's function management: create, read, update, delete, code, versions,
// aliases, concurrency and tags, with Lambda's status codes, shapes and error types.
#include "../simulator/simulator.h"
#include "controlplane.h"
#include "listpage.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/net/base64.h"
#include "nimbus/packaging/packager.h"
#include "nimbus/packaging/ziparchive.h"

#include <algorithm>
#include <openssl/crypto.h>
#include <unistd.h>

namespace nimbus::sim {

using nlohmann::json;

namespace {

std::optional<json> parseBody(const std::string &body, lambda::ApiError &error) {
    if (body.empty())
        return json::object();
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        error = lambda::invalidRequestContent(
            "Could not parse request body into json: the body is not valid JSON");
        return std::nullopt;
    }
    return parsed;
}

// Decodes, inspects and hashes an uploaded package (safe on any thread).
std::optional<lambda::ApiError> examineCode(const std::string &base64, std::string &zip,
                                            std::string &hex, long long &size,
                                            std::string &sha256Base64) {
    auto decoded = net::base64Decode(base64);
    if (!decoded)
        return lambda::invalidParameter("Could not unzip uploaded file. Please check your file, "
                                        "then try to upload again. (ZipFile is not base64)");
    std::string why;
    if (!packaging::inspectZip(*decoded, packaging::ZipLimits{}, why))
        return lambda::invalidParameter(why);
    zip = std::move(*decoded);
    hex = packaging::sha256Hex(zip);
    size = static_cast<long long>(zip.size());
    sha256Base64 = packaging::sha256Base64(zip);
    return std::nullopt;
}

bool sameSettings(const lambda::FunctionConfiguration &a, const lambda::FunctionConfiguration &b) {
    return a.runtime == b.runtime && a.handler == b.handler && a.role == b.role &&
           a.timeout == b.timeout && a.memorySize == b.memorySize &&
           a.environment == b.environment && a.deadLetterTarget == b.deadLetterTarget &&
           a.codeSha256 == b.codeSha256 && a.layers == b.layers;
}

lambda::ApiError revisionMismatch() {
    return lambda::preconditionFailed("The Revision Id provided does not match the latest "
                                      "Revision Id. Call the GetFunction/GetAlias API to retrieve "
                                      "the latest Revision Id");
}

} // namespace

const lambda::Limits &lambdaLimits() {
    static const lambda::Limits value = [] {
        lambda::Limits l;
        const auto &doc = manifest::ManifestSchema::builtin().document();
        for (const auto &runtime : doc["definitions"]["runtime"]["enum"]) {
            const auto name = runtime.get<std::string>();
            if (manifest::runtimeFamily(name) != manifest::RuntimeFamily::Unknown)
                l.runtimes.push_back(name);
        }
        return l;
    }();
    return value;
}

std::optional<FunctionRecord> ControlPlane::findFunction(const std::string &pathName,
                                                         std::string &qualifier,
                                                         net::Response &notFound) {
    const auto ref = lambda::parseFunctionRef(pathName);
    if (!ref) {
        notFound = lambdaError(lambda::constraintError(
            pathName, "functionName",
            "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]"
            "{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|"
            "[a-zA-Z0-9-_]+))?"));
        return std::nullopt;
    }
    if (!ref->qualifier.empty()) {
        if (!qualifier.empty() && qualifier != ref->qualifier) {
            notFound = lambdaError(lambda::invalidParameter(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."));
            return std::nullopt;
        }
        qualifier = ref->qualifier;
    }
    auto record = m_store->function(ref->name);
    if (!record)
        notFound = lambdaError(lambda::resourceNotFound(
            "Function not found: " + arn(ref->name, qualifier)));
    return record;
}

namespace {
// Operations on the function as a whole take an unqualified name, as on Lambda.
std::optional<net::Response> refuseQualifier(const std::string &qualifier, const char *what) {
    if (qualifier.empty())
        return std::nullopt;
    return lambdaError(lambda::invalidParameter(std::string(what) +
                                                " takes an unqualified function name, not one "
                                                "with ':" + qualifier + "'"));
}
} // namespace

std::optional<net::Response> ControlPlane::readBody(const ApiRequest &r, nlohmann::json &body) {
    if (r.prepared.bodyError)
        return lambdaError(*r.prepared.bodyError);
    if (r.prepared.body) {
        body = std::move(*r.prepared.body);
        return std::nullopt;
    }
    lambda::ApiError error;
    auto parsed = parseBody(r.body, error);
    if (!parsed)
        return lambdaError(error);
    body = std::move(*parsed);
    return std::nullopt;
}

std::optional<net::Response> ControlPlane::findUnqualified(const std::string &name,
                                                           const char *operation,
                                                           FunctionRecord &record) {
    std::string qualifier;
    net::Response notFound;
    auto found = findFunction(name, qualifier, notFound);
    if (!found)
        return notFound;
    if (auto refused = refuseQualifier(qualifier, operation))
        return refused;
    record = std::move(*found);
    return std::nullopt;
}

void PreparedRequest::Code::discard() {
    if (!staged.empty())
        ::unlink(staged.c_str());
    staged.clear();
}

PreparedRequest::Code::~Code() {
    discard();
}

void ControlPlane::prepare(ApiRequest &r) const {
    const std::string service = serviceOf(*r.http);
    r.prepared.refused =
        service == "scf" ? authenticateScf(*r.http) : authenticate(*r.http, service);
    r.prepared.authenticated = true;
    // (SQS and S3 read their own bodies.)
    if (r.prepared.refused || (service != "lambda" && service != "scf"))
        return;
    lambda::ApiError error;
    auto parsed = parseBody(r.body, error);
    if (!parsed) {
        r.prepared.bodyError = error;
        return;
    }
    // CreateFunction has Code.ZipFile, PublishLayerVersion Content.ZipFile, UpdateFunctionCode
    // ZipFile.
    const bool layer = r.steps.size() >= 2 && r.steps[0] == "2018-10-31" && r.steps[1] == "layers";
    const char *container = layer ? "Content" : "Code";
    json *holder =
        parsed->is_object() && parsed->contains(container) ? &(*parsed)[container] : &*parsed;
    if (holder->is_object() && holder->contains("ZipFile") && (*holder)["ZipFile"].is_string()) {
        auto code = std::make_shared<PreparedRequest::Code>();
        std::string zip;
        code->error = examineCode((*holder)["ZipFile"].get_ref<const std::string &>(), zip,
                                  code->hex, code->size, code->sha256Base64);
        if (!code->error) {
            try {
                code->staged = m_store->stageCode(code->hex, zip);
            } catch (const StoreError &e) {
                code->error = lambda::serviceError(std::string("the store failed: ") + e.what());
            }
        }
        r.prepared.code = std::move(code);
        // storeCode takes the prepared package: the handler need not copy the base64 again.
        (*holder)["ZipFile"] = "(prepared)";
    }
    r.prepared.body = std::make_shared<json>(std::move(*parsed));
}

std::optional<std::string> ControlPlane::storeCode(const ApiRequest &r, const std::string &base64,
                                                   long long &size, std::string &sha256Base64,
                                                   lambda::ApiError &error, bool store) {
    if (const auto &code = r.prepared.code) {
        if (code->error) {
            error = *code->error;
            return std::nullopt;
        }
        if (store) {
            m_store->commitCode(code->hex, code->staged); // (renamed, or removed)
            code->staged.clear();
        } else {
            code->discard();
        }
        size = code->size;
        sha256Base64 = code->sha256Base64;
        return code->hex;
    }
    std::string zip, hex;
    if (auto problem = examineCode(base64, zip, hex, size, sha256Base64)) {
        error = *problem;
        return std::nullopt;
    }
    if (store)
        m_store->putCode(hex, zip);
    return hex;
}

std::string ControlPlane::codeUrl(const std::string &hex) const {
    const std::string token = packaging::sha256Hex(m_credentials.secretAccessKey + hex).substr(0, 32);
    return m_simulator.controlPlaneUrl() + "/_nimbus/code/" + hex + "?token=" + token;
}

net::Response ControlPlane::codeDownload(const ApiRequest &request, const std::string &hex) {
    // A package is named by its SHA-256 and nothing else: never a path of any other shape.
    const bool isDigest = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                          });
    const std::string token = packaging::sha256Hex(m_credentials.secretAccessKey + hex).substr(0, 32);
    const std::string given = request.param("token");
    if (!isDigest || given.size() != token.size() ||
        CRYPTO_memcmp(given.data(), token.data(), token.size()) != 0)
        return lambdaError(403, "AccessDeniedException", "the package link is not valid");
    const auto zip = m_store->readCode(hex);
    if (!zip)
        return lambdaError(lambda::resourceNotFound("no package " + hex));
    return net::makeResponse(200, *zip, "application/zip");
}

net::Response ControlPlane::createFunction(const ApiRequest &r) {
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::CreateFunctionRequest request;
    if (auto problem = lambda::parse(body, request, lambdaLimits()))
        return lambdaError(*problem);
    if (m_store->function(request.functionName))
        return lambdaError(lambda::resourceConflict("Function already exist: " +
                                                    request.functionName));
    FunctionRecord record;
    auto &c = record.latest;
    if (request.settings.layers)
        if (auto problem = resolveLayers(*request.settings.layers, c.layers))
            return lambdaError(*problem);
    lambda::ApiError error;
    const auto hex = storeCode(r, request.zipFileBase64, c.codeSize, c.codeSha256, error);
    if (!hex)
        return lambdaError(error);
    const auto &s = request.settings;
    c.functionName = request.functionName;
    c.functionArn = arn(request.functionName);
    c.runtime = *s.runtime;
    c.role = *s.role;
    c.handler = *s.handler;
    c.description = s.description.value_or("");
    c.timeout = s.timeout.value_or(3);
    c.memorySize = s.memorySize.value_or(128);
    c.environment = s.environment.value_or(lambda::Environment{});
    if (s.deadLetterTarget && !s.deadLetterTarget->empty())
        c.deadLetterTarget = s.deadLetterTarget;
    c.lastModified = lambda::lastModifiedNow();
    c.revisionId = newRequestId();
    record.codeHex = *hex;
    record.tags = request.tags;
    if (!m_store->createFunction(record))
        return lambdaError(lambda::resourceConflict("Function already exist: " +
                                                    request.functionName));
    m_simulator.platformEvent("deployed " + request.functionName + " (" + c.runtime + ", " +
                              std::to_string(c.codeSize) + " bytes)");
    if (request.publish)
        return apiResponse(201, lambda::toJson(publish(record, "")));
    return apiResponse(201, lambda::toJson(c));
}

net::Response ControlPlane::listFunctions(const ApiRequest &r) {
    std::vector<lambda::FunctionConfiguration> all;
    const bool everyVersion = r.param("FunctionVersion") == "ALL";
    for (const auto &record : m_store->functions()) {
        all.push_back(record.latest);
        if (everyVersion) {
            all.back().functionArn = arn(record.latest.functionName, "$LATEST");
            for (const auto &v : m_store->versions(record.latest.functionName))
                all.push_back(v.config);
        }
    }
    return apiResponse(200,
                       listPage<lambda::FunctionConfiguration>(
                           all, r, "Functions", [](const auto &c) { return lambda::toJson(c); }));
}

net::Response ControlPlane::getFunction(const ApiRequest &r, const std::string &name, bool whole) {
    std::string qualifier = r.param("Qualifier");
    net::Response notFound;
    auto record = findFunction(name, qualifier, notFound);
    if (!record)
        return notFound;
    lambda::FunctionConfiguration config = record->latest;
    std::string hex = record->codeHex;
    if (!qualifier.empty() && qualifier != "$LATEST") {
        std::string version = qualifier;
        if (!lambda::isVersion(qualifier)) {
            const auto alias = m_store->alias(config.functionName, qualifier);
            if (!alias)
                return lambdaError(lambda::resourceNotFound(
                    "Function not found: " + arn(config.functionName, qualifier)));
            version = alias->functionVersion;
        }
        if (version != "$LATEST") {
            const auto v = m_store->version(config.functionName, std::stoi(version));
            if (!v)
                return lambdaError(lambda::resourceNotFound(
                    "Function not found: " + arn(config.functionName, qualifier)));
            config = v->config;
            hex = v->codeHex;
        }
        config.functionArn = arn(config.functionName, qualifier);
    } else if (qualifier == "$LATEST") {
        config.functionArn = arn(config.functionName, "$LATEST");
    }
    if (!whole)
        return apiResponse(200, lambda::toJson(config));
    json out{{"Configuration", lambda::toJson(config)},
             {"Code", {{"RepositoryType", "S3"}, {"Location", codeUrl(hex)}}},
             {"Tags", record->tags}};
    if (record->reservedConcurrency)
        out["Concurrency"] = {{"ReservedConcurrentExecutions", *record->reservedConcurrency}};
    return apiResponse(200, out);
}

net::Response ControlPlane::deleteFunction(const ApiRequest &r, const std::string &name) {
    std::string qualifier = r.param("Qualifier");
    net::Response notFound;
    auto record = findFunction(name, qualifier, notFound);
    if (!record)
        return notFound;
    const std::string &fn = record->latest.functionName;
    if (qualifier.empty()) {
        m_store->deleteFunction(fn);
        m_deployed->retire(fn);
        m_simulator.platformEvent("deleted " + fn);
        return apiResponse(204, json());
    }
    if (qualifier == "$LATEST")
        return lambdaError(lambda::invalidParameter(
            "$LATEST version cannot be deleted without deleting the function."));
    if (!lambda::isVersion(qualifier))
        return lambdaError(lambda::invalidParameter(
            "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias"));
    if (!m_store->version(fn, std::stoi(qualifier)))
        return lambdaError(lambda::resourceNotFound("Function not found: " + arn(fn, qualifier)));
    std::vector<std::string> users;
    for (const auto &alias : m_store->aliases(fn)) {
        if (alias.functionVersion == qualifier || alias.weights.count(qualifier))
            users.push_back(alias.aliasArn);
    }
    if (!users.empty()) {
        std::string list;
        for (const auto &u : users)
            list += (list.empty() ? "" : ", ") + u;
        return lambdaError(lambda::resourceConflict(
            "Unable to delete version because the following aliases reference it: [" + list + "]"));
    }
    m_store->deleteVersion(fn, std::stoi(qualifier));
    m_deployed->retire(fn, qualifier);
    return apiResponse(204, json());
}

net::Response ControlPlane::updateCode(const ApiRequest &r, const std::string &name) {
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::UpdateFunctionCodeRequest request;
    if (auto problem = lambda::parse(body, request))
        return lambdaError(*problem);
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "UpdateFunctionCode", record))
        return *refused;
    lambda::ApiError error;
    if (request.revisionId && *request.revisionId != record.latest.revisionId)
        return lambdaError(revisionMismatch());
    lambda::FunctionConfiguration updated = record.latest;
    const auto hex = storeCode(r, request.zipFileBase64, updated.codeSize, updated.codeSha256,
                               error, !request.dryRun);
    if (!hex)
        return lambdaError(error);
    if (request.dryRun)
        return apiResponse(200, lambda::toJson(updated));
    updated.lastModified = lambda::lastModifiedNow();
    updated.revisionId = newRequestId();
    record.latest = updated;
    record.codeHex = *hex;
    m_store->updateFunction(record);
    m_simulator.platformEvent("updated the code of " + updated.functionName + " (" +
                              std::to_string(updated.codeSize) + " bytes)");
    if (request.publish)
        return apiResponse(200, lambda::toJson(publish(record, "")));
    return apiResponse(200, lambda::toJson(updated));
}

net::Response ControlPlane::updateConfiguration(const ApiRequest &r, const std::string &name) {
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::UpdateFunctionConfigurationRequest request;
    if (auto problem = lambda::parse(body, request, lambdaLimits()))
        return lambdaError(*problem);
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "UpdateFunctionConfiguration", record))
        return *refused;
    if (request.revisionId && *request.revisionId != record.latest.revisionId)
        return lambdaError(revisionMismatch());
    auto &c = record.latest;
    const auto &s = request.settings;
    if (s.role)
        c.role = *s.role;
    if (s.handler)
        c.handler = *s.handler;
    if (s.runtime)
        c.runtime = *s.runtime;
    if (s.description)
        c.description = *s.description;
    if (s.timeout)
        c.timeout = *s.timeout;
    if (s.memorySize)
        c.memorySize = *s.memorySize;
    if (s.environment)
        c.environment = *s.environment;
    if (s.deadLetterTarget)
        c.deadLetterTarget = s.deadLetterTarget->empty() ? std::nullopt : s.deadLetterTarget;
    if (s.layers) {
        std::vector<lambda::FunctionLayer> layers;
        if (auto problem = resolveLayers(*s.layers, layers))
            return lambdaError(*problem);
        c.layers = std::move(layers);
    }
    c.lastModified = lambda::lastModifiedNow();
    c.revisionId = newRequestId();
    m_store->updateFunction(record);
    return apiResponse(200, lambda::toJson(c));
}

lambda::FunctionConfiguration ControlPlane::publish(FunctionRecord &record,
                                                    const std::string &description) {
    const std::string &fn = record.latest.functionName;
    const auto versions = m_store->versions(fn);
    // Nothing changed since the last version: that version is the answer, as on Lambda.
    if (!versions.empty() && versions.back().codeHex == record.codeHex &&
        sameSettings(versions.back().config, record.latest) &&
        (description.empty() || description == versions.back().config.description))
        return versions.back().config;
    VersionRecord version{record.latest, record.codeHex};
    const int number = record.lastVersion + 1;
    version.config.version = std::to_string(number);
    version.config.functionArn = arn(fn, version.config.version);
    if (!description.empty())
        version.config.description = description;
    version.config.lastModified = lambda::lastModifiedNow();
    version.config.revisionId = newRequestId();
    m_store->addVersion(fn, version);
    record.lastVersion = number;
    m_simulator.platformEvent("published " + fn + " version " + version.config.version);
    return version.config;
}

net::Response ControlPlane::publishVersion(const ApiRequest &r, const std::string &name) {
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::PublishVersionRequest request;
    if (auto problem = lambda::parse(body, request))
        return lambdaError(*problem);
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "PublishVersion", record))
        return *refused;
    if (request.codeSha256 && *request.codeSha256 != record.latest.codeSha256)
        return lambdaError(lambda::invalidParameter(
            "CodeSHA256 (" + *request.codeSha256 +
            ") is different from current CodeSHA256 in $LATEST (" + record.latest.codeSha256 +
            "). Please try again with the CodeSHA256 in $LATEST."));
    if (request.revisionId && *request.revisionId != record.latest.revisionId)
        return lambdaError(revisionMismatch());
    return apiResponse(201, lambda::toJson(publish(record, request.description.value_or(""))));
}

net::Response ControlPlane::listVersions(const ApiRequest &r, const std::string &name) {
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "ListVersionsByFunction", record))
        return *refused;
    std::vector<lambda::FunctionConfiguration> all{record.latest};
    all.front().functionArn = arn(record.latest.functionName, "$LATEST");
    for (const auto &v : m_store->versions(record.latest.functionName))
        all.push_back(v.config);
    return apiResponse(200,
                       listPage<lambda::FunctionConfiguration>(
                           all, r, "Versions", [](const auto &c) { return lambda::toJson(c); }));
}

namespace {
// The alias's versions must exist; weights go to other versions than the primary one.
std::optional<lambda::ApiError> checkAliasVersions(FunctionStore &store, const std::string &fn,
                                                   const std::string &functionArn,
                                                   const std::string &primary,
                                                   const lambda::VersionWeights &weights) {
    auto exists = [&](const std::string &v) {
        return v == "$LATEST" || store.version(fn, std::stoi(v)).has_value();
    };
    if (!exists(primary))
        return lambda::resourceNotFound("Function not found: " + functionArn + ":" + primary);
    for (const auto &[version, weight] : weights) {
        if (!exists(version))
            return lambda::resourceNotFound("Function not found: " + functionArn + ":" + version);
        if (version == primary)
            return lambda::invalidParameter("Invalid function version " + version +
                                            ". Function version " + version +
                                            " is already included in the primary version.");
        if (primary == "$LATEST")
            return lambda::invalidParameter(
                "$LATEST is not supported for an alias pointing to more than 1 version");
    }
    return std::nullopt;
}
} // namespace

net::Response ControlPlane::createAlias(const ApiRequest &r, const std::string &name) {
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::AliasRequest request;
    if (auto problem = lambda::parse(body, request, true))
        return lambdaError(*problem);
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "CreateAlias", record))
        return *refused;
    const std::string &fn = record.latest.functionName;
    if (m_store->alias(fn, request.name))
        return lambdaError(lambda::resourceConflict("Alias already exists: " +
                                                    arn(fn, request.name)));
    const auto weights = request.weights.value_or(lambda::VersionWeights{});
    if (auto problem =
            checkAliasVersions(*m_store, fn, arn(fn), *request.functionVersion, weights))
        return lambdaError(*problem);
    lambda::AliasConfiguration alias{arn(fn, request.name), request.name, *request.functionVersion,
                                     request.description.value_or(""), weights, newRequestId()};
    m_store->putAlias(fn, alias);
    return apiResponse(201, lambda::toJson(alias));
}

net::Response ControlPlane::aliasRequest(const ApiRequest &r, const std::string &name,
                                         const std::string &aliasName) {
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "An alias request", record))
        return *refused;
    const std::string &fn = record.latest.functionName;
    auto alias = m_store->alias(fn, aliasName);
    if (!alias)
        return lambdaError(
            lambda::resourceNotFound("Cannot find alias arn: " + arn(fn, aliasName)));
    if (r.method == "GET")
        return apiResponse(200, lambda::toJson(*alias));
    if (r.method == "DELETE") {
        m_store->deleteAlias(fn, aliasName);
        return apiResponse(204, json());
    }
    if (r.method != "PUT")
        return lambdaError(lambda::unknownOperation("Unknown operation " + r.method + " on an alias"));
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::AliasRequest request;
    if (auto problem = lambda::parse(body, request, false))
        return lambdaError(*problem);
    if (request.revisionId && *request.revisionId != alias->revisionId)
        return lambdaError(revisionMismatch());
    if (request.functionVersion)
        alias->functionVersion = *request.functionVersion;
    if (request.description)
        alias->description = *request.description;
    if (request.weights)
        alias->weights = *request.weights;
    if (auto problem =
            checkAliasVersions(*m_store, fn, arn(fn), alias->functionVersion, alias->weights))
        return lambdaError(*problem);
    alias->revisionId = newRequestId();
    m_store->putAlias(fn, *alias);
    return apiResponse(200, lambda::toJson(*alias));
}

net::Response ControlPlane::listAliases(const ApiRequest &r, const std::string &name) {
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "ListAliases", record))
        return *refused;
    std::vector<lambda::AliasConfiguration> aliases;
    const std::string version = r.param("FunctionVersion");
    for (auto &alias : m_store->aliases(record.latest.functionName))
        if (version.empty() || alias.functionVersion == version)
            aliases.push_back(std::move(alias));
    return apiResponse(
        200, listPage<lambda::AliasConfiguration>(aliases, r, "Aliases",
                                                  [](const auto &a) { return lambda::toJson(a); }));
}

net::Response ControlPlane::concurrency(const ApiRequest &r, const std::string &name) {
    FunctionRecord record;
    if (auto refused = findUnqualified(name, "Function concurrency", record))
        return *refused;
    if (r.method == "GET") {
        if (!record.reservedConcurrency)
            return apiResponse(200, json::object());
        return apiResponse(200, {{"ReservedConcurrentExecutions", *record.reservedConcurrency}});
    }
    if (r.method == "DELETE") {
        record.reservedConcurrency.reset();
        m_store->updateFunction(record);
        return apiResponse(204, json());
    }
    if (r.method != "PUT")
        return lambdaError(lambda::unknownOperation("Unknown operation " + r.method +
                                                    " on concurrency"));
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    int reserved = 0;
    if (auto problem = lambda::parseConcurrency(body, reserved))
        return lambdaError(*problem);
    record.reservedConcurrency = reserved;
    m_store->updateFunction(record);
    return apiResponse(200, {{"ReservedConcurrentExecutions", reserved}});
}

net::Response ControlPlane::tags(const ApiRequest &r, const std::string &resource) {
    std::string qualifier;
    net::Response notFound;
    auto record = findFunction(resource, qualifier, notFound);
    if (!record)
        return notFound;
    if (!qualifier.empty())
        return lambdaError(lambda::invalidParameter("Tags are not supported on a qualified ARN"));
    if (r.method == "GET")
        return apiResponse(200, {{"Tags", record->tags}});
    if (r.method == "DELETE") {
        for (auto [it, end] = r.query.equal_range("tagKeys"); it != end; ++it)
            record->tags.erase(it->second);
        m_store->updateFunction(*record);
        return apiResponse(204, json());
    }
    if (r.method != "POST")
        return lambdaError(lambda::unknownOperation("Unknown operation " + r.method + " on tags"));
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    lambda::Tags tags;
    if (auto problem = lambda::parseTags(body, tags))
        return lambdaError(*problem);
    for (auto &[key, value] : tags)
        record->tags[key] = value;
    m_store->updateFunction(*record);
    return apiResponse(204, json());
}

} // namespace nimbus::sim
