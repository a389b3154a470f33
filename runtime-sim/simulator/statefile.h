#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nimbus::sim {

// DIR/.nimbus/sim.json: how clients find the simulator serving a project (its pid and the
// URLs it serves). Written with mode 0600, removed when the simulator exits.
class StateFile {
public:
    static std::string pathFor(const std::string &projectDir);

    // Writes atomically (temporary file + rename). Returns false with `error` set.
    static bool write(const std::string &projectDir, const nlohmann::json &state,
                      std::string &error);
    static void remove(const std::string &projectDir);

    // The state of a simulator that is still running for this project, if any; a file
    // left by a simulator that died is ignored.
    static std::optional<nlohmann::json> readLive(const std::string &projectDir);
};

} // namespace nimbus::sim
