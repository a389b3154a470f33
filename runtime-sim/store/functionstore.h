#pragma once

#include "database.h"
#include "nimbus/lambda/lambdatypes.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::sim {

// A deployed function: its $LATEST and what belongs to the function as a whole.
struct FunctionRecord {
    lambda::FunctionConfiguration latest;
    std::string codeHex; // the package of $LATEST, by SHA-256
    lambda::Tags tags;
    std::optional<int> reservedConcurrency;
    int lastVersion = 0; // the highest version number published (numbers are never reused)
};

// A published version: an immutable snapshot of configuration and package.
struct VersionRecord {
    lambda::FunctionConfiguration config;
    std::string codeHex;
};

// Deployed functions, versions and aliases in SQLite, and code packages stored once each by
// SHA-256 (PROJECT/.nimbus/code/<sha256>.zip, unpacked beside it on first use). Every change
// is one transaction: after a crash the store holds the state before or after it, never
// between. Methods throw StoreError when the database fails.
class FunctionStore {
public:
    FunctionStore(Database &db, std::string codeDir);

    // The schema, created or brought up to date.
    void migrate();

    // Code packages.
    bool hasCode(const std::string &hex) const;
    // Writes the package (temporary file, fsync, rename) unless it is already stored.
    void putCode(const std::string &hex, std::string_view zip);
    // putCode in two steps, for a package prepared away from the I/O thread: stageCode
    // writes and syncs a temporary file (safe on any thread; it touches no database) and
    // returns its path; commitCode renames it into place, or removes it when the package is
    // already there. A staged file that is never committed should be removed; one left by a
    // crash goes with the next sweepCode().
    std::string stageCode(const std::string &hex, std::string_view zip) const;
    void commitCode(const std::string &hex, const std::string &staged);
    std::optional<std::string> readCode(const std::string &hex) const;
    std::string codeZipPath(const std::string &hex) const;
    std::string unpackedDir(const std::string &hex) const;
    // Removes from the code folder what no function or version uses, nor a layer they
    // list (even one whose version was deleted since), nor `alsoUsed` (the published layer
    // versions' packages): packages replaced or deleted, and the leftovers of a write or an
    // unpacking that a crash cut short. Call it when nothing runs from the folder (the
    // control plane does, at start). Returns how many entries it removed.
    std::size_t sweepCode(const std::set<std::string> &alsoUsed = {});

    // Functions.
    std::optional<FunctionRecord> function(const std::string &name);
    std::vector<FunctionRecord> functions(); // by name
    // False when a function of that name exists.
    bool createFunction(const FunctionRecord &record);
    void updateFunction(const FunctionRecord &record);
    // Removes the function with its versions and aliases.
    void deleteFunction(const std::string &name);

    // Versions.
    std::optional<VersionRecord> version(const std::string &name, int version);
    std::vector<VersionRecord> versions(const std::string &name); // ascending
    // Records version record.config.Version (the caller numbers it from lastVersion) and
    // advances the function's lastVersion, in one transaction.
    void addVersion(const std::string &name, const VersionRecord &record);
    void deleteVersion(const std::string &name, int version);

    // Aliases.
    std::optional<lambda::AliasConfiguration> alias(const std::string &name,
                                                    const std::string &alias);
    std::vector<lambda::AliasConfiguration> aliases(const std::string &name); // by name
    void putAlias(const std::string &name, const lambda::AliasConfiguration &alias);
    void deleteAlias(const std::string &name, const std::string &alias);

private:
    FunctionRecord readFunction(Statement &row);

    Database &m_db;
    std::string m_codeDir;
};

} // namespace nimbus::sim
