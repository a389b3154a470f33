#pragma once

#include "database.h"
#include "nimbus/lambda/layertypes.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::sim {

// A published layer version: what the API says of it, and its package in the code store.
struct LayerVersionRecord {
    lambda::LayerVersion config;
    std::string codeHex;
};

// Published layer versions in SQLite, by layer name and version number. Their packages live
// in the code store functions use (FunctionStore::putCode). Version numbers are never
// reused, as on Lambda: the highest a layer ever had is kept after its versions are deleted.
// Methods throw StoreError.
class LayerStore {
public:
    explicit LayerStore(Database &db)
        : m_db(db) {}
    void migrate();

    // Records the next version of record.config.layerName, numbered one past the highest the
    // layer ever had: sets record.config.version and its layerVersionArn (layerArn:N), in
    // one transaction.
    void publish(LayerVersionRecord &record);
    std::optional<LayerVersionRecord> version(const std::string &name, long long version);
    std::vector<LayerVersionRecord> versions(const std::string &name); // newest first
    std::vector<std::string> names(); // the layers with a version, by name
    // False when there was no such version.
    bool remove(const std::string &name, long long version);
    // The packages the published versions use.
    std::set<std::string> codeInUse();

private:
    Database &m_db;
};

} // namespace nimbus::sim
