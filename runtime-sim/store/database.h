#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace nimbus::sim {

// One prepared SQL statement. Bind parameters (1-based), then step() through the rows.
class Statement {
public:
    Statement(sqlite3 *db, sqlite3_stmt *stmt)
        : m_db(db)
        , m_stmt(stmt) {}
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&) = delete;
    ~Statement();

    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, long long value);
    Statement &bindNull(int index);
    Statement &bind(int index, const std::optional<long long> &value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // Runs to the next row: true when there is one. Throws StoreError on failure.
    bool step();
    // Ready to run again, with new values (a statement prepared once for many rows).
    Statement &reset();
    // Runs a statement that returns no rows.
    void run() {
        while (step()) {
        }
    }

    std::string text(int column) const;
    long long integer(int column) const;
    bool isNull(int column) const;

private:
    sqlite3 *m_db;
    sqlite3_stmt *m_stmt;
};

// What a failed store operation throws inside the store; the store's public methods catch
// it and report it as an error.
struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// How many rows a store that keeps its newest `keep` adds between two trims: a trim costs
// a scan, so it runs once per a sixteenth of `keep` (at least 64), and a table holds up to
// that many rows beyond `keep` in between.
inline std::size_t trimInterval(std::size_t keep) {
    return keep / 16 > 64 ? keep / 16 : 64;
}

// What a buffering store's flush(maxRows) writes in one go: at most `maxRows` of what it
// buffered (0: all), the oldest first; the rest stays for the next call.
template <typename T> std::vector<T> takeOldest(std::vector<T> &buffer, std::size_t maxRows) {
    if (maxRows == 0 || buffer.size() <= maxRows)
        return std::exchange(buffer, {});
    std::vector<T> taken(std::make_move_iterator(buffer.begin()),
                         std::make_move_iterator(buffer.begin() + static_cast<long>(maxRows)));
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<long>(maxRows));
    return taken;
}

// A SQLite database file (WAL journal: a write that returned is on disk even if the process
// is killed the next instant). The one place that speaks SQLite.
class Database {
public:
    static std::unique_ptr<Database> open(const std::string &path, std::string &error);
    ~Database();

    void exec(const std::string &sql); // throws StoreError
    Statement prepare(const std::string &sql);
    long long lastInsertId() const;

    // BEGIN IMMEDIATE ... COMMIT, rolled back if destroyed before commit().
    class Transaction {
    public:
        explicit Transaction(Database &db);
        ~Transaction();
        void commit();

    private:
        Database &m_db;
        bool m_done = false;
    };

private:
    explicit Database(sqlite3 *db)
        : m_db(db) {}
    sqlite3 *m_db;
};

} // namespace nimbus::sim
