#include "functionstore.h"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

using nlohmann::json;

FunctionStore::FunctionStore(Database &db, std::string codeDir)
    : m_db(db)
    , m_codeDir(std::move(codeDir)) {}

void FunctionStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    code_hex TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    reserved INTEGER,
    last_version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    code_hex TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (name, alias));
)");
    std::error_code ec;
    fs::create_directories(m_codeDir, ec);
}

bool FunctionStore::hasCode(const std::string &hex) const {
    std::error_code ec;
    return fs::is_regular_file(codeZipPath(hex), ec);
}

void FunctionStore::putCode(const std::string &hex, std::string_view zip) {
    if (!hasCode(hex))
        commitCode(hex, stageCode(hex, zip));
}

std::string FunctionStore::stageCode(const std::string &hex, std::string_view zip) const {
    std::random_device random;
    const std::string temporary = codeZipPath(hex) + ".tmp-" + std::to_string(random());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw StoreError("cannot write " + temporary);
    std::size_t written = 0;
    while (written < zip.size()) {
        const ssize_t n = ::write(fd, zip.data() + written, zip.size() - written);
        if (n <= 0) {
            ::close(fd);
            ::unlink(temporary.c_str());
            throw StoreError("cannot write " + temporary);
        }
        written += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    return temporary;
}

void FunctionStore::commitCode(const std::string &hex, const std::string &staged) {
    if (hasCode(hex)) {
        ::unlink(staged.c_str());
        return;
    }
    if (::rename(staged.c_str(), codeZipPath(hex).c_str()) != 0) {
        ::unlink(staged.c_str());
        throw StoreError("cannot store the package " + hex);
    }
}

std::optional<std::string> FunctionStore::readCode(const std::string &hex) const {
    std::ifstream in(codeZipPath(hex), std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream data;
    data << in.rdbuf();
    return data.str();
}

std::string FunctionStore::codeZipPath(const std::string &hex) const {
    return (fs::path(m_codeDir) / (hex + ".zip")).string();
}

std::string FunctionStore::unpackedDir(const std::string &hex) const {
    return (fs::path(m_codeDir) / hex).string();
}

std::size_t FunctionStore::sweepCode(const std::set<std::string> &alsoUsed) {
    std::set<std::string> used = alsoUsed;
    Statement row = m_db.prepare("SELECT code_hex, config FROM functions UNION ALL "
                                 "SELECT code_hex, config FROM versions");
    while (row.step()) {
        used.insert(row.text(0));
        const json config = json::parse(row.text(1), nullptr, false);
        if (config.is_object() && config.contains("Layers"))
            for (const auto &layer : lambda::configurationFromJson(config).layers)
                if (!layer.codeHex.empty())
                    used.insert(layer.codeHex);
    }
    std::vector<fs::path> unused;
    std::error_code ec;
    for (auto it = fs::directory_iterator(m_codeDir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        // <hex>.zip and the folder <hex> are kept while <hex> is used; anything else here
        // (".zip.tmp-*", ".unpacking-*") was cut short.
        const fs::path &path = it->path();
        const bool zip = path.extension() == ".zip";
        const std::string hex = zip ? path.stem().string() : path.filename().string();
        std::error_code typeError;
        const bool kept = used.count(hex) && (zip ? it->is_regular_file(typeError)
                                                  : it->is_directory(typeError));
        if (!kept)
            unused.push_back(path);
    }
    std::size_t removed = 0;
    for (const auto &path : unused)
        if (fs::remove_all(path, ec) > 0 && !ec)
            ++removed;
    return removed;
}

FunctionRecord FunctionStore::readFunction(Statement &row) {
    FunctionRecord record;
    record.latest = lambda::configurationFromJson(json::parse(row.text(0)));
    record.codeHex = row.text(1);
    record.tags = json::parse(row.text(2)).get<lambda::Tags>();
    if (!row.isNull(3))
        record.reservedConcurrency = static_cast<int>(row.integer(3));
    record.lastVersion = static_cast<int>(row.integer(4));
    return record;
}

std::optional<FunctionRecord> FunctionStore::function(const std::string &name) {
    Statement row = m_db.prepare(
        "SELECT config, code_hex, tags, reserved, last_version FROM functions WHERE name = ?");
    row.bind(1, name);
    if (!row.step())
        return std::nullopt;
    return readFunction(row);
}

std::vector<FunctionRecord> FunctionStore::functions() {
    Statement row = m_db.prepare("SELECT config, code_hex, tags, reserved, last_version FROM "
                                 "functions ORDER BY name");
    std::vector<FunctionRecord> out;
    while (row.step())
        out.push_back(readFunction(row));
    return out;
}

bool FunctionStore::createFunction(const FunctionRecord &record) {
    Statement insert = m_db.prepare(
        "INSERT OR IGNORE INTO functions (name, config, code_hex, tags, reserved, last_version) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, record.latest.functionName)
        .bind(2, lambda::toRecordJson(record.latest).dump())
        .bind(3, record.codeHex)
        .bind(4, json(record.tags).dump())
        .bind(5, record.reservedConcurrency ? std::optional<long long>(*record.reservedConcurrency)
                                            : std::nullopt)
        .bind(6, static_cast<long long>(record.lastVersion));
    insert.run();
    Statement changed = m_db.prepare("SELECT changes()");
    changed.step();
    return changed.integer(0) == 1;
}

void FunctionStore::updateFunction(const FunctionRecord &record) {
    Statement update = m_db.prepare("UPDATE functions SET config = ?, code_hex = ?, tags = ?, "
                                    "reserved = ?, last_version = ? WHERE name = ?");
    update.bind(1, lambda::toRecordJson(record.latest).dump())
        .bind(2, record.codeHex)
        .bind(3, json(record.tags).dump())
        .bind(4, record.reservedConcurrency ? std::optional<long long>(*record.reservedConcurrency)
                                            : std::nullopt)
        .bind(5, static_cast<long long>(record.lastVersion))
        .bind(6, record.latest.functionName);
    update.run();
}

void FunctionStore::deleteFunction(const std::string &name) {
    Database::Transaction transaction(m_db);
    for (const char *sql : {"DELETE FROM aliases WHERE name = ?", "DELETE FROM versions WHERE name = ?",
                            "DELETE FROM functions WHERE name = ?"}) {
        Statement statement = m_db.prepare(sql);
        statement.bind(1, name);
        statement.run();
    }
    transaction.commit();
}

std::optional<VersionRecord> FunctionStore::version(const std::string &name, int version) {
    Statement row =
        m_db.prepare("SELECT config, code_hex FROM versions WHERE name = ? AND version = ?");
    row.bind(1, name).bind(2, static_cast<long long>(version));
    if (!row.step())
        return std::nullopt;
    return VersionRecord{lambda::configurationFromJson(json::parse(row.text(0))), row.text(1)};
}

std::vector<VersionRecord> FunctionStore::versions(const std::string &name) {
    Statement row =
        m_db.prepare("SELECT config, code_hex FROM versions WHERE name = ? ORDER BY version");
    row.bind(1, name);
    std::vector<VersionRecord> out;
    while (row.step())
        out.push_back({lambda::configurationFromJson(json::parse(row.text(0))), row.text(1)});
    return out;
}

void FunctionStore::addVersion(const std::string &name, const VersionRecord &record) {
    Database::Transaction transaction(m_db);
    const long long number = std::stoll(record.config.version);
    Statement insert =
        m_db.prepare("INSERT INTO versions (name, version, config, code_hex) VALUES (?, ?, ?, ?)");
    insert.bind(1, name)
        .bind(2, number)
        .bind(3, lambda::toRecordJson(record.config).dump())
        .bind(4, record.codeHex);
    insert.run();
    Statement advance = m_db.prepare("UPDATE functions SET last_version = ? WHERE name = ?");
    advance.bind(1, number).bind(2, name);
    advance.run();
    transaction.commit();
}

void FunctionStore::deleteVersion(const std::string &name, int version) {
    Statement statement = m_db.prepare("DELETE FROM versions WHERE name = ? AND version = ?");
    statement.bind(1, name).bind(2, static_cast<long long>(version));
    statement.run();
}

std::optional<lambda::AliasConfiguration> FunctionStore::alias(const std::string &name,
                                                               const std::string &alias) {
    Statement row = m_db.prepare("SELECT config FROM aliases WHERE name = ? AND alias = ?");
    row.bind(1, name).bind(2, alias);
    if (!row.step())
        return std::nullopt;
    return lambda::aliasFromJson(json::parse(row.text(0)));
}

std::vector<lambda::AliasConfiguration> FunctionStore::aliases(const std::string &name) {
    Statement row = m_db.prepare("SELECT config FROM aliases WHERE name = ? ORDER BY alias");
    row.bind(1, name);
    std::vector<lambda::AliasConfiguration> out;
    while (row.step())
        out.push_back(lambda::aliasFromJson(json::parse(row.text(0))));
    return out;
}

void FunctionStore::putAlias(const std::string &name, const lambda::AliasConfiguration &alias) {
    Statement statement =
        m_db.prepare("INSERT OR REPLACE INTO aliases (name, alias, config) VALUES (?, ?, ?)");
    statement.bind(1, name).bind(2, alias.name).bind(3, lambda::toJson(alias).dump());
    statement.run();
}

void FunctionStore::deleteAlias(const std::string &name, const std::string &alias) {
    Statement statement = m_db.prepare("DELETE FROM aliases WHERE name = ? AND alias = ?");
    statement.bind(1, name).bind(2, alias);
    statement.run();
}

} // namespace nimbus::sim
