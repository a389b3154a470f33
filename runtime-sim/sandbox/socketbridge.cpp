#include "socketbridge.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::local::stream_protocol;

namespace nimbus::sim {

struct SocketBridge::State {
    explicit State(asio::io_context &io)
        : acceptor(io) {}
    stream_protocol::acceptor acceptor;
};

namespace {

// One connection carried both ways; it lives as long as a read or write of it is pending.
struct Carried : std::enable_shared_from_this<Carried> {
    explicit Carried(stream_protocol::socket inside)
        : sandbox(std::move(inside))
        , api(sandbox.get_executor()) {}
    stream_protocol::socket sandbox;
    tcp::socket api;
    std::array<char, 64 * 1024> up{}, down{};

    void start(unsigned short port) {
        auto self = shared_from_this();
        api.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                          [self](const boost::system::error_code &ec) {
                              if (ec) {
                                  self->closeBoth();
                                  return;
                              }
                              self->carry(self->sandbox, self->api, self->up);
                              self->carry(self->api, self->sandbox, self->down);
                          });
    }

    template <class From, class To>
    void carry(From &from, To &to, std::array<char, 64 * 1024> &buffer) {
        auto self = shared_from_this();
        from.async_read_some(
            asio::buffer(buffer),
            [self, &from, &to, &buffer](const boost::system::error_code &ec, std::size_t n) {
                if (ec) {
                    // The end of what this side sends: the other side learns it, and may
                    // still answer (an HTTP exchange ends with both).
                    boost::system::error_code ignored;
                    if (ec == asio::error::eof)
                        to.shutdown(asio::socket_base::shutdown_send, ignored);
                    else
                        self->closeBoth();
                    return;
                }
                asio::async_write(to, asio::buffer(buffer.data(), n),
                                  [self, &from, &to, &buffer](
                                      const boost::system::error_code &writeError, std::size_t) {
                                      if (writeError) {
                                          self->closeBoth();
                                          return;
                                      }
                                      self->carry(from, to, buffer);
                                  });
            });
    }

    void closeBoth() {
        boost::system::error_code ignored;
        sandbox.close(ignored);
        api.close(ignored);
    }
};

} // namespace

std::shared_ptr<SocketBridge> SocketBridge::open(asio::io_context &io,
                                                 const std::string &socketPath, unsigned short port,
                                                 std::string &error) {
    auto bridge = std::shared_ptr<SocketBridge>(new SocketBridge());
    bridge->m_state = std::make_unique<State>(io);
    bridge->m_path = socketPath;
    bridge->m_port = port;
    boost::system::error_code ec;
    ::unlink(socketPath.c_str());
    // Made 0600 from the start: no other user may connect, even for a moment.
    const mode_t before = ::umask(0077);
    bridge->m_state->acceptor.open(stream_protocol(), ec);
    if (!ec)
        bridge->m_state->acceptor.bind(stream_protocol::endpoint(socketPath), ec);
    ::umask(before);
    if (!ec)
        bridge->m_state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = "cannot open the Runtime API's socket " + socketPath + ": " + ec.message();
        return nullptr;
    }
    bridge->accept();
    return bridge;
}

SocketBridge::~SocketBridge() {
    close();
}

void SocketBridge::close() {
    if (!m_state || !m_state->acceptor.is_open())
        return;
    boost::system::error_code ignored;
    m_state->acceptor.close(ignored);
    ::unlink(m_path.c_str());
}

void SocketBridge::accept() {
    std::weak_ptr<SocketBridge> weak = weak_from_this();
    m_state->acceptor.async_accept(
        [weak](const boost::system::error_code &ec, stream_protocol::socket socket) {
            auto self = weak.lock();
            if (!self || ec == asio::error::operation_aborted || !self->m_state->acceptor.is_open())
                return;
            if (!ec)
                std::make_shared<Carried>(std::move(socket))->start(self->m_port);
            self->accept();
        });
}

} // namespace nimbus::sim
