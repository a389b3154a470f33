#pragma once

#include "dependencyset.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace nimbus::sim {

class ChildProcess;

// Installs one dependency set with its ecosystem's own tool (pip, npm), in the background on
// an io_context: into a fresh folder beside the set's, which takes the set's name only once
// the tool succeeded and the record is written. So a failed or interrupted installation
// leaves nothing that anyone uses; a set installed meanwhile by someone else (the CLI, a
// second simulator) is kept.
class DependencyInstaller : public std::enable_shared_from_this<DependencyInstaller> {
public:
    struct Result {
        bool ok = false;
        // When it failed: what the tool said went wrong, headed by the file it came from.
        std::string error;
        double seconds = 0;
    };
    using Done = std::function<void(Result)>;

    // Where the tools are, asked when an installation starts (finding a pyenv shim's
    // interpreter runs it): the interpreter that runs the Python functions, and npm. An
    // empty answer: not installed.
    struct Tools {
        std::function<std::string()> python;
        std::function<std::string()> npm;
    };

    // Starts installing `set`; `done` runs on the io_context when it ended.
    static std::shared_ptr<DependencyInstaller> start(boost::asio::io_context &io,
                                                      const DependencySet &set,
                                                      const std::string &projectDir,
                                                      const Tools &tools, Done done);
    // Installs `set` and waits for it (the CLI's packaging): runs its own io_context.
    static Result installNow(const DependencySet &set, const std::string &projectDir,
                             const Tools &tools);

    // Stops the tool (a simulator shutting down); `done` is not called.
    void cancel();

    DependencyInstaller(boost::asio::io_context &io, DependencySet set, std::string projectDir,
                        Tools tools, Done done);
    ~DependencyInstaller();

private:
    void begin();
    void finished(int exitCode, int signal);
    void fail(std::string error);

    boost::asio::io_context &m_io;
    DependencySet m_set;
    std::string m_projectDir;
    Tools m_tools;
    Done m_done;
    std::string m_target; // the fresh folder
    std::string m_output; // the tool's, its last 256 KB
    std::shared_ptr<ChildProcess> m_process;
    std::chrono::steady_clock::time_point m_started;
};

} // namespace nimbus::sim
