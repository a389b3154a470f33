#include "agentport.h"

#include "nimbus/net/peeruser.h"

#include <sys/socket.h>

namespace nimbus::dap {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

AgentPort::AgentPort(Reader reader)
    : m_reader(std::move(reader)) {}

AgentPort::~AgentPort() {
    close([] {});
}

std::string AgentPort::listen() {
    if (!m_acceptor) {
        m_acceptor = std::make_unique<tcp::acceptor>(
            m_io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        m_acceptThread = std::thread([this] { acceptLoop(); });
    }
    return "127.0.0.1:" + std::to_string(m_acceptor->local_endpoint().port());
}

void AgentPort::acceptLoop() {
    while (!m_closing) {
        boost::system::error_code ec;
        tcp::socket socket(m_io);
        m_acceptor->accept(socket, ec);
        if (ec || m_closing)
            return;
        if (!net::peerIsTrusted(socket))
            continue; // another user's: closed unanswered
        socket.set_option(tcp::no_delay(true), ec);
        m_readers.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(
                                          socket))]() mutable { m_reader(std::move(*s)); });
    }
}

void AgentPort::close(const std::function<void()> &wakeReaders) {
    if (m_closing.exchange(true))
        return;
    boost::system::error_code ignored;
    // shutdown() wakes a thread blocked in accept(); close() alone would not on Linux.
    if (m_acceptor) {
        ::shutdown(m_acceptor->native_handle(), SHUT_RDWR);
        m_acceptor->close(ignored);
    }
    wakeReaders();
    if (m_acceptThread.joinable())
        m_acceptThread.join();
    for (auto &reader : m_readers)
        if (reader.joinable())
            reader.join();
}

} // namespace nimbus::dap
