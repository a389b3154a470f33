#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

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
