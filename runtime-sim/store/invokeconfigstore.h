#pragma once

#include "database.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// A function's asynchronous invocation settings (Lambda's FunctionEventInvokeConfig) for one
// qualifier: how often a failed event is retried, how old an event may get before it is
// dropped, and where records of successes and failures go.
struct EventInvokeConfig {
    std::string function;  // the control plane's name for it
    std::string qualifier; // "$LATEST", a version or an alias
    std::optional<int> maximumRetryAttempts;   // 0-2; Lambda's default is 2
    std::optional<int> maximumEventAgeSeconds; // 60-21600; Lambda's default is 21600
    std::string onSuccess, onFailure;          // destination ARNs ("" for none)
    double lastModified = 0;                   // Unix time, seconds
};

// EventInvokeConfigs in SQLite, one per function and qualifier. Methods throw StoreError.
class InvokeConfigStore {
public:
    explicit InvokeConfigStore(Database &db)
        : m_db(db) {}
    void migrate();

    void put(const EventInvokeConfig &config);
    std::optional<EventInvokeConfig> get(const std::string &function, const std::string &qualifier);
    bool remove(const std::string &function, const std::string &qualifier);
    std::vector<EventInvokeConfig> list(const std::string &function);

private:
    Database &m_db;
};

} // namespace nimbus::sim
