// The Runtime API as a function instance (any custom runtime) speaks it to the simulator:
// Beast's parser, then routeRuntimeApi for Lambda's paths and SCF's, against an instance
// that has one invocation in flight. Every request is answered exactly once, with JSON.
#include "fuzzinput.h"
#include "httprequest.h"
#include "runtimeapi/runtimeapi.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

using namespace nimbus;
using namespace nimbus::sim;

namespace {

// An instance working on req-1, as the pool's instance side answers.
struct BusyInstance : RuntimeApiHandler {
    void nextInvocation(net::Responder responder) override {
        responder(net::makeResponse(200, R"({"event": true})"));
    }
    bool invocationResponse(const std::string &id, std::string) override { return id == "req-1"; }
    bool invocationError(const std::string &id, std::string, std::string) override {
        return id == "req-1";
    }
    void initError(std::string, std::string) override {}
    std::string activeRequestId() const override { return "req-1"; }
    bool debuggerPaused(const std::string &id, bool) override { return id == "req-1"; }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    auto request = fuzz::parseHttpRequest(fuzz::asText(data, size));
    if (!request)
        return 0;
    BusyInstance instance;
    int answers = 0;
    routeRuntimeApi(
        std::move(*request),
        [&](net::Response response) {
            ++answers;
            if (nlohmann::json::accept(response.body()))
                return;
            std::fprintf(stderr, "a %u answer that is not JSON: %s\n", response.result_int(),
                         response.body().c_str());
            std::abort();
        },
        instance);
    if (answers != 1) {
        std::fprintf(stderr, "%d answers to one request\n", answers);
        std::abort();
    }
    return 0;
}
