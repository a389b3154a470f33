#pragma once

#include <optional>
#include <sys/socket.h>
#include <sys/types.h>

namespace nimbus::net {

// The owner of a TCP socket of this machine, asked of the kernel over sock_diag netlink for
// that one socket (a few microseconds, whatever the machine runs). Plain POSIX, without Boost:
// libnimbus-portmap, preloaded into http services' instances, builds it in as well.

// Looks up the socket whose local end is `from` and remote end is `to` (both AF_INET or both
// AF_INET6). False when the kernel could not be asked (no sock_diag here); else `owner` is its
// owner, or nullopt when there is no such socket on this machine.
bool socketOwnerByNetlink(const sockaddr *from, const sockaddr *to, std::optional<uid_t> &owner);

} // namespace nimbus::net
