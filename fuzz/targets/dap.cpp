// The debug adapter in-process, as nimbus-dap runs it: bytes from the client are framed
// (jsonrpc::MessageReader) and handled by DebugSession — parseRequest, the lifecycle, launch
// and attach arguments, breakpoints kept until the runtime is known, restart, disconnect.
// There is no debuggee: the backend is a stand-in that answers as an idle one does (the
// unit tests' way), and the simulator's binaries are looked for where there are none, so a
// launch fails at once instead of starting processes.
#include "fuzzinput.h"
#include "nimbus/jsonrpc/framing.h"
#include "session/debugsession.h"

using namespace nimbus::dap;
using nlohmann::json;

namespace {

struct IdleBackend : DebugBackend {
    std::string listen() override { return "127.0.0.1:9"; }
    void setStopOnEntry(bool) override {}
    json request(const std::string &command, const json &arguments) override {
        if (command == "setBreakpoints" || command == "setFunctionBreakpoints") {
            json placed = json::array();
            for (const auto &bp : arguments.value("breakpoints", json::array()))
                placed.push_back({{"verified", false}, {"line", bp.value("line", 0)}});
            return {{"breakpoints", placed}};
        }
        if (command == "threads")
            return {{"threads", json::array({{{"id", 1}, {"name", "main"}}})}};
        if (command == "stackTrace" || command == "scopes" || command == "variables" ||
            command == "evaluate")
            throw BackendError("the function is not running in a debug instance yet");
        return json::object();
    }
    void release() override {}
    void reconfigure() override {}
    bool connected() const override { return false; }
    void drain() override {}
    void close() override {}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::size_t sentBytes = 0;
    SessionConfig config;
    config.binDir = "/nonexistent/nimbus-fuzz/bin";
    config.resourcesDir = "/nonexistent/nimbus-fuzz/resources";
    DebugSession session(
        [&](const json &message) {
            // As main() sends: bytes that are not UTF-8 replaced, never a throw.
            sentBytes += message.dump(-1, ' ', false, json::error_handler_t::replace).size();
        },
        config,
        [](const std::string &, const std::string &) { return std::make_unique<IdleBackend>(); });
    session.handle(R"({"seq": 1, "type": "request", "command": "initialize", "arguments": {}})");
    nimbus::jsonrpc::MessageReader reader(1 << 20);
    for (auto &frame : reader.feed(nimbus::fuzz::asText(data, size))) {
        if (!frame.error.empty())
            session.frameError(frame.error);
        else
            session.handle(frame.body);
        if (session.ended())
            break;
    }
    session.clientGone();
    return 0;
}
