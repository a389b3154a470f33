#include "schedules.h"

#include "manifestresources.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

namespace nimbus::sim {

using nlohmann::json;

namespace {

std::string newEventId() {
    static std::mt19937_64 generator{std::random_device{}()};
    const std::uint64_t a = generator(), b = generator();
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                  static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return text;
}

// $, $.a, $.a.b, $.a[0]: the JSONPath forms an inputPath takes in practice.
json select(const json &document, const std::string &path) {
    if (path.empty() || path == "$")
        return document;
    if (path.rfind("$", 0) != 0)
        return nullptr;
    const json *at = &document;
    std::size_t i = 1;
    while (i < path.size() && at) {
        if (path[i] == '.') {
            const std::size_t end = path.find_first_of(".[", i + 1);
            const std::string key = path.substr(i + 1, end == std::string::npos ? end : end - i - 1);
            at = at->is_object() && at->contains(key) ? &(*at)[key] : nullptr;
            i = end == std::string::npos ? path.size() : end;
        } else if (path[i] == '[') {
            const std::size_t end = path.find(']', i);
            if (end == std::string::npos)
                return nullptr;
            const std::string index = path.substr(i + 1, end - i - 1);
            if (!index.empty() && index.find_first_not_of("0123456789") == std::string::npos) {
                const std::size_t n = std::stoul(index);
                at = at->is_array() && n < at->size() ? &(*at)[n] : nullptr;
            } else {
                std::string key = index;
                if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"'))
                    key = key.substr(1, key.size() - 2);
                at = at->is_object() && at->contains(key) ? &(*at)[key] : nullptr;
            }
            i = end + 1;
        } else {
            return nullptr;
        }
    }
    return at ? *at : json(nullptr);
}

} // namespace

std::string isoSeconds(std::int64_t time) {
    const std::time_t seconds = static_cast<std::time_t>(time);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::vector<Schedule> schedulesOf(const manifest::Manifest &manifest) {
    std::vector<Schedule> out;
    for (const auto &function : manifest.functions) {
        int number = 0;
        for (const auto &event : function.events) {
            if (event.type != "schedule")
                continue;
            if (event.writtenType == "timer") { // SCF's: its name, switch and Message
                ++number;
                std::string error;
                if (event.schedules.empty())
                    continue;
                auto parsed = manifest::ScheduleExpression::parse(event.schedules.front(), error);
                if (!parsed)
                    continue;
                Schedule schedule;
                schedule.function = function.name;
                schedule.rule = event.name.empty()
                                    ? "timer-" + function.name + "-" + std::to_string(number)
                                    : event.name;
                schedule.expression = event.schedules.front();
                schedule.parsed = std::move(*parsed);
                schedule.enabled = event.enabled;
                schedule.scf = true;
                schedule.message = event.message;
                out.push_back(std::move(schedule));
                continue;
            }
            const manifest::YamlNode &settings = event.settings;
            const bool mapping = settings.isMapping();
            std::string name;
            bool enabled = true;
            std::optional<std::string> input;
            std::string inputPath;
            if (mapping) {
                if (const auto *n = settings.find("name"); n && n->isScalar())
                    name = n->scalar;
                if (const auto *e = settings.find("enabled"))
                    enabled = e->toBoolean().value_or(true);
                if (const auto *i = settings.find("input"); i && !i->isNull()) {
                    // A string is the JSON text itself, as the framework passes it on.
                    if (i->isScalar() && i->scalarType() == "string") {
                        const json parsed = json::parse(i->scalar, nullptr, false);
                        input = parsed.is_discarded() ? json(i->scalar).dump() : parsed.dump();
                    } else {
                        input = yamlToJson(*i).dump();
                    }
                }
                if (const auto *p = settings.find("inputPath"); p && p->isScalar())
                    inputPath = p->scalar;
            }
            for (std::size_t i = 0; i < event.schedules.size(); ++i) {
                ++number;
                std::string error;
                auto parsed = manifest::ScheduleExpression::parse(event.schedules[i], error);
                if (!parsed)
                    continue;
                Schedule schedule;
                schedule.function = function.name;
                schedule.rule = !name.empty() ? (event.schedules.size() > 1
                                                     ? name + "-" + std::to_string(i + 1)
                                                     : name)
                                              : function.deployedName + "-schedule-" +
                                                    std::to_string(number);
                schedule.expression = event.schedules[i];
                schedule.parsed = std::move(*parsed);
                schedule.enabled = enabled;
                schedule.input = input;
                schedule.inputPath = inputPath;
                out.push_back(std::move(schedule));
            }
        }
    }
    return out;
}

std::string scheduledEventPayload(const Schedule &schedule, const std::string &region,
                                  std::int64_t time) {
    if (schedule.scf)
        return json{{"Type", "Timer"},
                    {"TriggerName", schedule.rule},
                    {"Time", isoSeconds(time)},
                    {"Message", schedule.message}}
            .dump();
    if (schedule.input)
        return *schedule.input;
    const json event = {
        {"version", "0"},
        {"id", newEventId()},
        {"detail-type", "Scheduled Event"},
        {"source", "aws.events"},
        {"account", "000000000000"},
        {"time", isoSeconds(time)},
        {"region", region},
        {"resources", {"arn:aws:events:" + region + ":000000000000:rule/" + schedule.rule}},
        {"detail", json::object()},
    };
    if (!schedule.inputPath.empty())
        return select(event, schedule.inputPath).dump();
    return event.dump();
}

} // namespace nimbus::sim
