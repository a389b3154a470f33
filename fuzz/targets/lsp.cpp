// The language server in-process, as nimbus-lsp runs it: bytes from the editor are framed
// (jsonrpc::MessageReader), dispatched (jsonrpc::Dispatcher) and answered by LspServer, whose
// handlers reach the manifest engine (completion, hover, rename, formatting, semantic tokens,
// code actions, diagnostics). The session is initialized first, so that the fuzzer spends its
// time past the lifecycle gate. Commands that run functions or install their dependencies
// (nimbus.invoke, nimbus.dependencies) start processes and are left out.
#include "fuzzinput.h"
#include "nimbus/jsonrpc/framing.h"
#include "server/lspserver.h"

using nlohmann::json;

namespace {

bool startsProcesses(const std::string &body) {
    const json message = json::parse(body, nullptr, false);
    if (!message.is_object() || message.value("method", json()) != "workspace/executeCommand")
        return false;
    const json *params = message.contains("params") ? &message["params"] : nullptr;
    const json command = params && params->is_object() ? params->value("command", json()) : json();
    return command == "nimbus.invoke" || command == "nimbus.dependencies";
}

std::string request(int id, const std::string &method, const json &params) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::size_t sentBytes = 0;
    nimbus::lsp::LspServer server([&](const json &message) {
        // As main() sends: bytes that are not UTF-8 replaced, never a throw.
        sentBytes += message.dump(-1, ' ', false, json::error_handler_t::replace).size();
    });
    server.handle(
        {request(0, "initialize", {{"capabilities", json::object()}}),
         json{{"jsonrpc", "2.0"}, {"method", "initialized"}, {"params", json::object()}}.dump()});
    nimbus::jsonrpc::MessageReader reader(1 << 20);
    // In two pieces, as bytes arrive from a pipe: a frame may straddle them.
    const std::string_view input = nimbus::fuzz::asText(data, size);
    for (const std::string_view piece : {input.substr(0, size / 2), input.substr(size / 2)}) {
        std::vector<std::string> bodies;
        for (auto &frame : reader.feed(piece)) {
            if (!frame.error.empty())
                server.frameError(frame.error);
            else if (!startsProcesses(frame.body))
                bodies.push_back(std::move(frame.body));
        }
        server.handle(bodies);
        if (server.exitRequested())
            break;
        // The quiet moment after input, when diagnostics go out.
        server.flushDiagnostics();
    }
    return 0;
}
