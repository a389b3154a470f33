// Schedule expressions as a manifest's schedule events and SCF timers write them
// (ScheduleExpression::parse and parseScf), and when each next fires (nextAfter), which must
// be strictly after the moment asked about and come back quickly for any expression.
#include "fuzzinput.h"
#include "nimbus/manifest/scheduleexpression.h"

#include <cstdio>
#include <cstdlib>

using nimbus::manifest::ScheduleExpression;

namespace {

void checkFirings(const ScheduleExpression &expression, const std::string &text) {
    // 2026-11-26T10:07:00Z (a Thursday), 1970's first second, the last second of 2099 and
    // an instant off a whole minute.
    for (const std::int64_t after : {std::int64_t{1795687620}, std::int64_t{0},
                                     std::int64_t{4102444799}, std::int64_t{1795687621}}) {
        const auto next = expression.nextAfter(after, 1795651200);
        if (next && *next <= after) {
            std::fprintf(stderr, "'%s' fires at %lld, not after %lld\n", text.c_str(),
                         static_cast<long long>(*next), static_cast<long long>(after));
            std::abort();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string text(nimbus::fuzz::asText(data, size));
    std::string error;
    if (auto parsed = ScheduleExpression::parse(text, error))
        checkFirings(*parsed, text);
    if (auto parsed = ScheduleExpression::parseScf(text, error))
        checkFirings(*parsed, text);
    return 0;
}
