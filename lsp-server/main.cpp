#include "nimbus/jsonrpc/transport.h"
#include "server/lspserver.h"

#include <cstring>
#include <iostream>
#include <poll.h>

// nimbus-lsp: the language server for serverless.yml, over stdio.
int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "nimbus-lsp " << NIMBUS_VERSION << '\n';
            return 0;
        }
        if (std::strcmp(argv[i], "--stdio") != 0) {
            std::cerr << "usage: nimbus-lsp [--stdio] [--version]\n";
            return 2;
        }
    }
    nimbus::jsonrpc::FdTransport transport(0, 1);
    nimbus::lsp::LspServer server([&](const nlohmann::json &message) {
        transport.send(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    });
    transport.run(
        [&](std::vector<nimbus::jsonrpc::Frame> frames) {
            std::vector<std::string> bodies;
            for (auto &frame : frames) {
                if (!frame.error.empty())
                    server.frameError(frame.error);
                else
                    bodies.push_back(std::move(frame.body));
            }
            server.handle(bodies);
            return !server.exitRequested();
        },
        // Diagnostics go out once typing pauses, not on every keystroke.
        [&]() { server.flushDiagnostics(); }, [&]() { return server.hasPendingDiagnostics(); });
    return server.exitCode();
}
