// What the control plane reads from a client before it touches the store: the JSON bodies of
// the Lambda API's calls (lambdatypes, layertypes: CreateFunction, UpdateFunctionCode and
// Configuration, PublishVersion, aliases, concurrency, tags, PublishLayerVersion), the SCF
// API 3.0 actions' parameters (nimbus_scf), and the names and ARNs that paths carry
// (functions, aliases, layers). Input: a path parameter, a newline, a JSON body — the body is
// read by every reader, as a client may send any body to any call.
#include "fuzzinput.h"
#include "nimbus/lambda/lambdatypes.h"
#include "nimbus/lambda/layertypes.h"
#include "nimbus/scf/scfapi.h"

using nlohmann::json;

namespace {

void readLambda(const json &body) {
    namespace lambda = nimbus::lambda;
    lambda::Limits limits;
    limits.runtimes = {"python3.11", "python3.12", "nodejs18.x", "nodejs20.x", "provided.al2"};
    {
        lambda::CreateFunctionRequest request;
        (void)lambda::parse(body, request, limits);
    }
    {
        lambda::UpdateFunctionCodeRequest request;
        (void)lambda::parse(body, request);
    }
    {
        lambda::UpdateFunctionConfigurationRequest request;
        (void)lambda::parse(body, request, limits);
    }
    {
        lambda::PublishVersionRequest request;
        (void)lambda::parse(body, request);
    }
    for (const bool create : {true, false}) {
        lambda::AliasRequest request;
        (void)lambda::parse(body, request, create);
    }
    int reserved = 0;
    (void)lambda::parseConcurrency(body, reserved);
    lambda::Tags tags;
    (void)lambda::parseTags(body, tags);
    lambda::PublishLayerVersionRequest layer;
    (void)lambda::parse(body, layer, limits);
}

void readScf(const json &body) {
    namespace scf = nimbus::scf;
    scf::Limits limits;
    limits.runtimes = {"Python3.9", "Python3.10", "Nodejs16.13", "Nodejs18.15", "CustomRuntime"};
    {
        scf::CreateFunctionRequest request;
        (void)scf::parse(body, request, limits);
    }
    {
        scf::UpdateFunctionCodeRequest request;
        (void)scf::parse(body, request);
    }
    {
        scf::UpdateFunctionConfigurationRequest request;
        (void)scf::parse(body, request, limits);
    }
    {
        scf::ListFunctionsRequest request;
        (void)scf::parse(body, request);
    }
    for (const auto &action : scf::knownActions()) {
        scf::FunctionRequest function;
        (void)scf::parse(body, action, function);
    }
    for (const char *action : {"CreateAlias", "UpdateAlias", "GetAlias", "DeleteAlias"}) {
        scf::AliasRequest request;
        (void)scf::parse(body, action, request);
    }
    for (const char *action : {"Invoke", "InvokeFunction"}) {
        scf::InvokeRequest request;
        (void)scf::parse(body, action, request);
    }
}

void readNames(const std::string &name) {
    namespace lambda = nimbus::lambda;
    (void)lambda::parseFunctionRef(name);
    (void)lambda::checkFunctionName(name);
    (void)lambda::checkAliasName(name);
    (void)lambda::isVersion(name);
    lambda::ApiError error;
    (void)lambda::parseLayerName(name, error);
    (void)lambda::parseLayerVersionArn(name, error);
    (void)lambda::checkLayerList({name});
    (void)nimbus::scf::isKnownAction(name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto [name, text] = nimbus::fuzz::splitAt(nimbus::fuzz::asText(data, size), "\n");
    readNames(std::string(name));
    // As the control plane reads a body: no body is {}, one that is not JSON is refused.
    const json body = text.empty() ? json::object() : json::parse(text, nullptr, false);
    if (body.is_discarded())
        return 0;
    readLambda(body);
    readScf(body);
    return 0;
}
