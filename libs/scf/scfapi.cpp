#include "nimbus/scf/scfapi.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace nimbus::scf {

using nlohmann::json;

json response(json fields, const std::string &requestId) {
    if (!fields.is_object())
        fields = json::object();
    fields["RequestId"] = requestId;
    return json{{"Response", std::move(fields)}};
}

json errorResponse(const ApiError &error, const std::string &requestId) {
    return json{{"Response",
                 {{"Error", {{"Code", error.code}, {"Message", error.message}}},
                  {"RequestId", requestId}}}};
}

namespace {

// The parameters each action takes. SCF's parameters that change nothing here (networks,
// log shipping, layers, file systems, tags...) are accepted and ignored, so that a request
// written for Tencent Cloud works unchanged; a name in no list is a mistake, and said so.
const std::map<std::string, std::set<std::string>> &parametersByAction() {
    static const std::set<std::string> ignoredSettings{"VpcConfig",
                                                       "InstallDependency",
                                                       "ClsLogsetId",
                                                       "ClsTopicId",
                                                       "Layers",
                                                       "DeadLetterConfig",
                                                       "PublicNetConfig",
                                                       "CfsConfig",
                                                       "Tags",
                                                       "AsyncRunEnable",
                                                       "TraceEnable",
                                                       "AutoDeployClsTopicIndex",
                                                       "AutoCreateClsTopic",
                                                       "ProtocolType",
                                                       "ProtocolParams",
                                                       "InstanceConcurrencyConfig",
                                                       "DnsCache",
                                                       "IntranetConfig",
                                                       "IgnoreSysLog",
                                                       "ImageConfig",
                                                       "L5Enable",
                                                       "Stamp",
                                                       "CodeSource",
                                                       "EnvId",
                                                       "RetryConfig",
                                                       "OnsEnable",
                                                       "EipConfig",
                                                       "SessionConfig"};
    static const std::map<std::string, std::set<std::string>> value = [] {
        auto with = [](std::set<std::string> names, const std::set<std::string> &more) {
            names.insert(more.begin(), more.end());
            return names;
        };
        std::map<std::string, std::set<std::string>> m;
        m["CreateFunction"] =
            with({"FunctionName", "Code", "Handler", "Description", "MemorySize", "Timeout",
                  "Environment", "Runtime", "Namespace", "Role", "Type", "InitTimeout"},
                 ignoredSettings);
        m["UpdateFunctionCode"] = {
            "FunctionName", "Handler",         "CosBucketName",     "CosObjectName", "ZipFile",
            "Namespace",    "CosBucketRegion", "InstallDependency", "EnvId",         "Publish",
            "Code",         "CodeSource"};
        m["UpdateFunctionConfiguration"] =
            with({"FunctionName", "Description", "MemorySize", "Timeout", "Runtime", "Environment",
                  "Namespace", "Role", "InitTimeout", "Publish"},
                 ignoredSettings);
        m["GetFunction"] = {"FunctionName", "Qualifier", "Namespace", "ShowCode"};
        m["DeleteFunction"] = {"FunctionName", "Namespace", "Qualifier"};
        m["ListFunctions"] = {"Order",     "Orderby",   "Offset",      "Limit",
                              "SearchKey", "Namespace", "Description", "Filters"};
        m["PublishVersion"] = {"FunctionName", "Description", "Namespace"};
        m["ListVersionByFunction"] = {"FunctionName", "Namespace", "Offset",
                                      "Limit",        "Order",     "OrderBy"};
        m["ListAliases"] = {"FunctionName", "Namespace", "FunctionVersion", "Offset", "Limit"};
        m["CreateAlias"] = {"Name",      "FunctionName",  "FunctionVersion",
                            "Namespace", "RoutingConfig", "Description"};
        m["UpdateAlias"] = m["CreateAlias"];
        m["GetAlias"] = {"FunctionName", "Name", "Namespace"};
        m["DeleteAlias"] = m["GetAlias"];
        m["Invoke"] = {"FunctionName", "InvocationType", "Qualifier", "ClientContext",
                       "LogType",      "Namespace",      "RoutingKey"};
        m["InvokeFunction"] = {"FunctionName", "Qualifier", "Event",
                               "LogType",      "Namespace", "RoutingKey"};
        m["GetFunctionLogs"] = {"FunctionName",      "Offset",    "Limit",     "Order",
                                "OrderBy",           "Filter",    "Namespace", "Qualifier",
                                "FunctionRequestId", "StartTime", "EndTime",   "SearchContext"};
        return m;
    }();
    return value;
}

ApiError invalidValue(const std::string &field, const std::string &message) {
    return {"InvalidParameterValue." + field, message};
}

// Reads one request body: the object, each parameter's type, and no parameter the action
// does not take.
class Reader {
public:
    Reader(const json &body, const std::string &action)
        : m_body(body)
        , m_action(action) {}

    std::optional<ApiError> check() const {
        if (!m_body.is_object())
            return ApiError{"InvalidParameter", "The request body must be a JSON object of " +
                                                    m_action + "'s parameters"};
        const auto &allowed = parametersByAction().at(m_action);
        for (auto it = m_body.begin(); it != m_body.end(); ++it) {
            if (!allowed.count(it.key()))
                return ApiError{"UnknownParameter", "The parameter `" + it.key() + "` is not one " +
                                                        m_action + " takes (it takes " +
                                                        list(allowed) + ")"};
        }
        return std::nullopt;
    }

    const json *find(const char *name) const {
        auto it = m_body.find(name);
        return it == m_body.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<ApiError> string(const char *name, std::optional<std::string> &out) const {
        const json *value = find(name);
        if (!value)
            return std::nullopt;
        if (!value->is_string())
            return typeError(name, "a string", *value);
        out = value->get<std::string>();
        return std::nullopt;
    }

    std::optional<ApiError> required(const char *name, std::string &out) const {
        std::optional<std::string> value;
        if (auto problem = string(name, value))
            return problem;
        if (!value || value->empty())
            return ApiError{"MissingParameter", "The request is missing the required parameter `" +
                                                    std::string(name) + "` of " + m_action};
        out = *value;
        return std::nullopt;
    }

    // Integers; a string of digits is taken too (some of SCF's list parameters are strings).
    std::optional<ApiError> integer(const char *name, std::optional<int> &out) const {
        const json *value = find(name);
        if (!value)
            return std::nullopt;
        if (value->is_number_integer()) {
            const auto n = value->get<long long>();
            if (n < -2147483647LL || n > 2147483647LL)
                return invalidValue(name, "`" + std::string(name) + "` is out of range");
            out = static_cast<int>(n);
            return std::nullopt;
        }
        if (value->is_string()) {
            const auto &text = value->get_ref<const std::string &>();
            if (!text.empty() && text.size() < 10 &&
                std::all_of(text.begin(), text.end(), ::isdigit)) {
                out = std::stoi(text);
                return std::nullopt;
            }
        }
        return typeError(name, "an integer", *value);
    }

    // SCF's booleans are the strings TRUE and FALSE.
    std::optional<ApiError> flag(const char *name, bool &out) const {
        std::optional<std::string> value;
        if (auto problem = string(name, value))
            return problem;
        if (!value)
            return std::nullopt;
        if (*value != "TRUE" && *value != "FALSE")
            return invalidValue(name, "`" + std::string(name) + "` must be TRUE or FALSE, not '" +
                                          *value + "'");
        out = *value == "TRUE";
        return std::nullopt;
    }

    ApiError typeError(const char *name, const char *expected, const json &value) const {
        return ApiError{"InvalidParameter", "The parameter `" + std::string(name) + "` of " +
                                                m_action + " must be " + expected + ", not " +
                                                value.type_name()};
    }

private:
    static std::string list(const std::set<std::string> &names) {
        std::string out;
        for (const auto &n : names)
            out += (out.empty() ? "" : ", ") + n;
        return out;
    }

    const json &m_body;
    std::string m_action;
};

bool isLetter(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

std::optional<ApiError> checkFunctionName(const std::string &name) {
    if (name.size() < 2 || name.size() > 60 || !isLetter(name.front()) || name.back() == '-' ||
        name.back() == '_' || !std::all_of(name.begin(), name.end(), isNameChar))
        return invalidValue("FunctionName",
                            "FunctionName '" + name +
                                "' is not valid: 2 to 60 letters, digits, '-' and '_', starting "
                                "with a letter and not ending with '-' or '_'");
    return std::nullopt;
}

std::optional<ApiError> checkNamespace(const std::string &name) {
    if (name.empty() || name.size() > 30 || !std::all_of(name.begin(), name.end(), isNameChar))
        return invalidValue("Namespace", "Namespace '" + name +
                                             "' is not valid: up to 30 letters, digits, '-' "
                                             "and '_'");
    return std::nullopt;
}

std::optional<ApiError> checkAliasName(const std::string &name) {
    if (name.empty() || name.size() > 64 || !isLetter(name.front()) ||
        !std::all_of(name.begin(), name.end(), isNameChar))
        return invalidValue("Name", "The alias name '" + name +
                                        "' is not valid: 1 to 64 letters, digits, '-' and '_', "
                                        "starting with a letter");
    return std::nullopt;
}

bool isVersionNumber(const std::string &text) {
    return !text.empty() && text.size() < 10 && std::all_of(text.begin(), text.end(), ::isdigit);
}

std::optional<ApiError> checkQualifier(const std::string &qualifier) {
    if (qualifier.empty() || qualifier == "$LATEST" || qualifier == "$DEFAULT" ||
        isVersionNumber(qualifier))
        return std::nullopt;
    if (checkAliasName(qualifier))
        return invalidValue("Qualifier", "Qualifier '" + qualifier +
                                             "' is neither $LATEST, a version number nor an "
                                             "alias name");
    return std::nullopt;
}

// The common parameters: FunctionName (required) and Namespace.
std::optional<ApiError> readFunction(const Reader &reader, std::string &name,
                                     std::string &namespaceName) {
    if (auto problem = reader.required("FunctionName", name))
        return problem;
    if (auto problem = checkFunctionName(name))
        return problem;
    std::optional<std::string> ns;
    if (auto problem = reader.string("Namespace", ns))
        return problem;
    if (ns && !ns->empty()) {
        if (auto problem = checkNamespace(*ns))
            return problem;
        namespaceName = *ns;
    }
    return std::nullopt;
}

std::optional<ApiError> readEnvironment(const Reader &reader, std::optional<Environment> &out) {
    const json *env = reader.find("Environment");
    if (!env)
        return std::nullopt;
    if (!env->is_object())
        return reader.typeError("Environment", "an object with Variables", *env);
    Environment variables;
    if (auto it = env->find("Variables"); it != env->end() && !it->is_null()) {
        if (!it->is_array())
            return invalidValue("Environment", "Environment.Variables must be an array of "
                                               "{\"Key\": ..., \"Value\": ...}");
        std::size_t index = 0;
        for (const auto &item : *it) {
            const std::string at = "Environment.Variables[" + std::to_string(index++) + "]";
            if (!item.is_object() || !item.contains("Key") || !item["Key"].is_string() ||
                (item.contains("Value") && !item["Value"].is_string()))
                return invalidValue("Environment",
                                    at + " must be {\"Key\": string, \"Value\": string}");
            const auto key = item["Key"].get<std::string>();
            if (key.empty() || !isLetter(key.front()) ||
                !std::all_of(key.begin(), key.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                }))
                return invalidValue("Environment", at + ".Key '" + key +
                                                       "' is not valid: letters, digits and '_', "
                                                       "starting with a letter");
            variables[key] = item.value("Value", "");
        }
    }
    out = std::move(variables);
    return std::nullopt;
}

std::optional<ApiError> readSettings(const Reader &reader, FunctionSettings &s,
                                     const Limits &limits) {
    if (auto problem = reader.string("Handler", s.handler))
        return problem;
    if (s.handler) {
        const auto dot = s.handler->rfind('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == s.handler->size() ||
            s.handler->size() > 60)
            return invalidValue("Handler", "Handler '" + *s.handler +
                                               "' is not valid: write FILE.FUNCTION, such as "
                                               "index.main_handler");
    }
    if (auto problem = reader.string("Runtime", s.runtime))
        return problem;
    if (s.runtime && std::find(limits.runtimes.begin(), limits.runtimes.end(), *s.runtime) ==
                         limits.runtimes.end()) {
        std::string list;
        for (const auto &r : limits.runtimes)
            list += (list.empty() ? "" : ", ") + r;
        return invalidValue("Runtime",
                            "Runtime '" + *s.runtime + "' is not one this simulator runs: " + list);
    }
    if (auto problem = reader.string("Description", s.description))
        return problem;
    if (s.description && s.description->size() > 1000)
        return invalidValue("Description", "Description is longer than 1000 characters");
    if (auto problem = reader.integer("MemorySize", s.memorySize))
        return problem;
    if (s.memorySize && *s.memorySize != 64 &&
        (*s.memorySize < 128 || *s.memorySize > 3072 || *s.memorySize % 128 != 0)) {
        const int nearest = *s.memorySize < 96 ? 64
                            : *s.memorySize > 3072
                                ? 3072
                                : std::max(128, (*s.memorySize + 64) / 128 * 128);
        return invalidValue("MemorySize", "MemorySize " + std::to_string(*s.memorySize) +
                                              " is not one of SCF's sizes: 64, or 128 to 3072 in "
                                              "steps of 128 (nearest: " +
                                              std::to_string(nearest) + ")");
    }
    if (auto problem = reader.integer("Timeout", s.timeout))
        return problem;
    if (s.timeout && (*s.timeout < 1 || *s.timeout > 900))
        return invalidValue("Timeout", "Timeout " + std::to_string(*s.timeout) +
                                           " is out of range: 1 to 900 seconds");
    if (auto problem = reader.integer("InitTimeout", s.initTimeout))
        return problem;
    if (s.initTimeout && (*s.initTimeout < 1 || *s.initTimeout > 300))
        return invalidValue("InitTimeout", "InitTimeout " + std::to_string(*s.initTimeout) +
                                               " is out of range: 1 to 300 seconds");
    if (auto problem = readEnvironment(reader, s.environment))
        return problem;
    return reader.string("Role", s.role);
}

std::optional<ApiError> readPage(const Reader &reader, int &offset, int &limit) {
    std::optional<int> o, l;
    if (auto problem = reader.integer("Offset", o))
        return problem;
    if (auto problem = reader.integer("Limit", l))
        return problem;
    if (o && *o < 0)
        return invalidValue("Offset", "Offset must not be negative");
    if (l && (*l < 1 || *l > 100))
        return invalidValue("Limit", "Limit " + std::to_string(*l) + " is out of range: 1 to 100");
    offset = o.value_or(0);
    limit = l.value_or(20);
    return std::nullopt;
}

std::optional<ApiError> readOrder(const Reader &reader, std::string &order) {
    std::optional<std::string> value;
    if (auto problem = reader.string("Order", value))
        return problem;
    if (!value)
        return std::nullopt;
    std::string upper = *value;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    if (upper != "ASC" && upper != "DESC")
        return invalidValue("Order", "Order must be ASC or DESC, not '" + *value + "'");
    order = upper;
    return std::nullopt;
}

std::optional<ApiError> readZipFile(const json &holder, std::string &out) {
    if (auto it = holder.find("ZipFile"); it != holder.end() && !it->is_null()) {
        if (!it->is_string())
            return invalidValue("ZipFile", "ZipFile must be the package's zip, base64-encoded");
        out = it->get<std::string>();
    }
    return std::nullopt;
}

std::optional<ApiError> readWeights(const Reader &reader, std::optional<VersionWeights> &out) {
    const json *routing = reader.find("RoutingConfig");
    if (!routing)
        return std::nullopt;
    if (!routing->is_object())
        return reader.typeError("RoutingConfig", "an object", *routing);
    VersionWeights weights;
    if (auto it = routing->find("AdditionalVersionWeights");
        it != routing->end() && !it->is_null()) {
        if (!it->is_array())
            return invalidValue("RoutingConfig", "RoutingConfig.AdditionalVersionWeights must be "
                                                 "an array of {\"Version\", \"Weight\"}");
        std::size_t index = 0;
        for (const auto &item : *it) {
            const std::string at =
                "RoutingConfig.AdditionalVersionWeights[" + std::to_string(index++) + "]";
            if (!item.is_object() || !item.contains("Version") || !item["Version"].is_string() ||
                !item.contains("Weight") || !item["Weight"].is_number())
                return invalidValue("RoutingConfig",
                                    at + " must be {\"Version\": string, \"Weight\": number}");
            const auto version = item["Version"].get<std::string>();
            const double weight = item["Weight"].get<double>();
            if (!isVersionNumber(version))
                return invalidValue("RoutingConfig", at + ".Version '" + version +
                                                         "' is not a published version number");
            if (!(weight > 0 && weight < 1))
                return invalidValue("RoutingConfig",
                                    at + ".Weight must be more than 0 and less than 1");
            weights[version] = weight;
        }
        if (weights.size() > 1)
            return invalidValue("RoutingConfig", "An alias routes to one additional version at "
                                                 "most, as on SCF");
    }
    out = std::move(weights);
    return std::nullopt;
}

} // namespace

std::optional<ApiError> parse(const json &body, CreateFunctionRequest &out, const Limits &limits) {
    const Reader reader(body, "CreateFunction");
    if (auto problem = reader.check())
        return problem;
    if (auto problem = readFunction(reader, out.functionName, out.namespaceName))
        return problem;
    if (auto problem = readSettings(reader, out.settings, limits))
        return problem;
    std::optional<std::string> type;
    if (auto problem = reader.string("Type", type))
        return problem;
    if (type) {
        if (*type != "Event" && *type != "HTTP")
            return invalidValue("Type", "Type must be Event or HTTP, not '" + *type + "'");
        out.type = *type;
    }
    const json *code = reader.find("Code");
    if (!code)
        return ApiError{"MissingParameter",
                        "The request is missing the required parameter `Code` of CreateFunction"};
    if (!code->is_object())
        return reader.typeError("Code", "an object", *code);
    if (auto problem = readZipFile(*code, out.zipFile))
        return problem;
    if (out.zipFile.empty())
        return invalidValue("Code", "Code.ZipFile is required here: the simulator takes the "
                                    "package itself, base64-encoded (not a COS object)");
    if (!out.settings.runtime)
        out.settings.runtime = "Python3.6"; // SCF's default today
    if (!out.settings.handler && out.settings.runtime != "CustomRuntime" && out.type != "HTTP")
        return ApiError{"MissingParameter",
                        "The request is missing the required parameter `Handler` of "
                        "CreateFunction (for example index.main_handler)"};
    return std::nullopt;
}

std::optional<ApiError> parse(const json &body, UpdateFunctionCodeRequest &out) {
    const Reader reader(body, "UpdateFunctionCode");
    if (auto problem = reader.check())
        return problem;
    if (auto problem = readFunction(reader, out.functionName, out.namespaceName))
        return problem;
    if (auto problem = reader.string("Handler", out.handler))
        return problem;
    if (auto problem = readZipFile(body, out.zipFile))
        return problem;
    if (const json *code = reader.find("Code"); code && out.zipFile.empty()) {
        if (!code->is_object())
            return reader.typeError("Code", "an object", *code);
        if (auto problem = readZipFile(*code, out.zipFile))
            return problem;
    }
    if (out.zipFile.empty())
        return invalidValue("ZipFile", "ZipFile is required here: the simulator takes the "
                                       "package itself, base64-encoded (not a COS object)");
    return reader.flag("Publish", out.publish);
}

std::optional<ApiError> parse(const json &body, UpdateFunctionConfigurationRequest &out,
                              const Limits &limits) {
    const Reader reader(body, "UpdateFunctionConfiguration");
    if (auto problem = reader.check())
        return problem;
    if (auto problem = readFunction(reader, out.functionName, out.namespaceName))
        return problem;
    if (auto problem = readSettings(reader, out.settings, limits))
        return problem;
    return reader.flag("Publish", out.publish);
}

std::optional<ApiError> parse(const json &body, const std::string &action, FunctionRequest &out) {
    const Reader reader(body, action);
    if (auto problem = reader.check())
        return problem;
    if (action == "GetFunctionLogs") {
        // FunctionName is optional here (all functions' logs without it).
        std::optional<std::string> name;
        if (auto problem = reader.string("FunctionName", name))
            return problem;
        out.functionName = name.value_or("");
    } else if (auto problem = readFunction(reader, out.functionName, out.namespaceName)) {
        return problem;
    }
    std::optional<std::string> text;
    if (auto problem = reader.string("Qualifier", text))
        return problem;
    out.qualifier = text.value_or("");
    if (auto problem = checkQualifier(out.qualifier))
        return problem;
    text.reset();
    if (auto problem = reader.string("Description", text))
        return problem;
    out.description = text.value_or("");
    text.reset();
    if (auto problem = reader.string("FunctionVersion", text))
        return problem;
    out.functionVersion = text.value_or("");
    text.reset();
    if (auto problem = reader.string("FunctionRequestId", text))
        return problem;
    out.requestId = text.value_or("");
    if (const json *filter = reader.find("Filter")) {
        if (!filter->is_object())
            return reader.typeError("Filter", "an object", *filter);
        const auto code = filter->value("RetCode", std::string());
        if (!code.empty() && code != "is0" && code != "not0")
            return invalidValue("Filter", "Filter.RetCode must be is0 or not0, not '" + code + "'");
        out.retCode = code;
    }
    if (auto problem = readPage(reader, out.offset, out.limit))
        return problem;
    return readOrder(reader, out.order);
}

std::optional<ApiError> parse(const json &body, ListFunctionsRequest &out) {
    const Reader reader(body, "ListFunctions");
    if (auto problem = reader.check())
        return problem;
    std::optional<std::string> text;
    if (auto problem = reader.string("Namespace", text))
        return problem;
    if (text && !text->empty()) {
        if (auto problem = checkNamespace(*text))
            return problem;
        out.namespaceName = *text;
    }
    text.reset();
    if (auto problem = reader.string("SearchKey", text))
        return problem;
    out.searchKey = text.value_or("");
    text.reset();
    if (auto problem = reader.string("Description", text))
        return problem;
    out.description = text.value_or("");
    text.reset();
    if (auto problem = reader.string("Orderby", text))
        return problem;
    if (text) {
        if (*text != "AddTime" && *text != "ModTime" && *text != "FunctionName")
            return invalidValue("Orderby", "Orderby must be AddTime, ModTime or FunctionName, "
                                           "not '" +
                                               *text + "'");
        out.orderBy = *text;
    }
    if (auto problem = readPage(reader, out.offset, out.limit))
        return problem;
    return readOrder(reader, out.order);
}

std::optional<ApiError> parse(const json &body, const std::string &action, AliasRequest &out) {
    const Reader reader(body, action);
    if (auto problem = reader.check())
        return problem;
    if (auto problem = readFunction(reader, out.functionName, out.namespaceName))
        return problem;
    if (auto problem = reader.required("Name", out.name))
        return problem;
    if (auto problem = checkAliasName(out.name))
        return problem;
    if (action == "GetAlias" || action == "DeleteAlias")
        return std::nullopt;
    if (action == "CreateAlias" || action == "UpdateAlias") {
        std::string version;
        if (auto problem = reader.required("FunctionVersion", version))
            return problem;
        if (version != "$LATEST" && !isVersionNumber(version))
            return invalidValue("FunctionVersion", "FunctionVersion '" + version +
                                                       "' is neither $LATEST nor a version number");
        out.functionVersion = version;
    }
    if (auto problem = reader.string("Description", out.description))
        return problem;
    return readWeights(reader, out.weights);
}

std::optional<ApiError> parse(const json &body, const std::string &action, InvokeRequest &out) {
    const Reader reader(body, action);
    if (auto problem = reader.check())
        return problem;
    if (auto problem = readFunction(reader, out.functionName, out.namespaceName))
        return problem;
    std::optional<std::string> text;
    if (auto problem = reader.string("Qualifier", text))
        return problem;
    out.qualifier = text.value_or("");
    if (auto problem = checkQualifier(out.qualifier))
        return problem;
    // $DEFAULT is the alias SCF points at $LATEST until told otherwise.
    if (out.qualifier == "$DEFAULT")
        out.qualifier.clear();
    text.reset();
    if (action == "Invoke") {
        if (auto problem = reader.string("InvocationType", text))
            return problem;
        if (text && *text != "RequestResponse" && *text != "Event")
            return invalidValue("InvocationType", "InvocationType must be RequestResponse or "
                                                  "Event, not '" +
                                                      *text + "'");
        out.async = text && *text == "Event";
        text.reset();
    }
    if (auto problem = reader.string("LogType", text))
        return problem;
    if (text && *text != "None" && *text != "Tail")
        return invalidValue("LogType", "LogType must be None or Tail, not '" + *text + "'");
    out.tail = text && *text == "Tail";
    text.reset();
    const char *eventField = action == "Invoke" ? "ClientContext" : "Event";
    if (auto problem = reader.string(eventField, text))
        return problem;
    if (text && !text->empty()) {
        if (!json::accept(*text))
            return invalidValue(eventField, std::string(eventField) +
                                                " must be the event as a JSON string; it is not "
                                                "valid JSON");
        out.event = *text;
    }
    const std::size_t limit = out.async ? 128 * 1024 : 6 * 1024 * 1024;
    if (out.event.size() > limit)
        return ApiError{"InvalidParameterValue.Param",
                        std::string(eventField) + " is " + std::to_string(out.event.size()) +
                            " bytes; SCF takes at most " +
                            (out.async ? "128 KB asynchronously" : "6 MB synchronously")};
    return std::nullopt;
}

const std::vector<std::string> &knownActions() {
    static const std::vector<std::string> actions = [] {
        std::vector<std::string> out;
        for (const auto &[name, parameters] : parametersByAction())
            out.push_back(name);
        return out;
    }();
    return actions;
}

bool isKnownAction(const std::string &action) {
    return parametersByAction().count(action) != 0;
}

json variablesJson(const Environment &environment) {
    json out = json::array();
    for (const auto &[key, value] : environment)
        out.push_back({{"Key", key}, {"Value", value}});
    return out;
}

std::string scfTime(const std::string &lastModified) {
    // 2024-01-31T12:00:00.000+0000 -> 2024-01-31 12:00:00
    if (lastModified.size() < 19)
        return lastModified;
    std::string out = lastModified.substr(0, 19);
    out[10] = ' ';
    return out;
}

std::string functionId(const std::string &namespaceName, const std::string &name) {
    // FNV-1a: stable across runs and machines, as an id shown to people should be.
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : namespaceName + "/" + name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    static const char *alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id = "lam-";
    for (int i = 0; i < 8; ++i) {
        id += alphabet[hash % 36];
        hash /= 36;
    }
    return id;
}

int statusCode(const Outcome &outcome) {
    if (!outcome.functionError)
        return 200;
    if (outcome.errorType == "Sandbox.Timedout")
        return 433;
    if (outcome.errorType == "Runtime.OutOfMemory")
        return 434;
    if (outcome.errorType == "Runtime.ExitError")
        return 439;
    return 430;
}

json invokeResult(const Outcome &outcome, std::size_t tailBytes) {
    json result{{"FunctionRequestId", outcome.requestId},
                {"Duration", std::round(outcome.durationMs * 1000) / 1000},
                {"BillDuration", outcome.billedDurationMs},
                {"MemUsage", outcome.memUsageBytes},
                {"Log", ""},
                {"RetMsg", ""},
                {"ErrMsg", ""},
                {"InvokeResult", 0}};
    if (tailBytes && !outcome.log.empty())
        result["Log"] = outcome.log.size() > tailBytes
                            ? outcome.log.substr(outcome.log.size() - tailBytes)
                            : outcome.log;
    const int status = statusCode(outcome);
    if (status == 200) {
        result["RetMsg"] = outcome.payload;
        return result;
    }
    // SCF's error document: the function's message and stack, with the status code.
    const json error = json::parse(outcome.payload, nullptr, false);
    json document{{"errorCode", -1},
                  {"errorMessage", outcome.errorType},
                  {"requestId", outcome.requestId},
                  {"statusCode", status}};
    if (error.is_object()) {
        if (error.contains("errorMessage") && error["errorMessage"].is_string())
            document["errorMessage"] = error["errorMessage"];
        if (error.contains("stackTrace"))
            document["stackTrace"] = error["stackTrace"].is_array()
                                         ? [&] {
                                               std::string joined;
                                               for (const auto &line : error["stackTrace"])
                                                   joined += (line.is_string()
                                                                  ? line.get<std::string>()
                                                                  : line.dump()) +
                                                             "\n";
                                               return json(joined);
                                           }()
                                         : error["stackTrace"];
        if (error.contains("errorType"))
            document["errorType"] = error["errorType"];
    }
    if (status == 433)
        document["errorMessage"] = "Invoking task timed out after the function's timeout";
    else if (status == 434)
        document["errorMessage"] = "Memory limit reached: the function used more than its "
                                   "MemorySize";
    result["ErrMsg"] = document.dump();
    result["InvokeResult"] = -1;
    return result;
}

} // namespace nimbus::scf
