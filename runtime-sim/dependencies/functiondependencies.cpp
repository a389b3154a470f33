#include "functiondependencies.h"

#include "nimbus/resources/programlocator.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/utsname.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

const char *describe(DependencyState state) {
    switch (state) {
    case DependencyState::None:
        return "none";
    case DependencyState::Installing:
        return "installing";
    case DependencyState::Installed:
        return "installed";
    case DependencyState::Failed:
        return "failed";
    }
    return "none";
}

FunctionDependencies::FunctionDependencies(boost::asio::io_context &io, std::string projectDir,
                                           DependencyInstaller::Tools tools, Finished finished)
    : m_io(io)
    , m_projectDir(std::move(projectDir))
    , m_tools(std::move(tools))
    , m_finished(std::move(finished)) {}

FunctionDependencies::~FunctionDependencies() {
    shutdown();
}

void FunctionDependencies::shutdown() {
    for (auto &[key, installer] : m_installing)
        installer->cancel();
    m_installing.clear();
}

std::vector<std::pair<DependencySet, std::vector<std::string>>>
FunctionDependencies::set(std::map<std::string, std::optional<DependencySet>> wanted) {
    m_wanted = std::move(wanted);
    std::set<std::string> started;
    std::vector<std::pair<DependencySet, std::vector<std::string>>> starts;
    for (const auto &[function, set] : m_wanted) {
        if (!set) {
            m_inUse.erase(function);
            continue;
        }
        if (readInstalledRecord(set->folder)) {
            m_inUse[function] = set->importPath();
            continue;
        }
        // Under way, or failed for this very content: nothing to start (a changed file is a
        // new set, and is installed).
        if (m_installing.count(set->key) || m_failed.count(set->key) || started.count(set->key))
            continue;
        started.insert(set->key);
        starts.emplace_back(*set, functionsOf(set->key));
        const DependencySet copy = *set;
        m_installing[set->key] = DependencyInstaller::start(
            m_io, copy, m_projectDir, m_tools,
            [this, copy](DependencyInstaller::Result result) { installed(copy, result); });
    }
    return starts;
}

std::vector<std::string> FunctionDependencies::functionsOf(const std::string &key) const {
    std::vector<std::string> functions;
    for (const auto &[function, set] : m_wanted)
        if (set && set->key == key)
            functions.push_back(function);
    return functions;
}

void FunctionDependencies::installed(const DependencySet &set,
                                     const DependencyInstaller::Result &result) {
    m_installing.erase(set.key);
    const std::vector<std::string> functions = functionsOf(set.key);
    std::string message;
    if (result.ok) {
        for (const auto &function : functions)
            m_inUse[function] = set.importPath();
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f", result.seconds);
        message = std::string("dependencies installed from ") + set.relativeFile(m_projectDir) +
                  " (" + set.tool() + ", " + seconds + " s)";
    } else {
        m_failed[set.key] = result.error;
        message = result.error;
    }
    if (m_finished && !functions.empty())
        m_finished(functions, result.ok, message);
}

FunctionDependencies::Status FunctionDependencies::status(const std::string &function) const {
    Status status;
    const auto wanted = m_wanted.find(function);
    if (wanted == m_wanted.end() || !wanted->second)
        return status;
    const DependencySet &set = *wanted->second;
    status.file = set.relativeFile(m_projectDir);
    if (const auto inUse = m_inUse.find(function); inUse != m_inUse.end())
        status.importPath = inUse->second;
    if (m_installing.count(set.key)) {
        status.state = State::Installing;
    } else if (const auto failed = m_failed.find(set.key); failed != m_failed.end()) {
        status.state = State::Failed;
        status.message = failed->second;
    } else if (status.importPath == set.importPath()) {
        status.state = State::Installed;
    } else {
        status.state = State::Installing; // (set() starts it)
    }
    return status;
}

DependencyStatus statusOnDisk(const DependencySet &set, const std::string &projectDir) {
    DependencyStatus status;
    status.file = set.relativeFile(projectDir);
    std::error_code ec;
    if (readInstalledRecord(set.folder)) {
        status.state = DependencyState::Installed;
        status.importPath = set.importPath();
    }
    // <folder>.partial-<pid>-<n>, filled by a process that still runs.
    const std::string partial = fs::path(set.folder).filename().string() + ".partial-";
    for (fs::directory_iterator it(fs::path(set.folder).parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(partial, 0) != 0)
            continue;
        const long pid = std::strtol(name.c_str() + partial.size(), nullptr, 10);
        if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) {
            status.state = DependencyState::Installing;
            return status;
        }
    }
    if (status.state == DependencyState::Installed)
        return status;
    std::ifstream failed(set.folder + kFailedRecordSuffix, std::ios::binary);
    if (failed) {
        std::ostringstream text;
        text << failed.rdbuf();
        status.state = DependencyState::Failed;
        status.message = text.str();
    }
    return status;
}

std::string pythonVersionOf(const std::string &runtimeOrPath) {
    std::string name = fs::path(runtimeOrPath).filename().string();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.rfind("python", 0) != 0)
        return {};
    const std::string version = name.substr(6, name.find_first_not_of("0123456789.", 6) - 6);
    return version.find('.') == std::string::npos ? std::string() : version;
}

std::optional<DependencySet> dependencySetOf(const manifest::Manifest &manifest,
                                             const manifest::Function &function,
                                             RuntimeLauncher &launcher, bool forPackage) {
    if (!manifest::runsInSimulator(function))
        return std::nullopt;
    const auto family = manifest::runtimeFamily(function.runtime.value);
    if (family != manifest::RuntimeFamily::Python && family != manifest::RuntimeFamily::Node)
        return std::nullopt;
    const bool python = family == manifest::RuntimeFamily::Python;
    auto interpreter = [&] {
        std::string error;
        return launcher.resolveInterpreter(python ? "python3" : "node", error);
    };
    std::string target;
    if (python && forPackage) {
        // What pip would build here would not import there: Lambda's wheels instead.
        struct utsname machine {};
        const bool x86 = ::uname(&machine) == 0 && std::string(machine.machine) == "x86_64";
        const std::string wanted = pythonVersionOf(function.runtime.value);
        if (!wanted.empty() && (!x86 || pythonVersionOf(interpreter()) != wanted))
            target = wanted;
    }
    return findDependencySet(
        manifest.projectDir, manifest.codeDirOf(function), function.handler.value,
        python ? DependencySet::Ecosystem::Python : DependencySet::Ecosystem::Node, interpreter,
        target);
}

DependencyInstaller::Tools installerTools(RuntimeLauncher &launcher) {
    DependencyInstaller::Tools tools;
    tools.python = [&launcher] {
        std::string error;
        return launcher.resolveInterpreter("python3", error);
    };
    tools.npm = [] { return resources::findProgram("npm").value_or(std::string()); };
    return tools;
}

} // namespace nimbus::sim
