// nimbus-sandbox-relay: the first process inside a sandbox without a network
// (custom.nimbus.sandbox: {network: false}). bubblewrap gives the instance a network namespace
// of its own, with nothing but its loopback, so the Runtime API the simulator serves on the
// machine's loopback is out of reach. This program listens on the instance's own loopback at
// the port AWS_LAMBDA_RUNTIME_API names, starts the runtime, and carries every connection to
// the simulator through a Unix socket bound into the sandbox: the runtime (any runtime, a
// custom one included) talks HTTP to 127.0.0.1:PORT as it would on Lambda, and nothing else
// leaves the sandbox. A debug instance's connections to its debugger's agent port are carried
// the same way, through a second pair.
//
//   nimbus-sandbox-relay PORT SOCKET [PORT SOCKET]... -- COMMAND [ARG...]
//
// It exits as the command does (128 + N when a signal N ended it), and passes SIGTERM,
// SIGINT and SIGHUP on to it. Plain POSIX: it runs inside the sandbox, beside the runtime.

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;

[[noreturn]] void fail(const std::string &what) {
    std::fprintf(stderr, "nimbus-sandbox-relay: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(126);
}

void setNonBlocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Bytes read from `from` and not yet written to `to`.
struct Direction {
    int from = -1;
    int to = -1;
    std::vector<char> buffer;
    std::size_t start = 0, end = 0;
    bool readDone = false;  // `from` said end of file (or failed)
    bool writeDone = false; // `to` was shut for writing after the last byte

    bool empty() const { return start == end; }
    bool finished() const { return writeDone; }
};

// One connection of the runtime's, carried both ways.
struct Pair {
    int tcp = -1;
    int unixSocket = -1;
    Direction up;   // runtime → simulator
    Direction down; // simulator → runtime
    ~Pair() {
        if (tcp >= 0)
            ::close(tcp);
        if (unixSocket >= 0)
            ::close(unixSocket);
    }
};

// Moves what it can; false when the pair must be dropped (a write failed).
bool pump(Direction &d) {
    if (d.empty() && !d.readDone) {
        const ssize_t n = ::read(d.from, d.buffer.data(), d.buffer.size());
        if (n > 0) {
            d.start = 0;
            d.end = static_cast<std::size_t>(n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            d.readDone = true;
        }
    }
    while (!d.empty()) {
        const ssize_t n = ::send(d.to, d.buffer.data() + d.start, d.end - d.start, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            return false;
        }
        d.start += static_cast<std::size_t>(n);
    }
    if (d.empty() && d.readDone && !d.writeDone) {
        ::shutdown(d.to, SHUT_WR);
        d.writeDone = true;
    }
    return true;
}

int connectToSimulator(const std::string &path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    setNonBlocking(fd);
    return fd;
}

int exitCodeOf(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

// A port served on the namespace's loopback and the Unix socket its connections go to.
struct Listener {
    int fd = -1;
    std::string socketPath;
};

Listener listenAt(const char *portText, const char *socketPath) {
    const long port = std::strtol(portText, nullptr, 10);
    if (port <= 0 || port > 65535 || std::strlen(socketPath) >= sizeof(sockaddr_un::sun_path)) {
        std::fprintf(stderr, "nimbus-sandbox-relay: bad port %s or socket path %s\n", portText,
                     socketPath);
        std::exit(2);
    }
    // The namespace's loopback is up (bubblewrap brings it up), and empty: the port is free.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        fail("cannot listen on 127.0.0.1:" + std::to_string(port));
    if (::listen(fd, 64) != 0)
        fail("listen");
    setNonBlocking(fd);
    return {fd, socketPath};
}

} // namespace

int main(int argc, char **argv) {
    // PORT SOCKET pairs up to "--", then the command.
    int separator = 1;
    while (separator < argc && std::strcmp(argv[separator], "--") != 0)
        ++separator;
    const int pairs = (separator - 1) / 2;
    if (separator >= argc - 1 || pairs < 1 || (separator - 1) % 2 != 0) {
        std::fprintf(
            stderr,
            "usage: nimbus-sandbox-relay PORT SOCKET [PORT SOCKET]... -- COMMAND [ARG...]\n");
        return 2;
    }
    std::vector<Listener> listeners;
    for (int i = 0; i < pairs; ++i)
        listeners.push_back(listenAt(argv[1 + 2 * i], argv[2 + 2 * i]));
    const int command = separator + 1;

    // Signals arrive as reads, so that one poll() serves them and the connections.
    sigset_t handled, previous;
    sigemptyset(&handled);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP})
        sigaddset(&handled, s);
    if (::sigprocmask(SIG_BLOCK, &handled, &previous) != 0)
        fail("sigprocmask");
    const int signals = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0)
        fail("signalfd");

    // Listening before the runtime starts: its first request never finds the port closed.
    const pid_t child = ::fork();
    if (child < 0)
        fail("fork");
    if (child == 0) {
        ::sigprocmask(SIG_SETMASK, &previous, nullptr);
        ::execvp(argv[command], argv + command);
        std::fprintf(stderr, "nimbus-sandbox-relay: cannot run %s: %s\n", argv[command],
                     std::strerror(errno));
        ::_exit(127);
    }

    std::vector<std::unique_ptr<Pair>> carried;
    std::vector<pollfd> fds;
    const std::size_t first = 1 + listeners.size(); // the pairs' entries in `fds`
    for (;;) {
        fds.clear();
        fds.push_back({signals, POLLIN, 0});
        for (const auto &l : listeners)
            fds.push_back({l.fd, POLLIN, 0});
        for (const auto &p : carried) {
            // Each socket: readable when its outgoing buffer is empty, writable when the other
            // way holds bytes for it.
            short tcpEvents = 0, unixEvents = 0;
            if (p->up.empty() && !p->up.readDone)
                tcpEvents |= POLLIN;
            if (!p->down.empty())
                tcpEvents |= POLLOUT;
            if (p->down.empty() && !p->down.readDone)
                unixEvents |= POLLIN;
            if (!p->up.empty())
                unixEvents |= POLLOUT;
            fds.push_back({p->tcp, tcpEvents, 0});
            fds.push_back({p->unixSocket, unixEvents, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            fail("poll");
        }

        if (fds[0].revents & POLLIN) {
            signalfd_siginfo info{};
            while (::read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                if (info.ssi_signo == SIGCHLD) {
                    int status = 0;
                    if (::waitpid(child, &status, WNOHANG) == child)
                        return exitCodeOf(status);
                } else {
                    ::kill(child, static_cast<int>(info.ssi_signo));
                }
            }
        }

        for (std::size_t l = 0; l < listeners.size(); ++l) {
            if (!(fds[1 + l].revents & POLLIN))
                continue;
            for (;;) {
                const int tcp =
                    ::accept4(listeners[l].fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (tcp < 0)
                    break;
                const int up = connectToSimulator(listeners[l].socketPath);
                if (up < 0) {
                    // The simulator is gone (or going): the runtime sees its connection close.
                    ::close(tcp);
                    continue;
                }
                auto pair = std::make_unique<Pair>();
                pair->tcp = tcp;
                pair->unixSocket = up;
                pair->up = {tcp, up, std::vector<char>(kBufferBytes)};
                pair->down = {up, tcp, std::vector<char>(kBufferBytes)};
                carried.push_back(std::move(pair));
            }
        }

        // (Pairs accepted above are not in `fds` yet; they are served on the next round.)
        const std::size_t polled = (fds.size() - first) / 2;
        std::vector<std::unique_ptr<Pair>> kept;
        for (std::size_t i = 0; i < carried.size(); ++i) {
            Pair &p = *carried[i];
            bool ok = true;
            if (i < polled) {
                const short tcpEvents = fds[first + 2 * i].revents;
                const short unixEvents = fds[first + 1 + 2 * i].revents;
                if (tcpEvents || unixEvents)
                    ok = pump(p.up) && pump(p.down);
                if ((tcpEvents | unixEvents) & (POLLERR | POLLNVAL))
                    ok = false;
            }
            if (ok && !(p.up.finished() && p.down.finished()))
                kept.push_back(std::move(carried[i]));
        }
        carried = std::move(kept);
    }
}
