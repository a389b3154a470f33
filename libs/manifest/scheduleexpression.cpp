#include "nimbus/manifest/scheduleexpression.h"

#include <algorithm>
#include <bitset>
#include <chrono>
#include <iterator>
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

// SCF's timer fields (its timer trigger's cron documentation): numbers, names for months
// and weekdays, the characters , - * / in every field, ? L W in day-of-month and ? L # in
// day-of-week. When both day fields are restricted, a day matching either fires, as in
// Unix cron.
const std::vector<FieldRule> &scfCronRules() {
    static const std::vector<FieldRule> rules{
        {"seconds", 0, 59, {}, false, ""},
        {"minutes", 0, 59, {}, false, ""},
        {"hours", 0, 23, {}, false, ""},
        {"day-of-month", 1, 31, {}, true, "LW"},
        {"month",
         1,
         12,
         {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
         false,
         ""},
        {"day-of-week", 0, 6, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, true, "L#"},
        {"year", 1970, 2099, {}, false, ""},
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
    if (rule.extras.find('W') != std::string::npos && part == "LW") // the last weekday
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
    std::istringstream words(text);
    if (const auto count = std::distance(std::istream_iterator<std::string>(words),
                                         std::istream_iterator<std::string>());
        count == 5 || count == 7)
        return parseScf(text, error);
    error = "'" + text + "' is not a schedule: expected rate(5 minutes) or cron(0 12 * * ? *)";
    return std::nullopt;
}

std::optional<ScheduleExpression> ScheduleExpression::parseScf(const std::string &text,
                                                               std::string &error) {
    std::istringstream in(text);
    ScheduleExpression expr;
    expr.kind = Kind::ScfCron;
    for (std::string field; in >> field;)
        expr.fields.push_back(field);
    // The older five fields (minutes to day-of-week), which SCF still takes and stores as
    // seven: at second 0, in any year.
    if (expr.fields.size() == 5) {
        expr.fields.insert(expr.fields.begin(), "0");
        expr.fields.push_back("*");
    }
    if (expr.fields.size() != 7) {
        error = "'" + text + "' has " + std::to_string(expr.fields.size()) +
                " fields; an SCF timer's cron expression has 7: seconds minutes hours "
                "day-of-month month day-of-week year, e.g. '0 */5 * * * * *' (every 5 minutes)";
        return std::nullopt;
    }
    const auto &rules = scfCronRules();
    for (size_t i = 0; i < 7; ++i) {
        std::stringstream parts(expr.fields[i]);
        for (std::string part; std::getline(parts, part, ',');) {
            if (!partOk(part, rules[i])) {
                error = "'" + text + "': the " + rules[i].name + " field '" + expr.fields[i] +
                        "' is not valid (allowed " + std::to_string(rules[i].min) + "-" +
                        std::to_string(rules[i].max) +
                        (rules[i].names.empty()
                             ? std::string()
                             : " or " + rules[i].names.front() + "-" + rules[i].names.back()) +
                        (rules[i].question ? ", ?" : "") +
                        (rules[i].extras.empty() ? std::string() : ", " + rules[i].extras) +
                        ", *, ranges a-b, steps /n, lists a,b)";
                return std::nullopt;
            }
        }
    }
    return expr;
}

namespace {

int valueOf(const std::string &text, const FieldRule &rule) {
    std::string upper = text;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    const auto named = std::find(rule.names.begin(), rule.names.end(), upper);
    return named != rule.names.end() ? rule.min + static_cast<int>(named - rule.names.begin())
                                     : std::stoi(text);
}

// The values one field allows (index = value), and the day forms it holds.
struct CronField {
    std::bitset<240> values; // minutes, hours, days, months, weekdays; years from 1970
    bool any = false;        // '?'
    bool lastDay = false;    // L (day-of-month)
    bool lastWeekday = false; // LW
    std::vector<int> nearestWeekday;          // NW: the weekday nearest day N
    std::vector<int> lastOfWeekday;           // NL: the last weekday N of the month
    std::vector<std::pair<int, int>> nthOfWeekday; // N#K: the K-th weekday N
};

CronField compileField(const std::string &text, const FieldRule &rule, int offset) {
    CronField field;
    std::stringstream parts(text);
    static const RE2 nthWeekday("([0-9]+)W");
    static const RE2 nthDay("([0-9A-Za-z]+)#([1-5])");
    static const RE2 lastDay("([0-9A-Za-z]+)L");
    static const RE2 rangeStep(R"(([0-9A-Za-z]+|\*)(?:-([0-9A-Za-z]+))?(?:/([0-9]{1,6}))?)");
    // (The day forms NW, N#K and NL only in the fields that have them, as partOk takes them:
    // in the month field, JUL is July, not "the last JU".)
    for (std::string part; std::getline(parts, part, ',');) {
        std::string first, second, step;
        if (part == "?") {
            field.any = true;
        } else if (part == "L" && rule.extras.find('L') != std::string::npos) {
            if (rule.extras.find('W') != std::string::npos)
                field.lastDay = true;
            else
                field.values.set(static_cast<std::size_t>(rule.max - offset)); // day-of-week L: Saturday
        } else if (part == "LW") {
            field.lastWeekday = true;
        } else if (rule.extras.find('W') != std::string::npos &&
                   RE2::FullMatch(part, nthWeekday, &first)) {
            field.nearestWeekday.push_back(valueOf(first, rule) - offset);
        } else if (rule.extras.find('#') != std::string::npos &&
                   RE2::FullMatch(part, nthDay, &first, &second)) {
            field.nthOfWeekday.emplace_back(valueOf(first, rule) - offset, std::stoi(second));
        } else if (rule.extras.find('L') != std::string::npos &&
                   RE2::FullMatch(part, lastDay, &first)) {
            field.lastOfWeekday.push_back(valueOf(first, rule) - offset);
        } else if (RE2::FullMatch(part, rangeStep, &first, &second, &step)) {
            const int from = first == "*" ? rule.min : valueOf(first, rule);
            const int to = !second.empty() ? valueOf(second, rule)
                           : (first == "*" || !step.empty()) ? rule.max
                                                             : from;
            const int by = step.empty() ? 1 : std::stoi(step);
            // (A range that wraps, FRI-MON, runs past the end to the start.)
            const int span = to >= from ? to - from : to + (rule.max - rule.min + 1) - from;
            for (int i = 0; i <= span; i += by) {
                int value = from + i;
                if (value > rule.max)
                    value -= rule.max - rule.min + 1;
                field.values.set(static_cast<std::size_t>(value - offset));
            }
        }
    }
    return field;
}

bool isWeekday(std::chrono::sys_days day) {
    const unsigned wd = std::chrono::weekday(day).c_encoding(); // 0 = Sunday
    return wd != 0 && wd != 6;
}

bool dayMatches(const CronField &dom, const CronField &dow, std::chrono::year_month_day date) {
    using namespace std::chrono;
    const sys_days day(date);
    const unsigned d = static_cast<unsigned>(date.day());
    const unsigned last = static_cast<unsigned>(
        year_month_day_last(date.year(), month_day_last(date.month())).day());
    if (dow.any) {
        if (dom.values.test(d) || (dom.lastDay && d == last))
            return true;
        if (dom.lastWeekday) {
            sys_days candidate = sys_days(year_month_day_last(date.year(), month_day_last(date.month())));
            while (!isWeekday(candidate))
                candidate -= days(1);
            if (candidate == day)
                return true;
        }
        for (const int n : dom.nearestWeekday) {
            if (static_cast<unsigned>(n) > last)
                continue;
            // The weekday nearest day n, within the month.
            sys_days target = sys_days(year_month_day(date.year(), date.month(), std::chrono::day(static_cast<unsigned>(n))));
            if (!isWeekday(target)) {
                const unsigned wd = weekday(target).c_encoding();
                if (wd == 6) // Saturday: Friday, unless that leaves the month
                    target = n == 1 ? target + days(2) : target - days(1);
                else // Sunday: Monday, unless that leaves the month
                    target = static_cast<unsigned>(n) == last ? target - days(2) : target + days(1);
            }
            if (target == day)
                return true;
        }
        return false;
    }
    const int weekdayNumber = static_cast<int>(weekday(day).c_encoding()) + 1; // 1 = Sunday
    if (dow.values.test(static_cast<std::size_t>(weekdayNumber)))
        return true;
    for (const int n : dow.lastOfWeekday)
        if (n == weekdayNumber && d + 7 > last)
            return true;
    for (const auto &[n, k] : dow.nthOfWeekday)
        if (n == weekdayNumber && (d - 1) / 7 + 1 == static_cast<unsigned>(k))
            return true;
    return false;
}

// The next second after `after` an SCF cron expression's seven fields match.
std::optional<std::int64_t> nextScfAfter(const std::vector<std::string> &fields,
                                         std::int64_t after) {
    if (fields.size() != 7)
        return std::nullopt;
    using namespace std::chrono;
    const auto &rules = scfCronRules();
    std::vector<CronField> f;
    // (Day-of-week is held as EventBridge numbers it, Sunday 1, for dayMatches.)
    for (std::size_t i = 0; i < 7; ++i)
        f.push_back(compileField(fields[i], rules[i], i == 6 ? 1970 : i == 5 ? -1 : 0));
    CronField anyWeekday;
    anyWeekday.any = true;
    // With a '?', the other day field decides; otherwise a day matches both, or either when
    // both are restricted (Unix cron's rule).
    const bool question = f[3].any || f[5].any;
    const bool either = fields[3].front() != '*' && fields[5].front() != '*';

    const std::int64_t start = after + 1;
    sys_days day = floor<days>(sys_seconds(seconds(start)));
    std::int64_t fromSecondOfDay = start - sys_seconds(day).time_since_epoch().count();
    const sys_days end = sys_days(year(2100) / January / 1);
    for (; day < end; day += days(1), fromSecondOfDay = 0) {
        const year_month_day date(day);
        const int y = static_cast<int>(date.year());
        if (y < 1970 || !f[6].values.test(static_cast<std::size_t>(y - 1970))) {
            day = sys_days((date.year() + std::chrono::years(1)) / January / 1) - days(1);
            continue;
        }
        if (!f[4].values.test(static_cast<unsigned>(date.month()))) {
            day = sys_days((year_month(date.year(), date.month()) + std::chrono::months(1)) / 1) -
                  days(1);
            continue;
        }
        const bool dom = dayMatches(f[3], anyWeekday, date);
        const bool dow = !f[5].any && dayMatches(f[3], f[5], date);
        if (question ? !dayMatches(f[3], f[5], date) : either ? !(dom || dow) : !(dom && dow))
            continue;
        for (std::int64_t second = fromSecondOfDay; second < 86400; ++second) {
            if (!f[2].values.test(static_cast<std::size_t>(second / 3600))) {
                second = (second / 3600 + 1) * 3600 - 1;
                continue;
            }
            if (!f[1].values.test(static_cast<std::size_t>(second / 60 % 60))) {
                second = (second / 60 + 1) * 60 - 1;
                continue;
            }
            if (f[0].values.test(static_cast<std::size_t>(second % 60)))
                return sys_seconds(day).time_since_epoch().count() + second;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::int64_t> ScheduleExpression::nextAfter(std::int64_t after,
                                                          std::int64_t origin) const {
    if (kind == Kind::Rate) {
        if (rateSeconds <= 0)
            return std::nullopt;
        if (after < origin)
            return origin + rateSeconds;
        return origin + ((after - origin) / rateSeconds + 1) * rateSeconds;
    }
    if (kind == Kind::ScfCron)
        return nextScfAfter(fields, after);
    if (fields.size() != 6)
        return std::nullopt;
    using namespace std::chrono;
    const auto &rules = cronRules();
    const CronField minuteField = compileField(fields[0], rules[0], 0);
    const CronField hourField = compileField(fields[1], rules[1], 0);
    const CronField dayField = compileField(fields[2], rules[2], 0);
    const CronField monthField = compileField(fields[3], rules[3], 0);
    const CronField weekdayField = compileField(fields[4], rules[4], 0);
    const CronField yearField = compileField(fields[5], rules[5], 1970);

    // From the next whole minute on: the first day that matches, then its first time.
    const std::int64_t start = (after / 60 + 1) * 60;
    sys_days day = floor<days>(sys_seconds(seconds(start)));
    int fromMinuteOfDay = static_cast<int>((start - sys_seconds(day).time_since_epoch().count()) / 60);
    const sys_days end = sys_days(year(2200) / January / 1);
    while (day < end) {
        const year_month_day date(day);
        const int y = static_cast<int>(date.year());
        const unsigned m = static_cast<unsigned>(date.month());
        if (y < 1970 || !yearField.values.test(static_cast<std::size_t>(y - 1970))) {
            day = sys_days((date.year() + std::chrono::years(1)) / January / 1);
            fromMinuteOfDay = 0;
            continue;
        }
        if (!monthField.values.test(m)) {
            day = sys_days((year_month(date.year(), date.month()) + std::chrono::months(1)) / 1);
            fromMinuteOfDay = 0;
            continue;
        }
        if (dayMatches(dayField, weekdayField, date)) {
            for (int minuteOfDay = fromMinuteOfDay; minuteOfDay < 24 * 60; ++minuteOfDay) {
                if (hourField.values.test(static_cast<std::size_t>(minuteOfDay / 60)) &&
                    minuteField.values.test(static_cast<std::size_t>(minuteOfDay % 60)))
                    return sys_seconds(day).time_since_epoch().count() +
                           static_cast<std::int64_t>(minuteOfDay) * 60;
            }
        }
        day += days(1);
        fromMinuteOfDay = 0;
    }
    return std::nullopt;
}

} // namespace nimbus::manifest
