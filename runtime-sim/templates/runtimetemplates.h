#pragma once

#include "../process/childprocess.h"

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nimbus::sim {

// One template as it stands, for tools and the benchmark.
struct TemplateInfo {
    std::string runtime; // "python" or "node"
    std::string kind;    // "zygote" or "idle bootstrap"
    pid_t pid = 0;
    bool ready = false;
    long long residentKb = 0;     // RSS
    long long proportionalKb = 0; // PSS: pages shared with its instances counted once in all
    int instancesStarted = 0;     // by this template, since it started
};

// Pre-initialised runtimes that function instances start from, so that a cold start costs
// only the handler's own import: for Python a zygote that has imported the bootstrap and
// forks each new instance (resources/runtimes/python/zygote.py); for Node, idle bootstrap
// processes waiting to be told which function they are (Node cannot fork safely).
//
// A template serves instances whose command and start-up environment (the variables an
// interpreter reads as it starts: HOME, PATH, LANG, LC_*, TZ, PYTHON* / NODE_*, UV_*) are its
// own; everything else an instance's environment holds is applied after the fork or in the
// assignment. A template is rebuilt when the interpreter or the runtime's files change: the
// old one takes no more instances and ends when its last instance does.
class RuntimeTemplates {
public:
    using Log = std::function<void(const std::string &)>;

    explicit RuntimeTemplates(boost::asio::io_context &io, Log log = {});
    ~RuntimeTemplates();
    RuntimeTemplates(const RuntimeTemplates &) = delete;
    RuntimeTemplates &operator=(const RuntimeTemplates &) = delete;

    // Gets a template ready for instances started as `spec` says (RuntimeLauncher::prepare)
    // ahead of their first use. Nothing for runtimes without templates.
    void prewarm(const ChildProcess::Spec &spec);

    // Starts an instance as `spec` says from a ready template. nullptr when the runtime has
    // none or it is not ready yet (it is then on its way, for the next instance): the caller
    // starts the instance from scratch.
    std::shared_ptr<ChildProcess> start(const ChildProcess::Spec &spec,
                                        const ChildProcess::OutputHandler &onOutput,
                                        const ChildProcess::ExitHandler &onExit);

    std::vector<TemplateInfo> describe() const;

    // Ends every template (their instances are their pools' to stop).
    void shutdown();

    class Template;

private:
    // The template for `spec`, made (and an outdated one of its family retired) when there is
    // none; nullptr for runtimes without templates, or one that failed.
    std::shared_ptr<Template> find(const ChildProcess::Spec &spec);

    boost::asio::io_context &m_io;
    Log m_log;
    std::map<std::string, std::shared_ptr<Template>> m_templates; // by start-up key
    std::vector<std::shared_ptr<Template>> m_retired; // replaced; end with their instances
    bool m_shutdown = false;
};

} // namespace nimbus::sim
