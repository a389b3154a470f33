#include "runtimetemplates.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
namespace asio = boost::asio;
using nlohmann::json;

namespace nimbus::sim {

namespace {

enum class Runtime { None, Python, Node };

Runtime runtimeOf(const ChildProcess::Spec &spec) {
    if (spec.arguments.empty())
        return Runtime::None;
    const std::string &script = spec.arguments.back();
    if (script.ends_with("/python/bootstrap.py"))
        return Runtime::Python;
    if (script.ends_with("/node/bootstrap.js"))
        return Runtime::Node;
    return Runtime::None;
}

// The variables an interpreter reads as it starts (and so a template must have been started
// with): the rest of an instance's environment is applied after.
bool readAtStartup(Runtime runtime, const std::string &name) {
    if (name == "HOME" || name == "PATH" || name == "LANG" || name == "TZ" ||
        name.starts_with("LC_"))
        return true;
    if (runtime == Runtime::Python)
        return name.starts_with("PYTHON");
    return name.starts_with("NODE_") || name.starts_with("UV_");
}

// What changes when the interpreter or the runtime's own files do.
std::string fingerprint(const ChildProcess::Spec &spec) {
    std::string text;
    auto add = [&text](const fs::path &path) {
        struct stat st{};
        if (::stat(path.c_str(), &st) == 0)
            text += path.string() + ':' + std::to_string(st.st_size) + ':' +
                    std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) +
                    ';';
    };
    add(spec.executable);
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(fs::path(spec.arguments.back()).parent_path(), ec))
        if (entry.is_regular_file(ec))
            add(entry.path());
    return text;
}

// kb of "Rss:" and "Pss:" in /proc/PID/smaps_rollup.
void readMemory(pid_t pid, TemplateInfo &info) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("Rss:"))
            info.residentKb = std::atoll(line.c_str() + 4);
        else if (line.starts_with("Pss:"))
            info.proportionalKb = std::atoll(line.c_str() + 4);
    }
}

void appendTail(std::string &text, std::string_view chunk) {
    text.append(chunk);
    if (text.size() > 4096)
        text.erase(0, text.size() - 4096);
}

std::string lastLines(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text.empty() ? std::string() : ":\n" + text;
}

} // namespace

// One template: a zygote or a pool of idle processes.
class RuntimeTemplates::Template : public std::enable_shared_from_this<Template> {
public:
    Template(asio::io_context &io, ChildProcess::Spec spec, std::string family, Log &log)
        : m_io(io)
        , m_spec(std::move(spec))
        , m_family(std::move(family))
        , m_log(log) {}
    virtual ~Template() = default;

    const std::string &family() const { return m_family; }
    // Gave up: it cannot start (its last tries died before they were ready).
    bool failed() const { return m_failures >= 3; }
    virtual bool ended() const = 0;

    virtual void launch() = 0;
    virtual std::shared_ptr<ChildProcess> start(const ChildProcess::Spec &spec,
                                                const ChildProcess::OutputHandler &onOutput,
                                                const ChildProcess::ExitHandler &onExit) = 0;
    // Takes no more instances; ends once the instances it started have.
    virtual void retire() = 0;
    virtual void stop() = 0;
    virtual void describe(std::vector<TemplateInfo> &out) const = 0;

protected:
    void log(const std::string &message) {
        if (m_log)
            m_log(message);
    }

    asio::io_context &m_io;
    ChildProcess::Spec m_spec; // how the template itself starts
    std::string m_family;
    Log &m_log;
    int m_failures = 0;
    int m_started = 0;
};

namespace {

// The Python zygote (zygote.py) and its control socket.
class PythonZygote : public RuntimeTemplates::Template {
public:
    using Template::Template;
    ~PythonZygote() override { stop(); }

    bool ended() const override { return !m_process; }

    void launch() override {
        if (m_process || failed())
            return;
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
            ++m_failures;
            log(std::string("python template: cannot create its control socket: ") +
                std::strerror(errno));
            return;
        }
        ChildProcess::Spec spec = m_spec;
        spec.controlFd = pair[1];
        std::string error;
        std::weak_ptr<Template> weak = weak_from_this();
        m_output.clear();
        m_process = ChildProcess::start(
            m_io, spec,
            [weak](std::string_view chunk) {
                if (auto self = std::static_pointer_cast<PythonZygote>(weak.lock()))
                    appendTail(self->m_output, chunk);
            },
            [weak](ExitStatus status) {
                if (auto self = std::static_pointer_cast<PythonZygote>(weak.lock()))
                    self->zygoteEnded(status);
            },
            error);
        ::close(pair[1]);
        if (!m_process) {
            ::close(pair[0]);
            ++m_failures;
            log("python template: " + error);
            return;
        }
        // (A packet socket: Asio only waits on it; messages are sent and read with sendmsg/recv.)
        m_control = std::make_unique<asio::posix::stream_descriptor>(m_io, pair[0]);
        m_ready = false;
        readControl();
    }

    std::shared_ptr<ChildProcess> start(const ChildProcess::Spec &spec,
                                        const ChildProcess::OutputHandler &onOutput,
                                        const ChildProcess::ExitHandler &onExit) override {
        if (!m_ready || m_retired || !m_process)
            return nullptr;
        int output[2];
        if (::pipe2(output, O_CLOEXEC) != 0)
            return nullptr;
        const int id = ++m_nextId;
        json request{
            {"spawn", id}, {"environment", spec.environment}, {"cwd", spec.workingDirectory}};
        // The instance's limits and control groups, which it takes on in the fork, before it
        // runs anything of the function's.
        if (spec.limits)
            request["limits"] = {{"nofile", spec.limits->openFiles},
                                 {"nproc", spec.limits->processes},
                                 {"fsize", spec.limits->fileSizeBytes},
                                 {"core", spec.limits->coreBytes}};
        std::vector<int> descriptors{output[1]};
        descriptors.insert(descriptors.end(), spec.cgroupProcs.begin(), spec.cgroupProcs.end());
        const bool sent = sendWithDescriptors(
            request.dump(-1, ' ', false, json::error_handler_t::replace), descriptors);
        ::close(output[1]);
        std::optional<pid_t> pid = sent ? awaitSpawned(id) : std::nullopt;
        if (!pid) {
            ::close(output[0]);
            return nullptr;
        }
        auto child = ChildProcess::adopt(m_io, *pid, output[0], onOutput, onExit);
        m_children[*pid] = child;
        ++m_started;
        return child;
    }

    void retire() override {
        m_retired = true;
        if (m_children.empty())
            stop();
    }

    void stop() override {
        m_ready = false;
        if (m_control) {
            boost::system::error_code ec;
            m_control->close(ec);
            m_control.reset();
        }
        if (m_process) {
            auto process = std::move(m_process);
            process->setHandlers({}, {});
            process->killGroup(SIGKILL);
        }
    }

    void describe(std::vector<TemplateInfo> &out) const override {
        if (!m_process)
            return;
        TemplateInfo info;
        info.runtime = "python";
        info.kind = "zygote";
        info.pid = m_process->pid();
        info.ready = m_ready && !m_retired;
        info.instancesStarted = m_started;
        readMemory(info.pid, info);
        out.push_back(info);
    }

private:
    bool sendWithDescriptors(const std::string &data, const std::vector<int> &fds) {
        iovec iov{const_cast<char *>(data.data()), data.size()};
        constexpr std::size_t kMaxDescriptors = 4; // zygote.py takes this many
        if (fds.empty() || fds.size() > kMaxDescriptors)
            return false;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxDescriptors)] = {};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
        const int socket = m_control->native_handle();
        for (int attempt = 0; attempt < 100; ++attempt) {
            if (::sendmsg(socket, &message, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
                return true;
            if (errno != EAGAIN && errno != EINTR)
                break;
            pollfd p{socket, POLLOUT, 0};
            ::poll(&p, 1, 10);
        }
        return false;
    }

    // The zygote answers a spawn at once (a fork takes well under a millisecond); what it
    // says meanwhile (instances that ended) is handled after, outside this call.
    std::optional<pid_t> awaitSpawned(int id) {
        using Clock = std::chrono::steady_clock;
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        const int socket = m_control->native_handle();
        char buffer[65536];
        while (Clock::now() < deadline) {
            pollfd p{socket, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - Clock::now())
                                  .count();
            if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left))) <= 0)
                continue;
            const ssize_t n = ::recv(socket, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n == 0)
                return std::nullopt; // the zygote has gone; its end is reported apart
            if (n < 0)
                continue;
            json message = json::parse(std::string_view(buffer, static_cast<std::size_t>(n)),
                                       nullptr, false);
            if (message.is_object() && message.value("spawned", -1) == id) {
                if (message.contains("pid") && message["pid"].is_number_integer())
                    return message["pid"].get<pid_t>();
                log("python template: " + message.value("error", std::string("spawn failed")));
                return std::nullopt;
            }
            asio::post(m_io, [weak = weak_from_this(), message = std::move(message)] {
                if (auto self = std::static_pointer_cast<PythonZygote>(weak.lock()))
                    self->handle(message);
            });
        }
        log("python template (pid " + std::to_string(m_process->pid()) +
            ") did not answer within 2 s; starting instances from scratch");
        m_ready = false;
        return std::nullopt;
    }

    void readControl() {
        if (!m_control)
            return;
        m_control->async_wait(asio::posix::descriptor_base::wait_read,
                              [weak = weak_from_this()](boost::system::error_code ec) {
                                  auto self = std::static_pointer_cast<PythonZygote>(weak.lock());
                                  if (!self || ec || !self->m_control)
                                      return;
                                  if (self->receiveAll())
                                      self->readControl();
                              });
    }

    // False once the socket has closed.
    bool receiveAll() {
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(m_control->native_handle(), buffer, sizeof buffer, MSG_DONTWAIT);
            if (n == 0)
                return false;
            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            handle(json::parse(std::string_view(buffer, static_cast<std::size_t>(n)), nullptr, false));
            if (!m_control)
                return false;
        }
    }

    void handle(const json &message) {
        if (!message.is_object())
            return;
        if (message.contains("ready")) {
            m_ready = true;
            m_failures = 0;
        } else if (message.contains("exited") && message["exited"].is_number_integer()) {
            const pid_t pid = message["exited"].get<pid_t>();
            auto it = m_children.find(pid);
            if (it == m_children.end())
                return;
            auto child = it->second.lock();
            m_children.erase(it);
            if (child)
                child->exited(ChildProcess::fromWaitStatus(message.value("status", 0)));
            if (m_retired && m_children.empty())
                stop();
        } else if (message.contains("spawned") && message["spawned"].is_number_integer() &&
                   message.contains("pid") && message["pid"].is_number_integer()) {
            // An answer that came after we stopped waiting: nobody will use that instance.
            const pid_t pid = message["pid"].get<pid_t>();
            ::kill(pid, SIGKILL);
        }
    }

    void zygoteEnded(ExitStatus status) {
        const bool wasReady = m_ready;
        const bool wanted = !m_retired;
        m_process.reset();
        stop();
        if (!wasReady)
            ++m_failures;
        if (wanted)
            log("python template ended (" + status.describe() + ")" +
                (failed() ? "; instances start from scratch" : "; it starts again when needed") +
                lastLines(m_output));
        // Its instances die with it (they asked the kernel to): they have ended.
        auto children = std::move(m_children);
        m_children.clear();
        for (auto &[pid, weak] : children) {
            if (auto child = weak.lock()) {
                ExitStatus killed;
                killed.signal = SIGKILL;
                child->exited(killed);
            }
        }
    }

    std::shared_ptr<ChildProcess> m_process;
    std::unique_ptr<asio::posix::stream_descriptor> m_control;
    std::map<pid_t, std::weak_ptr<ChildProcess>> m_children;
    std::string m_output;
    bool m_ready = false;
    bool m_retired = false;
    int m_nextId = 0;
};

// Node bootstrap processes started ahead of use, each waiting on its standard input for the
// instance it will be.
class NodeIdlePool : public RuntimeTemplates::Template {
public:
    NodeIdlePool(asio::io_context &io, ChildProcess::Spec spec, std::string family,
                 RuntimeTemplates::Log &log)
        : Template(io, std::move(spec), std::move(family), log) {
        m_spec.pipeInput = true;
        m_spec.environment["NIMBUS_TEMPLATE"] = "1";
    }
    ~NodeIdlePool() override { stop(); }

    bool ended() const override { return m_idle.empty() && m_retired; }

    struct Idle {
        std::shared_ptr<ChildProcess> process;
        bool ready = false; // it said it waits for its assignment
        std::string output;
    };


    void launch() override {
        while (!m_retired && !failed() && static_cast<int>(m_idle.size()) < m_size) {
            std::string error;
            std::weak_ptr<Template> weak = weak_from_this();
            auto idle = std::make_shared<Idle>();
            idle->process = ChildProcess::start(
                m_io, m_spec,
                [weakIdle = std::weak_ptr<Idle>(idle)](std::string_view chunk) {
                    // Until it says it is waiting, it is starting (or failing to).
                    if (auto self = weakIdle.lock()) {
                        appendTail(self->output, chunk);
                        if (!self->ready && self->output.find(kReadyLine) != std::string::npos) {
                            self->ready = true;
                            self->output.clear();
                        }
                    }
                },
                [weak, weakIdle = std::weak_ptr<Idle>(idle)](ExitStatus status) {
                    auto self = std::static_pointer_cast<NodeIdlePool>(weak.lock());
                    auto ended = weakIdle.lock();
                    if (self && ended)
                        self->idleEnded(ended, status);
                },
                error);
            if (!idle->process) {
                ++m_failures;
                log("node template: " + error);
                return;
            }
            m_idle.push_back(idle);
        }
    }

    std::shared_ptr<ChildProcess> start(const ChildProcess::Spec &spec,
                                        const ChildProcess::OutputHandler &onOutput,
                                        const ChildProcess::ExitHandler &onExit) override {
        if (m_retired)
            return nullptr;
        // The one waiting longest; one still starting would be no faster than a new one.
        const auto found = std::find_if(m_idle.begin(), m_idle.end(), [](const auto &idle) {
            return idle->ready && idle->process->running();
        });
        if (found == m_idle.end())
            return nullptr;
        auto process = (*found)->process;
        m_idle.erase(found);
        // It takes on the instance's control groups and limits before it learns what to run
        // (it has started nothing of its own yet).
        const std::string pid = std::to_string(process->pid());
        for (const int fd : spec.cgroupProcs)
            if (::write(fd, pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
                log("node template: cannot move an instance into its control group: " +
                    std::string(std::strerror(errno)));
        if (spec.limits && !spec.limits->applyTo(process->pid()))
            log("node template: cannot set an instance's limits: " +
                std::string(std::strerror(errno)));
        process->setHandlers(onOutput, onExit);
        const std::string assignment =
            json{{"environment", spec.environment}, {"cwd", spec.workingDirectory}}.dump(
                -1, ' ', false, json::error_handler_t::replace) +
            "\n";
        if (!process->writeInput(assignment)) {
            process->setHandlers({}, {});
            process->killGroup(SIGKILL);
            refillSoon();
            return nullptr;
        }
        process->closeInput();
        ++m_started;
        m_failures = 0;
        refillSoon();
        return process;
    }

    void retire() override {
        m_retired = true;
        stop();
    }

    void stop() override {
        auto idle = std::move(m_idle);
        m_idle.clear();
        for (auto &waiting : idle) {
            waiting->process->setHandlers({}, {});
            waiting->process->killGroup(SIGKILL);
        }
    }

    void describe(std::vector<TemplateInfo> &out) const override {
        for (const auto &idle : m_idle) {
            TemplateInfo info;
            info.runtime = "node";
            info.kind = "idle bootstrap";
            info.pid = idle->process->pid();
            info.ready = idle->ready && idle->process->running();
            info.instancesStarted = m_started;
            readMemory(info.pid, info);
            out.push_back(info);
        }
    }

private:
    void refillSoon() {
        // After the instance taken has started: the refill should not delay it.
        asio::post(m_io, [weak = weak_from_this()] {
            if (auto self = weak.lock())
                self->launch();
        });
    }

    void idleEnded(const std::shared_ptr<Idle> &ended, ExitStatus status) {
        // (A process taken by an instance has the instance's handlers; this one was idle.)
        std::erase(m_idle, ended);
        ++m_failures;
        log("node template process ended while idle (" + status.describe() + ")" +
            (failed() ? "; instances start from scratch" : "") + lastLines(ended->output));
        if (!failed())
            refillSoon();
    }

    static constexpr std::string_view kReadyLine = "NIMBUS_TEMPLATE_READY\n";
    std::deque<std::shared_ptr<Idle>> m_idle;
    int m_size = 1;
    bool m_retired = false;
};

} // namespace

RuntimeTemplates::RuntimeTemplates(asio::io_context &io, Log log)
    : m_io(io)
    , m_log(std::move(log)) {}

RuntimeTemplates::~RuntimeTemplates() { shutdown(); }

std::shared_ptr<RuntimeTemplates::Template> RuntimeTemplates::find(const ChildProcess::Spec &spec) {
    const Runtime runtime = runtimeOf(spec);
    if (runtime == Runtime::None || m_shutdown)
        return nullptr;
    // The family: what the template runs; the key adds the files it was started from.
    std::string family = spec.executable;
    for (const auto &argument : spec.arguments)
        family += '\0' + argument;
    ChildProcess::Spec templateSpec;
    templateSpec.executable = spec.executable;
    templateSpec.arguments = spec.arguments;
    templateSpec.workingDirectory = fs::path(spec.arguments.back()).parent_path().string();
    for (const auto &[name, value] : spec.environment) {
        if (readAtStartup(runtime, name)) {
            family += '\0' + name + '=' + value;
            templateSpec.environment[name] = value;
        }
    }
    const std::string key = family + '\0' + fingerprint(spec);
    if (auto it = m_templates.find(key); it != m_templates.end())
        return it->second->failed() ? nullptr : it->second;
    // The interpreter or the runtime's files changed: the old template retires.
    for (auto it = m_templates.begin(); it != m_templates.end();) {
        if (it->second->family() == family) {
            it->second->retire();
            m_retired.push_back(it->second);
            if (m_log)
                m_log("the runtime's files changed: its template is rebuilt");
            it = m_templates.erase(it);
        } else {
            ++it;
        }
    }
    std::erase_if(m_retired, [](const auto &t) { return t->ended(); });
    std::shared_ptr<Template> made;
    if (runtime == Runtime::Python) {
        templateSpec.arguments.back() = templateSpec.workingDirectory + "/zygote.py";
        made = std::make_shared<PythonZygote>(m_io, std::move(templateSpec), family, m_log);
    } else {
        made = std::make_shared<NodeIdlePool>(m_io, std::move(templateSpec), family, m_log);
    }
    m_templates[key] = made;
    made->launch();
    return made;
}

void RuntimeTemplates::prewarm(const ChildProcess::Spec &spec) {
    if (auto found = find(spec))
        found->launch(); // (again, if its process has ended)
}

std::shared_ptr<ChildProcess> RuntimeTemplates::start(const ChildProcess::Spec &spec,
                                                      const ChildProcess::OutputHandler &onOutput,
                                                      const ChildProcess::ExitHandler &onExit) {
    auto found = find(spec);
    if (!found)
        return nullptr;
    auto child = found->start(spec, onOutput, onExit);
    if (!child)
        found->launch(); // (again, if its process has ended) for the next instance
    return child;
}

std::vector<TemplateInfo> RuntimeTemplates::describe() const {
    std::vector<TemplateInfo> out;
    for (const auto &[key, found] : m_templates)
        found->describe(out);
    return out;
}

void RuntimeTemplates::shutdown() {
    m_shutdown = true;
    for (auto &[key, found] : m_templates)
        found->stop();
    for (auto &found : m_retired)
        found->stop();
    m_templates.clear();
    m_retired.clear();
}

} // namespace nimbus::sim
