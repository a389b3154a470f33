#include "cdpclient.h"

#include "debugbackend.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <future>

namespace nimbus::dap {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {
// The largest message taken from the inspector (a script's source, a big object's preview).
constexpr std::size_t kMaxMessage = 256 * 1024 * 1024;
} // namespace

struct CdpClient::Impl {
    explicit Impl(asio::io_context &io)
        : socket(io)
        , buffer(kMaxMessage) {}
    tcp::socket socket;
    asio::streambuf buffer;
};

CdpClient::CdpClient(EventHandler onEvent, CloseHandler onClose)
    : m_onEvent(std::move(onEvent))
    , m_onClose(std::move(onClose))
    , m_impl(std::make_unique<Impl>(m_io)) {}

CdpClient::~CdpClient() {
    close();
}

bool CdpClient::adopt(int descriptor, std::string pending, std::string &error) {
    boost::system::error_code ec;
    m_impl->socket.assign(tcp::v4(), descriptor, ec);
    if (ec) {
        error = "cannot take over the inspector's connection: " + ec.message();
        return false;
    }
    m_impl->socket.set_option(tcp::no_delay(true), ec);
    // Lines that came with the relay's first one, as if they had been read now.
    auto buffers = m_impl->buffer.prepare(pending.size());
    m_impl->buffer.commit(asio::buffer_copy(buffers, asio::buffer(pending)));
    m_open = true;
    readNext();
    m_thread = std::thread([this] { m_io.run(); });
    return true;
}

void CdpClient::readNext() {
    asio::async_read_until(m_impl->socket, m_impl->buffer, '\n',
                           [this](boost::system::error_code ec, std::size_t) {
                               if (ec) {
                                   closed();
                                   return;
                               }
                               std::istream in(&m_impl->buffer);
                               std::string line;
                               std::getline(in, line);
                               dispatch(line);
                               readNext();
                           });
}

void CdpClient::dispatch(const std::string &line) {
    const json message = json::parse(line, nullptr, false);
    if (!message.is_object())
        return;
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
            asio::async_write(m_impl->socket, asio::buffer(m_writes.front()),
                              [this, writeFront](boost::system::error_code ec, std::size_t) {
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
    write(json{{"id", id}, {"method", method}, {"params", params}}.dump() + "\n");
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
    write(json{{"id", id}, {"method", method}, {"params", params}}.dump() + "\n");
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
            boost::system::error_code ignored;
            m_impl->socket.shutdown(tcp::socket::shutdown_both, ignored);
            m_impl->socket.close(ignored);
        });
        m_thread.join();
    }
    closed();
}

} // namespace nimbus::dap
