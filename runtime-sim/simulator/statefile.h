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
    // left by a simulator that died is ignored. Whether it runs is told by its lock (below),
    // which the kernel releases the moment the process ends, however it ends; a pid is
    // consulted only for a state file without a lock beside it.
    static std::optional<nlohmann::json> readLive(const std::string &projectDir);

    // Takes the project's serving lock (an open-file-description write lock on
    // .nimbus/sim.lock), kept for as long as the returned descriptor is open (close-on-exec:
    // instances do not inherit it). -1 with `error` set when another simulator holds it, or
    // when the file cannot be opened.
    static int lock(const std::string &projectDir, std::string &error);
    static std::string lockPathFor(const std::string &projectDir);
};

} // namespace nimbus::sim
