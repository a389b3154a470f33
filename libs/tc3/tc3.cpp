#include "nimbus/tc3/tc3.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <openssl/crypto.h>

namespace nimbus::tc3 {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

std::string header(const Request &request, std::string_view name) {
    for (const auto &[k, v] : request.headers) {
        if (lower(k) == name)
            return v;
    }
    return {};
}

// The headers as the canonical request lists them: names lower-cased, values trimmed and,
// when `lowerValues`, lower-cased too (Tencent's rule; its SDKs send lower-case values
// without lower-casing them, so a server tries both).
std::map<std::string, std::string> canonicalHeaders(const Request &request, bool lowerValues) {
    std::map<std::string, std::string> headers;
    for (const auto &[name, value] : request.headers) {
        const std::string v = trim(value);
        headers.emplace(lower(name), lowerValues ? lower(v) : v);
    }
    return headers;
}

std::string canonicalRequest(const std::map<std::string, std::string> &headers,
                             const Request &request,
                             const std::vector<std::string> &signedHeaders) {
    std::string out = request.method + "\n" + request.path + "\n" + request.query + "\n";
    std::string names;
    for (const auto &name : signedHeaders) {
        const auto it = headers.find(name);
        out += name + ":" + (it == headers.end() ? std::string() : it->second) + "\n";
        names += (names.empty() ? "" : ";") + name;
    }
    return out + "\n" + names + "\n" + sigv4::sha256Hex(request.body);
}

Verdict refuse(std::string code, std::string message) {
    Verdict v;
    v.errorCode = std::move(code);
    v.message = std::move(message);
    return v;
}

std::optional<std::time_t> parseTimestamp(const std::string &text) {
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    return static_cast<std::time_t>(std::stoll(text));
}

} // namespace

std::string canonicalRequest(const Request &request,
                             const std::vector<std::string> &signedHeaders) {
    return canonicalRequest(canonicalHeaders(request, true), request, signedHeaders);
}

std::string utcDate(std::time_t timestamp) {
    std::tm tm{};
    gmtime_r(&timestamp, &tm);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
    return text;
}

std::string credentialScope(std::time_t timestamp, const std::string &service) {
    return utcDate(timestamp) + "/" + service + "/tc3_request";
}

std::string stringToSign(std::time_t timestamp, const std::string &service,
                         const std::string &canonical) {
    return std::string(kAlgorithm) + "\n" + std::to_string(timestamp) + "\n" +
           credentialScope(timestamp, service) + "\n" + sigv4::sha256Hex(canonical);
}

std::string signature(const std::string &secretKey, std::time_t timestamp,
                      const std::string &service, const std::string &toSign) {
    const std::string key = sigv4::hmacSha256(
        sigv4::hmacSha256(sigv4::hmacSha256("TC3" + secretKey, utcDate(timestamp)), service),
        "tc3_request");
    return sigv4::lowerHex(sigv4::hmacSha256(key, toSign));
}

void sign(Request &request, const Credentials &credentials, const std::string &service,
          std::time_t timestamp) {
    std::erase_if(request.headers, [](const auto &h) {
        const std::string name = lower(h.first);
        return name == "authorization" || name == "x-tc-timestamp" || name == "x-tc-token";
    });
    request.headers.emplace_back("X-TC-Timestamp", std::to_string(timestamp));
    if (!credentials.token.empty())
        request.headers.emplace_back("X-TC-Token", credentials.token);
    auto headers = canonicalHeaders(request, true);
    std::string &host = headers["host"];
    if (const auto colon = host.rfind(':');
        colon != std::string::npos && host.find(']', colon) == std::string::npos)
        host.erase(colon);
    const std::vector<std::string> names{"content-type", "host"};
    const std::string toSign =
        stringToSign(timestamp, service, canonicalRequest(headers, request, names));
    request.headers.emplace_back(
        "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.secretId + "/" +
                             credentialScope(timestamp, service) +
                             ", SignedHeaders=content-type;host, Signature=" +
                             signature(credentials.secretKey, timestamp, service, toSign));
}

Verdict verify(const Request &request, const std::string &service,
               const std::function<std::optional<std::string>(const std::string &)> &secretFor,
               std::chrono::system_clock::time_point now) {
    const std::string authorization = header(request, "authorization");
    if (authorization.empty())
        return refuse("AuthFailure.SignatureFailure",
                      "The request has no Authorization header; sign it with TC3-HMAC-SHA256 "
                      "(Tencent Cloud's SDKs and tccli do).");
    if (authorization.rfind(std::string(kAlgorithm) + " ", 0) != 0)
        return refuse("AuthFailure.InvalidAuthorization",
                      "The Authorization header must use the TC3-HMAC-SHA256 algorithm: " +
                          authorization.substr(0, authorization.find(' ')));
    auto parts = sigv4::authorizationParameters(
        std::string_view(authorization).substr(std::strlen(kAlgorithm) + 1));
    for (const char *required : {"Credential", "SignedHeaders", "Signature"}) {
        if (!parts.count(required))
            return refuse("AuthFailure.InvalidAuthorization",
                          std::string("The Authorization header has no '") + required +
                              "' parameter.");
    }
    const std::vector<std::string> credential = sigv4::split(parts["Credential"], '/');
    if (credential.size() != 4 || credential[3] != "tc3_request")
        return refuse("AuthFailure.InvalidAuthorization",
                      "The credential must read SECRETID/DATE/SERVICE/tc3_request, not '" +
                          parts["Credential"] + "'.");
    const auto secret = secretFor(credential[0]);
    if (!secret)
        return refuse("AuthFailure.SecretIdNotFound",
                      "The SecretId '" + credential[0] +
                          "' does not exist on this endpoint; use the credentials in its "
                          "sim.json or set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY.");
    const std::string stamp = header(request, "x-tc-timestamp");
    const auto timestamp = parseTimestamp(stamp);
    if (!timestamp)
        return refuse("MissingParameter",
                      "The request is missing a valid X-TC-Timestamp header (Unix seconds).");
    const auto skew = std::chrono::system_clock::to_time_t(now) - *timestamp;
    if (skew > 5 * 60 || skew < -5 * 60)
        return refuse("AuthFailure.SignatureExpire",
                      "Signature expired: X-TC-Timestamp " + stamp + " is " +
                          std::to_string(skew < 0 ? -skew : skew) +
                          " s from the server's time; the two may differ by at most five "
                          "minutes.");
    // Tencent's SDKs name the service after the endpoint's first label: 'scf' of
    // scf.tencentcloudapi.com, but '127' of a local 127.0.0.1:PORT.
    const std::string sentHost = header(request, "host");
    const std::string hostLabel = sentHost.substr(0, sentHost.find_first_of(".:"));
    if (credential[1] != utcDate(*timestamp) ||
        (credential[2] != service && (hostLabel.empty() || credential[2] != hostLabel)))
        return refuse("AuthFailure.SignatureFailure",
                      "The credential scope must be " + credentialScope(*timestamp, service) +
                          " (the UTC date of X-TC-Timestamp and the service '" + service +
                          "'), not '" + parts["Credential"].substr(credential[0].size() + 1) +
                          "'.");
    const std::string &scopeService = credential[2];
    const std::vector<std::string> signedHeaders = sigv4::split(parts["SignedHeaders"], ';');
    for (const char *required : {"content-type", "host"}) {
        if (std::find(signedHeaders.begin(), signedHeaders.end(), required) ==
            signedHeaders.end())
            return refuse("AuthFailure.SignatureFailure",
                          std::string("SignedHeaders must include '") + required +
                              "' (content-type and host are always signed).");
    }
    const std::string &given = parts["Signature"];
    for (const bool lowerValues : {true, false}) {
        auto headers = canonicalHeaders(request, lowerValues);
        for (const auto &name : signedHeaders) {
            if (!headers.count(name))
                return refuse("AuthFailure.SignatureFailure",
                              "The signed header '" + name + "' is not in the request.");
        }
        // The host as sent, then without its port.
        std::vector<std::string> hosts{headers["host"]};
        if (const auto colon = hosts[0].rfind(':');
            colon != std::string::npos && hosts[0].find(']', colon) == std::string::npos)
            hosts.push_back(hosts[0].substr(0, colon));
        for (const auto &host : hosts) {
            headers["host"] = host;
            const std::string expected =
                signature(*secret, *timestamp, scopeService,
                          stringToSign(*timestamp, scopeService,
                                       canonicalRequest(headers, request, signedHeaders)));
            if (given.size() == expected.size() &&
                CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) {
                Verdict verdict;
                verdict.ok = true;
                verdict.secretId = credential[0];
                return verdict;
            }
        }
    }
    return refuse("AuthFailure.SignatureFailure",
                  "The provided credentials could not be validated. Please check your signature "
                  "is correct.");
}

} // namespace nimbus::tc3
