#include "installer.h"

#include "nimbus/net/textformat.h"
#include "process/childprocess.h"

#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

extern char **environ;

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

constexpr std::size_t kOutputKept = 256 * 1024;

bool copyText(const fs::path &from, const fs::path &to, std::string &error) {
    std::ifstream in(from, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::ofstream out(to, std::ios::binary);
    out << text.str();
    if (!in || !out) {
        error = "cannot copy " + from.string() + " to " + to.string();
        return false;
    }
    return true;
}

} // namespace

DependencyInstaller::DependencyInstaller(boost::asio::io_context &io, DependencySet set,
                                         std::string projectDir, Tools tools, Done done)
    : m_io(io)
    , m_set(std::move(set))
    , m_projectDir(std::move(projectDir))
    , m_tools(std::move(tools))
    , m_done(std::move(done)) {}

DependencyInstaller::~DependencyInstaller() {
    if (m_process && m_process->running())
        m_process->killGroup(SIGKILL);
    if (!m_target.empty()) {
        std::error_code ec;
        fs::remove_all(m_target, ec);
    }
}

std::shared_ptr<DependencyInstaller> DependencyInstaller::start(boost::asio::io_context &io,
                                                                const DependencySet &set,
                                                                const std::string &projectDir,
                                                                const Tools &tools, Done done) {
    auto installer =
        std::make_shared<DependencyInstaller>(io, set, projectDir, tools, std::move(done));
    // Not from within the caller's stack: `done` may run at once when nothing can start.
    boost::asio::post(io, [installer] { installer->begin(); });
    return installer;
}

DependencyInstaller::Result DependencyInstaller::installNow(const DependencySet &set,
                                                            const std::string &projectDir,
                                                            const Tools &tools) {
    boost::asio::io_context io;
    Result result;
    auto installer = start(io, set, projectDir, tools, [&](Result r) { result = std::move(r); });
    io.run();
    return result;
}

void DependencyInstaller::cancel() {
    m_done = nullptr;
    if (m_process && m_process->running())
        m_process->killGroup(SIGKILL);
}

void DependencyInstaller::begin() {
    m_started = std::chrono::steady_clock::now();
    std::error_code ec;
    fs::create_directories(fs::path(m_set.folder).parent_path(), ec);
    static std::mt19937_64 random{std::random_device{}()};
    m_target = m_set.folder + ".partial-" + std::to_string(::getpid()) + "-" +
               std::to_string(random() % 1000000);
    fs::remove_all(m_target, ec);
    if (!fs::create_directories(m_target, ec)) {
        fail("cannot create " + m_target + ": " + ec.message());
        return;
    }
    const std::string relative = m_set.relativeFile(m_projectDir);
    if (!m_set.problem.empty()) {
        fail("cannot install " + relative + ": " + m_set.problem);
        return;
    }
    if (m_set.ecosystem == DependencySet::Ecosystem::Node) {
        std::ifstream in(m_set.file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::string copy, error;
        if (!packageJsonForTarget(text.str(), fs::path(m_set.file).parent_path().string(),
                                  m_set.lockFile.empty(), copy, error)) {
            fail(relative + ": " + error);
            return;
        }
        std::ofstream(fs::path(m_target) / "package.json", std::ios::binary) << copy;
        if (!m_set.lockFile.empty() &&
            !copyText(m_set.lockFile, fs::path(m_target) / "package-lock.json", error)) {
            fail(error);
            return;
        }
    }
    const bool python = m_set.ecosystem == DependencySet::Ecosystem::Python;
    const std::string interpreter = python && m_tools.python ? m_tools.python() : std::string();
    const std::string npm = !python && m_tools.npm ? m_tools.npm() : std::string();
    if ((python ? interpreter : npm).empty()) {
        fail(std::string("cannot install ") + relative + ": " +
             (m_set.ecosystem == DependencySet::Ecosystem::Python
                  ? "no python3 on PATH (Debian: apt-get install python3 python3-pip)"
                  : "no npm on PATH (Debian: apt-get install npm)"));
        return;
    }
    const InstallCommand command = installCommand(m_set, interpreter, npm, m_target);
    ChildProcess::Spec spec;
    spec.executable = command.executable;
    spec.arguments = command.arguments;
    spec.workingDirectory = command.workingDirectory;
    for (char **entry = environ; entry && *entry; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals != std::string_view::npos)
            spec.environment.emplace(std::string(text.substr(0, equals)),
                                     std::string(text.substr(equals + 1)));
    }
    // Only this installation's packages in the target: none of the user's own path.
    spec.environment.erase("PYTHONPATH");
    spec.environment.erase("PIP_TARGET");
    spec.environment.erase("PIP_USER");
    std::weak_ptr<DependencyInstaller> weak = weak_from_this();
    std::string error;
    m_process = ChildProcess::start(
        m_io, spec,
        [weak](std::string_view output) {
            if (auto self = weak.lock()) {
                self->m_output.append(output);
                if (self->m_output.size() > 2 * kOutputKept)
                    self->m_output.erase(0, self->m_output.size() - kOutputKept);
            }
        },
        [weak](ExitStatus status) {
            if (auto self = weak.lock())
                self->finished(status.exitCode, status.signal);
        },
        error);
    if (!m_process)
        fail("cannot start " + command.executable + " to install " + relative + ": " + error);
}

void DependencyInstaller::fail(std::string error) {
    std::error_code ec;
    if (!m_target.empty())
        fs::remove_all(m_target, ec);
    m_target.clear();
    if (m_done) // (not when cancelled: that is no verdict on the set)
        std::ofstream(m_set.folder + kFailedRecordSuffix, std::ios::binary | std::ios::trunc)
            << error;
    Result result;
    result.error = std::move(error);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    if (auto done = std::move(m_done))
        done(std::move(result));
}

void DependencyInstaller::finished(int exitCode, int signal) {
    if (!m_done)
        return; // cancelled
    const std::string relative = m_set.relativeFile(m_projectDir);
    if (exitCode != 0 || signal != 0) {
        const std::string summary = installFailureSummary(m_output);
        fail(std::string(m_set.tool()) + " could not install " + relative +
             (signal ? " (killed by signal " + std::to_string(signal) + ")"
                     : " (exit status " + std::to_string(exitCode) + ")") +
             (summary.empty() ? std::string() : ":\n" + summary));
        return;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    {
        std::ofstream record(fs::path(m_target) / kInstalledRecordName, std::ios::binary);
        record << installedRecordJson(
            {relative,
             net::isoMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()),
             seconds});
        if (!record) {
            fail("cannot write " + m_target + "/" + kInstalledRecordName);
            return;
        }
    }
    std::error_code ec;
    fs::rename(m_target, m_set.folder, ec);
    if (ec) {
        // Someone else finished the same set first: theirs is as good.
        if (!readInstalledRecord(m_set.folder)) {
            fail("cannot move the installed packages into " + m_set.folder + ": " + ec.message());
            return;
        }
        fs::remove_all(m_target, ec);
    }
    m_target.clear();
    fs::remove(m_set.folder + kFailedRecordSuffix, ec);
    Result result;
    result.ok = true;
    result.seconds = seconds;
    if (auto done = std::move(m_done))
        done(std::move(result));
}

} // namespace nimbus::sim
