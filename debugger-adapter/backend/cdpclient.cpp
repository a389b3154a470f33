#include "cdpclient.h"

#include "debugbackend.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace nimbus::dap {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct CdpClient::Impl {
    explicit Impl(asio::io_context &io)
        : ws(io) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
};

CdpClient::CdpClient(EventHandler onEvent, CloseHandler onClose)
    : m_onEvent(std::move(onEvent))
    , m_onClose(std::move(onClose))
    , m_impl(std::make_unique<Impl>(m_io)) {}

CdpClient::~CdpClient() {
    close();
}

bool CdpClient::connect(const std::string &url, std::string &error) {
    // ws://host:port/path
    const std::string prefix = "ws://";
    if (url.rfind(prefix, 0) != 0) {
        error = "not a ws:// inspector URL: " + url;
        return false;
    }
    const std::string rest = url.substr(prefix.size());
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos) {
        error = "the inspector URL has no port: " + url;
        return false;
    }
    try {
        tcp::resolver resolver(m_io);
        const auto endpoints =
            resolver.resolve(authority.substr(0, colon), authority.substr(colon + 1));
        asio::connect(m_impl->ws.next_layer(), endpoints);
        m_impl->ws.next_layer().set_option(tcp::no_delay(true));
        m_impl->ws.read_message_max(64 * 1024 * 1024);
        m_impl->ws.handshake(authority, path);
    } catch (const boost::system::system_error &e) {
        error = "cannot connect to the inspector at " + url + ": " + e.code().message();
        return false;
    }
    m_open = true;
    readNext();
    m_thread = std::thread([this] { m_io.run(); });
    return true;
}

void CdpClient::readNext() {
    // Acknowledge what arrives at once. V8's inspector writes a response and the events that
    // follow it as separate small writes without TCP_NODELAY, so each event waits for the
    // ACK of the message before it; a delayed ACK made every step take 40 ms more.
    int one = 1;
    ::setsockopt(m_impl->ws.next_layer().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one,
                 sizeof one);
    m_impl->ws.async_read(m_impl->buffer, [this](beast::error_code ec, std::size_t) {
        if (ec) {
            closed();
            return;
        }
        const std::string text = beast::buffers_to_string(m_impl->buffer.data());
        m_impl->buffer.consume(m_impl->buffer.size());
        const json message = json::parse(text, nullptr, false);
        if (message.is_object()) {
            if (message.contains("id")) {
                std::function<void(const json &)> callback;
                {
                    std::lock_guard lock(m_mutex);
                    auto it = m_pending.find(message.value("id", 0LL));
                    if (it != m_pending.end()) {
                        callback = std::move(it->second);
                        m_pending.erase(it);
                    }
                }
                if (callback)
                    callback(message);
            } else if (m_onEvent) {
                m_onEvent(message.value("method", ""), message.value("params", json::object()));
            }
        }
        readNext();
    });
}

void CdpClient::closed() {
    if (!m_open.exchange(false))
        return;
    std::map<long long, std::function<void(const json &)>> orphans;
    {
        std::lock_guard lock(m_mutex);
        orphans.swap(m_pending);
    }
    for (auto &[id, callback] : orphans)
        callback(json{{"error", {{"message", "the inspector closed"}}}});
    if (m_onClose)
        m_onClose();
}

void CdpClient::write(std::string text) {
    asio::post(m_io, [this, text = std::move(text)]() mutable {
        m_writes.push_back(std::move(text));
        if (m_writes.size() > 1)
            return; // one write at a time; the one in flight sends the rest
        auto writeFront = std::make_shared<std::function<void()>>();
        *writeFront = [this, writeFront] {
            m_impl->ws.async_write(asio::buffer(m_writes.front()),
                                   [this, writeFront](beast::error_code ec, std::size_t) {
                                       m_writes.pop_front();
                                       if (ec) {
                                           m_writes.clear();
                                           return;
                                       }
                                       if (!m_writes.empty())
                                           (*writeFront)();
                                   });
        };
        (*writeFront)();
    });
}

void CdpClient::send(const std::string &method, const json &params) {
    if (!m_open)
        return;
    long long id = 0;
    {
        std::lock_guard lock(m_mutex);
        id = m_nextId++;
    }
    write(json{{"id", id}, {"method", method}, {"params", params}}.dump());
}

json CdpClient::call(const std::string &method, const json &params,
                     std::chrono::milliseconds timeout) {
    if (!m_open)
        throw BackendError("the function's inspector is not connected");
    auto promise = std::make_shared<std::promise<json>>();
    auto future = promise->get_future();
    long long id = 0;
    {
        std::lock_guard lock(m_mutex);
        id = m_nextId++;
        m_pending[id] = [promise](const json &message) { promise->set_value(message); };
    }
    write(json{{"id", id}, {"method", method}, {"params", params}}.dump());
    if (future.wait_for(timeout) != std::future_status::ready) {
        std::lock_guard lock(m_mutex);
        m_pending.erase(id);
        throw BackendError("the function's inspector did not answer " + method + " in time");
    }
    const json message = future.get();
    if (message.contains("error"))
        throw BackendError(message["error"].value("message", method + " failed"));
    return message.value("result", json::object());
}

void CdpClient::close() {
    // Whoever comes first stops the I/O thread; a second caller waits until it has.
    std::lock_guard closing(m_closeMutex);
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) {
        asio::post(m_io, [this] {
            beast::error_code ignored;
            m_impl->ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
            m_impl->ws.next_layer().close(ignored);
        });
        m_thread.join();
    }
    closed();
}

} // namespace nimbus::dap
