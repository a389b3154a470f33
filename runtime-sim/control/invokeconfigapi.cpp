// Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s): how the asynchronous queue retries a
// function's events, how old they may get, and where the records of their outcome go.
#include "controlplane.h"

#include "../simulator/simulator.h"

#include <chrono>

namespace nimbus::sim {

namespace {

using nlohmann::json;

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Where a record may go: a function of this platform, or (on failure) a queue, which keeps it
// with the dead letters under the queue's name until the SQS API exists here.
std::optional<lambda::ApiError> checkDestination(const std::string &arn, bool onFailure,
                                                 const std::function<bool(const std::string &)> &functionExists) {
    if (arn.rfind("arn:aws:lambda:", 0) == 0) {
        const auto ref = lambda::parseFunctionRef(arn);
        if (!ref || !functionExists(ref->name))
            return lambda::invalidParameter("The destination function " + arn +
                                            " does not exist here; deploy it first");
        return std::nullopt;
    }
    if (arn.rfind("arn:aws:sqs:", 0) == 0 && onFailure)
        return std::nullopt;
    return lambda::invalidParameter(
        "The destination " + arn + " is not supported locally: on success, a Lambda function; "
        "on failure, a Lambda function or an SQS queue (arn:aws:lambda:... or arn:aws:sqs:...)");
}

} // namespace

json ControlPlane::eventInvokeConfigJson(const EventInvokeConfig &config) const {
    json destinations = json::object();
    if (!config.onSuccess.empty())
        destinations["OnSuccess"] = {{"Destination", config.onSuccess}};
    if (!config.onFailure.empty())
        destinations["OnFailure"] = {{"Destination", config.onFailure}};
    json out{{"LastModified", config.lastModified},
             {"FunctionArn", arn(config.function, config.qualifier)},
             {"DestinationConfig", destinations}};
    if (config.maximumRetryAttempts)
        out["MaximumRetryAttempts"] = *config.maximumRetryAttempts;
    if (config.maximumEventAgeSeconds)
        out["MaximumEventAgeInSeconds"] = *config.maximumEventAgeSeconds;
    return out;
}

std::optional<EventInvokeConfig> ControlPlane::eventInvokeConfigFor(const std::string &function,
                                                                    const std::string &qualifier) {
    if (!m_invokeConfigs)
        return std::nullopt;
    const auto ref = lambda::parseFunctionRef(function);
    lambda::ApiError error;
    const auto target = targetName(ref ? ref->name : function, "", error);
    try {
        return m_invokeConfigs->get(target.value_or(function),
                                    qualifier.empty() ? "$LATEST" : qualifier);
    } catch (const StoreError &) {
        return std::nullopt;
    }
}

net::Response ControlPlane::eventInvokeConfig(const ApiRequest &r, const std::string &name,
                                              bool list) {
    lambda::ApiError error;
    const std::string qualifier = r.param("Qualifier").empty() ? "$LATEST" : r.param("Qualifier");
    // The function must exist (with that qualifier, for a version or an alias).
    const auto target = targetName(name, list ? "" : r.param("Qualifier"), error);
    if (!target)
        return lambdaError(error);
    const std::string function = *target;
    if (list) {
        json configs = json::array();
        for (const auto &c : m_invokeConfigs->list(function))
            configs.push_back(eventInvokeConfigJson(c));
        return apiResponse(200, {{"FunctionEventInvokeConfigs", configs}});
    }
    const std::string &m = r.method;
    const auto existing = m_invokeConfigs->get(function, qualifier);
    const std::string missing = "The function " + arn(function, qualifier) +
                                " doesn't have an EventInvokeConfig";
    if (m == "GET")
        return existing ? apiResponse(200, eventInvokeConfigJson(*existing))
                        : lambdaError(lambda::resourceNotFound(missing));
    if (m == "DELETE") {
        if (!m_invokeConfigs->remove(function, qualifier))
            return lambdaError(lambda::resourceNotFound(missing));
        return net::makeResponse(204, "");
    }
    if (m != "PUT" && m != "POST")
        return lambdaError(404, "UnknownOperationException", "Unknown operation");
    if (m == "POST" && !existing)
        return lambdaError(lambda::resourceNotFound(missing));
    json body;
    if (auto refused = readBody(r, body))
        return *refused;
    // Put replaces the whole configuration; Update changes what it names.
    EventInvokeConfig config = m == "POST" ? *existing : EventInvokeConfig{};
    config.function = function;
    config.qualifier = qualifier;
    auto number = [&](const char *field, int low, int high,
                      std::optional<int> &into) -> std::optional<net::Response> {
        if (!body.contains(field) || body[field].is_null())
            return std::nullopt;
        const json &value = body[field];
        if (!value.is_number_integer() || value.get<long long>() < low ||
            value.get<long long>() > high)
            return lambdaError(lambda::constraintError(
                value.dump(), std::string(1, static_cast<char>(std::tolower(field[0]))) + (field + 1),
                value.is_number_integer() && value.get<long long>() < low
                    ? "Member must have value greater than or equal to " + std::to_string(low)
                    : "Member must have value less than or equal to " + std::to_string(high)));
        into = value.get<int>();
        return std::nullopt;
    };
    if (auto bad = number("MaximumRetryAttempts", 0, 2, config.maximumRetryAttempts))
        return *bad;
    if (auto bad = number("MaximumEventAgeInSeconds", 60, 21600, config.maximumEventAgeSeconds))
        return *bad;
    if (body.contains("DestinationConfig") && !body["DestinationConfig"].is_null()) {
        const json &destinations = body["DestinationConfig"];
        if (!destinations.is_object())
            return lambdaError(lambda::invalidParameter("DestinationConfig must be an object"));
        auto exists = [this](const std::string &fn) {
            lambda::ApiError ignored;
            return targetName(fn, "", ignored).has_value();
        };
        for (const auto &[key, onFailure] :
             {std::pair<const char *, bool>{"OnSuccess", false}, {"OnFailure", true}}) {
            if (!destinations.contains(key))
                continue;
            const json &d = destinations[key];
            const std::string destination =
                d.is_object() && d.contains("Destination") && d["Destination"].is_string()
                    ? d["Destination"].get<std::string>()
                    : std::string();
            if (!destination.empty())
                if (auto refused = checkDestination(destination, onFailure, exists))
                    return lambdaError(*refused);
            (onFailure ? config.onFailure : config.onSuccess) = destination;
        }
    }
    config.lastModified = nowSeconds();
    m_invokeConfigs->put(config);
    return apiResponse(200, eventInvokeConfigJson(config));
}

} // namespace nimbus::sim
