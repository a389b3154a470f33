#include "nimbus/net/peeruser.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace nimbus::net {

namespace {

std::string slurp(const char *path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The kernel's answer to "which socket has this local and remote end", over sock_diag
// netlink: one socket looked up by its addresses, a few microseconds whatever the machine
// runs (reading /proc/net/tcp walks the kernel's whole table, milliseconds on a large one).
// False when the kernel could not be asked (no sock_diag here); else `owner` is the socket's
// owner, or nullopt when there is no such socket on this machine.
bool ownerByNetlink(const boost::asio::ip::tcp::endpoint &from,
                    const boost::asio::ip::tcp::endpoint &to, std::optional<uid_t> &owner) {
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
    request.id.idiag_sport = htons(from.port());
    request.id.idiag_dport = htons(to.port());
    request.id.idiag_cookie[0] = request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (from.address().is_v4() && to.address().is_v4()) {
        request.sdiag_family = AF_INET;
        const auto source = from.address().to_v4().to_bytes();
        const auto destination = to.address().to_v4().to_bytes();
        std::memcpy(request.id.idiag_src, source.data(), source.size());
        std::memcpy(request.id.idiag_dst, destination.data(), destination.size());
    } else if (from.address().is_v6() && to.address().is_v6()) {
        // (A v4-mapped pair is looked up among IPv4 sockets by the kernel itself.)
        request.sdiag_family = AF_INET6;
        const auto source = from.address().to_v6().to_bytes();
        const auto destination = to.address().to_v6().to_bytes();
        std::memcpy(request.id.idiag_src, source.data(), source.size());
        std::memcpy(request.id.idiag_dst, destination.data(), destination.size());
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

} // namespace

std::string procNetAddress(const boost::asio::ip::tcp::endpoint &endpoint) {
    // The kernel prints each 32-bit word of the address as the number it is in memory, in
    // hexadecimal, and the port as a number.
    char text[64];
    std::string out;
    auto words = [&](const unsigned char *bytes, std::size_t count) {
        for (std::size_t i = 0; i < count; i += 4) {
            std::uint32_t word = 0;
            std::memcpy(&word, bytes + i, 4);
            std::snprintf(text, sizeof text, "%08X", word);
            out += text;
        }
    };
    const auto address = endpoint.address();
    if (address.is_v4()) {
        const auto bytes = address.to_v4().to_bytes();
        words(bytes.data(), bytes.size());
    } else {
        const auto bytes = address.to_v6().to_bytes();
        words(bytes.data(), bytes.size());
    }
    std::snprintf(text, sizeof text, ":%04X", endpoint.port());
    return out + text;
}

std::optional<uid_t> ownerInTable(const std::string &table,
                                  const boost::asio::ip::tcp::endpoint &local,
                                  const boost::asio::ip::tcp::endpoint &peer) {
    const std::string peerAddress = procNetAddress(peer);
    const std::string localAddress = procNetAddress(local);
    std::istringstream lines(table);
    std::string line;
    std::getline(lines, line); // the heading
    while (std::getline(lines, line)) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
        std::istringstream fields(line);
        std::string slot, from, to, state, queues, timer, retransmits;
        long long uid = -1;
        if (!(fields >> slot >> from >> to >> state >> queues >> timer >> retransmits >> uid))
            continue;
        if (from == peerAddress && to == localAddress && uid >= 0)
            return static_cast<uid_t>(uid);
    }
    return std::nullopt;
}

bool peerIsTrusted(int fd) {
    using boost::asio::ip::tcp;
    tcp::endpoint local, peer;
    socklen_t length = static_cast<socklen_t>(local.capacity());
    if (::getsockname(fd, local.data(), &length) != 0)
        return false;
    local.resize(length);
    length = static_cast<socklen_t>(peer.capacity());
    if (::getpeername(fd, peer.data(), &length) != 0)
        return false;
    peer.resize(length);
    // The peer's socket: its local end is our peer, its remote end is us.
    std::optional<uid_t> owner;
    if (!ownerByNetlink(peer, local, owner)) {
        const char *table = local.address().is_v4() ? "/proc/net/tcp" : "/proc/net/tcp6";
        owner = ownerInTable(slurp(table), local, peer);
    }
    if (owner)
        return *owner == ::geteuid() || *owner == 0;
    // Not a socket of this machine's: from another host, which only a server told to listen
    // beyond loopback hears. A loopback peer that cannot be found is refused.
    auto address = peer.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    return !address.is_loopback();
}

bool peerIsTrusted(boost::asio::ip::tcp::socket &socket) {
    return peerIsTrusted(socket.native_handle());
}

} // namespace nimbus::net
