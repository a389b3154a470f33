#pragma once

#include "nimbus/sigv4/sigv4.h"

#include <optional>
#include <string>

namespace nimbus::sim {

// The access key the control plane accepts: made on the first start and kept in
// STATE_DIR/credentials.json (mode 0600), so clients configured once keep working.
std::optional<sigv4::Credentials> loadOrCreateCredentials(const std::string &stateDir,
                                                          std::string &error);

// Makes sure `stateDir` (PROJECT/.nimbus) is this user's own folder, for this user alone
// (0700): created so when missing; refused, with `error` saying why and what to do, when it
// is a link, belongs to another user, or cannot be made private. Another user who could plant
// credentials.json there would hold the simulator's keys.
bool ensurePrivateStateDir(const std::string &stateDir, std::string &error);

} // namespace nimbus::sim
