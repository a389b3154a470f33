#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::sigv4 {

struct Credentials {
    std::string accessKeyId;
    std::string secretAccessKey;
    std::string sessionToken; // optional; sent as X-Amz-Security-Token
};

// A request as it goes on the wire: the path and query percent-encoded as sent.
struct Request {
    std::string method;
    std::string path = "/";
    std::string query; // after '?', as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// Where and when a signature applies: 20150830 / us-east-1 / lambda / aws4_request.
struct Scope {
    std::string amzDate; // 20150830T123600Z
    std::string region;
    std::string service;
    std::string date() const { return amzDate.substr(0, 8); }
    std::string credentialScope() const;
};

// The steps of the algorithm, exposed for tests and for error messages.
std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders);
// The same with the payload's hash given, and the path taken as sent when not normalizePath
// (S3's rules).
std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders,
                             const std::string &payloadHash, bool normalizePath);
std::string stringToSign(const Scope &scope, const std::string &canonicalRequest);
std::string signature(const std::string &secretAccessKey, const Scope &scope,
                      const std::string &stringToSign);

// Signs a request: adds X-Amz-Date (from scope), X-Amz-Content-Sha256 is not added (Lambda
// does not use it), X-Amz-Security-Token when there is a session token, and
// Authorization. Every header present (Host must be) is signed.
void sign(Request &request, const Credentials &credentials, const Scope &scope);

// "20150830T123600Z" for a moment.
std::string amzDate(std::chrono::system_clock::time_point when);

// What a server concludes about a request's signature.
struct Verdict {
    bool ok = false;
    std::string accessKeyId;
    std::string errorType; // as Lambda names it: InvalidSignatureException, ...
    std::string message;   // as Lambda words it
};

// Checks a request's Authorization header against the secret that `secretFor` returns for
// its access key (nullopt: unknown key), for `service`, at `now` (signatures more than
// 15 minutes off are refused, as AWS refuses them).
Verdict verify(const Request &request, const std::string &service,
               const std::function<std::optional<std::string>(const std::string &)> &secretFor,
               std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The parameters of an Authorization header "ALGORITHM k1=v1, k2=v2" (the algorithm and
// its space already removed from `parameters`): {k1: v1, k2: v2}.
std::map<std::string, std::string> authorizationParameters(std::string_view parameters);
// "a;b;c" split at `separator`: {"a", "b", "c"}.
std::vector<std::string> split(std::string_view text, char separator);

// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ (and '/' when
// `keepSlash`) as %XX with upper-case hex.
std::string uriEncode(std::string_view text, bool keepSlash = false);
std::string sha256Hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, as raw bytes; and bytes as lower-case hex.
std::string hmacSha256(std::string_view key, std::string_view data);
std::string lowerHex(std::string_view bytes);

} // namespace nimbus::sigv4
