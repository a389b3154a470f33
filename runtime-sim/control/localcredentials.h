#pragma once

#include "nimbus/sigv4/sigv4.h"

#include <optional>
#include <string>

namespace nimbus::sim {

// The access key the control plane accepts: made on the first start and kept in
// STATE_DIR/credentials.json (mode 0600), so clients configured once keep working.
std::optional<sigv4::Credentials> loadOrCreateCredentials(const std::string &stateDir,
                                                          std::string &error);

} // namespace nimbus::sim
