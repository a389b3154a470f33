#pragma once

#include "../process/childprocess.h"

#include <string>
#include <vector>

namespace nimbus::sim {

// What a sandboxed instance sees (`--sandbox`): the system read-only, its code, runtime,
// packages and layers read-only (even inside a home folder), no home folders (no ~/.aws, no
// SSH keys), a private /tmp of its ephemeral storage's size, and, when asked, no network.
struct SandboxView {
    std::string bubblewrap;            // bwrap's path
    std::vector<std::string> readOnly; // folders (or files) shown again inside hidden ones
    std::vector<std::string> writable; // folders it may write to (a profile's output)
    long long tmpBytes = 512LL << 20;  // its /tmp, Lambda's ephemeral storage
    bool network = true;
    // Without a network: nimbus-sandbox-relay (its path) runs first and serves each port
    // (the Runtime API's; a debug instance's debugger's) at 127.0.0.1:PORT inside, through the
    // Unix socket of that name in `bridgeFolder`, which is shown at kSandboxBridgeFolder (a
    // /run of its own).
    struct RelayedPort {
        unsigned short port = 0;
        std::string socketName;
    };
    std::string relay;
    std::string bridgeFolder;
    std::vector<RelayedPort> relayedPorts;
};

// Where a sandbox without a network finds the simulator's sockets.
inline constexpr const char *kSandboxBridgeFolder = "/run/nimbus";
inline constexpr const char *kBridgeSocketName = "runtime-api.sock";
inline constexpr const char *kDebugBridgeSocketName = "debug-agent.sock";

// Where bwrap is ("" when it is not installed).
std::string findBubblewrap();

// Turns `spec` into the same command run by bubblewrap as `view` says: its executable becomes
// bwrap, its own command (behind the relay, without a network) and working folder move into
// bwrap's arguments, TMPDIR becomes /tmp.
void wrapInBubblewrap(ChildProcess::Spec &spec, const SandboxView &view);

// The folders a sandbox hides: every home folder, root's, and each user's runtime folder
// (their D-Bus and keyring sockets).
std::vector<std::string> hiddenFolders();

// How a bubblewrapped process ended: bwrap exits 128 + N when its command was killed by
// signal N, which is reported as that signal.
ExitStatus unwrapExitStatus(ExitStatus status);

} // namespace nimbus::sim
