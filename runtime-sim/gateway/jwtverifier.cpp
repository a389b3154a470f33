#include "jwtverifier.h"

#include "authorizertext.h"
#include "nimbus/net/base64.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace nimbus::sim {

using nlohmann::json;
using Outcome = AuthorizerVerdict::Outcome;

namespace {

using authorizertext::joined;
using authorizertext::splitList;
using authorizertext::stringOf;
using authorizertext::stringsOf;
using authorizertext::trim;
using authorizertext::verdict;
using net::asciiLower;

// ---------------------------------------------------------------------------------------
// Text





std::string listText(const std::vector<std::string> &items) {
    return "[" + joined(items, ", ") + "]";
}

// "2024-05-01T12:00:00Z"
std::string isoTime(std::int64_t seconds) {
    const std::time_t time = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&time, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

// ---------------------------------------------------------------------------------------
// JSON members



// ---------------------------------------------------------------------------------------
// Keys and signatures

template <auto Free> struct Deleter {
    template <typename T> void operator()(T *p) const { Free(p); }
};
template <typename T, auto Free> using Owned = std::unique_ptr<T, Deleter<Free>>;
using OwnedBignum = Owned<BIGNUM, BN_free>;

const unsigned char *bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char *>(s.data());
}

OwnedBignum bignum(std::string_view bigEndian) {
    return OwnedBignum(BN_bin2bn(bytes(bigEndian), static_cast<int>(bigEndian.size()), nullptr));
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
    std::string standard;
    standard.reserve(text.size());
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            standard += c;
        else if (c == '-')
            standard += '+';
        else if (c == '_')
            standard += '/';
        else
            return std::nullopt;
    }
    return net::base64Decode(standard);
}

std::shared_ptr<EVP_PKEY> publicKeyFrom(const char *type, OSSL_PARAM_BLD *builder) {
    Owned<OSSL_PARAM, OSSL_PARAM_free> params(OSSL_PARAM_BLD_to_param(builder));
    Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free> context(
        EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return {};
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> rsaKey(const std::string &modulus, const std::string &exponent) {
    const OwnedBignum n = bignum(modulus), e = bignum(exponent);
    Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> builder(OSSL_PARAM_BLD_new());
    if (!n || !e || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return {};
    return publicKeyFrom("RSA", builder.get());
}

// An EC public key from its coordinates; empty when the point is not on the curve.
std::shared_ptr<EVP_PKEY> ecKey(const char *group, const std::string &x, const std::string &y) {
    const std::string point = '\x04' + x + y; // uncompressed form
    Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1)
        return {};
    auto key = publicKeyFrom("EC", builder.get());
    if (!key)
        return {};
    Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free> check(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return {};
    return key;
}

struct CurveInfo {
    const char *jwkName;
    const char *opensslName;
    std::size_t coordinateSize;
    const char *alg;
};

constexpr CurveInfo kCurves[] = {
    {"P-256", "prime256v1", 32, "ES256"},
    {"P-384", "secp384r1", 48, "ES384"},
};

const CurveInfo *curveNamed(const std::string &name) {
    const auto found = std::find_if(std::begin(kCurves), std::end(kCurves),
                                    [&](const CurveInfo &curve) { return name == curve.jwkName; });
    return found == std::end(kCurves) ? nullptr : found;
}

std::optional<std::string> decodedMember(const json &jwk, const char *member, std::string &why) {
    const auto decoded = base64UrlDecode(stringOf(jwk, member));
    if (!decoded || decoded->empty())
        why = std::string(member) + " is missing or not base64url";
    return decoded && !decoded->empty() ? decoded : std::nullopt;
}

std::optional<JwksKey> rsaJwk(const json &jwk, JwksKey key, std::string &why) {
    if (!key.alg.empty() && key.alg != "RS256" && key.alg != "RS384" && key.alg != "RS512") {
        why = "alg " + key.alg + " is not supported for RSA keys";
        return std::nullopt;
    }
    const auto n = decodedMember(jwk, "n", why);
    const auto e = n ? decodedMember(jwk, "e", why) : std::nullopt;
    if (!n || !e)
        return std::nullopt;
    key.key = rsaKey(*n, *e);
    if (!key.key) {
        why = "n and e do not make an RSA key";
        return std::nullopt;
    }
    return key;
}

std::optional<JwksKey> ecJwk(const json &jwk, JwksKey key, std::string &why) {
    key.curve = stringOf(jwk, "crv");
    const CurveInfo *curve = curveNamed(key.curve);
    if (!curve) {
        why = "curve '" + key.curve + "' is not supported (P-256 and P-384 are)";
        return std::nullopt;
    }
    if (!key.alg.empty() && key.alg != curve->alg) {
        why = "alg " + key.alg + " does not fit curve " + key.curve;
        return std::nullopt;
    }
    const auto x = decodedMember(jwk, "x", why);
    const auto y = x ? decodedMember(jwk, "y", why) : std::nullopt;
    if (!x || !y)
        return std::nullopt;
    if (x->size() != curve->coordinateSize || y->size() != curve->coordinateSize) {
        why =
            "x and y must be " + std::to_string(curve->coordinateSize) + " bytes for " + key.curve;
        return std::nullopt;
    }
    key.key = ecKey(curve->opensslName, *x, *y);
    if (!key.key) {
        why = "x and y are not a point of " + key.curve;
        return std::nullopt;
    }
    return key;
}

std::optional<JwksKey> keyOf(const json &jwk, std::string &why) {
    if (!jwk.is_object()) {
        why = "not an object";
        return std::nullopt;
    }
    if (const std::string use = stringOf(jwk, "use"); !use.empty() && use != "sig") {
        why = "use is '" + use + "', not sig";
        return std::nullopt;
    }
    JwksKey key;
    key.kid = stringOf(jwk, "kid");
    key.kty = stringOf(jwk, "kty");
    key.alg = stringOf(jwk, "alg");
    if (key.kty == "RSA")
        return rsaJwk(jwk, std::move(key), why);
    if (key.kty == "EC")
        return ecJwk(jwk, std::move(key), why);
    why = "kty '" + key.kty + "' is not supported (RSA and EC are)";
    return std::nullopt;
}

// JOSE writes an ECDSA signature as r||s; OpenSSL wants DER.
std::optional<std::string> joseToDer(std::string_view signature, std::size_t half) {
    if (signature.size() != 2 * half)
        return std::nullopt;
    OwnedBignum r = bignum(signature.substr(0, half)), s = bignum(signature.substr(half));
    Owned<ECDSA_SIG, ECDSA_SIG_free> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return std::nullopt;
    static_cast<void>(r.release()); // the signature owns them now
    static_cast<void>(s.release());
    const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0)
        return std::nullopt;
    std::string der(static_cast<std::size_t>(size), '\0');
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}

const EVP_MD *digestOf(const std::string &alg) {
    if (alg.ends_with("256"))
        return EVP_sha256();
    if (alg.ends_with("384"))
        return EVP_sha384();
    return EVP_sha512();
}

bool signatureVerifies(const JwksKey &key, const std::string &alg, std::string_view input,
                       const std::string &signature) {
    std::string encoded = signature;
    if (key.kty == "EC") {
        const auto der = joseToDer(signature, curveNamed(key.curve)->coordinateSize);
        if (!der)
            return false;
        encoded = *der;
    }
    Owned<EVP_MD_CTX, EVP_MD_CTX_free> context(EVP_MD_CTX_new());
    return context &&
           EVP_DigestVerifyInit(context.get(), nullptr, digestOf(alg), nullptr, key.key.get()) ==
               1 &&
           EVP_DigestVerify(context.get(), bytes(encoded), encoded.size(), bytes(input),
                            input.size()) == 1;
}

// ---------------------------------------------------------------------------------------
// JWT

struct DecodedJwt {
    json header;
    json claims;
    std::string signingInput; // header.payload as sent
    std::string signature;
};

std::optional<DecodedJwt> decodeJwt(std::string_view token, std::string &error) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        error = "the token is not a compact JWS (header.payload.signature)";
        return std::nullopt;
    }
    DecodedJwt jwt;
    const auto header = base64UrlDecode(token.substr(0, first));
    const auto claims = base64UrlDecode(token.substr(first + 1, second - first - 1));
    const auto signature = base64UrlDecode(token.substr(second + 1));
    if (header)
        jwt.header = json::parse(*header, nullptr, false);
    if (claims)
        jwt.claims = json::parse(*claims, nullptr, false);
    if (!jwt.header.is_object() || !jwt.claims.is_object() || !signature) {
        error = "the token's header or payload is not base64url JSON";
        return std::nullopt;
    }
    jwt.signingInput = std::string(token.substr(0, second));
    jwt.signature = *signature;
    return jwt;
}

// Why API Gateway would refuse the algorithm, or "".
std::string algorithmProblem(const std::string &alg) {
    static const std::vector<std::string> kAccepted = {"RS256", "RS384", "RS512", "ES256", "ES384"};
    if (std::find(kAccepted.begin(), kAccepted.end(), alg) != kAccepted.end())
        return {};
    if (asciiLower(alg) == "none")
        return "alg none (an unsigned token) is not accepted";
    return "alg '" + alg + "' is not accepted (" + joined(kAccepted, ", ") + " are)";
}

const JwksKey *signingKey(const Jwks &jwks, const json &header, const std::string &alg,
                          std::string &error) {
    const JwksKey *key = nullptr;
    if (const std::string kid = stringOf(header, "kid"); !kid.empty()) {
        key = jwks.find(kid);
        if (!key) {
            std::vector<std::string> known;
            for (const auto &k : jwks.keys)
                known.push_back(k.kid);
            error = "unknown kid '" + kid + "' (the key set has " + listText(known) + ")";
            return nullptr;
        }
    } else if (jwks.keys.size() == 1) {
        key = &jwks.keys.front();
    } else {
        error = "the token has no kid, and the key set has " + std::to_string(jwks.keys.size()) +
                " keys";
        return nullptr;
    }
    const bool fits = alg.starts_with("RS")
                          ? key->kty == "RSA"
                          : key->kty == "EC" && curveNamed(key->curve)->alg == alg;
    if (!fits || (!key->alg.empty() && key->alg != alg)) {
        error = "key '" + key->kid + "' (" + key->kty +
                (key->curve.empty() ? "" : " " + key->curve) + ") cannot verify " + alg;
        return nullptr;
    }
    return key;
}

std::string issuerProblem(const AuthorizerSpec &spec, const json &claims) {
    const std::string issuer = stringOf(claims, "iss");
    if (issuer.empty())
        return "the token has no iss claim";
    if (issuer != spec.issuer)
        return "issuer '" + issuer + "' is not the authorizer's '" + spec.issuer + "'";
    return {};
}

// API Gateway looks at client_id only when there is no aud.
std::string audienceProblem(const AuthorizerSpec &spec, const json &claims) {
    const auto accepted = [&](const std::string &value) {
        return std::find(spec.audiences.begin(), spec.audiences.end(), value) !=
               spec.audiences.end();
    };
    if (claims.contains("aud")) {
        const auto audiences = stringsOf(claims["aud"]);
        if (std::any_of(audiences.begin(), audiences.end(), accepted))
            return {};
        return "audience " + listText(audiences) + " matches none of the authorizer's " +
               listText(spec.audiences);
    }
    const std::string clientId = stringOf(claims, "client_id");
    if (clientId.empty())
        return "the token has neither aud nor client_id";
    if (accepted(clientId))
        return {};
    return "the token has no aud, and client_id '" + clientId +
           "' matches none of the authorizer's audiences " + listText(spec.audiences);
}

// exp > now, nbf <= now, iat <= now, to the second and without leeway.
std::string timeProblem(const json &claims, std::int64_t now) {
    const auto seconds = [&](const char *name) -> std::optional<std::int64_t> {
        if (!claims.contains(name) || !claims[name].is_number())
            return std::nullopt;
        return static_cast<std::int64_t>(std::floor(claims[name].get<double>()));
    };
    const std::string at = " (now " + isoTime(now) + ")";
    const auto exp = seconds("exp");
    if (!exp)
        return "the token has no numeric exp claim";
    if (*exp <= now)
        return "the token expired at " + isoTime(*exp) + at;
    for (const char *name : {"nbf", "iat"}) {
        if (claims.contains(name) && !seconds(name))
            return std::string(name) + " is not a number";
    }
    if (const auto nbf = seconds("nbf"); nbf && *nbf > now)
        return "the token is not valid before " + isoTime(*nbf) + at;
    if (const auto iat = seconds("iat"); iat && *iat > now)
        return "the token was issued in the future, at " + isoTime(*iat) + at;
    return {};
}

std::vector<std::string> tokenScopes(const json &claims) {
    if (claims.contains("scope") && claims["scope"].is_string())
        return splitList(claims["scope"].get<std::string>(), ' ');
    if (claims.contains("scp")) {
        if (claims["scp"].is_string())
            return splitList(claims["scp"].get<std::string>(), ' ');
        return stringsOf(claims["scp"]);
    }
    return {};
}

// API Gateway hands claims on as text: lists as "[a b]".
std::string claimText(const json &value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_float()) {
        const double number = value.get<double>();
        if (std::floor(number) == number && std::fabs(number) < 1e15)
            return std::to_string(static_cast<long long>(number));
    }
    if (value.is_array()) {
        std::vector<std::string> items;
        for (const auto &item : value)
            items.push_back(claimText(item));
        return "[" + joined(items, " ") + "]";
    }
    return value.dump();
}


AuthorizerVerdict unauthorizedJwt(const std::string &why) {
    return verdict(Outcome::Unauthorized, "JWT rejected: " + why);
}

} // namespace

// -------------------------------------------------------------------------------------------
// Public API

const JwksKey *Jwks::find(const std::string &kid) const {
    const auto found =
        std::find_if(keys.begin(), keys.end(), [&](const JwksKey &key) { return key.kid == kid; });
    return found == keys.end() ? nullptr : &*found;
}

std::optional<Jwks> parseJwks(const std::string &text, std::string &error) {
    const json document = json::parse(text, nullptr, false);
    if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array()) {
        error = "not a JSON Web Key Set: expected {\"keys\": [...]}";
        return std::nullopt;
    }
    Jwks jwks;
    const json &keys = document["keys"];
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::string why;
        if (auto key = keyOf(keys[i], why)) {
            jwks.keys.push_back(std::move(*key));
            continue;
        }
        const std::string kid = stringOf(keys[i], "kid");
        jwks.skipped.push_back("key " + std::to_string(i) +
                               (kid.empty() ? "" : " ('" + kid + "')") + ": " + why);
    }
    if (jwks.keys.empty()) {
        error = "the key set has no usable key" +
                (jwks.skipped.empty() ? std::string() : ": " + joined(jwks.skipped, "; "));
        return std::nullopt;
    }
    return jwks;
}

std::string openIdConfigurationUrl(const std::string &issuer) {
    std::string base = issuer;
    while (base.ends_with('/'))
        base.pop_back();
    return base + "/.well-known/openid-configuration";
}

std::optional<std::string> jwksUriOf(const std::string &discoveryDocument, std::string &error) {
    const json document = json::parse(discoveryDocument, nullptr, false);
    const std::string uri = stringOf(document, "jwks_uri");
    if (uri.empty()) {
        error = "the OpenID configuration has no jwks_uri";
        return std::nullopt;
    }
    return uri;
}

AuthorizerVerdict verifyJwt(const AuthorizerSpec &spec, const std::string &authorizationValue,
                            const Jwks &jwks, std::int64_t nowSeconds) {
    std::string token = trim(authorizationValue);
    if (asciiLower(token.substr(0, 7)) == "bearer ")
        token = trim(token.substr(7));
    std::string error;
    const auto jwt = decodeJwt(token, error);
    if (!jwt)
        return unauthorizedJwt(error);
    const std::string alg = stringOf(jwt->header, "alg");
    if (std::string why = algorithmProblem(alg); !why.empty())
        return unauthorizedJwt(why);
    const JwksKey *key = signingKey(jwks, jwt->header, alg, error);
    if (!key)
        return unauthorizedJwt(error);
    if (!signatureVerifies(*key, alg, jwt->signingInput, jwt->signature))
        return unauthorizedJwt("the signature does not verify with key '" + key->kid + "'");
    std::string problem = issuerProblem(spec, jwt->claims);
    if (problem.empty())
        problem = audienceProblem(spec, jwt->claims);
    if (problem.empty())
        problem = timeProblem(jwt->claims, nowSeconds);
    if (!problem.empty())
        return unauthorizedJwt(problem);
    const auto scopes = tokenScopes(jwt->claims);
    // The route's scopes are alternatives: the token needs one of them.
    if (!spec.scopes.empty() &&
        std::none_of(spec.scopes.begin(), spec.scopes.end(), [&](const std::string &scope) {
            return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
        }))
        return verdict(Outcome::Deny, "JWT scopes " + listText(scopes) +
                                          " include none of the route's " + listText(spec.scopes));
    json claims = json::object();
    for (const auto &[name, value] : jwt->claims.items())
        claims[name] = claimText(value);
    AuthorizerVerdict out = verdict(Outcome::Allow, "JWT accepted");
    out.principalId = stringOf(jwt->claims, "sub");
    out.context = {
        {"jwt",
         {{"claims", claims}, {"scopes", spec.scopes.empty() ? json(nullptr) : json(scopes)}}}};
    return out;
}

} // namespace nimbus::sim
