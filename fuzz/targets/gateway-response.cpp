// The gateway's response path, from what a function returned to the HTTP response a client
// gets: the proxy results of both payload versions (restProxyResponse, httpApiResponse),
// SCF's integrated responses (scfApiGatewayResponse), then the Beast response the gateway
// writes from them; and the other answers the gateway reads from elsewhere: a Lambda
// authorizer's answer (evaluateAuthorizerAnswer), an identity provider's key set and OIDC
// discovery document (parseJwks, jwksUriOf). Each must say why a result is unusable, never
// throw.
#include "fuzzinput.h"
#include "gateway/authorizers.h"
#include "gateway/jwtverifier.h"
#include "gateway/proxyevent.h"

#include <boost/beast/http.hpp>
#include <sstream>

using namespace nimbus;
using namespace nimbus::sim;
namespace http = boost::beast::http;

namespace {

// As the gateway writes a function's response (framing headers are its own).
std::size_t written(const GatewayResponse &out) {
    http::response<http::string_body> response{static_cast<http::status>(out.status), 11};
    for (const auto &[name, value] : out.headers) {
        const http::field known = http::string_to_field(name);
        if (known == http::field::content_length || known == http::field::transfer_encoding ||
            known == http::field::connection)
            continue;
        response.insert(name, value);
    }
    response.body() = out.body;
    response.set("x-amzn-RequestId", "fuzz-request");
    response.prepare_payload();
    std::ostringstream wire;
    wire << response;
    return wire.str().size();
}

AuthorizerSpec spec(AuthorizerSpec::Kind kind, bool httpApi, bool simpleResponses) {
    AuthorizerSpec s;
    s.kind = kind;
    s.httpApi = httpApi;
    s.name = "authFn";
    s.function = "authFn";
    s.simpleResponses = simpleResponses;
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string payload(fuzz::asText(data, size));
    std::size_t bytes = 0;
    std::string error;
    if (auto out = restProxyResponse(payload, error))
        bytes += written(*out);
    if (auto out = httpApiResponse(payload, error))
        bytes += written(*out);
    for (const bool integrated : {true, false}) {
        auto out = scfApiGatewayResponse(payload, integrated, error);
        bytes += written(out ? *out : scfInvalidResponse());
    }
    const std::string arn = "arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/GET/pets/1";
    for (const auto &s : {spec(AuthorizerSpec::Kind::Token, false, false),
                          spec(AuthorizerSpec::Kind::Request, true, false),
                          spec(AuthorizerSpec::Kind::Request, true, true)}) {
        for (const bool functionError : {false, true}) {
            const auto verdict = evaluateAuthorizerAnswer(s, functionError, payload, arn);
            bytes += verdict.context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                         .size();
        }
    }
    if (auto keys = parseJwks(payload, error))
        bytes += keys->keys.size();
    if (auto uri = jwksUriOf(payload, error))
        bytes += uri->size();
    (void)bytes;
    return 0;
}
