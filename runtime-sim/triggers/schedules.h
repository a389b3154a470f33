#pragma once

#include "nimbus/manifest/manifest.h"
#include "nimbus/manifest/scheduleexpression.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// One schedule a manifest's `schedule` event names: an EventBridge rule that invokes the
// function (one per expression when `rate` lists several), or an SCF timer trigger.
struct Schedule {
    std::string function; // manifest name
    std::string rule;     // the rule's name: `name`, else <deployed name>-schedule-<n>
    std::string expression;
    manifest::ScheduleExpression parsed;
    bool enabled = true;
    std::optional<std::string> input; // `input`: the constant JSON sent instead of the event
    std::string inputPath;            // `inputPath`: the part of the event sent ($.detail)
    // An SCF timer: it sends SCF's timer event (Type, TriggerName, Time, Message).
    bool scf = false;
    std::string message;

    bool operator==(const Schedule &other) const {
        return function == other.function && rule == other.rule && expression == other.expression &&
               enabled == other.enabled && input == other.input && inputPath == other.inputPath &&
               scf == other.scf && message == other.message;
    }
};

// The schedules of a manifest's functions (expressions that do not parse are left out:
// validation reports them).
std::vector<Schedule> schedulesOf(const manifest::Manifest &manifest);

// What a firing sends the function: EventBridge's Scheduled Event for the rule (`time` in
// seconds since the epoch, the time it was scheduled for), or the schedule's `input`, or the
// part of the event `inputPath` names; for an SCF timer, SCF's timer event.
std::string scheduledEventPayload(const Schedule &schedule, const std::string &region,
                                  std::int64_t time);

// "2026-11-26T06:40:00Z"
std::string isoSeconds(std::int64_t time);

} // namespace nimbus::sim
