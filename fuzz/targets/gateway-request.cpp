// The gateway's request path, from the bytes a client sends to what a function receives:
// Beast's parser (as the gateway reads), route matching (RouteTable::match, percentDecode),
// every event shape the gateway builds for a matched route (API Gateway REST and HTTP API
// proxy events, an http function's request, SCF's API gateway event), and the route's
// authorizer: its identity sources, cache key, the authorizer function's event, and a JWT
// verified against a key set (verifyJwt) when the route has a JWT authorizer.
#include "fuzzinput.h"
#include "gateway/authorizers.h"
#include "gateway/jwtverifier.h"
#include "gateway/proxyevent.h"
#include "gateway/routetable.h"
#include "httprequest.h"
#include "nimbus/manifest/manifestloader.h"

#include <cstdio>
#include <cstdlib>

using namespace nimbus;
using namespace nimbus::sim;
using nlohmann::json;

namespace {

// Routes of every kind, authorizers of every kind.
const char *kManifest = R"(service: shop
provider:
  name: aws
  runtime: python3.11
  httpApi:
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience: [app-client]
      customAuth:
        type: request
        functionName: authFn
        identitySource:
          - $request.header.X-Token
          - $request.querystring.tenant
        resultTtlInSeconds: 60
        enableSimpleResponses: true
      legacyAuth:
        type: request
        functionName: authFn
        payloadVersion: '1.0'
        identitySource: $request.header.Authorization
functions:
  authFn:
    handler: h.auth
  items:
    handler: h.items
    events:
      - httpApi: GET /items
      - httpApi: POST /items/{id}
      - httpApi: GET /files/{path+}
      - httpApi: '*'
      - http: ANY /legacy/{id}
      - http:
          path: /token/{id}
          method: get
          authorizer:
            name: authFn
            type: Token
            identitySource: method.request.header.X-Auth
            identityValidationExpression: '^Bearer [a-z]+$'
      - http:
          path: /request
          method: post
          authorizer:
            name: authFn
            type: request
            identitySource: method.request.header.X-Token, method.request.querystring.tenant
      - httpApi:
          method: GET
          path: /v2/jwt/{id}
          authorizer:
            name: jwtAuth
            scopes: [read]
      - httpApi:
          method: ANY
          path: /v2/custom
          authorizer: customAuth
      - httpApi:
          method: GET
          path: /v2/legacy
          authorizer: legacyAuth
  web:
    httpHandler: web.main
    path: /web
  app:
    httpService:
      command: python3 app.py
    path: /app
)";

// A public RSA key for the JWT authorizer (its private half is not kept: no token the fuzzer
// writes can be valid, but every check before the signature's is reached).
const char *kJwks =
    R"({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "e": "AQAB", "n": )"
    R"("omWcBAPw-flkBlk9H_CIVZxfdYcrfqil-SfE-e02T4t4e5biXa6WdhrDI6NzzBerSV4Ebr-9aUPFJkWZ0alZMv)"
    R"(kC9O7R4enJY1ecFDfWXZFuBV9oCb83Cdn9EeWblRcGsyB7Ioh_RmGDd64dlNjZOO8uEQfjsoBDuPeSCcBSzRq40qa)"
    R"(5C2GnrMaPp6TXRnGdl08p9byJmdU4h-t34CM0vYJfpe6Rjr4hOu5rEZT8Jgp_XKipJDZ0Z8qEjRnN4v1ZbQFfuQl)"
    R"(H7YPR6o0s4p37FrZ7UTIxzRLf8bguq4O6IHsK3paSa5wwrL40xb7M7gvZcJxvWVdgQGDGPRxxj9Ekow"}]})";

struct Fixture {
    manifest::Manifest project;
    RouteTable table;
    Jwks jwks;
    Fixture() {
        manifest::LoadOptions options;
        options.checkHandlers = false;
        auto loaded = manifest::ManifestLoader(options).loadText(kManifest, "/p/serverless.yml");
        std::string error;
        auto keys = parseJwks(kJwks, error);
        if (!loaded.ok() || !keys) {
            std::fprintf(stderr, "gateway-request: the fixture does not load: %s\n", error.c_str());
            std::abort();
        }
        project = std::move(*loaded.manifest);
        table = RouteTable(project);
        jwks = std::move(*keys);
    }
};

// As the gateway sends events: bytes that are not UTF-8 replaced.
std::size_t sent(const json &event) {
    return event.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const Fixture fixture;
    auto request = fuzz::parseHttpRequest(fuzz::asText(data, size));
    if (!request)
        return 0;
    GatewayRequest in;
    in.method = std::string(request->method_string());
    const std::string target(request->target());
    const std::size_t question = target.find('?');
    in.path = target.substr(0, question);
    in.rawQuery = question == std::string::npos ? "" : target.substr(question + 1);
    if (in.path.empty() || in.path.front() != '/')
        return 0; // the gateway answers 400 before routing
    for (const auto &field : *request)
        in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    in.body = request->body();
    in.protocol = request->version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
    in.requestId = "fuzz-request";
    in.timeEpochMs = 1795687620000;
    ApiContext api;
    api.domainName = in.header("host");

    (void)fixture.table.pathExists(in.path);
    const auto match = fixture.table.match(in.method, in.path);
    if (!match)
        return 0;
    std::size_t bytes = sent(restProxyEvent(in, *match, api)) +
                        sent(httpApiEvent(in, *match, api)) + sent(httpFunctionEvent(in, *match)) +
                        sent(scfApiGatewayEvent(in, *match, "release"));
    if (const auto &spec = match->route->authorizer) {
        ApiContext arnApi = api;
        if (spec->httpApi)
            arnApi.stage = "$default";
        const std::string arn = methodArn("us-east-1", arnApi, in.method, in.path);
        if (spec->kind == AuthorizerSpec::Kind::Jwt) {
            const auto verdict =
                verifyJwt(*spec, in.header("authorization"), fixture.jwks, in.timeEpochMs / 1000);
            bytes += sent(verdict.context);
        } else if (const auto identity = identityOf(*spec, in, *match)) {
            if (cachesAnswers(*spec))
                bytes += authorizerCacheKey(*spec, *identity).size();
            bytes += sent(authorizerEvent(*spec, in, *match, api, arn, *identity));
        }
    }
    (void)bytes;
    return 0;
}
