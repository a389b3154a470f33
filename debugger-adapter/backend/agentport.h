#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace nimbus::dap {

// The loopback port a function's debug agent connects to (the simulator passes its address
// to the debug instances): one thread accepts, and each connection gets a thread of its own
// running the backend's reader on it. Shared by the Python and Node backends.
class AgentPort {
public:
    using Reader = std::function<void(boost::asio::ip::tcp::socket socket)>;

    explicit AgentPort(Reader reader);
    ~AgentPort();

    // "127.0.0.1:PORT": listening from the first call on, the same port after.
    std::string listen();
    // Stops accepting; `wakeReaders` unblocks the readers (shuts their sockets down); then
    // waits for them to end. Once only.
    void close(const std::function<void()> &wakeReaders);
    bool closing() const { return m_closing; }

private:
    void acceptLoop();

    Reader m_reader;
    boost::asio::io_context m_io;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> m_acceptor;
    std::thread m_acceptThread;
    std::vector<std::thread> m_readers;
    std::atomic<bool> m_closing{false};
};

} // namespace nimbus::dap
