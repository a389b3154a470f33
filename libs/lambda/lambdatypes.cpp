#include "nimbus/lambda/lambdatypes.h"

#include "fieldreader.h"
#include "nimbus/lambda/layertypes.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <set>

namespace nimbus::lambda {

using nlohmann::json;

namespace {

using detail::FieldReader;
using detail::typeName;

bool matchesName(const std::string &s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
           });
}

std::optional<ApiError> checkSettings(const FunctionSettings &s, const Limits &limits) {
    if (s.memorySize && (*s.memorySize < 128 || *s.memorySize > 10240))
        return constraintError(std::to_string(*s.memorySize), "memorySize",
                               *s.memorySize < 128
                                   ? "Member must have value greater than or equal to 128"
                                   : "Member must have value less than or equal to 10240");
    if (s.timeout && (*s.timeout < 1 || *s.timeout > 900))
        return constraintError(std::to_string(*s.timeout), "timeout",
                               *s.timeout < 1 ? "Member must have value greater than or equal to 1"
                                              : "Member must have value less than or equal to 900");
    if (s.runtime && !limits.runtimes.empty() &&
        std::find(limits.runtimes.begin(), limits.runtimes.end(), *s.runtime) ==
            limits.runtimes.end()) {
        std::string set;
        for (const auto &r : limits.runtimes)
            set += (set.empty() ? "" : ", ") + r;
        return constraintError(*s.runtime, "runtime",
                               "Member must satisfy enum value set: [" + set + "]");
    }
    if (s.handler && (s.handler->empty() || s.handler->size() > 128 ||
                      std::any_of(s.handler->begin(), s.handler->end(),
                                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })))
        return constraintError(*s.handler, "handler",
                               "Member must satisfy regular expression pattern: [^\\s]+ and have "
                               "length less than or equal to 128");
    if (s.description && s.description->size() > 256)
        return constraintError(s.description->substr(0, 40) + "...", "description",
                               "Member must have length less than or equal to 256");
    if (s.role && s.role->rfind("arn:", 0) != 0)
        return constraintError(*s.role, "role",
                               "Member must satisfy regular expression pattern: "
                               "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    if (s.layers) {
        if (s.layers->size() > 5)
            return invalidParameter("Cannot reference more than 5 layers.");
        if (auto error = checkLayerList(*s.layers))
            return error;
    }
    if (s.environment) {
        std::size_t size = 0;
        for (const auto &[key, value] : *s.environment) {
            size += key.size() + value.size();
            const bool keyOk = !key.empty() && std::isalpha(static_cast<unsigned char>(key[0])) &&
                               std::all_of(key.begin(), key.end(), [](char c) {
                                   return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                               });
            if (!keyOk)
                return constraintError(key, "environment.variables",
                                       "Map keys must satisfy constraint: [Member must satisfy "
                                       "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
        }
        if (size > 4096)
            return invalidParameter("Lambda was unable to configure your environment variables "
                                    "because the environment variables you have provided exceeded "
                                    "the 4KB limit. String measured: " +
                                    std::to_string(size));
    }
    return std::nullopt;
}

void readSettings(FieldReader &r, FunctionSettings &s) {
    s.role = r.string("Role");
    s.handler = r.string("Handler");
    s.runtime = r.string("Runtime");
    s.description = r.string("Description");
    if (auto t = r.integer("Timeout"))
        s.timeout = static_cast<int>(std::clamp<long long>(*t, -1, 100000));
    if (auto m = r.integer("MemorySize"))
        s.memorySize = static_cast<int>(std::clamp<long long>(*m, -1, 1000000));
    if (const json *env = r.object("Environment")) {
        FieldReader e(*env, "Environment", "Environment");
        s.environment = e.stringMap("Variables");
        if (!s.environment)
            s.environment = Environment{};
        r.adopt(e.finish());
    }
    if (const json *dlq = r.object("DeadLetterConfig")) {
        FieldReader d(*dlq, "DeadLetterConfig", "DeadLetterConfig");
        s.deadLetterTarget = d.string("TargetArn").value_or("");
        r.adopt(d.finish());
    }
    s.layers = r.stringList("Layers");
    // Members the service takes that a local platform has no use for; accepted so that
    // real clients' requests go through unchanged.
    for (const char *ignored :
         {"TracingConfig", "Architectures", "EphemeralStorage", "VpcConfig", "KMSKeyArn",
          "LoggingConfig", "SnapStart", "FileSystemConfigs", "ImageConfig"})
        r.ignore(ignored);
}

} // namespace

std::optional<ApiError> checkFunctionName(const std::string &name) {
    if (!matchesName(name, 1, 64))
        return constraintError(name, "functionName",
                               "Member must satisfy regular expression pattern: "
                               "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?("
                               "\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    return std::nullopt;
}

std::optional<ApiError> checkAliasName(const std::string &name) {
    const bool digits = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
    if (!matchesName(name, 1, 128) || digits)
        return constraintError(name, "name",
                               "Member must satisfy regular expression pattern: "
                               "(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    return std::nullopt;
}

bool isVersion(const std::string &qualifier) {
    return qualifier == "$LATEST" ||
           (!qualifier.empty() && std::all_of(qualifier.begin(), qualifier.end(), ::isdigit));
}

std::optional<ApiError> parse(const json &body, CreateFunctionRequest &out, const Limits &limits) {
    FieldReader r(body, "CreateFunctionRequest");
    out.functionName = r.string("FunctionName").value_or("");
    readSettings(r, out.settings);
    out.publish = r.boolean("Publish").value_or(false);
    if (auto tags = r.stringMap("Tags"))
        out.tags = *tags;
    if (auto type = r.string("PackageType"); type && *type != "Zip")
        r.adopt(invalidParameter("PackageType " + *type +
                                 " is not supported here: deploy a Zip package"));
    if (const json *code = r.object("Code")) {
        FieldReader c(*code, "FunctionCode", "Code");
        out.zipFileBase64 = c.string("ZipFile").value_or("");
        const bool s3 = c.string("S3Bucket").has_value() | c.string("S3Key").has_value() |
                        c.string("S3ObjectVersion").has_value();
        const bool image = c.string("ImageUri").has_value();
        r.adopt(c.finish());
        if (!r.failed() && (s3 || image))
            r.adopt(invalidParameter(std::string(s3 ? "Code.S3Bucket" : "Code.ImageUri") +
                                     " is not supported by this endpoint: upload the package "
                                     "as Code.ZipFile"));
    }
    r.ignore("CodeSigningConfigArn");
    if (auto error = r.finish())
        return error;
    if (out.functionName.empty())
        return validationError("1 validation error detected: Value null at 'functionName' "
                               "failed to satisfy constraint: Member must not be null");
    if (auto error = checkFunctionName(out.functionName))
        return error;
    if (!out.settings.role)
        return validationError("1 validation error detected: Value null at 'role' failed to "
                               "satisfy constraint: Member must not be null");
    if (!out.settings.runtime)
        return invalidParameter("The runtime parameter is required for a Zip package");
    if (!out.settings.handler)
        return invalidParameter("The handler parameter is required for a Zip package");
    if (out.zipFileBase64.empty())
        return invalidParameter("Code.ZipFile is required: upload the deployment package");
    return checkSettings(out.settings, limits);
}

std::optional<ApiError> parse(const json &body, UpdateFunctionCodeRequest &out) {
    FieldReader r(body, "UpdateFunctionCodeRequest");
    out.zipFileBase64 = r.string("ZipFile").value_or("");
    out.publish = r.boolean("Publish").value_or(false);
    out.dryRun = r.boolean("DryRun").value_or(false);
    out.revisionId = r.string("RevisionId");
    const bool elsewhere = r.string("S3Bucket").has_value() | r.string("S3Key").has_value() |
                           r.string("S3ObjectVersion").has_value() |
                           r.string("ImageUri").has_value();
    r.ignore("Architectures");
    if (auto error = r.finish())
        return error;
    if (elsewhere)
        return invalidParameter("code from S3 or an image is not supported by this endpoint: "
                                "upload the package as ZipFile");
    if (out.zipFileBase64.empty())
        return invalidParameter("Please provide a source for function code: ZipFile");
    return std::nullopt;
}

std::optional<ApiError> parse(const json &body, UpdateFunctionConfigurationRequest &out,
                              const Limits &limits) {
    FieldReader r(body, "UpdateFunctionConfigurationRequest");
    readSettings(r, out.settings);
    out.revisionId = r.string("RevisionId");
    if (auto error = r.finish())
        return error;
    return checkSettings(out.settings, limits);
}

std::optional<ApiError> parse(const json &body, PublishVersionRequest &out) {
    FieldReader r(body, "PublishVersionRequest");
    out.codeSha256 = r.string("CodeSha256");
    out.description = r.string("Description");
    out.revisionId = r.string("RevisionId");
    if (auto error = r.finish())
        return error;
    if (out.description && out.description->size() > 256)
        return constraintError(out.description->substr(0, 40) + "...", "description",
                               "Member must have length less than or equal to 256");
    return std::nullopt;
}

std::optional<ApiError> parse(const json &body, AliasRequest &out, bool create) {
    FieldReader r(body, create ? "CreateAliasRequest" : "UpdateAliasRequest");
    if (create)
        out.name = r.string("Name").value_or("");
    out.functionVersion = r.string("FunctionVersion");
    out.description = r.string("Description");
    if (!create)
        out.revisionId = r.string("RevisionId");
    if (const json *routing = r.object("RoutingConfig")) {
        FieldReader rc(*routing, "AliasRoutingConfiguration", "RoutingConfig");
        if (const json *weights = rc.object("AdditionalVersionWeights")) {
            VersionWeights parsed;
            for (const auto &[version, weight] : weights->items()) {
                if (!weight.is_number()) {
                    rc.fail("field 'RoutingConfig.AdditionalVersionWeights." + version +
                            "' must be a number, not " + typeName(weight));
                    break;
                }
                parsed[version] = weight.get<double>();
            }
            out.weights = parsed;
        } else {
            out.weights = VersionWeights{};
        }
        r.adopt(rc.finish());
    }
    if (auto error = r.finish())
        return error;
    if (create) {
        if (out.name.empty())
            return validationError("1 validation error detected: Value null at 'name' failed to "
                                   "satisfy constraint: Member must not be null");
        if (auto error = checkAliasName(out.name))
            return error;
        if (!out.functionVersion)
            return validationError("1 validation error detected: Value null at 'functionVersion' "
                                   "failed to satisfy constraint: Member must not be null");
    }
    if (out.functionVersion && !isVersion(*out.functionVersion))
        return constraintError(*out.functionVersion, "functionVersion",
                               "Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)");
    if (out.weights) {
        if (out.weights->size() > 1)
            return invalidParameter("Number of items in AdditionalVersionWeights cannot be "
                                    "greater than 1");
        for (const auto &[version, weight] : *out.weights) {
            if (version == "$LATEST" || !isVersion(version))
                return invalidParameter("Invalid function version " + version +
                                        ". Function version " + version +
                                        " is not a published version");
            if (!(weight >= 0.0 && weight <= 1.0))
                return constraintError(std::to_string(weight),
                                       "routingConfig.additionalVersionWeights",
                                       "Map value must satisfy constraint: [Member must have "
                                       "value less than or equal to 1.0, Member must have value "
                                       "greater than or equal to 0.0]");
        }
    }
    return std::nullopt;
}

std::optional<ApiError> parseConcurrency(const json &body, int &reserved) {
    FieldReader r(body, "PutFunctionConcurrencyRequest");
    const auto value = r.integer("ReservedConcurrentExecutions");
    if (auto error = r.finish())
        return error;
    if (!value)
        return validationError("1 validation error detected: Value null at "
                               "'reservedConcurrentExecutions' failed to satisfy constraint: "
                               "Member must not be null");
    if (*value < 0 || *value > 1000)
        return constraintError(std::to_string(*value), "reservedConcurrentExecutions",
                               *value < 0 ? "Member must have value greater than or equal to 0"
                                          : "Member must have value less than or equal to 1000");
    reserved = static_cast<int>(*value);
    return std::nullopt;
}

std::optional<ApiError> parseTags(const json &body, Tags &out) {
    FieldReader r(body, "TagResourceRequest");
    auto tags = r.stringMap("Tags");
    if (auto error = r.finish())
        return error;
    if (!tags)
        return validationError("1 validation error detected: Value null at 'tags' failed to "
                               "satisfy constraint: Member must not be null");
    out = *tags;
    return std::nullopt;
}

json toJson(const FunctionConfiguration &c) {
    json out{{"FunctionName", c.functionName},
             {"FunctionArn", c.functionArn},
             {"Runtime", c.runtime},
             {"Role", c.role},
             {"Handler", c.handler},
             {"CodeSize", c.codeSize},
             {"Description", c.description},
             {"Timeout", c.timeout},
             {"MemorySize", c.memorySize},
             {"LastModified", c.lastModified},
             {"CodeSha256", c.codeSha256},
             {"Version", c.version},
             {"TracingConfig", {{"Mode", "PassThrough"}}},
             {"RevisionId", c.revisionId},
             {"State", c.state},
             {"LastUpdateStatus", c.lastUpdateStatus},
             {"PackageType", "Zip"},
             {"Architectures", json::array({"x86_64"})},
             {"EphemeralStorage", {{"Size", 512}}}};
    if (!c.environment.empty())
        out["Environment"] = {{"Variables", c.environment}};
    if (c.deadLetterTarget && !c.deadLetterTarget->empty())
        out["DeadLetterConfig"] = {{"TargetArn", *c.deadLetterTarget}};
    if (!c.layers.empty()) {
        json layers = json::array();
        for (const auto &layer : c.layers)
            layers.push_back({{"Arn", layer.arn}, {"CodeSize", layer.codeSize}});
        out["Layers"] = std::move(layers);
    }
    return out;
}

FunctionConfiguration configurationFromJson(const json &j) {
    FunctionConfiguration c;
    c.functionName = j.value("FunctionName", "");
    c.functionArn = j.value("FunctionArn", "");
    c.runtime = j.value("Runtime", "");
    c.role = j.value("Role", "");
    c.handler = j.value("Handler", "");
    c.description = j.value("Description", "");
    c.codeSize = j.value("CodeSize", 0LL);
    c.timeout = j.value("Timeout", 3);
    c.memorySize = j.value("MemorySize", 128);
    c.lastModified = j.value("LastModified", "");
    c.codeSha256 = j.value("CodeSha256", "");
    c.version = j.value("Version", "$LATEST");
    c.revisionId = j.value("RevisionId", "");
    c.state = j.value("State", "Active");
    c.lastUpdateStatus = j.value("LastUpdateStatus", "Successful");
    if (j.contains("Environment") && j["Environment"].contains("Variables"))
        c.environment = j["Environment"]["Variables"].get<Environment>();
    if (j.contains("DeadLetterConfig") && j["DeadLetterConfig"].contains("TargetArn"))
        c.deadLetterTarget = j["DeadLetterConfig"]["TargetArn"].get<std::string>();
    if (auto it = j.find("Layers"); it != j.end() && it->is_array()) {
        for (const auto &layer : *it) {
            if (!layer.is_object())
                continue;
            FunctionLayer l;
            l.arn = layer.value("Arn", "");
            l.codeSize = layer.value("CodeSize", 0LL);
            l.codeHex = layer.value("Nimbus.CodeHex", "");
            c.layers.push_back(std::move(l));
        }
    }
    if (auto it = j.find("Nimbus.Scf"); it != j.end() && it->is_object()) {
        FunctionConfiguration::Scf scf;
        scf.namespaceName = it->value("Namespace", scf.namespaceName);
        scf.type = it->value("Type", scf.type);
        scf.region = it->value("Region", scf.region);
        scf.initTimeout = it->value("InitTimeout", scf.initTimeout);
        scf.addTime = it->value("AddTime", scf.addTime);
        c.scf = scf;
    }
    return c;
}

json toRecordJson(const FunctionConfiguration &c) {
    json out = toJson(c);
    for (std::size_t i = 0; i < c.layers.size(); ++i)
        out["Layers"][i]["Nimbus.CodeHex"] = c.layers[i].codeHex;
    if (c.scf)
        out["Nimbus.Scf"] = {{"Namespace", c.scf->namespaceName},
                             {"Type", c.scf->type},
                             {"Region", c.scf->region},
                             {"InitTimeout", c.scf->initTimeout},
                             {"AddTime", c.scf->addTime}};
    return out;
}

json toJson(const AliasConfiguration &a) {
    json out{{"AliasArn", a.aliasArn},
             {"Name", a.name},
             {"FunctionVersion", a.functionVersion},
             {"Description", a.description},
             {"RevisionId", a.revisionId}};
    if (!a.weights.empty())
        out["RoutingConfig"] = {{"AdditionalVersionWeights", a.weights}};
    return out;
}

AliasConfiguration aliasFromJson(const json &j) {
    AliasConfiguration a;
    a.aliasArn = j.value("AliasArn", "");
    a.name = j.value("Name", "");
    a.functionVersion = j.value("FunctionVersion", "");
    a.description = j.value("Description", "");
    a.revisionId = j.value("RevisionId", "");
    if (j.contains("RoutingConfig") && j["RoutingConfig"].contains("AdditionalVersionWeights"))
        a.weights = j["RoutingConfig"]["AdditionalVersionWeights"].get<VersionWeights>();
    return a;
}

std::optional<FunctionRef> parseFunctionRef(const std::string &text) {
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], ACCOUNT:function:NAME[:Q],
    // NAME[:Q].
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    std::size_t at = 0;
    if (parts.size() >= 6 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function")
        at = 6;
    else if (parts.size() >= 3 && parts[1] == "function")
        at = 2;
    if (at >= parts.size() || parts.size() - at > 2)
        return std::nullopt;
    FunctionRef ref{parts[at], parts.size() - at == 2 ? parts[at + 1] : ""};
    if (ref.name.empty() || (parts.size() - at == 2 && ref.qualifier.empty()))
        return std::nullopt;
    return ref;
}

std::string functionArn(const std::string &region, const std::string &account,
                        const std::string &name, const std::string &qualifier) {
    return "arn:aws:lambda:" + region + ":" + account + ":function:" + name +
           (qualifier.empty() ? "" : ":" + qualifier);
}

std::string lastModifiedNow() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                            now.time_since_epoch())
                            .count() %
                        1000;
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[40];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(text + n, sizeof text - n, ".%03lld+0000", static_cast<long long>(millis));
    return text;
}

} // namespace nimbus::lambda
