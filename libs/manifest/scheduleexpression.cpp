#include "nimbus/manifest/scheduleexpression.h"

#include <algorithm>
#include <re2/re2.h>
#include <sstream>

namespace nimbus::manifest {

namespace {

struct FieldRule {
    const char *name;
    int min;
    int max;
    std::vector<std::string> names; // MON, JAN, ... accepted instead of numbers
    bool question = false;          // '?' allowed
    std::string extras;             // special forms: L, W, #
};

const std::vector<FieldRule> &cronRules() {
    static const std::vector<FieldRule> rules{
        {"minutes", 0, 59, {}, false, ""},
        {"hours", 0, 23, {}, false, ""},
        {"day-of-month", 1, 31, {}, true, "LW"},
        {"month",
         1,
         12,
         {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
         false,
         ""},
        {"day-of-week", 1, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, true, "L#"},
        {"year", 1970, 2199, {}, false, ""},
    };
    return rules;
}

bool valueOk(const std::string &value, const FieldRule &rule) {
    std::string upper = value;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    if (std::find(rule.names.begin(), rule.names.end(), upper) != rule.names.end())
        return true;
    if (value.empty() || value.size() > 4 || !std::all_of(value.begin(), value.end(), ::isdigit))
        return false;
    const int n = std::stoi(value);
    return n >= rule.min && n <= rule.max;
}

// One comma-separated part of a cron field: *, ?, N, N-M, */S, N/S, N-M/S, and the
// day forms L, NW, NL, N#K.
bool partOk(const std::string &part, const FieldRule &rule) {
    if (part == "*")
        return true;
    if (part == "?")
        return rule.question;
    if (rule.extras.find('L') != std::string::npos && part == "L")
        return true;
    static const RE2 nthWeekday("([0-9]+)W");
    static const RE2 nthDay("([0-9A-Za-z]+)#([1-5])");
    static const RE2 lastDay("([0-9A-Za-z]+)L");
    static const RE2 rangeStep(R"(([0-9A-Za-z]+|\*)(?:-([0-9A-Za-z]+))?(?:/([0-9]{1,6}))?)");
    std::string first, second, step;
    if (rule.extras.find('W') != std::string::npos && RE2::FullMatch(part, nthWeekday, &first))
        return valueOk(first, rule);
    if (rule.extras.find('#') != std::string::npos && RE2::FullMatch(part, nthDay, &first))
        return valueOk(first, rule);
    if (rule.extras.find('L') != std::string::npos && RE2::FullMatch(part, lastDay, &first))
        return valueOk(first, rule);
    // (An unmatched optional group leaves its string empty; the groups that can be
    // unmatched cannot match the empty string.)
    if (RE2::FullMatch(part, rangeStep, &first, &second, &step)) {
        if (first != "*" && !valueOk(first, rule))
            return false;
        if (!second.empty() && (first == "*" || !valueOk(second, rule)))
            return false;
        if (!step.empty() && std::stoi(step) == 0)
            return false;
        return true;
    }
    return false;
}

} // namespace

std::optional<ScheduleExpression> ScheduleExpression::parse(const std::string &text,
                                                            std::string &error) {
    static const RE2 rateCall(R"(rate\((.*)\))");
    static const RE2 rateValue(R"(\s*([0-9]{1,12})\s+(minute|minutes|hour|hours|day|days)\s*)");
    static const RE2 cronCall(R"(cron\((.*)\))");
    std::string inner;
    if (RE2::FullMatch(text, rateCall, &inner)) {
        std::string number, unit;
        if (!RE2::FullMatch(inner, rateValue, &number, &unit)) {
            error = "'" + text +
                    "' is not a valid rate: expected rate(VALUE UNIT) with UNIT minute(s), hour(s) "
                    "or day(s), e.g. rate(5 minutes)";
            return std::nullopt;
        }
        const long long value = std::stoll(number);
        if (value <= 0) {
            error = "'" + text + "': the rate must be a positive number";
            return std::nullopt;
        }
        const bool plural = unit.back() == 's';
        if (value == 1 && plural) {
            error = "'" + text + "': a rate of 1 takes the singular unit: rate(1 " +
                    unit.substr(0, unit.size() - 1) + ")";
            return std::nullopt;
        }
        if (value > 1 && !plural) {
            error = "'" + text + "': a rate above 1 takes the plural unit: rate(" +
                    std::to_string(value) + " " + unit + "s)";
            return std::nullopt;
        }
        ScheduleExpression expr;
        expr.kind = Kind::Rate;
        const long long unitSeconds = unit.rfind("minute", 0) == 0 ? 60
                                      : unit.rfind("hour", 0) == 0 ? 3600
                                                                   : 86400;
        expr.rateSeconds = value * unitSeconds;
        return expr;
    }
    if (RE2::FullMatch(text, cronCall, &inner)) {
        std::istringstream in(inner);
        ScheduleExpression expr;
        expr.kind = Kind::Cron;
        for (std::string field; in >> field;)
            expr.fields.push_back(field);
        if (expr.fields.size() != 6) {
            error = "'" + text + "' has " + std::to_string(expr.fields.size()) +
                    " fields; a cron expression has 6: minutes hours day-of-month month "
                    "day-of-week year, e.g. cron(0 12 * * ? *)";
            return std::nullopt;
        }
        const auto &rules = cronRules();
        for (size_t i = 0; i < 6; ++i) {
            std::stringstream parts(expr.fields[i]);
            for (std::string part; std::getline(parts, part, ',');) {
                if (!partOk(part, rules[i])) {
                    error = "'" + text + "': the " + rules[i].name + " field '" + expr.fields[i] +
                            "' is not valid (allowed " + std::to_string(rules[i].min) + "-" +
                            std::to_string(rules[i].max) + (rules[i].question ? ", ?" : "") +
                            ", *, ranges a-b, steps /n)";
                    return std::nullopt;
                }
            }
        }
        if ((expr.fields[2] == "?") == (expr.fields[4] == "?")) {
            error = "'" + text +
                    "': exactly one of day-of-month and day-of-week must be '?', e.g. cron(0 12 * "
                    "* ? *)";
            return std::nullopt;
        }
        return expr;
    }
    error = "'" + text + "' is not a schedule: expected rate(5 minutes) or cron(0 12 * * ? *)";
    return std::nullopt;
}

} // namespace nimbus::manifest
