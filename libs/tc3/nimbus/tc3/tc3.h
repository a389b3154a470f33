#pragma once

#include "nimbus/sigv4/sigv4.h"

#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0: SigV4's construction with
// Tencent's names — a credential scope of DATE/SERVICE/tc3_request, the timestamp in
// X-TC-Timestamp as Unix seconds, and a key derived from "TC3" + SecretKey.
namespace nimbus::tc3 {

constexpr const char *kAlgorithm = "TC3-HMAC-SHA256";

struct Credentials {
    std::string secretId;
    std::string secretKey;
    std::string token; // optional; sent as X-TC-Token
};

// A request as it goes on the wire: API 3.0 posts JSON to "/" with an empty query.
struct Request {
    std::string method = "POST";
    std::string path = "/";
    std::string query; // after '?', as sent (GET requests)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// The steps of the algorithm, exposed for tests and for error messages.
// Header names and values are lower-cased and trimmed, as Tencent's rules say.
std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders);
// "2019-02-25" for a timestamp: the UTC date the credential scope names.
std::string utcDate(std::time_t timestamp);
std::string credentialScope(std::time_t timestamp, const std::string &service);
std::string stringToSign(std::time_t timestamp, const std::string &service,
                         const std::string &canonicalRequest);
std::string signature(const std::string &secretKey, std::time_t timestamp,
                      const std::string &service, const std::string &stringToSign);

// Signs a request as Tencent's SDKs do: sets X-TC-Timestamp (and X-TC-Token with a token)
// and Authorization over content-type and host. The Host header must be present; it is
// signed without a port, as the SDKs sign it.
void sign(Request &request, const Credentials &credentials, const std::string &service,
          std::time_t timestamp);

// What a server concludes about a request's signature.
struct Verdict {
    bool ok = false;
    std::string secretId;
    std::string errorCode; // as API 3.0 names it: AuthFailure.SignatureFailure, ...
    std::string message;
};

// Checks a request's Authorization header against the secret `secretFor` returns for its
// SecretId (nullopt: unknown), for `service`, at `now`: the timestamp may be at most five
// minutes off, as Tencent allows. The host is accepted as sent or without its port (the
// SDKs sign the endpoint's host name, and a local endpoint has a port), and the scope's
// service may be the host's first label (the SDKs derive it from the endpoint: '127' for
// 127.0.0.1:PORT).
Verdict verify(const Request &request, const std::string &service,
               const std::function<std::optional<std::string>(const std::string &)> &secretFor,
               std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

} // namespace nimbus::tc3
