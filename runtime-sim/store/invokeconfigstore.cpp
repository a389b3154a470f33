#include "invokeconfigstore.h"

#include <nlohmann/json.hpp>

namespace nimbus::sim {

using nlohmann::json;

void InvokeConfigStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS event_invoke_configs (
    function TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (function, qualifier));
)");
}

namespace {

std::string encode(const EventInvokeConfig &c) {
    json j{{"onSuccess", c.onSuccess}, {"onFailure", c.onFailure}, {"lastModified", c.lastModified}};
    if (c.maximumRetryAttempts)
        j["maximumRetryAttempts"] = *c.maximumRetryAttempts;
    if (c.maximumEventAgeSeconds)
        j["maximumEventAgeSeconds"] = *c.maximumEventAgeSeconds;
    return j.dump();
}

EventInvokeConfig decode(const std::string &function, const std::string &qualifier,
                         const std::string &text) {
    EventInvokeConfig c;
    c.function = function;
    c.qualifier = qualifier;
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object())
        return c;
    c.onSuccess = j.value("onSuccess", "");
    c.onFailure = j.value("onFailure", "");
    c.lastModified = j.value("lastModified", 0.0);
    if (j.contains("maximumRetryAttempts") && j["maximumRetryAttempts"].is_number_integer())
        c.maximumRetryAttempts = j["maximumRetryAttempts"].get<int>();
    if (j.contains("maximumEventAgeSeconds") && j["maximumEventAgeSeconds"].is_number_integer())
        c.maximumEventAgeSeconds = j["maximumEventAgeSeconds"].get<int>();
    return c;
}

} // namespace

void InvokeConfigStore::put(const EventInvokeConfig &config) {
    Statement row = m_db.prepare("INSERT OR REPLACE INTO event_invoke_configs (function, "
                                 "qualifier, config) VALUES (?, ?, ?)");
    row.bind(1, config.function).bind(2, config.qualifier).bind(3, encode(config));
    row.run();
}

std::optional<EventInvokeConfig> InvokeConfigStore::get(const std::string &function,
                                                        const std::string &qualifier) {
    Statement row = m_db.prepare(
        "SELECT config FROM event_invoke_configs WHERE function = ? AND qualifier = ?");
    row.bind(1, function).bind(2, qualifier);
    if (!row.step())
        return std::nullopt;
    return decode(function, qualifier, row.text(0));
}

bool InvokeConfigStore::remove(const std::string &function, const std::string &qualifier) {
    if (!get(function, qualifier))
        return false;
    Statement row =
        m_db.prepare("DELETE FROM event_invoke_configs WHERE function = ? AND qualifier = ?");
    row.bind(1, function).bind(2, qualifier);
    row.run();
    return true;
}

std::vector<EventInvokeConfig> InvokeConfigStore::list(const std::string &function) {
    Statement row = m_db.prepare("SELECT qualifier, config FROM event_invoke_configs WHERE "
                                 "function = ? ORDER BY qualifier");
    row.bind(1, function);
    std::vector<EventInvokeConfig> out;
    while (row.step())
        out.push_back(decode(function, row.text(0), row.text(1)));
    return out;
}

} // namespace nimbus::sim
