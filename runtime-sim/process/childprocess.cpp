#include "childprocess.h"

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

// clang-format off
// Boost 1.81's Process v2 with BOOST_PROCESS_USE_STD_FS relies on these without including them.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format on

#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bp = boost::process::v2;
namespace asio = boost::asio;

namespace nimbus::sim {

namespace {

// Runs in the child between fork and exec: a process group of its own (so we can stop
// everything it starts), death with its parent, and its cgroups and limits.
struct OwnProcessGroup {
    pid_t parent = ::getpid();
    int firstPrivate = 3; // descriptors from here on are ours, not the child's
    const ChildProcess::Spec *spec = nullptr;

    template <typename Launcher>
    std::error_code on_exec_setup(Launcher &, const bp::filesystem::path &, const char *const *) {
        // Nothing of ours crosses the exec: listening sockets, clients' connections, other
        // children's pipes (a child that kept a connection open would keep its client waiting
        // for an end that never comes). Marked close-on-exec rather than closed, so that the
        // launcher's own pipe still reports a failed exec.
        ::syscall(SYS_close_range, static_cast<unsigned>(firstPrivate), ~0U, CLOSE_RANGE_CLOEXEC);
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the parent died before prctl took effect
            ::_exit(127);
        // ("0" is the writer itself.) Only async-signal-safe calls from here on.
        for (const int fd : spec->cgroupProcs)
            if (::write(fd, "0", 1) != 1)
                return {errno, std::system_category()};
        if (spec->limits && !spec->limits->apply())
            return {errno, std::system_category()};
        return {};
    }
};

// Gives the child one descriptor of ours as its descriptor 3, when `fd` is one (-1: none).
// (Boost 1.81's posix::bind_fd cannot be used: its on_setup returns nothing.)
struct ControlDescriptor {
    int fd;

    template <typename Launcher>
    std::error_code on_setup(Launcher &launcher, const bp::filesystem::path &,
                             const char *const *) {
        if (fd >= 0)
            launcher.fd_whitelist.push_back(3); // kept open when the child closes the rest
        return {};
    }

    template <typename Launcher>
    std::error_code on_exec_setup(Launcher &, const bp::filesystem::path &, const char *const *) {
        if (fd < 0)
            return {};
        if (fd == 3) // already there: only its close-on-exec flag goes
            return ::fcntl(3, F_SETFD, 0) == 0 ? std::error_code()
                                               : std::error_code(errno, std::system_category());
        return ::dup2(fd, 3) == 3 ? std::error_code()
                                  : std::error_code(errno, std::system_category());
    }
};

const char *signalName(int signal) {
    switch (signal) {
    case SIGSEGV:
        return "segmentation fault";
    case SIGKILL:
        return "killed";
    case SIGABRT:
        return "aborted";
    case SIGTERM:
        return "terminated";
    case SIGBUS:
        return "bus error";
    case SIGFPE:
        return "floating point exception";
    case SIGILL:
        return "illegal instruction";
    default:
        return ::strsignal(signal);
    }
}

// VmRSS and VmHWM from /proc/PID/status (kept open: reading from offset 0 again
// regenerates it), with plain system calls — this runs for every invocation.
MemoryUsage readMemory(int fd) {
    MemoryUsage usage;
    if (fd < 0)
        return usage;
    char buffer[4096];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0)
        return usage;
    buffer[n] = '\0';
    auto field = [&](const char *name) -> long long {
        const char *at = std::strstr(buffer, name);
        return at ? std::atoll(at + std::strlen(name)) : 0;
    };
    usage.residentKb = field("\nVmRSS:");
    usage.peakKb = field("\nVmHWM:");
    return usage;
}

} // namespace

std::string ExitStatus::describe() const {
    if (signal != 0)
        return std::string("signal: ") + signalName(signal);
    return "exit status " + std::to_string(exitCode);
}

struct ChildProcess::Impl {
    Impl(asio::io_context &io)
        : output(io)
        , input(io) {}
    asio::readable_pipe output;
    asio::writable_pipe input; // open when Spec::pipeInput
    // A pidfd of the process, readable once it has ended.
    std::optional<asio::posix::stream_descriptor> exitWatch;
    std::unique_ptr<bp::process> process;
    OutputHandler onOutput;
    ExitHandler onExit;
    std::array<char, 16384> buffer{};
    int statusFd = -1; // /proc/PID/status, opened on first use
    int statFd = -1;   // /proc/PID/schedstat, likewise
    ~Impl() {
        if (statusFd >= 0)
            ::close(statusFd);
        if (statFd >= 0)
            ::close(statFd);
    }
};

ChildProcess::ChildProcess(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

ChildProcess::~ChildProcess() {
    if (m_running)
        killGroup(SIGKILL);
}

std::shared_ptr<ChildProcess> ChildProcess::start(asio::io_context &io, const Spec &spec,
                                                  OutputHandler onOutput, ExitHandler onExit,
                                                  std::string &error) {
    auto impl = std::make_unique<Impl>(io);
    asio::writable_pipe writeEnd(io);
    boost::system::error_code ec;
    asio::connect_pipe(impl->output, writeEnd, ec);
    if (ec) {
        error = "cannot create a pipe: " + ec.message();
        return nullptr;
    }
    std::vector<std::string> environment;
    environment.reserve(spec.environment.size());
    for (const auto &[name, value] : spec.environment)
        environment.push_back(name + "=" + value);

    // (Boost's stdio bindings are built in place: they own descriptors and must not be copied.)
    auto launch = [&](auto &&input) {
        return std::make_unique<bp::process>(
            io.get_executor(), bp::filesystem::path(spec.executable), spec.arguments,
            bp::process_stdio{input, writeEnd, writeEnd}, bp::process_environment(environment),
            bp::process_start_dir(spec.workingDirectory), ControlDescriptor{spec.controlFd},
            OwnProcessGroup{::getpid(), spec.controlFd >= 0 ? 4 : 3, &spec}, ec);
    };
    impl->process = spec.pipeInput ? launch(impl->input) : launch(nullptr);
    writeEnd.close();
    if (ec) {
        error = "cannot start " + spec.executable + ": " + ec.message();
        return nullptr;
    }
    impl->onOutput = std::move(onOutput);
    impl->onExit = std::move(onExit);
    auto child = std::shared_ptr<ChildProcess>(new ChildProcess(std::move(impl)));
    child->m_pid = child->m_impl->process->id();
    child->readOutput();
    child->waitForExit();
    return child;
}

void ChildProcess::readOutput() {
    m_impl->output.async_read_some(
        asio::buffer(m_impl->buffer),
        [weak = weak_from_this()](boost::system::error_code ec, std::size_t n) {
            auto self = weak.lock();
            if (!self)
                return;
            if (n > 0 && self->m_impl->onOutput)
                self->m_impl->onOutput(std::string_view(self->m_impl->buffer.data(), n));
            if (!ec)
                self->readOutput();
        });
}

void ChildProcess::drainOutput() {
    const int fd = m_impl->output.native_handle();
    int available = 0;
    while (m_impl->output.is_open() && ::ioctl(fd, FIONREAD, &available) == 0 && available > 0) {
        boost::system::error_code ec;
        const std::size_t n = m_impl->output.read_some(
            asio::buffer(
                m_impl->buffer.data(),
                std::min<std::size_t>(m_impl->buffer.size(), static_cast<std::size_t>(available))),
            ec);
        if (ec || n == 0)
            break;
        if (m_impl->onOutput)
            m_impl->onOutput(std::string_view(m_impl->buffer.data(), n));
    }
}

std::shared_ptr<ChildProcess> ChildProcess::adopt(asio::io_context &io, pid_t pid, int outputFd,
                                                  OutputHandler onOutput, ExitHandler onExit) {
    auto impl = std::make_unique<Impl>(io);
    impl->output.assign(outputFd);
    impl->onOutput = std::move(onOutput);
    impl->onExit = std::move(onExit);
    auto child = std::shared_ptr<ChildProcess>(new ChildProcess(std::move(impl)));
    child->m_pid = pid;
    child->readOutput();
    return child;
}

void ChildProcess::setHandlers(OutputHandler onOutput, ExitHandler onExit) {
    m_impl->onOutput = std::move(onOutput);
    m_impl->onExit = std::move(onExit);
}

bool ChildProcess::writeInput(std::string_view data) {
    if (!m_impl->input.is_open())
        return false;
    boost::system::error_code ec;
    asio::write(m_impl->input, asio::buffer(data.data(), data.size()), ec);
    return !ec;
}

void ChildProcess::closeInput() {
    boost::system::error_code ec;
    m_impl->input.close(ec);
}

ExitStatus ChildProcess::fromWaitStatus(int status) {
    ExitStatus exit;
    if (WIFSIGNALED(status))
        exit.signal = WTERMSIG(status);
    else if (WIFEXITED(status))
        exit.exitCode = WEXITSTATUS(status);
    return exit;
}

void ChildProcess::exited(ExitStatus status) {
    if (m_running)
        ended(status);
}

// Boost's own async_wait calls a blocking waitpid() whenever the pidfd looks readable, and
// the reactor can report a descriptor ready that is not (an event meant for a closed
// descriptor whose slot was reused): the whole simulator then waited for one live process.
// This wait checks without blocking, and waits again when the process is still running.
void ChildProcess::waitForExit() {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0)); // (close-on-exec)
    if (fd < 0) {
        m_impl->process->async_wait([weak = weak_from_this()](boost::system::error_code, int) {
            if (auto self = weak.lock())
                self->ended(fromWaitStatus(self->m_impl->process->native_exit_code()));
        });
        return;
    }
    m_impl->exitWatch.emplace(m_impl->output.get_executor(), fd);
    watchExit();
}

void ChildProcess::watchExit() {
    m_impl->exitWatch->async_wait(
        asio::posix::descriptor_base::wait_read,
        [weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (!self || ec || !self->m_running)
                return;
            int status = 0;
            const pid_t reaped = ::waitpid(self->m_pid, &status, WNOHANG);
            if (reaped == 0) {
                self->watchExit(); // not ended after all
                return;
            }
            ExitStatus exit = fromWaitStatus(status);
            if (reaped < 0) // reaped by someone else: how it ended is unknown
                exit = ExitStatus{-1, 0};
            self->ended(exit);
        });
}

void ChildProcess::ended(ExitStatus exit) {
    m_running = false;
    closeInput();
    // Take the process's last words before reporting its end.
    drainOutput();
    // Whatever the process group still runs (children it started) goes with it.
    ::kill(-m_pid, SIGKILL);
    if (m_impl->onExit)
        m_impl->onExit(exit);
}

void ChildProcess::killGroup(int signal) {
    if (m_pid > 0)
        ::kill(-m_pid, signal);
}

MemoryUsage ChildProcess::memory() const {
    if (m_impl->statusFd < 0 && m_running) {
        char path[32];
        std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(m_pid));
        m_impl->statusFd = ::open(path, O_RDONLY | O_CLOEXEC);
    }
    return readMemory(m_impl->statusFd);
}

ChildProcess::Schedule ChildProcess::schedule() const {
    if (m_impl->statFd < 0 && m_running) {
        char path[40];
        std::snprintf(path, sizeof path, "/proc/%d/schedstat", static_cast<int>(m_pid));
        m_impl->statFd = ::open(path, O_RDONLY | O_CLOEXEC);
    }
    char buffer[128];
    const ssize_t n =
        m_impl->statFd < 0 ? -1 : ::pread(m_impl->statFd, buffer, sizeof buffer - 1, 0);
    Schedule schedule;
    if (n <= 0)
        return schedule;
    buffer[n] = '\0';
    // "<ns on a cpu> <ns waiting on a runqueue> <timeslices>"
    char *cursor = buffer;
    const unsigned long long onCpu = std::strtoull(cursor, &cursor, 10);
    const unsigned long long waiting = std::strtoull(cursor, &cursor, 10);
    schedule.onCpu = std::chrono::microseconds(static_cast<long long>(onCpu / 1000));
    schedule.waitingForCpu = std::chrono::microseconds(static_cast<long long>(waiting / 1000));
    return schedule;
}

} // namespace nimbus::sim
