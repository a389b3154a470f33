#pragma once

#include <string>
#include <string_view>

namespace nimbus::net {

// Text as the AWS wire formats write it.
// XML character data and attribute values: & < > " ' escaped (and CR, which XML parsers
// would otherwise turn into LF).
std::string xmlEscape(std::string_view text);
// A moment (ms since the epoch, UTC) as "2026-11-26T08:00:00.000Z" (S3, SQS, events) and as
// "Thu, 26 Nov 2026 08:00:00 GMT" (HTTP dates).
std::string isoMillis(long long ms);
std::string httpDate(long long ms);

// ASCII letters in lower case, every other byte as it is (header names, keywords).
std::string asciiLower(std::string_view text);
// %XX sequences decoded (a malformed one is kept as written); with plusIsSpace, '+' is a
// space, as in a query string or a form body.
std::string percentDecode(std::string_view text, bool plusIsSpace = false);

} // namespace nimbus::net
