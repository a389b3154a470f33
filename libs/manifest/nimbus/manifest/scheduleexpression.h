#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::manifest {

// A schedule trigger's expression as EventBridge reads it:
//   rate(1 minute) / rate(5 minutes) / rate(2 hours) / rate(1 day)
//   cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 12 * * ? *)
// or as a Tencent Cloud SCF timer trigger reads it, seven bare fields from seconds to years:
//   seconds minutes hours day-of-month month day-of-week year, e.g. 0 */5 * * * * *
// (day-of-week 0-6 from Sunday, or SUN-SAT; , - * / in every field, ? L W and ? L # in the
// day fields), or SCF's older five (minutes to day-of-week, at second 0 of any year).
struct ScheduleExpression {
    enum class Kind { Rate, Cron, ScfCron };
    Kind kind = Kind::Rate;
    long long rateSeconds = 0;       // Rate
    std::vector<std::string> fields; // Cron: the six fields; ScfCron: the seven

    // The parsed expression, or an error that says what is wrong and what is expected.
    // Seven (or SCF's older five) bare fields are read as an SCF timer's expression.
    static std::optional<ScheduleExpression> parse(const std::string &text, std::string &error);
    // An SCF timer's cron expression, or an error that names the field at fault.
    static std::optional<ScheduleExpression> parseScf(const std::string &text, std::string &error);

    // When it next fires strictly after `after` (seconds since the epoch, UTC, as EventBridge
    // evaluates cron expressions): a rate every rateSeconds counted from `origin` (when the
    // schedule was created); a cron at the first whole minute that matches every field (an
    // SCF cron at the first second). None when a cron expression never fires again (its
    // years are past).
    std::optional<std::int64_t> nextAfter(std::int64_t after, std::int64_t origin = 0) const;
};

} // namespace nimbus::manifest
