#include "nimbus/failures/failure.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <regex>
#include <stdexcept>

namespace nimbus::failures {

using nlohmann::json;

bool looksSecret(const std::string &name) {
    // The spellings secrets go by in environments and code: DB_PASSWORD, apiKey, AUTH_TOKEN,
    // AWS_SECRET_ACCESS_KEY, private_key, SESSION_KEY, credentials...
    static const std::regex pattern(
        "passw(or)?d|secret|token|api[_-]?key|credential|auth(?!or)|private[_-]?key|session[_-]?key|"
        "signature|cookie",
        std::regex::icase | std::regex::optimize);
    return std::regex_search(name, pattern);
}

std::map<std::string, std::string> maskSecrets(std::map<std::string, std::string> environment) {
    for (auto &[name, value] : environment)
        if (looksSecret(name) && !value.empty())
            value = kMasked;
    return environment;
}

void readErrorDocument(const std::string &document, Failure &failure) {
    const json doc = json::parse(document, nullptr, false);
    if (!doc.is_object()) {
        failure.errorMessage = document;
        return;
    }
    if (auto it = doc.find("errorType"); it != doc.end() && it->is_string() && failure.errorType.empty())
        failure.errorType = it->get<std::string>();
    if (auto it = doc.find("errorMessage"); it != doc.end() && it->is_string())
        failure.errorMessage = it->get<std::string>();
    if (auto it = doc.find("stackTrace"); it != doc.end() && it->is_array()) {
        for (const auto &line : *it)
            if (line.is_string())
                failure.stackTrace.push_back(line.get<std::string>());
    }
}

std::vector<Frame> framesFromScene(const json &scene) {
    std::vector<Frame> frames;
    if (!scene.is_object() || !scene.contains("frames") || !scene["frames"].is_array())
        return frames;
    for (const auto &item : scene["frames"]) {
        if (!item.is_object() || !item.contains("name") || !item["name"].is_string())
            continue;
        Frame frame;
        frame.name = item["name"].get<std::string>();
        if (item.contains("file") && item["file"].is_string())
            frame.file = item["file"].get<std::string>();
        if (item.contains("line") && item["line"].is_number_integer())
            frame.line = item["line"].get<int>();
        if (item.contains("locals") && item["locals"].is_object()) {
            for (const auto &[name, value] : item["locals"].items())
                frame.locals[name] = looksSecret(name) ? kMasked
                                     : value.is_string() ? value.get<std::string>()
                                                         : value.dump();
        }
        frames.push_back(std::move(frame));
    }
    return frames;
}

namespace {

std::string isoTime(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[80];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return text;
}

template <typename T> T field(const json &object, const char *name, bool required = false) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        if (required)
            throw std::invalid_argument(std::string("failure: missing '") + name + "'");
        return T{};
    }
    try {
        return it->get<T>();
    } catch (const json::exception &) {
        throw std::invalid_argument(std::string("failure: '") + name + "' has the wrong type");
    }
}

} // namespace

json toJson(const Failure &failure) {
    json frames = json::array();
    for (const Frame &frame : failure.frames)
        frames.push_back({{"name", frame.name},
                          {"file", frame.file},
                          {"line", frame.line},
                          {"locals", frame.locals}});
    json event = json::parse(failure.event, nullptr, false);
    if (event.is_discarded())
        event = failure.event;
    return json{{"id", failure.id},
                {"function", failure.function},
                {"qualifier", failure.qualifier},
                {"requestId", failure.requestId},
                {"time", isoTime(failure.timeMs)},
                {"timeMs", failure.timeMs},
                {"errorType", failure.errorType},
                {"errorMessage", failure.errorMessage},
                {"stackTrace", failure.stackTrace},
                {"event", std::move(event)},
                {"context", failure.context},
                {"environment", failure.environment},
                {"log", failure.log},
                {"trigger", failure.trigger},
                {"frames", std::move(frames)}};
}

Failure failureFromJson(const json &object) {
    if (!object.is_object())
        throw std::invalid_argument("failure: not an object");
    Failure failure;
    failure.id = field<long long>(object, "id");
    failure.function = field<std::string>(object, "function", true);
    failure.qualifier = field<std::string>(object, "qualifier");
    failure.requestId = field<std::string>(object, "requestId");
    failure.timeMs = field<std::int64_t>(object, "timeMs", true);
    failure.errorType = field<std::string>(object, "errorType");
    failure.errorMessage = field<std::string>(object, "errorMessage");
    failure.stackTrace = field<std::vector<std::string>>(object, "stackTrace");
    if (auto it = object.find("event"); it != object.end())
        failure.event = it->is_string() ? it->get<std::string>() : it->dump();
    if (auto it = object.find("context"); it != object.end() && it->is_object())
        failure.context = *it;
    failure.environment = field<std::map<std::string, std::string>>(object, "environment");
    failure.log = field<std::string>(object, "log");
    failure.trigger = field<std::string>(object, "trigger");
    if (auto it = object.find("frames"); it != object.end())
        failure.frames = framesFromScene(json{{"frames", *it}});
    return failure;
}

std::string headline(const Failure &failure) {
    std::string message = failure.errorMessage;
    std::replace(message.begin(), message.end(), '\n', ' ');
    if (message.empty())
        return failure.errorType;
    return failure.errorType.empty() ? message : failure.errorType + ": " + message;
}

} // namespace nimbus::failures
