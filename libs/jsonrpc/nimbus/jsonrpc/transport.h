#pragma once

#include "nimbus/jsonrpc/framing.h"

#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace nimbus::jsonrpc {

// Moves framed messages between us and the peer. Servers are written against this, so a
// test can drive them in-process and main() can connect them to stdio or a socket.
class Transport {
public:
    virtual ~Transport() = default;
    // Sends one message body, framed.
    virtual void send(std::string_view body) = 0;
    // Reads until the peer closes or `onFrames` returns false; each call hands over the
    // frames that arrived together, in order.
    virtual void run(const std::function<bool(std::vector<Frame>)> &onFrames) = 0;
};

// Content-Length framing over two file descriptors (stdin/stdout by default).
class FdTransport : public Transport {
public:
    explicit FdTransport(int inFd = 0, int outFd = 1);
    void send(std::string_view body) override;
    void run(const std::function<bool(std::vector<Frame>)> &onFrames) override;
    // As run(), and when `hasWork` says there is something to do once input pauses, calls
    // `onQuiet` after `quietMs` without input (a debounce).
    void run(const std::function<bool(std::vector<Frame>)> &onFrames,
             const std::function<void()> &onQuiet, const std::function<bool()> &hasWork,
             int quietMs = 150);

private:
    int m_in;
    int m_out;
    std::mutex m_writeMutex;
    MessageReader m_reader;
};

} // namespace nimbus::jsonrpc
