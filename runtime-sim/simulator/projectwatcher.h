#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nimbus::sim {

// Tells when files of a project change (inotify, the whole tree), so the simulator can
// reload: changes are gathered until the tree has been quiet for a moment, then reported
// once as project-relative paths. Dependency and tool folders (node_modules, .git,
// .nimbus, __pycache__, virtualenvs) and editor droppings are ignored.
class ProjectWatcher : public std::enable_shared_from_this<ProjectWatcher> {
public:
    using Callback = std::function<void(std::vector<std::string> changedFiles)>;

    static std::shared_ptr<ProjectWatcher>
    create(boost::asio::io_context &io, std::string projectDir, Callback callback,
           std::chrono::milliseconds quiet = std::chrono::milliseconds(100));
    ~ProjectWatcher();

    // Starts watching; false (with `error`) when inotify is not available.
    bool start(std::string &error);
    void stop();

    // Reports now what has changed so far (events the kernel holds included), without
    // waiting for the quiet moment: something is about to use the project's files.
    void flush();

private:
    ProjectWatcher(boost::asio::io_context &io, std::string projectDir, Callback callback,
                   std::chrono::milliseconds quiet);
    void watchTree(const std::string &dir);
    void read();
    void consume(const char *events, std::size_t size);
    void note(const std::string &relativePath);
    void report();

    boost::asio::io_context &m_io;
    std::string m_root;
    Callback m_callback;
    std::chrono::milliseconds m_quiet;
    int m_fd = -1;
    std::unique_ptr<boost::asio::posix::stream_descriptor> m_stream;
    boost::asio::steady_timer m_timer;
    std::map<int, std::string> m_dirs; // watch descriptor -> project-relative folder
    std::set<std::string> m_changed;
    char m_buffer[16384];
};

} // namespace nimbus::sim
