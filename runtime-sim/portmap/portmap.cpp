// libnimbus-portmap: preloaded (LD_PRELOAD) into every instance of an http service, which a
// command line starts and which listens where it likes. Two rewrites of bind(), each with its
// variable:
//  - NIMBUS_PORTMAP_FROM, NIMBUS_PORTMAP_TO: a bind() to port FROM goes to port TO instead, so
//    that many instances of a server that listens on a fixed port (an SCF web function's server
//    binds 9000) can run on one machine;
//  - NIMBUS_PORTMAP_LOOPBACK: a bind() to that port (the instance's $PORT, or TO) on any
//    address goes to loopback, so that a server that listens on every interface (0.0.0.0, ::)
//    is reachable from this machine only, through the gateway, as the simulator's own
//    listeners are.
// The loopback address is 127.0.0.1, or ::ffff:127.0.0.1 for an IPv6 socket, which a
// dual-stack socket accepts IPv4 on (::1 if the socket is IPv6-only). Every other bind() is
// untouched.
//
// Loopback is open to every user of the machine, so accept() and accept4() on that port close
// a connection another user made (the kernel names its owner, as for the simulator's own
// servers) and report ECONNABORTED, which servers take as a connection that went away before
// it was accepted (libuv's and Go's loops and Python's socketserver go on to the next). The
// gateway, this user's, is served. Statically linked programs are not affected.
#include "nimbus/net/peerowner.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using BindFn = int (*)(int, const sockaddr *, socklen_t);
using AcceptFn = int (*)(int, sockaddr *, socklen_t *);
using Accept4Fn = int (*)(int, sockaddr *, socklen_t *, int);

namespace {

int portFromEnv(const char *name) {
    const char *text = std::getenv(name);
    if (!text || !*text)
        return -1;
    char *end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return (*end == '\0' && value > 0 && value < 65536) ? static_cast<int>(value) : -1;
}

int portOf(const sockaddr_storage &address) {
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
    return -1;
}

// Whether `connection`, accepted on `listener`, must be closed: the listener is the port this
// library keeps on loopback, and the kernel says another user (not root) made it, or cannot
// find its maker on this machine. A connection the kernel cannot be asked about is let in.
bool refused(int listener, int connection) {
    const int kept = portFromEnv("NIMBUS_PORTMAP_LOOPBACK");
    const int moved = portFromEnv("NIMBUS_PORTMAP_TO");
    if (kept < 0 && moved < 0)
        return false;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(listener, reinterpret_cast<sockaddr *>(&local), &length) != 0)
        return false;
    const int port = portOf(local);
    if (port < 0 || (port != kept && port != moved))
        return false;
    return !nimbus::net::peerIsTrustedByNetlink(connection).value_or(true);
}

int checked(int listener, int connection) {
    if (connection >= 0 && refused(listener, connection)) {
        ::close(connection);
        errno = ECONNABORTED;
        return -1;
    }
    return connection;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int accept(int fd, sockaddr *address,
                                                             socklen_t *length) {
    static AcceptFn real_accept = reinterpret_cast<AcceptFn>(dlsym(RTLD_NEXT, "accept"));
    return checked(fd, real_accept(fd, address, length));
}

extern "C" __attribute__((visibility("default"))) int accept4(int fd, sockaddr *address,
                                                              socklen_t *length, int flags) {
    static Accept4Fn real_accept4 = reinterpret_cast<Accept4Fn>(dlsym(RTLD_NEXT, "accept4"));
    return checked(fd, real_accept4(fd, address, length, flags));
}

extern "C" __attribute__((visibility("default"))) int bind(int fd, const sockaddr *address,
                                                           socklen_t length) {
    static BindFn real_bind = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
    const int from = portFromEnv("NIMBUS_PORTMAP_FROM");
    const int to = portFromEnv("NIMBUS_PORTMAP_TO");
    const int loopback = portFromEnv("NIMBUS_PORTMAP_LOOPBACK");
    if (!address || (loopback < 0 && (from < 0 || to < 0)))
        return real_bind(fd, address, length);
    // The port this bind() ends on, and whether it is one to keep on loopback.
    auto destination = [&](int port, bool &onLoopback) {
        if (from > 0 && to > 0 && port == from) {
            onLoopback = true;
            return to;
        }
        onLoopback = loopback > 0 && port == loopback;
        return port;
    };
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in moved;
        std::memcpy(&moved, address, sizeof moved);
        bool onLoopback = false;
        const int port = destination(ntohs(moved.sin_port), onLoopback);
        if (onLoopback) {
            moved.sin_port = htons(static_cast<unsigned short>(port));
            moved.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return real_bind(fd, reinterpret_cast<const sockaddr *>(&moved), sizeof moved);
        }
    } else if (address->sa_family == AF_INET6 &&
               length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 moved;
        std::memcpy(&moved, address, sizeof moved);
        bool onLoopback = false;
        const int port = destination(ntohs(moved.sin6_port), onLoopback);
        if (onLoopback) {
            moved.sin6_port = htons(static_cast<unsigned short>(port));
            // ::ffff:127.0.0.1 (the gateway connects over IPv4), unless IPv6-only.
            int v6only = 0;
            socklen_t size = sizeof v6only;
            if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size) == 0 && v6only)
                moved.sin6_addr = in6addr_loopback;
            else
                inet_pton(AF_INET6, "::ffff:127.0.0.1", &moved.sin6_addr);
            return real_bind(fd, reinterpret_cast<const sockaddr *>(&moved), sizeof moved);
        }
    }
    return real_bind(fd, address, length);
}
