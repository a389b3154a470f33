#include "nimbus/sigv4/sigv4.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace nimbus::sigv4 {

namespace {

constexpr const char *kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string hex(const unsigned char *data, std::size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0xF]);
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
            hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// The path with "." and ".." resolved and empty segments dropped, then encoded: the wire
// path is encoded once more, as AWS's signers do for every service but S3.
std::string canonicalUri(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty())
                segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        start = end + 1;
    }
    std::string normalized = "/";
    for (std::size_t i = 0; i < segments.size(); ++i)
        normalized += (i ? "/" : "") + std::string(segments[i]);
    if (!segments.empty() && path.size() > 1 && path.back() == '/')
        normalized += "/";
    return uriEncode(normalized, true);
}

std::string canonicalQuery(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t start = 0;
    while (start < query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos)
            end = query.size();
        const std::string_view part = query.substr(start, end - start);
        if (!part.empty()) {
            const std::size_t eq = part.find('=');
            pairs.emplace_back(uriEncode(percentDecode(part.substr(0, eq))),
                               eq == std::string_view::npos
                                   ? std::string()
                                   : uriEncode(percentDecode(part.substr(eq + 1))));
        }
        start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto &[k, v] : pairs)
        out += (out.empty() ? "" : "&") + k + "=" + v;
    return out;
}

// Header values trimmed, inner runs of spaces collapsed, repeated headers joined by ",".
std::map<std::string, std::string> canonicalHeaders(const Request &request) {
    std::map<std::string, std::string> headers;
    for (const auto &[name, value] : request.headers) {
        std::string v;
        bool space = false;
        for (char c : value) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                space = !v.empty();
                continue;
            }
            if (space)
                v.push_back(' ');
            space = false;
            v.push_back(c);
        }
        auto [it, inserted] = headers.emplace(lower(name), v);
        if (!inserted)
            it->second += "," + v;
    }
    return headers;
}

std::string header(const Request &request, std::string_view name) {
    for (const auto &[k, v] : request.headers) {
        if (lower(k) == name)
            return v;
    }
    return {};
}

std::optional<std::time_t> parseAmzDate(const std::string &text) {
    std::tm tm{};
    if (text.size() != 16 || !strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm))
        return std::nullopt;
    return timegm(&tm);
}

Verdict refuse(std::string type, std::string message) {
    Verdict v;
    v.errorType = std::move(type);
    v.message = std::move(message);
    return v;
}

} // namespace

std::string uriEncode(std::string_view text, bool keepSlash) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            (keepSlash && c == '/')) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xF]);
        }
    }
    return out;
}

std::string sha256Hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(data.data()), data.size(), digest);
    return hex(digest, sizeof digest);
}

std::map<std::string, std::string> authorizationParameters(std::string_view parameters) {
    std::map<std::string, std::string> parts;
    for (std::string_view part : split(parameters, ',')) {
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (const std::size_t eq = part.find('='); eq != std::string_view::npos)
            parts[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    }
    return parts;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    for (std::size_t s = 0, e; s <= text.size(); s = e + 1) {
        e = text.find(separator, s);
        if (e == std::string_view::npos)
            e = text.size();
        out.emplace_back(text.substr(s, e - s));
    }
    return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(data.data()), data.size(), out, &size);
    return std::string(reinterpret_cast<const char *>(out), size);
}

std::string lowerHex(std::string_view bytes) {
    return hex(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
}

std::string Scope::credentialScope() const {
    return date() + "/" + region + "/" + service + "/aws4_request";
}

std::string canonicalRequest(const Request &request,
                             const std::vector<std::string> &signedHeaders) {
    return canonicalRequest(request, signedHeaders, sha256Hex(request.body), true);
}

std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders,
                             const std::string &payloadHash, bool normalizePath) {
    const auto headers = canonicalHeaders(request);
    std::string out = request.method + "\n" +
                      (normalizePath ? canonicalUri(request.path) : request.path) + "\n" +
                      canonicalQuery(request.query) + "\n";
    std::string names;
    for (const auto &name : signedHeaders) {
        const auto it = headers.find(name);
        out += name + ":" + (it == headers.end() ? std::string() : it->second) + "\n";
        names += (names.empty() ? "" : ";") + name;
    }
    return out + "\n" + names + "\n" + payloadHash;
}

std::string stringToSign(const Scope &scope, const std::string &canonical) {
    return std::string(kAlgorithm) + "\n" + scope.amzDate + "\n" + scope.credentialScope() + "\n" +
           sha256Hex(canonical);
}

std::string signature(const std::string &secretAccessKey, const Scope &scope,
                      const std::string &toSign) {
    const std::string key = hmacSha256(
        hmacSha256(hmacSha256(hmacSha256("AWS4" + secretAccessKey, scope.date()), scope.region),
                   scope.service),
        "aws4_request");
    return lowerHex(hmacSha256(key, toSign));
}

std::string amzDate(std::chrono::system_clock::time_point when) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[20];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
    return text;
}

void sign(Request &request, const Credentials &credentials, const Scope &scope) {
    std::erase_if(request.headers, [](const auto &h) {
        const std::string name = lower(h.first);
        return name == "authorization" || name == "x-amz-date" || name == "x-amz-security-token";
    });
    request.headers.emplace_back("X-Amz-Date", scope.amzDate);
    if (!credentials.sessionToken.empty())
        request.headers.emplace_back("X-Amz-Security-Token", credentials.sessionToken);
    std::vector<std::string> names;
    for (const auto &[name, value] : canonicalHeaders(request))
        names.push_back(name);
    const std::string toSign = stringToSign(scope, canonicalRequest(request, names));
    std::string list;
    for (const auto &name : names)
        list += (list.empty() ? "" : ";") + name;
    request.headers.emplace_back(
        "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.accessKeyId + "/" +
                             scope.credentialScope() + ", SignedHeaders=" + list + ", Signature=" +
                             signature(credentials.secretAccessKey, scope, toSign));
}

Verdict verify(const Request &request, const std::string &service,
               const std::function<std::optional<std::string>(const std::string &)> &secretFor,
               std::chrono::system_clock::time_point now) {
    const std::string authorization = header(request, "authorization");
    if (authorization.empty())
        return refuse("MissingAuthenticationTokenException", "Missing Authentication Token");
    if (authorization.rfind(std::string(kAlgorithm) + " ", 0) != 0)
        return refuse("IncompleteSignatureException",
                      "Authorization header requires the AWS4-HMAC-SHA256 algorithm");
    // Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex
    auto parts =
        authorizationParameters(std::string_view(authorization).substr(std::strlen(kAlgorithm) + 1));
    for (const char *required : {"Credential", "SignedHeaders", "Signature"}) {
        if (!parts.count(required))
            return refuse("IncompleteSignatureException",
                          std::string("Authorization header requires '") + required +
                              "' parameter. Authorization=" + authorization);
    }
    const std::vector<std::string> credential = split(parts["Credential"], '/');
    if (credential.size() != 5 || credential[4] != "aws4_request")
        return refuse("IncompleteSignatureException",
                      "Credential should be scoped to a valid region, and a service, and end with "
                      "aws4_request: " +
                          parts["Credential"]);
    Verdict verdict;
    verdict.accessKeyId = credential[0];
    const auto secret = secretFor(credential[0]);
    if (!secret)
        return refuse("UnrecognizedClientException",
                      "The security token included in the request is invalid: unknown access key "
                      "'" +
                          credential[0] + "'");
    const std::string date = header(request, "x-amz-date");
    const auto when = parseAmzDate(date);
    if (!when)
        return refuse("IncompleteSignatureException",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a "
                      "'Date' header.");
    const auto skew = std::chrono::system_clock::to_time_t(now) - *when;
    if (skew > 15 * 60 || skew < -15 * 60)
        return refuse("InvalidSignatureException", "Signature expired: " + date +
                                                       " is now earlier than " +
                                                       amzDate(now - std::chrono::minutes(15)) +
                                                       " (" + amzDate(now) + " - 15 min.)");
    if (credential[1] != date.substr(0, 8) || credential[3] != service)
        return refuse("InvalidSignatureException",
                      "Credential should be scoped to a valid date and service '" + service +
                          "', not " + parts["Credential"]);
    const std::vector<std::string> signedHeaders = split(parts["SignedHeaders"], ';');
    if (std::find(signedHeaders.begin(), signedHeaders.end(), "host") == signedHeaders.end())
        return refuse("InvalidSignatureException", "'Host' must be a signed header");
    // Every header that is signed must be there, and every X-Amz-* header that is there
    // must be signed: otherwise a header could be added or changed after signing.
    const auto present = canonicalHeaders(request);
    for (const auto &name : signedHeaders) {
        if (!present.count(name))
            return refuse("InvalidSignatureException",
                          "the signed header '" + name + "' is not in the request");
    }
    for (const auto &[name, value] : present) {
        if (name.rfind("x-amz-", 0) == 0 &&
            std::find(signedHeaders.begin(), signedHeaders.end(), name) == signedHeaders.end())
            return refuse("InvalidSignatureException",
                          "the header '" + name + "' must be signed (it is not in SignedHeaders)");
    }
    // S3 signs the path as sent (not normalised, not encoded again) and names the payload's
    // hash in X-Amz-Content-Sha256 (UNSIGNED-PAYLOAD, or the hash, which must be right).
    std::string payloadHash;
    if (service == "s3") {
        payloadHash = header(request, "x-amz-content-sha256");
        if (payloadHash.empty())
            return refuse("InvalidRequest",
                          "Missing required header for this request: x-amz-content-sha256");
        // (aws-chunked uploads, STREAMING-*, carry their chunks' own hashes: the storage
        // service decodes them.)
        if (payloadHash != "UNSIGNED-PAYLOAD" && payloadHash.rfind("STREAMING-", 0) != 0 &&
            payloadHash != sha256Hex(request.body))
            return refuse("XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what was "
                          "computed.");
    } else {
        payloadHash = sha256Hex(request.body);
    }
    const Scope scope{date, credential[2], credential[3]};
    const std::string expected = signature(
        *secret, scope,
        stringToSign(scope, canonicalRequest(request, signedHeaders, payloadHash, service != "s3")));
    const std::string &given = parts["Signature"];
    if (given.size() != expected.size() ||
        CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
        return refuse("InvalidSignatureException",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult "
                      "the service documentation for details.");
    verdict.ok = true;
    return verdict;
}

} // namespace nimbus::sigv4
