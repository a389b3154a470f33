#pragma once

#include <cstdint>
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

    // When it next fires strictly after `after` (seconds since the epoch, UTC, as EventBridge
    // evaluates cron expressions): a rate every rateSeconds counted from `origin` (when the
    // schedule was created); a cron at the first whole minute that matches every field. None
    // when a cron expression never fires again (its years are past).
    std::optional<std::int64_t> nextAfter(std::int64_t after, std::int64_t origin = 0) const;
};

} // namespace nimbus::manifest
