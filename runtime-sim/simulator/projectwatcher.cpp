#include "projectwatcher.h"

#include <cstring>
#include <filesystem>
#include <sys/inotify.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;

bool ignoredFolder(const std::string &name) {
    return name == "node_modules" || name == ".git" || name == ".nimbus" || name == "__pycache__" ||
           name == ".venv" || name == "venv" || name == ".serverless" || name == ".pytest_cache" ||
           name == ".mypy_cache" || name == ".idea" || name == ".vscode";
}

// Swap files, backups and compiled files are not edits to the project.
bool ignoredFile(const std::string &name) {
    return name.empty() || name.ends_with(".swp") || name.ends_with(".swx") ||
           name.ends_with("~") || name.starts_with(".#") || name.ends_with(".pyc") ||
           name == "4913" || name.ends_with(".tmp");
}

} // namespace

std::shared_ptr<ProjectWatcher> ProjectWatcher::create(boost::asio::io_context &io,
                                                       std::string projectDir, Callback callback,
                                                       std::chrono::milliseconds quiet) {
    return std::shared_ptr<ProjectWatcher>(
        new ProjectWatcher(io, std::move(projectDir), std::move(callback), quiet));
}

ProjectWatcher::ProjectWatcher(boost::asio::io_context &io, std::string projectDir,
                               Callback callback, std::chrono::milliseconds quiet)
    : m_io(io)
    , m_root(std::move(projectDir))
    , m_callback(std::move(callback))
    , m_quiet(quiet)
    , m_timer(io) {}

ProjectWatcher::~ProjectWatcher() {
    stop();
}

bool ProjectWatcher::start(std::string &error) {
    m_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_fd < 0) {
        error = std::string("cannot watch the project for changes: ") + std::strerror(errno);
        return false;
    }
    m_stream = std::make_unique<boost::asio::posix::stream_descriptor>(m_io, m_fd);
    watchTree("");
    read();
    return true;
}

void ProjectWatcher::stop() {
    m_timer.cancel();
    if (m_stream) {
        boost::system::error_code ignored;
        m_stream->close(ignored); // closes m_fd
        m_stream.reset();
        m_fd = -1;
    }
}

void ProjectWatcher::watchTree(const std::string &dir) {
    const fs::path full = dir.empty() ? fs::path(m_root) : fs::path(m_root) / dir;
    const int wd = ::inotify_add_watch(m_fd, full.c_str(), kEvents);
    if (wd < 0)
        return; // gone already, or out of watches: the rest still works
    m_dirs[wd] = dir;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(full, ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory(ec) && !entry.is_symlink(ec) && !ignoredFolder(name))
            watchTree(dir.empty() ? name : dir + "/" + name);
    }
}

void ProjectWatcher::read() {
    if (!m_stream)
        return;
    std::weak_ptr<ProjectWatcher> weak = weak_from_this();
    m_stream->async_read_some(
        boost::asio::buffer(m_buffer), [weak](boost::system::error_code ec, std::size_t n) {
            auto self = weak.lock();
            if (!self || ec)
                return;
            self->consume(self->m_buffer, n);
            self->read();
        });
}

void ProjectWatcher::flush() {
    if (m_fd < 0)
        return;
    alignas(inotify_event) char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(m_fd, buffer, sizeof buffer); // (non-blocking)
        if (n <= 0)
            break;
        consume(buffer, static_cast<std::size_t>(n));
    }
    if (m_changed.empty())
        return;
    m_timer.cancel();
    report();
}

void ProjectWatcher::consume(const char *events, std::size_t n) {
    for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
        inotify_event event;
        std::memcpy(&event, events + at, sizeof event);
        const char *name = events + at + sizeof(inotify_event);
        at += sizeof(inotify_event) + event.len;
        const auto dir = m_dirs.find(event.wd);
        if (event.mask & IN_IGNORED) {
            if (dir != m_dirs.end())
                m_dirs.erase(dir);
            continue;
        }
        if (dir == m_dirs.end() || event.len == 0)
            continue;
        const std::string file(name, ::strnlen(name, event.len));
        const std::string path = dir->second.empty() ? file : dir->second + "/" + file;
        if (event.mask & IN_ISDIR) {
            if (ignoredFolder(file))
                continue;
            if (event.mask & (IN_CREATE | IN_MOVED_TO))
                watchTree(path);
            note(path);
            continue;
        }
        if (!ignoredFile(file))
            note(path);
    }
}

void ProjectWatcher::note(const std::string &relativePath) {
    m_changed.insert(relativePath);
    m_timer.expires_after(m_quiet);
    std::weak_ptr<ProjectWatcher> weak = weak_from_this();
    m_timer.async_wait([weak](boost::system::error_code ec) {
        auto self = weak.lock();
        if (self && !ec)
            self->report();
    });
}

void ProjectWatcher::report() {
    if (m_changed.empty())
        return;
    std::vector<std::string> files(m_changed.begin(), m_changed.end());
    m_changed.clear();
    m_callback(std::move(files));
}

} // namespace nimbus::sim
