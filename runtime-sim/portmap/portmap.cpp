// libnimbus-portmap: preloaded (LD_PRELOAD) into an instance of a server that listens on a
// fixed port — an SCF web function's server binds 9000 — so that many instances can run on
// one machine. A bind() to NIMBUS_PORTMAP_FROM goes to NIMBUS_PORTMAP_TO on loopback
// instead (an IPv6 socket to ::ffff:127.0.0.1, which a dual-stack socket accepts IPv4 on);
// every other bind() is untouched. Statically linked programs are not affected.
#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

using BindFn = int (*)(int, const sockaddr *, socklen_t);

namespace {

int portFromEnv(const char *name) {
    const char *text = std::getenv(name);
    if (!text || !*text)
        return -1;
    char *end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return (*end == '\0' && value > 0 && value < 65536) ? static_cast<int>(value) : -1;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int bind(int fd, const sockaddr *address,
                                                           socklen_t length) {
    static BindFn real_bind = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
    const int from = portFromEnv("NIMBUS_PORTMAP_FROM");
    const int to = portFromEnv("NIMBUS_PORTMAP_TO");
    if (from < 0 || to < 0 || !address)
        return real_bind(fd, address, length);
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in moved;
        std::memcpy(&moved, address, sizeof moved);
        if (ntohs(moved.sin_port) == from) {
            moved.sin_port = htons(static_cast<unsigned short>(to));
            moved.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return real_bind(fd, reinterpret_cast<const sockaddr *>(&moved), sizeof moved);
        }
    } else if (address->sa_family == AF_INET6 &&
               length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 moved;
        std::memcpy(&moved, address, sizeof moved);
        if (ntohs(moved.sin6_port) == from) {
            moved.sin6_port = htons(static_cast<unsigned short>(to));
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
