#pragma once

#include "authorizerspec.h"
#include "jwtverifier.h"
#include "nimbus/manifest/manifest.h"
#include "proxyevent.h"
#include "routetable.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// The authorizer of an `http` event (REST API); nullopt when the route has none.
// `authorizer: fnName`, `authorizer: ARN`, `authorizer: aws_iam`, or {name, arn, type
// (token|request|cognito_user_pools|aws_iam, any case), identitySource,
// resultTtlInSeconds, identityValidationExpression, authorizerId}. An ARN names a function
// of this manifest by its deployed or manifest name (or Fn::GetAtt [XLambdaFunction, Arn]);
// anything the simulator cannot run is Kind::Unsupported with the reason.
std::optional<AuthorizerSpec> restAuthorizerOf(const manifest::Manifest &manifest,
                                               const manifest::Event &event);
// The authorizer of an `httpApi` event: `authorizer: NAME` or {name, scopes, type, id},
// NAME being a key of provider.httpApi.authorizers.
std::optional<AuthorizerSpec> httpApiAuthorizerOf(const manifest::Manifest &manifest,
                                                  const manifest::Event &event);
// The authorizer of a `websocket` event's route ($connect): a REQUEST authorizer, its
// identitySource route.request.header.X / route.request.querystring.X (default
// route.request.header.Auth), never cached.
std::optional<AuthorizerSpec> webSocketAuthorizerOf(const manifest::Manifest &manifest,
                                                    const manifest::Event &event);
// Either of the above, by the event's type (nullopt for other events).
std::optional<AuthorizerSpec> authorizerOf(const manifest::Manifest &manifest,
                                           const manifest::Event &event);

// The identity values the sources name, read from the request: headers (case-insensitive),
// query string parameters, path parameters; context and stage-variable sources are not
// simulated and contribute nothing. nullopt when a value is missing or empty, or (Token) the
// token does not match identityValidationExpression: API Gateway answers 401 without
// calling the authorizer.
std::optional<std::vector<std::string>>
identityOf(const AuthorizerSpec &spec, const GatewayRequest &request, const RouteMatch &match);

// Whether answers of this authorizer are cached (a TTL and identity sources to key on).
bool cachesAnswers(const AuthorizerSpec &spec);
// The cache key for an answer: the authorizer's name and the identity values. Cache the
// function's answer, not the verdict, and evaluate it for each request: API Gateway applies
// a cached policy to whatever method the next request with that identity calls.
std::string authorizerCacheKey(const AuthorizerSpec &spec,
                               const std::vector<std::string> &identity);

// arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/METHOD/path-without-leading-slash: a REST
// methodArn, or an HTTP API routeArn (pass stage "$default" for an HTTP API).
std::string methodArn(const std::string &region, const ApiContext &api, const std::string &method,
                      const std::string &path);

// The event the authorizer function receives (Token and Request kinds; null otherwise):
// TOKEN {type, authorizationToken, methodArn}; REST REQUEST: the proxy event without body
// plus type and methodArn; HTTP API 2.0: the httpApi event without body plus type, routeArn
// and identitySource (a list); HTTP API 1.0: the REST-style event plus version, type,
// methodArn, identitySource and authorizationToken ("v1,v2").
nlohmann::json authorizerEvent(const AuthorizerSpec &spec, const GatewayRequest &request,
                               const RouteMatch &match, const ApiContext &api,
                               const std::string &arn, const std::vector<std::string> &identity);

const char *outcomeName(AuthorizerVerdict::Outcome outcome); // "Allow", "Deny", ...

// What the authorizer function's answer means for the request whose ARN is `arn`: an IAM
// policy (explicit Deny wins, no matching Allow is Deny) or, for HTTP API simple responses,
// {"isAuthorized", "context"}. A function error "Unauthorized" is Unauthorized; other errors
// and malformed answers are Error. On Allow, context is REST {"principalId", ...context
// values as strings, "integrationLatency": 0} or HTTP API {"lambda": {...context}}.
AuthorizerVerdict evaluateAuthorizerAnswer(const AuthorizerSpec &spec, bool functionError,
                                           const std::string &payload, const std::string &arn);

} // namespace nimbus::sim
