#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <sys/types.h>

namespace nimbus::net {

// Who is at the other end of a TCP connection made on this machine. Every server here
// listens on loopback, where any local user can connect: the kernel names the user owning the
// peer's end (asked over sock_diag netlink for that one socket, or else read from its socket
// table, /proc/net/tcp and tcp6), which must be ours (or root) before the connection may
// drive a simulator, a function instance or a debugger.

// The line's address as the kernel prints it in /proc/net/tcp{,6} ("0100007F:1F90").
std::string procNetAddress(const boost::asio::ip::tcp::endpoint &endpoint);

// The owner of the socket whose local end is `peer` and remote end is `local`, looked up in
// `table` (the text of /proc/net/tcp or tcp6); nullopt when no row matches.
std::optional<uid_t> ownerInTable(const std::string &table,
                                  const boost::asio::ip::tcp::endpoint &local,
                                  const boost::asio::ip::tcp::endpoint &peer);

// Whether `socket` (an accepted connection) may be served: from this user or root when its
// peer is on this machine. A peer from another host only reaches a server that was told to
// listen beyond loopback, and is let through; a loopback peer whose user cannot be told is
// refused.
bool peerIsTrusted(boost::asio::ip::tcp::socket &socket);
bool peerIsTrusted(int fd); // an accepted socket's descriptor

} // namespace nimbus::net
