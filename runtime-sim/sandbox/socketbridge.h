#pragma once

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace nimbus::sim {

// The simulator's end of an instance's way out of a sandbox without a network: a Unix socket
// (bound into the sandbox, where nimbus-sandbox-relay connects to it) whose every connection
// is carried to a port on this machine's loopback, the instance's Runtime API. Nothing else
// is reachable through it.
class SocketBridge : public std::enable_shared_from_this<SocketBridge> {
public:
    // Listens at `socketPath` (0600: this user only); nullptr with `error` set when it cannot.
    static std::shared_ptr<SocketBridge> open(boost::asio::io_context &io,
                                              const std::string &socketPath, unsigned short port,
                                              std::string &error);
    ~SocketBridge(); // closes it and removes the socket file
    SocketBridge(const SocketBridge &) = delete;
    SocketBridge &operator=(const SocketBridge &) = delete;

    const std::string &socketPath() const { return m_path; }
    // Stops accepting (connections being carried end with their Runtime API's).
    void close();

private:
    struct State;
    SocketBridge() = default;
    void accept();

    std::unique_ptr<State> m_state;
    std::string m_path;
    unsigned short m_port = 0;
};

} // namespace nimbus::sim
