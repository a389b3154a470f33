#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace nimbus::dap {

// A client of the Chrome DevTools Protocol, one JSON message per line on a connection the
// function's inspector relay (resources/runtimes/node/inspector-relay.js) made to the agent
// port: numbered commands answered by id, and events. Its own I/O thread reads and writes;
// call() may be made from any thread and blocks until the answer (or the timeout). Events and
// the close are reported on the I/O thread, in the order they came.
class CdpClient {
public:
    using EventHandler =
        std::function<void(const std::string &method, const nlohmann::json &params)>;
    using CloseHandler = std::function<void()>;

    CdpClient(EventHandler onEvent, CloseHandler onClose);
    ~CdpClient();

    // Takes over the relay's connection (a connected socket's descriptor) and what was read
    // from it past its first line; false with `error` when it cannot.
    bool adopt(int descriptor, std::string pending, std::string &error);
    // A command and its result; throws BackendError with the inspector's message.
    nlohmann::json call(const std::string &method,
                        const nlohmann::json &params = nlohmann::json::object(),
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // A command whose answer nobody waits for.
    void send(const std::string &method, const nlohmann::json &params = nlohmann::json::object());
    bool open() const { return m_open; }
    void close();

private:
    struct Impl;
    void write(std::string text);
    void readNext();
    void dispatch(const std::string &line);
    void closed();

    EventHandler m_onEvent;
    CloseHandler m_onClose;
    boost::asio::io_context m_io;
    std::unique_ptr<Impl> m_impl;
    std::thread m_thread;
    std::atomic<bool> m_open{false};
    std::mutex m_mutex;
    std::mutex m_closeMutex;
    long long m_nextId = 1;
    std::map<long long, std::function<void(const nlohmann::json &)>> m_pending;
    std::deque<std::string> m_writes; // on the I/O thread only
};

} // namespace nimbus::dap
