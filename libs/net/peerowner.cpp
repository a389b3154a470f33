#include "nimbus/net/peerowner.h"

#include <cerrno>
#include <cstring>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <unistd.h>

namespace nimbus::net {

bool socketOwnerByNetlink(const sockaddr *from, const sockaddr *to, std::optional<uid_t> &owner) {
    owner.reset();
    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    auto &request = message.request;
    request.sdiag_protocol = IPPROTO_TCP;
    request.idiag_states = ~0U;
    request.id.idiag_cookie[0] = request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (from->sa_family == AF_INET && to->sa_family == AF_INET) {
        sockaddr_in source, destination;
        std::memcpy(&source, from, sizeof source);
        std::memcpy(&destination, to, sizeof destination);
        request.sdiag_family = AF_INET;
        request.id.idiag_sport = source.sin_port;
        request.id.idiag_dport = destination.sin_port;
        std::memcpy(request.id.idiag_src, &source.sin_addr, sizeof source.sin_addr);
        std::memcpy(request.id.idiag_dst, &destination.sin_addr, sizeof destination.sin_addr);
    } else if (from->sa_family == AF_INET6 && to->sa_family == AF_INET6) {
        // (A v4-mapped pair is looked up among IPv4 sockets by the kernel itself.)
        sockaddr_in6 source, destination;
        std::memcpy(&source, from, sizeof source);
        std::memcpy(&destination, to, sizeof destination);
        request.sdiag_family = AF_INET6;
        request.id.idiag_sport = source.sin6_port;
        request.id.idiag_dport = destination.sin6_port;
        std::memcpy(request.id.idiag_src, &source.sin6_addr, sizeof source.sin6_addr);
        std::memcpy(request.id.idiag_dst, &destination.sin6_addr, sizeof destination.sin6_addr);
    } else {
        return false;
    }
    const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return false;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    timeval patience{1, 0}; // the kernel answers at once; never wait on it longer
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    alignas(nlmsghdr) char answer[4096];
    ssize_t size = -1;
    if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<const sockaddr *>(&kernel),
                 sizeof kernel) == static_cast<ssize_t>(sizeof message))
        size = ::recv(fd, answer, sizeof answer, 0);
    ::close(fd);
    // (netlink(7)'s NLMSG_ macros, written out: the header, aligned to 4 bytes, then the data.)
    constexpr ssize_t kHeader = (sizeof(nlmsghdr) + 3) & ~std::size_t(3);
    if (size < kHeader)
        return false;
    const auto *header = reinterpret_cast<const nlmsghdr *>(answer);
    const char *data = answer + kHeader;
    if (header->nlmsg_type == NLMSG_ERROR &&
        size >= kHeader + static_cast<ssize_t>(sizeof(nlmsgerr)))
        // No socket with those ends: the peer is not on this machine.
        return reinterpret_cast<const nlmsgerr *>(data)->error == -ENOENT;
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        size < kHeader + static_cast<ssize_t>(sizeof(inet_diag_msg)))
        return false;
    owner = static_cast<uid_t>(reinterpret_cast<const inet_diag_msg *>(data)->idiag_uid);
    return true;
}

bool ownerIsTrusted(const std::optional<uid_t> &owner, const sockaddr *peer) {
    if (owner)
        return *owner == ::geteuid() || *owner == 0;
    if (peer->sa_family == AF_INET) {
        sockaddr_in address;
        std::memcpy(&address, peer, sizeof address);
        return (ntohl(address.sin_addr.s_addr) >> 24) != 127;
    }
    if (peer->sa_family == AF_INET6) {
        sockaddr_in6 address;
        std::memcpy(&address, peer, sizeof address);
        const in6_addr &a = address.sin6_addr;
        return !IN6_IS_ADDR_LOOPBACK(&a) && !(IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    }
    return false;
}

std::optional<bool> peerIsTrustedByNetlink(int fd) {
    sockaddr_storage local{}, peer{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length) != 0)
        return false;
    length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &length) != 0)
        return false;
    // The peer's socket: its local end is our peer, its remote end is us.
    std::optional<uid_t> owner;
    if (!socketOwnerByNetlink(reinterpret_cast<const sockaddr *>(&peer),
                              reinterpret_cast<const sockaddr *>(&local), owner))
        return std::nullopt;
    return ownerIsTrusted(owner, reinterpret_cast<const sockaddr *>(&peer));
}

} // namespace nimbus::net
