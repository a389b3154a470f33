#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nimbus::manifest {

// A schedule trigger's expression as EventBridge reads it:
//   rate(1 minute) / rate(5 minutes) / rate(2 hours) / rate(1 day)
//   cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 12 * * ? *)
struct ScheduleExpression {
    enum class Kind { Rate, Cron };
    Kind kind = Kind::Rate;
    long long rateSeconds = 0;       // Rate
    std::vector<std::string> fields; // Cron: the six fields

    // The parsed expression, or an error that says what is wrong and what is expected.
    static std::optional<ScheduleExpression> parse(const std::string &text, std::string &error);
};

} // namespace nimbus::manifest
