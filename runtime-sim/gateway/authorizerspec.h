#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// What guards a route and what the guard decided: the plain data that the Lambda authorizers
// (authorizers.h) and the JWT verifier (jwtverifier.h) share.

namespace nimbus::sim {

// What guards a route, as API Gateway would deploy it from the manifest. Pure data: the
// gateway invokes the function, fetches JWKS text and keeps the cache.
struct AuthorizerSpec {
    enum class Kind { Token, Request, Jwt, Unsupported };
    Kind kind = Kind::Token;
    bool httpApi = false; // from an httpApi event (HTTP API), else an http event (REST API)
    // REST: the authorizer's name; HTTP API: its key in provider.httpApi.authorizers.
    std::string name;
    std::string function; // Token/Request: the manifest name of the authorizer function
    // As written: method.request.header.Authorization, method.request.querystring.token,
    // $request.header.Authorization, $request.querystring.x, ...
    std::vector<std::string> identitySources;
    int ttlSeconds = 300;             // cache TTL (REST default 300; HTTP API request default 0)
    std::string validationExpression; // Token: identityValidationExpression
    bool simpleResponses = false;     // HTTP API request: {"isAuthorized": bool, "context": {...}}
    std::string payloadVersion = "2.0"; // HTTP API request authorizer payload ("1.0"/"2.0")
    std::string issuer;                 // Jwt: issuerUrl
    std::vector<std::string> audiences; // Jwt: audience
    // Jwt: where the keys come from (custom.nimbus.authorizers.NAME.jwks: a path relative to
    // the project or an http(s) URL). Empty: the issuer's OIDC discovery document, which the
    // caller fetches (openIdConfigurationUrl, jwksUriOf).
    std::string jwks;
    std::vector<std::string> scopes; // Jwt: the route's authorization scopes
    std::string unsupported;         // Kind::Unsupported: why
};

struct AuthorizerVerdict {
    // Allow: on to the integration; Deny: 403; Unauthorized: 401; Error: 500.
    enum class Outcome { Allow, Deny, Unauthorized, Error };
    Outcome outcome = Outcome::Error;
    std::string principalId;
    nlohmann::json context = nlohmann::json::object(); // what requestContext.authorizer carries
    std::string message;                               // for the log: why
};

} // namespace nimbus::sim
