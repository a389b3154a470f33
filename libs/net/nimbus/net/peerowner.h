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

// Whether a connection whose peer (at `peer`) is owned by `owner` may be served: this user or
// root. A peer that is no socket of this machine's (nullopt) came from another host, which only
// a server told to listen beyond loopback hears, and is let through; a loopback peer that
// cannot be found is refused.
bool ownerIsTrusted(const std::optional<uid_t> &owner, const sockaddr *peer);

// The same for an accepted connection's descriptor, its peer's owner asked over netlink;
// nullopt when the kernel cannot be asked that way.
std::optional<bool> peerIsTrustedByNetlink(int fd);

} // namespace nimbus::net
