#pragma once

#include "backgroundwriter.h"
#include "database.h"

#include <map>
#include <string>
#include <vector>

namespace nimbus::sim {

// One log line as CloudWatch Logs keeps it.
struct LogEvent {
    long long id = 0;
    std::string group;  // /aws/lambda/<function>
    std::string stream; // 2024/01/31/[$LATEST]<instance>
    long long timestampMs = 0;
    std::string message;
};

// Functions' logs in SQLite, kept per log group up to a limit (the oldest go first). Lines
// are buffered and written together by flush(), so a busy function costs one transaction
// per flush, not one per line. Methods throw StoreError.
class LogStore {
public:
    explicit LogStore(Database &db, std::size_t keepPerGroup = 20000)
        : m_db(db)
        , m_keep(keepPerGroup) {}
    void migrate();

    void append(LogEvent event) { m_rows.append(std::move(event)); }
    bool hasBuffered() const { return !m_rows.empty(); }
    // Writes what is buffered, at most `maxRows` of it (0: all); true when some is left.
    // With a background writer, all of it is handed over at once and written there.
    bool flush(std::size_t maxRows = 0) { return m_rows.flush(maxRows); }
    // Writes through `writer` (its thread, its connection) from now on; nullptr: here.
    void setWriter(BackgroundWriter *writer) { m_rows.setWriter(writer); }

    // Events of a group from `startMs` to `endMs` (0: open), after the event `afterId`,
    // matching a CloudWatch filter pattern's terms, oldest first.
    std::vector<LogEvent> filter(const std::string &group, long long startMs, long long endMs,
                                 const std::string &pattern, long long afterId, int limit);
    std::vector<std::string> groups(const std::string &prefix);

private:
    // Writes a burst in one transaction, trimming now and then (on the writer's thread
    // when there is one: m_sinceTrim is its alone).
    void write(Database &db, const std::vector<LogEvent> &rows);

    Database &m_db;
    std::size_t m_keep;
    BufferedRows<LogEvent> m_rows{
        m_db, [this](Database &db, const std::vector<LogEvent> &rows) { write(db, rows); }};
    std::map<std::string, std::size_t> m_sinceTrim; // lines added since its last trim, by group
};

// Whether a message matches a CloudWatch Logs filter pattern's plain form: every term
// (a word or a "quoted phrase") must appear, or with ?terms any one of them; empty matches.
bool matchesFilterPattern(const std::string &pattern, const std::string &message);

} // namespace nimbus::sim
