#include "nimbus/net/peeruser.h"

#include "nimbus/net/peerowner.h"

#include <cstdio>
#include <cstring>
#include <fstream>
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
    if (const auto trusted = peerIsTrustedByNetlink(fd))
        return *trusted;
    // No sock_diag here: the kernel's socket table, read whole.
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
    const char *table = local.address().is_v4() ? "/proc/net/tcp" : "/proc/net/tcp6";
    return ownerIsTrusted(ownerInTable(slurp(table), local, peer), peer.data());
}

bool peerIsTrusted(boost::asio::ip::tcp::socket &socket) {
    return peerIsTrusted(socket.native_handle());
}

} // namespace nimbus::net
