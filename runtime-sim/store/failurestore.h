#pragma once

#include "database.h"
#include "nimbus/failures/failure.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// The scenes of failed invocations (nimbus/failures) in SQLite, for `nimbus failures`,
// `nimbus replay` and the Studio. Failures are rare and each is worth keeping: add() writes
// at once and numbers it. The newest `keep` are kept. Methods throw StoreError.
class FailureStore {
public:
    explicit FailureStore(Database &db, std::size_t keep = 1000)
        : m_db(db)
        , m_keep(keep) {}
    void migrate();

    // Stores `failure` and returns its id.
    long long add(failures::Failure failure);
    // Newest first: at most `limit` of `function` or `alias` ("" for all: the manifest's and the deployed name) at or after
    // `sinceMs`.
    std::vector<failures::Failure> recent(long long sinceMs, const std::string &function, const std::string &alias,
                                          std::size_t limit);
    // By id, or by the failed invocation's request id.
    std::optional<failures::Failure> find(const std::string &idOrRequestId);

private:
    Database &m_db;
    std::size_t m_keep;
};

} // namespace nimbus::sim
