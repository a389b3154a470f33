#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::net {

// Standard base64 (RFC 4648, with padding), as Lambda and API Gateway use it.
std::string base64Encode(std::string_view data);
// Accepts padded or unpadded input; nullopt when it is not base64.
std::optional<std::string> base64Decode(std::string_view text);

} // namespace nimbus::net
