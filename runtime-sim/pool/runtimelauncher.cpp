#include "runtimelauncher.h"

#include "nimbus/manifest/manifest.h"
#include "nimbus/resources/programlocator.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

std::string captureCommand(const std::string &command) {
    std::string output;
    if (FILE *pipe = ::popen(command.c_str(), "r")) {
        std::array<char, 512> buffer{};
        while (std::fgets(buffer.data(), buffer.size(), pipe))
            output += buffer.data();
        ::pclose(pipe);
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    return output;
}

bool isElfExecutable(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
           magic[3] == 'F';
}

std::string hex(std::size_t digits) {
    static std::mt19937_64 generator{std::random_device{}()};
    static const char *alphabet = "0123456789abcdef";
    std::string out(digits, '0');
    for (auto &c : out)
        c = alphabet[generator() % 16];
    return out;
}

// "2024/05/01/[$LATEST]0123456789abcdef0123456789abcdef", as Lambda names log streams.
std::string logStreamName(const std::string &version) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char date[16];
    std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
    return std::string(date) + "/[" + version + "]" + hex(32);
}

// Puts `entries` ahead of what the variable `name` holds.
void prependPath(std::map<std::string, std::string> &env, const std::string &name,
                 const std::vector<std::string> &entries) {
    std::string joined;
    for (const auto &entry : entries)
        joined += (joined.empty() ? "" : ":") + entry;
    if (joined.empty())
        return;
    const auto existing = env.find(name);
    env[name] =
        joined + (existing != env.end() && !existing->second.empty() ? ":" + existing->second
                                                                     : std::string());
}

// The folders Lambda's paths name in /opt, with each layer's folder in place of /opt.
struct LayerPaths {
    std::vector<std::string> modules;   // PYTHONPATH or NODE_PATH
    std::vector<std::string> binaries;  // PATH
    std::vector<std::string> libraries; // LD_LIBRARY_PATH
};

// python/lib/pythonX.Y/site-packages and python/ for Python, nodejs/nodeNN/node_modules and
// nodejs/node_modules for Node, bin/ and lib/ for all (SCF also takes a layer's own root for
// Python and node_modules/ for Node). A later layer comes first, as its files replace an
// earlier one's in /opt. Only folders that exist are named.
LayerPaths layerPaths(const FunctionConfig &function, manifest::RuntimeFamily family) {
    LayerPaths paths;
    std::string runtime = function.runtime; // python3.12, Python3.9, nodejs20.x, Nodejs16.13
    std::transform(runtime.begin(), runtime.end(), runtime.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::vector<std::string> candidates;
    if (family == manifest::RuntimeFamily::Python) {
        const std::string version =
            runtime.substr(0, runtime.find_first_not_of("python0123456789."));
        candidates = {"python/lib/" + version + "/site-packages", "python"};
        if (function.scf)
            candidates.push_back(".");
    } else if (family == manifest::RuntimeFamily::Node) {
        const auto digits = runtime.find_first_of("0123456789");
        const auto end = runtime.find_first_not_of("0123456789", digits);
        const std::string major =
            digits == std::string::npos ? std::string() : runtime.substr(digits, end - digits);
        candidates = {"nodejs/node" + major + "/node_modules", "nodejs/node_modules"};
        if (function.scf)
            candidates.push_back("node_modules");
    }
    std::error_code ec;
    for (auto layer = function.layerDirs.rbegin(); layer != function.layerDirs.rend(); ++layer) {
        for (const auto &candidate : candidates) {
            const fs::path dir = (fs::path(*layer) / candidate).lexically_normal();
            if (fs::is_directory(dir, ec))
                paths.modules.push_back(dir.string());
        }
        if (fs::is_directory(fs::path(*layer) / "bin", ec))
            paths.binaries.push_back((fs::path(*layer) / "bin").string());
        if (fs::is_directory(fs::path(*layer) / "lib", ec))
            paths.libraries.push_back((fs::path(*layer) / "lib").string());
    }
    return paths;
}

} // namespace

std::string FunctionConfig::arn() const {
    return "arn:aws:lambda:" + region + ":000000000000:function:" + deployedName;
}

RuntimeLauncher::RuntimeLauncher(std::string resourcesDir)
    : m_resourcesDir(std::move(resourcesDir)) {}

std::string RuntimeLauncher::resolveInterpreter(const std::string &name, std::string &error) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_interpreters.find(name); it != m_interpreters.end())
        return it->second;
    // Most interpreters on PATH are real executables (or symlinks to one): take them as
    // they are. A shim script (pyenv, nvm, asdf) is asked for the executable behind it.
    std::string path = resources::findProgram(name).value_or(std::string());
    if (!path.empty() && isElfExecutable(path)) {
        std::error_code ec;
        path = fs::canonical(path, ec).string();
        m_interpreters[name] = path;
        return path;
    }
    if (name == "python3")
        path = captureCommand("python3 -c 'import sys; print(sys.executable)' 2>/dev/null");
    else if (name == "node")
        path = captureCommand("node -e 'console.log(process.execPath)' 2>/dev/null");
    std::error_code ec;
    if (path.empty() || !fs::is_regular_file(path, ec)) {
        error = "cannot find '" + name + "' on PATH; install it (Debian: apt-get install " +
                (name == "node" ? std::string("nodejs") : name) + ")";
        return {};
    }
    path = fs::canonical(path, ec).string();
    m_interpreters[name] = path;
    return path;
}

std::map<std::string, std::string> RuntimeLauncher::baseEnvironment() {
    // Lambda's own start: a PATH, a locale, UTC; nothing else of the developer's (no HOME, so
    // no ~/.aws or ~/.npmrc read by chance; no PYTHONPATH or NODE_PATH of theirs). The
    // developer's AWS keys only when no control plane stands in for Lambda (see prepare).
    std::map<std::string, std::string> env;
    for (const char *name :
         {"PATH", "LANG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
        if (const char *value = std::getenv(name))
            env[name] = value;
    }
    if (!env.count("PATH"))
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    if (!env.count("LANG"))
        env["LANG"] = "C.UTF-8";
    env["TZ"] = ":UTC";
    return env;
}

std::map<std::string, std::string> RuntimeLauncher::developerEnvironment() {
    std::map<std::string, std::string> env;
    for (const char *name :
         {"PATH", "HOME", "LANG", "TMPDIR", "NODE_PATH", "PYTHONPATH", "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"}) {
        if (const char *value = std::getenv(name))
            env[name] = value;
    }
    if (!env.count("LANG"))
        env["LANG"] = "C.UTF-8";
    env["TZ"] = ":UTC";
    return env;
}

void RuntimeLauncher::setControlPlane(std::string url, std::string accessKeyId,
                                      std::string secretAccessKey) {
    m_controlPlaneUrl = std::move(url);
    m_accessKeyId = std::move(accessKeyId);
    m_secretAccessKey = std::move(secretAccessKey);
}

bool RuntimeLauncher::prepare(const FunctionConfig &function, const std::string &runtimeApi,
                              ChildProcess::Spec &spec, std::string &error) {
    spec = {};
    spec.workingDirectory = function.codeDir;
    const std::string &runtime = function.runtime;
    const manifest::RuntimeFamily family = manifest::runtimeFamily(runtime);
    if (family == manifest::RuntimeFamily::Python) {
        spec.executable = resolveInterpreter("python3", error);
        // -u: unbuffered output, so logs land inside their invocation; -B: no .pyc in the project.
        spec.arguments = {"-u", "-B", m_resourcesDir + "/runtimes/python/bootstrap.py"};
    } else if (family == manifest::RuntimeFamily::Node) {
        spec.executable = resolveInterpreter("node", error);
        // As on Lambda, the V8 heap is sized to the function's memory.
        const int heapMb = std::max(64, function.memoryMb * 85 / 100);
        spec.arguments = {"--max-old-space-size=" + std::to_string(heapMb),
                          m_resourcesDir + "/runtimes/node/bootstrap.js"};
    } else if (runtime == "go1.x" && function.handler.ends_with(".go")) {
        // Go source as the handler (as serverless-offline takes it): compiled and run by
        // the Go toolchain at each cold start.
        spec.executable = resolveInterpreter("go", error);
        spec.arguments = {"run", function.handler};
        // The Go toolchain keeps its build and module caches in the developer's home.
        for (const char *name : {"HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY"})
            if (const char *value = std::getenv(name))
                spec.environment[name] = value;
    } else if (runtime == "go1.x") {
        // The handler is the compiled program; aws-lambda-go speaks the Runtime API.
        spec.executable = (fs::path(function.codeDir) / function.handler).string();
        std::error_code ec;
        if (!fs::is_regular_file(spec.executable, ec)) {
            error = "runtime go1.x runs the compiled handler '" + function.handler +
                    "', and there is none in " + function.codeDir + "; build it first";
            return false;
        }
    } else if (family == manifest::RuntimeFamily::Custom) {
        spec.executable = function.customBootstrap.empty()
                              ? (fs::path(function.codeDir) / "bootstrap").string()
                              : function.customBootstrap;
        std::error_code ec;
        if (!fs::is_regular_file(spec.executable, ec)) {
            error = "runtime '" + runtime + "' needs an executable '" +
                    fs::path(spec.executable).filename().string() + "' in " + function.codeDir;
            return false;
        }
    } else {
        error = "unsupported runtime '" + runtime + "'";
        return false;
    }
    if (spec.executable.empty())
        return false;

    auto &env = spec.environment;
    for (auto &[name, value] : baseEnvironment())
        env[name] = value;
    {
        // The installed packages, then the layers, ahead of the developer's own path: a
        // package's own folder, then /opt, as on Lambda (the bootstrap puts the code's
        // folder first).
        LayerPaths layers = layerPaths(function, family);
        std::vector<std::string> modules;
        if (!function.dependencyPath.empty())
            modules.push_back(function.dependencyPath);
        modules.insert(modules.end(), layers.modules.begin(), layers.modules.end());
        prependPath(env, family == manifest::RuntimeFamily::Python ? "PYTHONPATH" : "NODE_PATH",
                    modules);
        prependPath(env, "PATH", layers.binaries);
        prependPath(env, "LD_LIBRARY_PATH", layers.libraries);
    }
    if (function.scf) {
        scfEnvironment(function, runtimeApi, env);
        return true;
    }
    env["AWS_REGION"] = function.region;
    env["AWS_DEFAULT_REGION"] = function.region;
    env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + runtime;
    env["AWS_LAMBDA_FUNCTION_NAME"] = function.deployedName;
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(function.memoryMb);
    env["AWS_LAMBDA_FUNCTION_VERSION"] = function.version;
    env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
    env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + function.deployedName;
    env["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName(function.version);
    env["AWS_LAMBDA_RUNTIME_API"] = runtimeApi;
    env["LAMBDA_TASK_ROOT"] = function.codeDir;
    env["LAMBDA_RUNTIME_DIR"] = m_resourcesDir + "/runtimes";
    env["_HANDLER"] = function.handler;
    if (!m_controlPlaneUrl.empty()) {
        env["AWS_ENDPOINT_URL_LAMBDA"] = m_controlPlaneUrl;
        env["AWS_ENDPOINT_URL"] = m_controlPlaneUrl;
        // What a function's role would give it on Lambda: keys this platform accepts.
        env["AWS_ACCESS_KEY_ID"] = m_accessKeyId;
        env["AWS_SECRET_ACCESS_KEY"] = m_secretAccessKey;
        env.erase("AWS_SESSION_TOKEN");
        env.erase("AWS_PROFILE");
    }
    if (function.httpFunction)
        env["_NIMBUS_FUNCTION_KIND"] = "http"; // the bootstrap adapts (request) -> response
    if (!function.debugAgent.empty())
        env["NIMBUS_DEBUG_AGENT"] = function.debugAgent; // the bootstrap connects its agent
    for (const auto &[name, value] : function.environment)
        env[name] = value;
    return true;
}

void RuntimeLauncher::scfEnvironment(const FunctionConfig &function, const std::string &runtimeApi,
                                     std::map<std::string, std::string> &env) const {
    // SCF's built-in variables (its "environment variables" documentation); the account is
    // a local one, as Lambda's is 000000000000 here.
    for (const char *name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"})
        env.erase(name);
    env["TENCENTCLOUD_RUNENV"] = "SCF";
    env["TENCENTCLOUD_REGION"] = function.region;
    env["TENCENTCLOUD_APPID"] = kScfLocalAppId;
    env["TENCENTCLOUD_UIN"] = kScfLocalUin;
    env["TENCENTCLOUD_TZ"] = "UTC";
    env["SCF_RUNTIME"] = function.runtime;
    env["SCF_FUNCTIONNAME"] = function.deployedName;
    env["SCF_FUNCTIONVERSION"] = function.version;
    env["SCF_NAMESPACE"] = function.namespaceName;
    env["USER_CODE_ROOT"] = function.codeDir;
    env["PYTHONDONTWRITEBYTECODE"] = "x";
    env["_HANDLER"] = function.handler;
    // The runtime API a custom runtime's bootstrap talks to (ours talk to it too).
    const auto colon = runtimeApi.rfind(':');
    env["SCF_RUNTIME_API"] = runtimeApi.substr(0, colon);
    env["SCF_RUNTIME_API_PORT"] = runtimeApi.substr(colon + 1);
    env["_NIMBUS_DIALECT"] = "scf"; // Nimbus's Python and Node bootstraps build SCF's context
    if (!m_controlPlaneUrl.empty()) {
        // What a function's execution role would give it: keys this platform accepts.
        env["TENCENTCLOUD_SECRETID"] = m_accessKeyId;
        env["TENCENTCLOUD_SECRETKEY"] = m_secretAccessKey;
    }
    if (!function.debugAgent.empty())
        env["NIMBUS_DEBUG_AGENT"] = function.debugAgent;
    for (const auto &[name, value] : function.environment)
        env[name] = value;
}

} // namespace nimbus::sim
