#pragma once

#include "../process/childprocess.h"
#include "invocation.h"

#include <map>
#include <mutex>
#include <string>

namespace nimbus::sim {

// Decides how an instance of a function starts: which executable (a real interpreter,
// never a shell shim), which bootstrap, which environment — as a real platform would set it.
class RuntimeLauncher {
public:
    explicit RuntimeLauncher(std::string resourcesDir);

    // Where the runtimes' own files are (resources/runtimes/...).
    const std::string &resourcesDir() const { return m_resourcesDir; }

    // The command for one instance that serves the Runtime API at `runtimeApi`
    // ("127.0.0.1:port"). Returns false with `error` set when the runtime cannot run here.
    bool prepare(const FunctionConfig &function, const std::string &runtimeApi,
                 ChildProcess::Spec &spec, std::string &error);

    // The variables every instance starts with, before Lambda's own and the manifest's: PATH,
    // LANG and TZ (and the developer's AWS keys when there is no local control plane).
    static std::map<std::string, std::string> baseEnvironment();
    // The developer's own (HOME, TMPDIR, PYTHONPATH, AWS_PROFILE...) with a locale and UTC,
    // for the http services a command line starts (npm start, uvicorn...).
    static std::map<std::string, std::string> developerEnvironment();

    // The real executable behind a command name on PATH (python3 -> /usr/bin/python3.11),
    // asked of the interpreter itself once and remembered.
    std::string resolveInterpreter(const std::string &name, std::string &error);

    // The control plane functions reach, as Lambda's own API is reachable from a function:
    // instances get it in AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL (so an SDK calls it
    // unchanged), with its credentials in place of the developer's.
    void setControlPlane(std::string url, std::string accessKeyId, std::string secretAccessKey);

    // The local account SCF functions run in (TENCENTCLOUD_APPID, TENCENTCLOUD_UIN).
    static constexpr const char *kScfLocalAppId = "1250000000";
    static constexpr const char *kScfLocalUin = "100000000001";

private:
    // SCF's environment in place of Lambda's.
    void scfEnvironment(const FunctionConfig &function, const std::string &runtimeApi,
                        std::map<std::string, std::string> &env) const;

    std::string m_resourcesDir;
    std::string m_controlPlaneUrl, m_accessKeyId, m_secretAccessKey;
    std::map<std::string, std::string> m_interpreters;
    std::mutex m_mutex;
};

} // namespace nimbus::sim
