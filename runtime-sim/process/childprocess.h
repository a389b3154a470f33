#pragma once

#include "resourcelimits.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
        // Give the process a pipe on its standard input (writeInput/closeInput); otherwise
        // it reads /dev/null.
        bool pipeInput = false;
        // A descriptor of ours the process gets as its descriptor 3 (a control channel);
        // -1 for none.
        int controlFd = -1;
        // The limits it starts with (set between fork and exec); none when unset.
        std::optional<ResourceLimits> limits;
        // Open descriptors of cgroup.procs files it joins before exec, so that the groups'
        // limits hold it, and everything it starts, from its first instruction.
        std::vector<int> cgroupProcs;
    };

    using OutputHandler = std::function<void(std::string_view)>;
    using ExitHandler = std::function<void(ExitStatus)>;

    // Starts the process; on failure returns nullptr and sets `error`.
    static std::shared_ptr<ChildProcess> start(boost::asio::io_context &io, const Spec &spec,
                                               OutputHandler onOutput, ExitHandler onExit,
                                               std::string &error);
    // A process someone else started for us (a runtime template forks instances): we read
    // its output from `output`, signal it by pid, and learn of its end through exited(), as
    // its parent tells us.
    static std::shared_ptr<ChildProcess> adopt(boost::asio::io_context &io, pid_t pid,
                                               int outputFd, OutputHandler onOutput,
                                               ExitHandler onExit);
    ~ChildProcess();

    // Hands output and the exit to new handlers from now on (a process started ahead of its
    // use, taken by the instance that needs it).
    void setHandlers(OutputHandler onOutput, ExitHandler onExit);

    // Writes to the process's standard input (Spec::pipeInput); false when it cannot.
    bool writeInput(std::string_view data);
    void closeInput();

    // An adopted process ended with this status (from its parent).
    void exited(ExitStatus status);
    // The raw wait status from waitpid(), decoded.
    static ExitStatus fromWaitStatus(int status);

    pid_t pid() const { return m_pid; }
    bool running() const { return m_running; }

    // Reads whatever output is already waiting in the pipe and hands it to the output
    // handler now, so output written before an event is attributed before it.
    void drainOutput();

    // Sends a signal to the whole process group.
    void killGroup(int signal);

    // Resident and peak memory of the process (from /proc).
    MemoryUsage memory() const;

    // How the process's main thread has spent its time so far (from /proc/PID/schedstat):
    // on a core, and runnable but waiting for one. Negative when it cannot be read.
    struct Schedule {
        std::chrono::microseconds onCpu{-1};
        std::chrono::microseconds waitingForCpu{-1};
    };
    Schedule schedule() const;

private:
    struct Impl;
    explicit ChildProcess(std::unique_ptr<Impl> impl);
    void readOutput();
    void waitForExit();
    void watchExit();
    void ended(ExitStatus status);

    std::unique_ptr<Impl> m_impl;
    pid_t m_pid = 0;
    bool m_running = true;
};

} // namespace nimbus::sim
