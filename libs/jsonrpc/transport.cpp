#include "nimbus/jsonrpc/transport.h"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace nimbus::jsonrpc {

FdTransport::FdTransport(int inFd, int outFd)
    : m_in(inFd)
    , m_out(outFd) {}

void FdTransport::send(std::string_view body) {
    const std::string bytes = frame(body);
    std::lock_guard lock(m_writeMutex);
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(m_out, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // the peer went away; reading will notice
        written += static_cast<std::size_t>(n);
    }
}

void FdTransport::run(const std::function<bool(std::vector<Frame>)> &onFrames,
                      const std::function<void()> &onQuiet, const std::function<bool()> &hasWork,
                      int quietMs) {
    char buffer[65536];
    for (;;) {
        pollfd fd{m_in, POLLIN, 0};
        const int ready = ::poll(&fd, 1, hasWork() ? quietMs : -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            onQuiet();
            continue;
        }
        const ssize_t n = ::read(m_in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        std::vector<Frame> frames =
            m_reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        if (!frames.empty() && !onFrames(std::move(frames)))
            break;
    }
    if (hasWork())
        onQuiet();
}

void FdTransport::run(const std::function<bool(std::vector<Frame>)> &onFrames) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(m_in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        std::vector<Frame> frames =
            m_reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        if (!frames.empty() && !onFrames(std::move(frames)))
            return;
    }
}

} // namespace nimbus::jsonrpc
