#pragma once

#include "dependencyset.h"
#include "dependencystatus.h"
#include "installer.h"
#include "nimbus/manifest/manifest.h"
#include "pool/runtimelauncher.h"

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// The simulator's view of its functions' third-party packages: which set each function
// declares, whether that set is installed, being installed or failed to install, and what
// the function's instances import from now. It installs what is missing in the background,
// one installation per set. A function whose set changed keeps importing from its previous
// set until the new one is installed; when that fails, it stays there.
class FunctionDependencies {
public:
    using State = DependencyState;
    using Status = DependencyStatus;

    // Called on the io_context when an installation ended, with the functions it was for.
    using Finished = std::function<void(const std::vector<std::string> &functions, bool ok,
                                        const std::string &message)>;

    FunctionDependencies(boost::asio::io_context &io, std::string projectDir,
                         DependencyInstaller::Tools tools, Finished finished);
    ~FunctionDependencies();

    // The sets the functions declare now, by function (nothing for one that declares none),
    // as the manifest was (re)loaded; installs what is missing. Returns the installations it
    // started, each with the functions it is for.
    std::vector<std::pair<DependencySet, std::vector<std::string>>>
    set(std::map<std::string, std::optional<DependencySet>> wanted);

    Status status(const std::string &function) const;

    // Stops the installations under way (the simulator is stopping).
    void shutdown();

private:
    void installed(const DependencySet &set, const DependencyInstaller::Result &result);
    std::vector<std::string> functionsOf(const std::string &key) const;

    boost::asio::io_context &m_io;
    std::string m_projectDir;
    DependencyInstaller::Tools m_tools;
    Finished m_finished;
    std::map<std::string, std::optional<DependencySet>> m_wanted; // by function
    std::map<std::string, std::string> m_inUse;                   // function: import path
    std::map<std::string, std::shared_ptr<DependencyInstaller>> m_installing; // by key
    std::map<std::string, std::string> m_failed;                              // key: why
};

// Where a set stands as the disk shows it, for those that do not install (the language
// server): installed (its folder is complete), installing (a live process fills a partial
// folder for it), failed (with the tool's words), else not installed yet (None).
DependencyStatus statusOnDisk(const DependencySet &set, const std::string &projectDir);

// The set a manifest's function declares (Python and Node functions run by the simulator;
// nothing for the rest), keyed with the interpreter `launcher` runs it with: the simulator's
// and the packager's one way of finding it, so both use the same folder. `forPackage`: for
// a deployment package, where a Python runtime that is not the local interpreter's version
// (or a machine that is not x86-64) gets Lambda's platform wheels (targetPythonVersion).
std::optional<DependencySet> dependencySetOf(const manifest::Manifest &manifest,
                                             const manifest::Function &function,
                                             RuntimeLauncher &launcher, bool forPackage = false);

// "3.12" of python3.12 (or SCF's Python3.9); of an interpreter's path, /usr/bin/python3.11.
// Empty when the text names no version.
std::string pythonVersionOf(const std::string &runtimeOrPath);
// The tools an installer asks for: the interpreter `launcher` runs Python functions with,
// and npm from PATH. (`launcher` must outlive the installations.)
DependencyInstaller::Tools installerTools(RuntimeLauncher &launcher);

} // namespace nimbus::sim
