#include "nimbus/jsonrpc/transport.h"
#include "nimbus/net/peeruser.h"
#include "nimbus/resources/resourcelocator.h"
#include "session/debugsession.h"

#include <arpa/inet.h>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// One session over a pair of file descriptors, until the client disconnects or leaves.
void runSession(int in, int out, const nimbus::dap::SessionConfig &config) {
    nimbus::jsonrpc::FdTransport transport(in, out);
    nimbus::dap::DebugSession session(
        [&](const nlohmann::json &message) {
            transport.send(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        },
        config);
    transport.run([&](std::vector<nimbus::jsonrpc::Frame> frames) {
        for (auto &frame : frames) {
            if (!frame.error.empty())
                session.frameError(frame.error);
            else
                session.handle(frame.body);
            if (session.ended())
                return false;
        }
        return true;
    });
    session.clientGone();
}

} // namespace

// nimbus-dap: the Debug Adapter for functions running in the simulator; stdio, or a TCP
// server on --port N (one session at a time).
int main(int argc, char **argv) {
    int port = -1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "nimbus-dap " << NIMBUS_VERSION << '\n';
            return 0;
        }
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            const std::string_view value = argv[++i];
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
            if (ec != std::errc() || end != value.data() + value.size() || port < 0 || port > 65535) {
                std::cerr << "nimbus-dap: --port wants a port number (0 for any), got '" << value
                          << "'\n";
                return 2;
            }
            continue;
        }
        if (std::strcmp(argv[i], "--stdio") == 0)
            continue; // the default
        std::cerr << "usage: nimbus-dap [--stdio | --port N] [--version]\n";
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    nimbus::dap::SessionConfig config;
    std::error_code ec;
    config.binDir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
    config.resourcesDir = nimbus::resources::resourcesDir();
    if (port < 0) {
        runSession(0, 1, config);
        return 0;
    }
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(listener, 4) != 0) {
        std::cerr << "nimbus-dap: cannot listen on 127.0.0.1:" << port << ": "
                  << std::strerror(errno) << '\n';
        return 1;
    }
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length);
    std::cout << "nimbus-dap: listening on 127.0.0.1:" << ntohs(address.sin_port) << std::endl;
    for (;;) {
        const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (!nimbus::net::peerIsTrusted(client)) { // another user's: closed unanswered
            std::cerr << "nimbus-dap: refused a connection from another user\n";
            ::close(client);
            continue;
        }
        runSession(client, client, config);
        ::close(client);
    }
}
