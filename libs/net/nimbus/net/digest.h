#pragma once

#include <string>
#include <string_view>

namespace nimbus::net {

// MD5 as the AWS APIs use it for integrity (S3's ETags and Content-MD5, SQS's MD5OfBody):
// the raw 16 bytes, or lower-case hex.
std::string md5(std::string_view data);
std::string md5Hex(std::string_view data);
std::string toHex(std::string_view bytes);

} // namespace nimbus::net
