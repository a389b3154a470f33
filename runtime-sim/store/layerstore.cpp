#include "layerstore.h"

#include <nlohmann/json.hpp>

namespace nimbus::sim {

using nlohmann::json;

namespace {

LayerVersionRecord readVersion(const Statement &row) {
    return {lambda::layerVersionFromJson(json::parse(row.text(0))), row.text(1)};
}

} // namespace

void LayerStore::migrate() {
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS layers (
    name TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS layer_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    code_hex TEXT NOT NULL,
    PRIMARY KEY (name, version));
)");
}

void LayerStore::publish(LayerVersionRecord &record) {
    auto &config = record.config;
    Database::Transaction transaction(m_db);
    Statement last = m_db.prepare("SELECT last_version FROM layers WHERE name = ?");
    last.bind(1, config.layerName);
    config.version = last.step() ? last.integer(0) + 1 : 1;
    config.layerVersionArn = config.layerArn + ":" + std::to_string(config.version);
    Statement advance =
        m_db.prepare("INSERT INTO layers (name, last_version) VALUES (?, ?) "
                     "ON CONFLICT(name) DO UPDATE SET last_version = excluded.last_version");
    advance.bind(1, config.layerName).bind(2, config.version);
    advance.run();
    Statement insert = m_db.prepare(
        "INSERT INTO layer_versions (name, version, config, code_hex) VALUES (?, ?, ?, ?)");
    insert.bind(1, config.layerName)
        .bind(2, config.version)
        .bind(3, lambda::toRecordJson(config).dump())
        .bind(4, record.codeHex);
    insert.run();
    transaction.commit();
}

std::optional<LayerVersionRecord> LayerStore::version(const std::string &name, long long version) {
    Statement row =
        m_db.prepare("SELECT config, code_hex FROM layer_versions WHERE name = ? AND version = ?");
    row.bind(1, name).bind(2, version);
    if (!row.step())
        return std::nullopt;
    return readVersion(row);
}

std::vector<LayerVersionRecord> LayerStore::versions(const std::string &name) {
    Statement row = m_db.prepare(
        "SELECT config, code_hex FROM layer_versions WHERE name = ? ORDER BY version DESC");
    row.bind(1, name);
    std::vector<LayerVersionRecord> out;
    while (row.step())
        out.push_back(readVersion(row));
    return out;
}

std::vector<std::string> LayerStore::names() {
    Statement row = m_db.prepare("SELECT DISTINCT name FROM layer_versions ORDER BY name");
    std::vector<std::string> out;
    while (row.step())
        out.push_back(row.text(0));
    return out;
}

bool LayerStore::remove(const std::string &name, long long version) {
    if (!this->version(name, version))
        return false;
    Statement row = m_db.prepare("DELETE FROM layer_versions WHERE name = ? AND version = ?");
    row.bind(1, name).bind(2, version);
    row.run();
    return true;
}

std::set<std::string> LayerStore::codeInUse() {
    Statement row = m_db.prepare("SELECT DISTINCT code_hex FROM layer_versions");
    std::set<std::string> out;
    while (row.step())
        out.insert(row.text(0));
    return out;
}

} // namespace nimbus::sim
