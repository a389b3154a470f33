#include "bubblewrap.h"

#include "nimbus/resources/programlocator.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::sim {

std::string findBubblewrap() {
    return resources::findProgram("bwrap").value_or(std::string());
}

std::vector<std::string> hiddenFolders() {
    std::vector<std::string> hidden;
    std::error_code ec;
    for (const char *dir : {"/home", "/root", "/run/user", "/var/lib/sss", "/mnt", "/media"})
        if (fs::is_directory(dir, ec))
            hidden.push_back(dir);
    return hidden;
}

void wrapInBubblewrap(ChildProcess::Spec &spec, const SandboxView &view) {
    std::vector<std::string> args = {"--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
                                     "--proc", "/proc",
                                     // (its own System V IPC and host name, as on Lambda)
                                     "--unshare-ipc", "--unshare-uts", "--hostname", "localhost"};
    for (const auto &dir : hiddenFolders())
        args.insert(args.end(), {"--tmpfs", dir});
    args.insert(args.end(), {"--size", std::to_string(view.tmpBytes), "--tmpfs", "/tmp"});
    const bool relayed = !view.network && !view.relay.empty();
    if (!view.network)
        args.push_back("--unshare-net");
    if (relayed) // (a /run of its own also hides the machine's sockets there: D-Bus, Docker)
        args.insert(args.end(),
                    {"--tmpfs", "/run", "--bind", view.bridgeFolder, kSandboxBridgeFolder});
    std::error_code ec;
    std::vector<std::string> readOnly = view.readOnly;
    if (relayed)
        readOnly.push_back(view.relay);
    for (const auto &path : readOnly)
        if (!path.empty() && fs::exists(path, ec))
            args.insert(args.end(), {"--ro-bind", path, path});
    for (const auto &path : view.writable)
        if (!path.empty() && fs::exists(path, ec))
            args.insert(args.end(), {"--bind", path, path});
    if (!spec.workingDirectory.empty())
        args.insert(args.end(), {"--chdir", spec.workingDirectory});
    args.push_back("--");
    if (relayed) {
        args.push_back(view.relay);
        for (const auto &carried : view.relayedPorts)
            args.insert(args.end(), {std::to_string(carried.port),
                                     std::string(kSandboxBridgeFolder) + "/" + carried.socketName});
        args.push_back("--");
    }
    args.push_back(spec.executable);
    args.insert(args.end(), spec.arguments.begin(), spec.arguments.end());
    spec.executable = view.bubblewrap;
    spec.arguments = std::move(args);
    spec.environment["TMPDIR"] = "/tmp";
}

ExitStatus unwrapExitStatus(ExitStatus status) {
    if (status.signal == 0 && status.exitCode > 128 && status.exitCode < 128 + 65)
        return ExitStatus{0, status.exitCode - 128};
    return status;
}

} // namespace nimbus::sim
