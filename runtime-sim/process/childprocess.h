#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <system_error>
#include <vector>

namespace nimbus::sim {

// How a child process ended.
struct ExitStatus {
    int exitCode = 0; // when it exited
    int signal = 0;   // when a signal ended it (0 otherwise)

    // "exit status 1", "signal: segmentation fault" — the wording Lambda uses.
    std::string describe() const;
};

struct MemoryUsage {
    long long residentKb = 0;
    long long peakKb = 0;
};

// A child process in its own process group, with stdout and stderr merged into one pipe
// that we read, and that dies with us (PR_SET_PDEATHSIG) should we be killed. It is our
// one wrapper around Boost.Process.
class ChildProcess : public std::enable_shared_from_this<ChildProcess> {
public:
    struct Spec {
        std::string executable; // absolute path
        std::vector<std::string> arguments;
        std::map<std::string, std::string> environment; // the whole environment
        std::string workingDirectory;
    };

    using OutputHandler = std::function<void(std::string_view)>;
    using ExitHandler = std::function<void(ExitStatus)>;

    // Starts the process; on failure returns nullptr and sets `error`.
    static std::shared_ptr<ChildProcess> start(boost::asio::io_context &io, const Spec &spec,
                                               OutputHandler onOutput, ExitHandler onExit,
                                               std::string &error);
    ~ChildProcess();

    pid_t pid() const { return m_pid; }
    bool running() const { return m_running; }

    // Reads whatever output is already waiting in the pipe and hands it to the output
    // handler now, so output written before an event is attributed before it.
    void drainOutput();

    // Sends a signal to the whole process group.
    void killGroup(int signal);

    // Resident and peak memory of the process (from /proc).
    MemoryUsage memory() const;

private:
    struct Impl;
    explicit ChildProcess(std::unique_ptr<Impl> impl);
    void readOutput();
    void waitForExit();

    std::unique_ptr<Impl> m_impl;
    pid_t m_pid = 0;
    bool m_running = true;
};

} // namespace nimbus::sim
