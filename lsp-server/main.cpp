#include "nimbus/jsonrpc/transport.h"
#include "server/lspserver.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <poll.h>

// nimbus-lsp: the language server for serverless.yml, over stdio.
int main(int argc, char **argv) {
    // How long typing must pause before diagnostics are published.
    int debounceMs = 150;
    // Check each version from scratch instead of reusing what the last check found (for
    // benchmarks that compare the two).
    bool wholeChecks = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--whole-checks") == 0) {
            wholeChecks = true;
            continue;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "nimbus-lsp " << NIMBUS_VERSION << '\n';
            return 0;
        }
        if (std::strcmp(argv[i], "--debounce-ms") == 0 && i + 1 < argc) {
            const std::string_view value = argv[++i];
            const auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), debounceMs);
            if (ec != std::errc() || end != value.data() + value.size() || debounceMs < 0 ||
                debounceMs > 10000) {
                std::cerr << "nimbus-lsp: --debounce-ms wants milliseconds from 0 to 10000, got '"
                          << value << "'\n";
                return 2;
            }
            continue;
        }
        if (std::strcmp(argv[i], "--stdio") != 0) {
            std::cerr << "usage: nimbus-lsp [--stdio] [--debounce-ms N] [--whole-checks] [--version]\n";
            return 2;
        }
    }
    nimbus::jsonrpc::FdTransport transport(0, 1);
    const auto send = [&](const nlohmann::json &message) {
        transport.send(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    };
    nimbus::lsp::LspServer server(send);
    server.setIncrementalChecks(!wholeChecks);
    // Diagnostics are computed beside the request loop, so completion never waits for them.
    // What a check built besides its diagnostics is freed once they are out, not before.
    nimbus::lsp::DiagnosticsWorker worker(
        [&](const nimbus::lsp::TextDocument &doc) { return server.diagnosticsNotification(doc); },
        [&](const nlohmann::json &notification) {
            send(notification);
            server.releaseChecked();
        });
    server.setDiagnosticsWorker(&worker);
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
        [&]() { server.flushDiagnostics(); }, [&]() { return server.hasPendingDiagnostics(); },
        debounceMs);
    worker.drain();
    // A function still running for nimbus.invoke is not waited for: its answer has no one
    // to go to, and exit must be prompt.
    if (server.runningJobs() > 0)
        std::_Exit(server.exitCode());
    return server.exitCode();
}
