#include "scheduler.h"

#include <algorithm>
#include <chrono>

namespace nimbus::sim {

namespace {

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

struct Scheduler::Entry {
    explicit Entry(boost::asio::io_context &io)
        : timer(io) {}
    Schedule schedule;
    std::int64_t origin = 0;
    std::optional<std::int64_t> next;
    int fired = 0;
    boost::asio::steady_timer timer;
};

Scheduler::Scheduler(boost::asio::io_context &io, std::string region, Fire fire, Now now)
    : m_io(io)
    , m_region(std::move(region))
    , m_fire(std::move(fire))
    , m_now(now ? std::move(now) : Now(nowSeconds)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::set(std::vector<Schedule> schedules) {
    std::vector<std::shared_ptr<Entry>> entries;
    const std::int64_t now = m_now();
    for (auto &schedule : schedules) {
        auto same = std::find_if(m_entries.begin(), m_entries.end(),
                                 [&](const auto &e) { return e->schedule == schedule; });
        if (same != m_entries.end()) {
            entries.push_back(*same); // unchanged: keeps its origin and its timer
            m_entries.erase(same);
            continue;
        }
        auto entry = std::make_shared<Entry>(m_io);
        entry->schedule = std::move(schedule);
        entry->origin = now;
        entries.push_back(entry);
        arm(entry);
    }
    for (auto &gone : m_entries)
        gone->timer.cancel();
    m_entries = std::move(entries);
}

void Scheduler::arm(const std::shared_ptr<Entry> &entry) {
    entry->next.reset();
    if (!entry->schedule.enabled)
        return;
    const std::int64_t now = m_now();
    entry->next = entry->schedule.parsed.nextAfter(now, entry->origin);
    if (!entry->next)
        return;
    // (A steady timer: a wall clock set back or forward moves the firing by as much, no more.)
    entry->timer.expires_after(std::chrono::seconds(*entry->next - now));
    std::weak_ptr<Entry> weak = entry;
    entry->timer.async_wait([this, weak](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || !self->next)
            return;
        const std::int64_t at = *self->next;
        ++self->fired;
        m_fire(self->schedule, scheduledEventPayload(self->schedule, m_region, at));
        arm(self);
    });
}

std::vector<Scheduler::State> Scheduler::states() const {
    std::vector<State> out;
    for (const auto &entry : m_entries)
        out.push_back({entry->schedule, entry->next, entry->fired});
    return out;
}

void Scheduler::stop() {
    for (auto &entry : m_entries)
        entry->timer.cancel();
    m_entries.clear();
}

} // namespace nimbus::sim
