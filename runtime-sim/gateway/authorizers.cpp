#include "authorizers.h"

#include "../triggers/manifestresources.h"
#include "authorizertext.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <regex>

namespace nimbus::sim {

using nlohmann::json;
using Kind = AuthorizerSpec::Kind;
using Outcome = AuthorizerVerdict::Outcome;

namespace {

using authorizertext::joined;
using authorizertext::splitList;
using authorizertext::stringOf;
using authorizertext::stringsOf;
using authorizertext::trim;
using authorizertext::verdict;
using net::asciiLower;

// ---------------------------------------------------------------------------------------
// Text





// IAM's wildcards: * is any run of characters (':' and '/' included), ? is one character.
bool globMatch(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

// ---------------------------------------------------------------------------------------
// Manifest settings (read as JSON, since they are small and mostly scalars)


std::string describe(const json &value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}


// The framework coerces quoted numbers ('300'), so this does too.
std::optional<int> integerOf(const json &value) {
    if (value.is_number_integer())
        return value.get<int>();
    if (value.is_string()) {
        const std::string text = value.get<std::string>();
        const auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
        if (!text.empty() && text.size() < 9 && std::all_of(text.begin(), text.end(), digit))
            return std::stoi(text);
    }
    return std::nullopt;
}

bool booleanOf(const json &object, const char *key) {
    if (!object.contains(key))
        return false;
    const json &value = object[key];
    return value.is_boolean() ? value.get<bool>()
                              : value.is_string() && asciiLower(describe(value)) == "true";
}

AuthorizerSpec unsupported(bool httpApi, std::string name, std::string why) {
    AuthorizerSpec spec;
    spec.kind = Kind::Unsupported;
    spec.httpApi = httpApi;
    spec.name = std::move(name);
    spec.unsupported = std::move(why);
    return spec;
}

// The Serverless Framework's logical id of a function: my-fn -> MyDashfnLambdaFunction.
std::string lambdaLogicalId(const std::string &function) {
    std::string out;
    for (char c : function) {
        if (c == '-')
            out += "Dash";
        else if (c == '_')
            out += "Underscore";
        else
            out += c;
    }
    if (!out.empty())
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return out + "LambdaFunction";
}

// The manifest name of the first function that fits, or "".
template <typename Predicate>
std::string functionWhere(const manifest::Manifest &manifest, Predicate fits) {
    const auto found = std::find_if(manifest.functions.begin(), manifest.functions.end(), fits);
    return found == manifest.functions.end() ? std::string() : found->name;
}

// The manifest function a Lambda ARN (or Fn::GetAtt [XLambdaFunction, Arn]) designates;
// empty when it is not one of this project's.
std::string functionOfArn(const manifest::Manifest &manifest, const json &arn) {
    if (arn.is_string()) {
        const std::string text = arn.get<std::string>();
        const std::string marker = ":function:";
        const auto at = text.find(marker);
        if (text.rfind("arn:", 0) != 0 || at == std::string::npos)
            return {};
        std::string name = text.substr(at + marker.size());
        if (const auto colon = name.find(':'); colon != std::string::npos)
            name.resize(colon); // without a version or alias
        return functionWhere(manifest, [&](const manifest::Function &function) {
            return function.deployedName == name || function.name == name;
        });
    }
    if (!arn.is_object() || !arn.contains("Fn::GetAtt"))
        return {};
    const json &att = arn["Fn::GetAtt"];
    std::string id, attribute;
    if (att.is_array() && att.size() == 2 && att[0].is_string() && att[1].is_string()) {
        id = att[0].get<std::string>();
        attribute = att[1].get<std::string>();
    } else if (att.is_string()) {
        const std::string text = att.get<std::string>();
        id = text.substr(0, text.find('.'));
        attribute = text.find('.') == std::string::npos ? "" : text.substr(text.find('.') + 1);
    }
    if (attribute != "Arn")
        return {};
    return functionWhere(manifest, [&](const manifest::Function &function) {
        return lambdaLogicalId(function.name) == id;
    });
}

// Where an identity source expression reads from.
enum class SourceKind { Header, Query, Path, NotSimulated, Invalid };

struct SourceRef {
    SourceKind kind = SourceKind::Invalid;
    std::string name;
};

SourceRef parseSource(std::string_view source) {
    static constexpr std::pair<std::string_view, SourceKind> kPrefixes[] = {
        {"method.request.header.", SourceKind::Header},
        {"method.request.querystring.", SourceKind::Query},
        {"method.request.path.", SourceKind::Path},
        {"$request.header.", SourceKind::Header},
        {"$request.querystring.", SourceKind::Query},
        {"$request.path.", SourceKind::Path},
        {"route.request.header.", SourceKind::Header}, // WebSocket $connect
        {"route.request.querystring.", SourceKind::Query},
        {"context.", SourceKind::NotSimulated},
        {"stageVariables.", SourceKind::NotSimulated},
        {"$context.", SourceKind::NotSimulated},
        {"$stageVariables.", SourceKind::NotSimulated},
    };
    for (const auto &[prefix, kind] : kPrefixes)
        if (source.size() > prefix.size() && source.starts_with(prefix))
            return {kind, std::string(source.substr(prefix.size()))};
    return {};
}

// Why the sources cannot be read, or "".
std::string sourcesProblem(const std::vector<std::string> &sources) {
    const auto invalid = std::find_if(sources.begin(), sources.end(), [](const auto &source) {
        return parseSource(source).kind == SourceKind::Invalid;
    });
    if (invalid == sources.end())
        return {};
    return "identitySource '" + *invalid +
           "' is not a header, query string, path, context or stage variable source";
}

// Why a token validation expression cannot be used, or "". API Gateway matches the whole
// token (Java's Pattern.matches); std::regex's ECMAScript syntax covers the usual patterns.
std::string expressionProblem(const std::string &expression) {
    try {
        std::regex compiled(expression);
    } catch (const std::regex_error &error) {
        return "identityValidationExpression '" + expression +
               "' is not a valid regular expression (" + error.what() + ")";
    }
    return {};
}

// A REST authorizer's settings in object form (string forms normalised to it).
json restSettingsOf(const json &authorizer) {
    if (!authorizer.is_string())
        return authorizer;
    const std::string text = authorizer.get<std::string>();
    if (asciiLower(text) == "aws_iam")
        return {{"type", "aws_iam"}};
    if (text.find(':') != std::string::npos)
        return {{"arn", text}};
    return {{"name", text}};
}

// Which function a REST authorizer runs; sets spec.function and spec.name, or returns why not.
std::string resolveRestFunction(const manifest::Manifest &manifest, const json &settings,
                                AuthorizerSpec &spec) {
    if (settings.contains("arn")) {
        const json &arn = settings["arn"];
        if (describe(arn).find(":cognito-idp:") != std::string::npos)
            return "Cognito user pool authorizers are not simulated";
        spec.function = functionOfArn(manifest, arn);
        if (spec.function.empty())
            return "the authorizer " + describe(arn) + " is not a function of this project";
        if (spec.name.empty())
            spec.name = spec.function;
        return {};
    }
    if (spec.name.empty())
        return "an authorizer needs the name of a function of this project, or an ARN";
    if (!manifest.function(spec.name))
        return "there is no function '" + spec.name + "' in this project to authorize with";
    spec.function = spec.name;
    return {};
}

AuthorizerSpec restSpecOf(const manifest::Manifest &manifest, const json &authorizer) {
    const json settings = restSettingsOf(authorizer);
    if (!settings.is_object())
        return unsupported(false, {}, "authorizer must be a function name, an ARN or settings");
    AuthorizerSpec spec;
    spec.name = stringOf(settings, "name");
    const std::string type = asciiLower(stringOf(settings, "type"));
    if (settings.contains("authorizerId"))
        return unsupported(false, spec.name,
                           "authorizerId names an authorizer outside the project");
    if (type == "aws_iam")
        return unsupported(false, spec.name, "AWS_IAM authorization (SigV4) is not simulated");
    if (type == "cognito_user_pools")
        return unsupported(false, spec.name, "Cognito user pool authorizers are not simulated");
    if (!type.empty() && type != "token" && type != "request")
        return unsupported(false, spec.name, "authorizer type '" + type + "' is not simulated");
    spec.kind = type == "request" ? Kind::Request : Kind::Token;
    if (std::string why = resolveRestFunction(manifest, settings, spec); !why.empty())
        return unsupported(false, spec.name, why);
    if (settings.contains("resultTtlInSeconds")) {
        const auto ttl = integerOf(settings["resultTtlInSeconds"]);
        if (!ttl)
            return unsupported(false, spec.name, "resultTtlInSeconds must be a number of seconds");
        spec.ttlSeconds = *ttl;
    }
    spec.identitySources = splitList(stringOf(settings, "identitySource"), ',');
    // As the framework deploys it: a REQUEST authorizer without caching may have no source.
    if (spec.identitySources.empty() && !(spec.kind == Kind::Request && spec.ttlSeconds == 0))
        spec.identitySources.push_back("method.request.header.Authorization");
    if (spec.kind == Kind::Token)
        spec.validationExpression = stringOf(settings, "identityValidationExpression");
    std::string why = sourcesProblem(spec.identitySources);
    if (why.empty() && !spec.validationExpression.empty())
        why = expressionProblem(spec.validationExpression);
    if (!why.empty())
        return unsupported(false, spec.name, why);
    return spec;
}

const manifest::YamlNode *findPath(const manifest::YamlNode &root,
                                   std::initializer_list<std::string_view> keys) {
    const manifest::YamlNode *node = &root;
    for (const auto key : keys) {
        node = node->isMapping() ? node->find(key) : nullptr;
        if (!node)
            return nullptr;
    }
    return node;
}

std::string jwksSettingOf(const manifest::Manifest &manifest, const std::string &name) {
    const auto *node = findPath(manifest.tree, {"custom", "nimbus", "authorizers", name, "jwks"});
    return node && node->isScalar() ? node->scalar : std::string();
}

// identitySource of an HTTP API authorizer: a list, or a string (comma-separated allowed).
std::vector<std::string> httpSourcesOf(const json &value) {
    if (value.is_string())
        return splitList(value.get<std::string>(), ',');
    return stringsOf(value);
}

AuthorizerSpec jwtSpecOf(const manifest::Manifest &manifest, const std::string &name,
                         const json &config) {
    AuthorizerSpec spec;
    spec.kind = Kind::Jwt;
    spec.httpApi = true;
    spec.name = name;
    spec.ttlSeconds = 0;
    if (!config.contains("issuerUrl") || !config["issuerUrl"].is_string() ||
        config["issuerUrl"].get<std::string>().empty())
        return unsupported(true, name,
                           "JWT authorizer '" + name + "' needs issuerUrl as a plain URL");
    spec.issuer = config["issuerUrl"].get<std::string>();
    spec.audiences = stringsOf(config.value("audience", json()));
    spec.identitySources = httpSourcesOf(config.value("identitySource", json()));
    if (spec.identitySources.empty())
        spec.identitySources.push_back("$request.header.Authorization");
    spec.jwks = jwksSettingOf(manifest, name);
    if (std::string why = sourcesProblem(spec.identitySources); !why.empty())
        return unsupported(true, name, why);
    return spec;
}

std::optional<std::string> payloadVersionOf(const json &value) {
    if (value.is_null())
        return "2.0";
    if (value.is_number())
        return value.get<double>() == 1.0   ? std::optional<std::string>("1.0")
               : value.get<double>() == 2.0 ? std::optional<std::string>("2.0")
                                            : std::nullopt;
    if (value.is_string() && (value == "1.0" || value == "2.0"))
        return value.get<std::string>();
    return std::nullopt;
}

AuthorizerSpec requestSpecOf(const manifest::Manifest &manifest, const std::string &name,
                             const json &config) {
    AuthorizerSpec spec;
    spec.kind = Kind::Request;
    spec.httpApi = true;
    spec.name = name;
    spec.ttlSeconds = 0;
    if (const std::string function = stringOf(config, "functionName"); !function.empty()) {
        if (!manifest.function(function))
            return unsupported(true, name,
                               "authorizer '" + name + "' names function '" + function +
                                   "', which is not in this project");
        spec.function = function;
    } else if (config.contains("functionArn")) {
        spec.function = functionOfArn(manifest, config["functionArn"]);
        if (spec.function.empty())
            return unsupported(true, name,
                               "authorizer '" + name + "' runs " + describe(config["functionArn"]) +
                                   ", which is not a function of this project");
    } else {
        return unsupported(true, name,
                           "authorizer '" + name + "' needs functionName or functionArn");
    }
    if (config.contains("resultTtlInSeconds")) {
        const auto ttl = integerOf(config["resultTtlInSeconds"]);
        if (!ttl)
            return unsupported(true, name, "resultTtlInSeconds must be a number of seconds");
        spec.ttlSeconds = *ttl;
    }
    spec.simpleResponses = booleanOf(config, "enableSimpleResponses");
    const auto version = payloadVersionOf(config.value("payloadVersion", json()));
    if (!version)
        return unsupported(true, name, "payloadVersion must be 1.0 or 2.0");
    spec.payloadVersion = *version;
    if (spec.simpleResponses && spec.payloadVersion != "2.0")
        return unsupported(true, name, "enableSimpleResponses needs payloadVersion 2.0");
    spec.identitySources = httpSourcesOf(config.value("identitySource", json()));
    if (std::string why = sourcesProblem(spec.identitySources); !why.empty())
        return unsupported(true, name, why);
    return spec;
}

json httpApiAuthorizersOf(const manifest::Manifest &manifest) {
    const auto *node = findPath(manifest.tree, {"provider", "httpApi", "authorizers"});
    const json authorizers = node ? yamlToJson(*node) : json::object();
    return authorizers.is_object() ? authorizers : json::object();
}

AuthorizerSpec httpApiSpecOf(const manifest::Manifest &manifest, const json &reference) {
    std::string name, type;
    std::vector<std::string> scopes;
    if (reference.is_string()) {
        name = reference.get<std::string>();
    } else if (reference.is_object()) {
        name = stringOf(reference, "name");
        type = asciiLower(stringOf(reference, "type"));
        scopes = stringsOf(reference.value("scopes", json()));
        if (reference.contains("id"))
            return unsupported(true, name, "id names an authorizer outside the project");
    } else {
        return unsupported(true, {}, "authorizer must be a name or settings");
    }
    if (type == "aws_iam")
        return unsupported(true, name, "AWS_IAM authorization (SigV4) is not simulated");
    const json authorizers = httpApiAuthorizersOf(manifest);
    if (name.empty() || !authorizers.contains(name) || !authorizers[name].is_object()) {
        std::vector<std::string> known;
        for (const auto &[key, value] : authorizers.items())
            known.push_back(key);
        return unsupported(true, name,
                           "unknown authorizer '" + name + "': provider.httpApi.authorizers " +
                               (known.empty() ? "defines none" : "defines " + joined(known, ", ")));
    }
    const json &config = authorizers[name];
    const std::string kind = asciiLower(stringOf(config, "type"));
    AuthorizerSpec spec;
    if (kind.empty() || kind == "jwt")
        spec = jwtSpecOf(manifest, name, config);
    else if (kind == "request")
        spec = requestSpecOf(manifest, name, config);
    else
        return unsupported(true, name, "authorizer type '" + kind + "' is not simulated");
    spec.scopes = std::move(scopes);
    return spec;
}

// ---------------------------------------------------------------------------------------
// Identity

std::vector<std::string> headerValues(const GatewayRequest &request, const std::string &name) {
    std::vector<std::string> out;
    const std::string wanted = asciiLower(name);
    for (const auto &[key, value] : request.headers)
        if (asciiLower(key) == wanted)
            out.push_back(value);
    return out;
}

std::vector<std::string> queryValues(std::string_view raw, const std::string &name) {
    std::vector<std::string> out;
    for (const auto &part : splitList(raw, '&')) {
        const auto eq = part.find('=');
        if (net::percentDecode(part.substr(0, eq), true) == name)
            out.push_back(eq == std::string::npos ? std::string()
                                                  : net::percentDecode(part.substr(eq + 1), true));
    }
    return out;
}

// A REST API takes the last of repeated values; an HTTP API joins them with commas.
std::string combined(const AuthorizerSpec &spec, const std::vector<std::string> &values) {
    if (values.empty())
        return {};
    return spec.httpApi ? joined(values, ",") : values.back();
}

std::string sourceValue(const AuthorizerSpec &spec, const SourceRef &source,
                        const GatewayRequest &request, const RouteMatch &match) {
    switch (source.kind) {
    case SourceKind::Header:
        return combined(spec, headerValues(request, source.name));
    case SourceKind::Query:
        return combined(spec, queryValues(request.rawQuery, source.name));
    case SourceKind::Path: {
        const auto found = match.pathParameters.find(source.name);
        return found == match.pathParameters.end() ? std::string() : found->second;
    }
    case SourceKind::NotSimulated:
    case SourceKind::Invalid:
        break;
    }
    return {};
}

bool matchesExpression(const std::string &expression, const std::string &token) {
    try {
        return std::regex_match(token, std::regex(expression));
    } catch (const std::regex_error &) {
        return false;
    }
}

// ---------------------------------------------------------------------------------------
// Answers of authorizer functions


AuthorizerVerdict functionErrorVerdict(const json &error) {
    const std::string message = stringOf(error, "errorMessage");
    if (message == "Unauthorized")
        return verdict(Outcome::Unauthorized, "the authorizer function raised Unauthorized");
    return verdict(Outcome::Error, "the authorizer function failed" +
                                       (message.empty() ? std::string() : ": " + message));
}

// Why API Gateway would reject a context map, or "".
std::string contextProblem(const json &context) {
    if (!context.is_object())
        return "context must be an object, got " + std::string(context.type_name());
    for (const auto &[key, value] : context.items())
        if (!value.is_string() && !value.is_number() && !value.is_boolean())
            return "context value '" + key + "' is " + (value.is_null() ? "null" : "an ") +
                   (value.is_null() ? "" : value.type_name()) +
                   ": API Gateway accepts only strings, numbers and booleans";
    return {};
}

AuthorizerVerdict simpleVerdict(const json &answer) {
    if (!answer.contains("isAuthorized") || !answer["isAuthorized"].is_boolean())
        return verdict(Outcome::Error, "a simple response needs a boolean isAuthorized");
    const json context = answer.contains("context") && !answer["context"].is_null()
                             ? answer["context"]
                             : json::object();
    if (std::string why = contextProblem(context); !why.empty())
        return verdict(Outcome::Error, why);
    if (!answer["isAuthorized"].get<bool>())
        return verdict(Outcome::Deny, "the authorizer answered isAuthorized: false");
    AuthorizerVerdict out = verdict(Outcome::Allow, "the authorizer answered isAuthorized: true");
    out.context = {{"lambda", context}};
    return out;
}

enum class PolicyDecision { Allow, ExplicitDeny, NoMatch };

// How a policy's statements judge execute-api:Invoke on `arn`; nullopt with `error` when a
// statement is malformed.
std::optional<PolicyDecision> decide(const json &statements, const std::string &arn,
                                     std::string &error) {
    bool allowed = false;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const json &statement = statements[i];
        const std::string where = "policyDocument.Statement[" + std::to_string(i) + "]";
        if (!statement.is_object()) {
            error = where + " is not an object";
            return std::nullopt;
        }
        const std::string effect = asciiLower(stringOf(statement, "Effect"));
        if (effect != "allow" && effect != "deny") {
            error = where + ".Effect must be Allow or Deny";
            return std::nullopt;
        }
        const auto actions = stringsOf(statement.value("Action", json()));
        const auto resources = stringsOf(statement.value("Resource", json()));
        if (actions.empty() || resources.empty()) {
            error = where + " needs Action and Resource";
            return std::nullopt;
        }
        const bool action = std::any_of(actions.begin(), actions.end(), [](const auto &a) {
            return globMatch(asciiLower(a), "execute-api:invoke");
        });
        const bool resource = std::any_of(resources.begin(), resources.end(),
                                          [&](const auto &r) { return globMatch(r, arn); });
        if (!action || !resource)
            continue;
        if (effect == "deny")
            return PolicyDecision::ExplicitDeny;
        allowed = true;
    }
    return allowed ? PolicyDecision::Allow : PolicyDecision::NoMatch;
}

// What the integration sees as requestContext.authorizer after an Allow.
json allowedContext(const AuthorizerSpec &spec, const std::string &principalId,
                    const json &context) {
    if (spec.httpApi)
        return {{"lambda", context}};
    // A REST API hands context values on as strings.
    json out = json::object();
    for (const auto &[key, value] : context.items())
        out[key] = value.is_string() ? value : json(value.dump());
    out["principalId"] = principalId;
    out["integrationLatency"] = 0;
    return out;
}

AuthorizerVerdict policyVerdict(const AuthorizerSpec &spec, const json &answer,
                                const std::string &arn) {
    if (!spec.httpApi && (!answer.contains("principalId") || !answer["principalId"].is_string()))
        return verdict(Outcome::Error, "the authorizer's answer needs a principalId string");
    const std::string principalId = stringOf(answer, "principalId");
    const json policy = answer.value("policyDocument", json());
    if (!policy.is_object() || !policy.contains("Statement"))
        return verdict(Outcome::Error, "the authorizer's answer needs a policyDocument with a "
                                       "Statement");
    json statements = policy["Statement"];
    if (statements.is_object())
        statements = json::array({statements});
    if (!statements.is_array())
        return verdict(Outcome::Error, "policyDocument.Statement must be an object or a list");
    const json context = answer.contains("context") && !answer["context"].is_null()
                             ? answer["context"]
                             : json::object();
    if (std::string why = contextProblem(context); !why.empty())
        return verdict(Outcome::Error, why);
    std::string error;
    const auto decision = decide(statements, arn, error);
    if (!decision)
        return verdict(Outcome::Error, error);
    if (*decision == PolicyDecision::ExplicitDeny)
        return verdict(Outcome::Deny, "the policy explicitly denies " + arn);
    if (*decision == PolicyDecision::NoMatch)
        return verdict(Outcome::Deny, "no statement of the policy allows " + arn);
    AuthorizerVerdict out = verdict(Outcome::Allow, "the policy allows " + arn);
    out.principalId = principalId;
    out.context = allowedContext(spec, principalId, context);
    return out;
}

} // namespace

// -------------------------------------------------------------------------------------------
// Public API

std::optional<AuthorizerSpec> restAuthorizerOf(const manifest::Manifest &manifest,
                                               const manifest::Event &event) {
    if (event.type != "http" || !event.settings.isMapping())
        return std::nullopt;
    const auto *node = event.settings.find("authorizer");
    if (!node || node->isNull())
        return std::nullopt;
    return restSpecOf(manifest, yamlToJson(*node));
}

std::optional<AuthorizerSpec> httpApiAuthorizerOf(const manifest::Manifest &manifest,
                                                  const manifest::Event &event) {
    if (event.type != "httpApi" || !event.settings.isMapping())
        return std::nullopt;
    const auto *node = event.settings.find("authorizer");
    if (!node || node->isNull())
        return std::nullopt;
    return httpApiSpecOf(manifest, yamlToJson(*node));
}

std::optional<AuthorizerSpec> webSocketAuthorizerOf(const manifest::Manifest &manifest,
                                                    const manifest::Event &event) {
    if (event.type != "websocket" || !event.settings.isMapping())
        return std::nullopt;
    const auto *node = event.settings.find("authorizer");
    if (!node)
        return std::nullopt;
    // A REQUEST authorizer of the $connect route, not cached (API Gateway caches none for
    // WebSocket APIs); identitySource is one expression or a list.
    json authorizer = yamlToJson(*node);
    if (authorizer.is_string())
        authorizer = json{{"name", authorizer}};
    if (!authorizer.is_object())
        return unsupported(false, {}, "authorizer must be a function name, an ARN or settings");
    const json sources = authorizer.value("identitySource", json());
    authorizer["type"] = "request";
    authorizer["resultTtlInSeconds"] = 0;
    authorizer["identitySource"] = sources.is_array() ? joined(stringsOf(sources), ",")
                                   : sources.is_string() ? sources.get<std::string>()
                                                         : std::string("route.request.header.Auth");
    return restSpecOf(manifest, authorizer);
}

std::optional<AuthorizerSpec> authorizerOf(const manifest::Manifest &manifest,
                                           const manifest::Event &event) {
    if (event.type == "http")
        return restAuthorizerOf(manifest, event);
    if (event.type == "httpApi")
        return httpApiAuthorizerOf(manifest, event);
    return std::nullopt;
}

std::optional<std::vector<std::string>>
identityOf(const AuthorizerSpec &spec, const GatewayRequest &request, const RouteMatch &match) {
    if (spec.kind == Kind::Unsupported)
        return std::nullopt;
    std::vector<std::string> identity;
    for (const auto &text : spec.identitySources) {
        const SourceRef source = parseSource(text);
        if (source.kind == SourceKind::NotSimulated)
            continue;
        std::string value = sourceValue(spec, source, request, match);
        if (value.empty())
            return std::nullopt;
        identity.push_back(std::move(value));
    }
    if ((spec.kind == Kind::Token || spec.kind == Kind::Jwt) && identity.empty())
        return std::nullopt;
    if (spec.kind == Kind::Token && !spec.validationExpression.empty() &&
        !matchesExpression(spec.validationExpression, identity.front()))
        return std::nullopt;
    return identity;
}

bool cachesAnswers(const AuthorizerSpec &spec) {
    return (spec.kind == Kind::Token || spec.kind == Kind::Request) && spec.ttlSeconds > 0 &&
           !spec.identitySources.empty();
}

std::string authorizerCacheKey(const AuthorizerSpec &spec,
                               const std::vector<std::string> &identity) {
    // A separator no header or decoded query value of an HTTP request holds.
    std::string key = spec.name;
    for (const auto &value : identity)
        key += '\x1f' + value;
    return key;
}

std::string methodArn(const std::string &region, const ApiContext &api, const std::string &method,
                      const std::string &path) {
    const std::string relative = path.starts_with('/') ? path.substr(1) : path;
    return "arn:aws:execute-api:" + region + ":" + api.accountId + ":" + api.apiId + "/" +
           api.stage + "/" + method + "/" + relative;
}

json authorizerEvent(const AuthorizerSpec &spec, const GatewayRequest &request,
                     const RouteMatch &match, const ApiContext &api, const std::string &arn,
                     const std::vector<std::string> &identity) {
    if (spec.kind == Kind::Token)
        return {{"type", "TOKEN"},
                {"authorizationToken", identity.empty() ? std::string() : identity.front()},
                {"methodArn", arn}};
    if (spec.kind != Kind::Request)
        return nullptr;
    const bool restShape = !spec.httpApi || spec.payloadVersion == "1.0";
    // Authorizers never see the body.
    json event =
        restShape ? restProxyEvent(request, match, api) : httpApiEvent(request, match, api);
    event.erase("body");
    event.erase("isBase64Encoded");
    event["type"] = "REQUEST";
    if (!spec.httpApi) {
        event["methodArn"] = arn;
    } else if (restShape) {
        event["version"] = "1.0";
        event["methodArn"] = arn;
        event["identitySource"] = joined(identity, ",");
        event["authorizationToken"] = joined(identity, ",");
    } else {
        event["routeArn"] = arn;
        event["identitySource"] = identity;
    }
    return event;
}

const char *outcomeName(AuthorizerVerdict::Outcome outcome) {
    switch (outcome) {
    case Outcome::Allow:
        return "Allow";
    case Outcome::Deny:
        return "Deny";
    case Outcome::Unauthorized:
        return "Unauthorized";
    case Outcome::Error:
        return "Error";
    }
    return "Error";
}

AuthorizerVerdict evaluateAuthorizerAnswer(const AuthorizerSpec &spec, bool functionError,
                                           const std::string &payload, const std::string &arn) {
    if (spec.kind != Kind::Token && spec.kind != Kind::Request)
        return verdict(Outcome::Error, "authorizer '" + spec.name + "' does not run a function");
    const json answer = json::parse(payload, nullptr, false);
    if (functionError)
        return functionErrorVerdict(answer);
    if (answer.is_discarded() || !answer.is_object())
        return verdict(Outcome::Error, "the authorizer function's answer is not a JSON object");
    if (spec.httpApi && spec.simpleResponses)
        return simpleVerdict(answer);
    return policyVerdict(spec, answer, arn);
}

} // namespace nimbus::sim
