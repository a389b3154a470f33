#pragma once

#include "schedules.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// Fires schedules on time while the simulator runs: each enabled schedule has a timer set for
// its next firing (a rate counted from when the schedule appeared, as EventBridge counts from
// the rule's creation; a cron at the matching minutes, UTC), and at each firing the payload
// goes to `fire`. Set again on every reload: a schedule that did not change keeps its origin.
class Scheduler {
public:
    using Fire = std::function<void(const Schedule &schedule, std::string payload)>;

    struct State {
        Schedule schedule;
        std::optional<std::int64_t> nextFire; // seconds since the epoch; none when disabled/done
        int fired = 0;
    };

    // Seconds since the epoch, UTC; the system clock unless a test says otherwise.
    using Now = std::function<std::int64_t()>;

    Scheduler(boost::asio::io_context &io, std::string region, Fire fire, Now now = {});
    ~Scheduler();

    void set(std::vector<Schedule> schedules);
    std::vector<State> states() const;
    void stop();

private:
    struct Entry;
    void arm(const std::shared_ptr<Entry> &entry);

    boost::asio::io_context &m_io;
    std::string m_region;
    Fire m_fire;
    Now m_now;
    std::vector<std::shared_ptr<Entry>> m_entries;
};

} // namespace nimbus::sim
