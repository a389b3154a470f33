#pragma once

#include "authorizerspec.h"

#include <cstdint>
#include <memory>
#include <openssl/types.h>
#include <optional>
#include <string>
#include <vector>

// JWT authorizers as an HTTP API runs them: JSON Web Key Sets, OIDC discovery of the key set,
// and token verification (signature, issuer, audience, times, scopes). No I/O: the gateway
// fetches the key set and discovery document text.

namespace nimbus::sim {

// One public key of a JSON Web Key Set.
struct JwksKey {
    std::string kid;   // may be empty
    std::string kty;   // "RSA" or "EC"
    std::string curve; // EC: "P-256" or "P-384"
    std::string alg;   // as the key states it ("RS256", ...); empty when it does not
    std::shared_ptr<EVP_PKEY> key;
};

struct Jwks {
    std::vector<JwksKey> keys;
    std::vector<std::string> skipped; // keys left out, and why (for the log)

    const JwksKey *find(const std::string &kid) const;
};

// Parses {"keys": [...]} keeping the RSA and EC (P-256, P-384) signing keys. nullopt with
// `error` when the text is not a key set or holds no usable key.
std::optional<Jwks> parseJwks(const std::string &text, std::string &error);

// {issuer}/.well-known/openid-configuration, where OIDC discovery starts.
std::string openIdConfigurationUrl(const std::string &issuer);
// The jwks_uri of a discovery document; nullopt with `error` when it has none.
std::optional<std::string> jwksUriOf(const std::string &discoveryDocument, std::string &error);

// Verifies a bearer token ("Bearer " optional) as an HTTP API JWT authorizer does: RS256/
// RS384/RS512/ES256/ES384 signature by the key `kid` names, iss, aud (or client_id when
// there is no aud), exp > now, nbf <= now, iat <= now, and at least one of the route's
// scopes in `scope`/`scp`. Failures are Unauthorized with what failed; missing scopes are
// Deny. Allow carries {"jwt": {"claims": {name: text}, "scopes": [...] or null}}.
AuthorizerVerdict verifyJwt(const AuthorizerSpec &spec, const std::string &authorizationValue,
                            const Jwks &jwks, std::int64_t nowSeconds);

} // namespace nimbus::sim
