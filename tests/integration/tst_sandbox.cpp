#include "backend/nodebackend.h"
#include "backend/pythonbackend.h"
#include "sandbox/bubblewrap.h"
#include "sandbox/cgroups.h"
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <arpa/inet.h>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nimbus::sim;
namespace fs = std::filesystem;

// What contains the code users run: Lambda's limits and nothing of the developer's
// environment for every instance (whether started from scratch or from a template), a
// private /tmp, control groups that hold memory and processes exactly where the kernel lets
// us make them, and, with --sandbox, bubblewrap: no home folder, nothing writable but /tmp.
namespace {

const char *kManifest = R"(service: contained
provider:
  name: aws
  runtime: python3.11
  environment:
    FROM_MANIFEST: "yes"
functions:
  probe:
    handler: probe.main
    ephemeralStorageSize: 600
  node:
    handler: probe.main
    runtime: nodejs20.x
  bomb:
    handler: bomb.main
    timeout: 60
  hog:
    handler: hog.main
    memorySize: 128
    timeout: 60
  filler:
    handler: filler.main
)";

// Reports what an instance sees: its environment, limits, /tmp, and what it may read and write.
const char *kProbePy = R"(import errno, json, os, resource

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def write(path):
    with open(path, "w") as f:
        f.write("x")

def read(path):
    with open(path) as f:
        f.read()

def main(event, context):
    limit = lambda r: list(resource.getrlimit(r))
    tmp = os.environ.get("TMPDIR", "/tmp")
    vfs = os.statvfs("/tmp")
    return {
        "environment": dict(os.environ),
        "nofile": limit(resource.RLIMIT_NOFILE),
        "core": limit(resource.RLIMIT_CORE),
        "fsize": limit(resource.RLIMIT_FSIZE),
        "tmpMode": oct(os.stat(tmp).st_mode & 0o777),
        "tmpWrite": attempt(lambda: write(os.path.join(tmp, "scratch"))),
        "tmpBytes": vfs.f_blocks * vfs.f_frsize,
        "codeWrite": attempt(lambda: write(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "written"))),
        "varTmpWrite": attempt(lambda: write("/var/tmp/nimbus-sandbox-" + str(os.getpid()))),
        "homeRead": attempt(lambda: read(event.get("planted", "/nonexistent"))),
    }
)";

const char *kProbeJs = R"(const fs = require('fs');
exports.main = async () => {
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const line = (name) => limits.split('\n').find((l) => l.startsWith(name)).split(/\s{2,}/).slice(1, 3);
  return { environment: process.env, nofile: line('Max open files'), core: line('Max core file size'),
           fsize: line('Max file size') };
};
)";

// Forks until it cannot: each child sleeps (the instance's end takes them all).
const char *kBombPy = R"(import os, time

def main(event, context):
    started = 0
    error = ""
    while started < 5000:
        try:
            pid = os.fork()
        except OSError as e:
            error = e.strerror
            break
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        started += 1
    return {"started": started, "error": error}
)";

// Takes memory a megabyte at a time, saying how far it got.
const char *kHogPy = R"(def main(event, context):
    held = []
    for mb in range(1, 1024):
        held.append(bytearray(1 << 20))
        if mb % 8 == 0:
            print("held", mb, "MB", flush=True)
    return len(held)
)";

// Leaves files of 300 MB in its /tmp (sparse: their size, not the disk's space).
const char *kFillerPy = R"(import os

def main(event, context):
    tmp = os.environ["TMPDIR"]
    for i in range(event.get("files", 0)):
        with open(os.path.join(tmp, "big%d" % i), "wb") as f:
            f.truncate(300 << 20)
    return sorted(os.listdir(tmp))
)";

// What an instance's network reaches: its interfaces, a port of the machine's loopback, and
// a large answer back through its Runtime API.
const char *kNetProbePy = R"(import os, socket

def main(event, context):
    out = {"interfaces": sorted(name for _, name in socket.if_nameindex()),
           "runtimeApi": os.environ["AWS_LAMBDA_RUNTIME_API"], "pad": "x" * event["pad"]}
    try:
        socket.create_connection(("127.0.0.1", event["port"]), timeout=5).close()
        out["machineLoopback"] = "connected"
    except OSError as e:
        out["machineLoopback"] = type(e).__name__
    return out
)";

const char *kNetProbeJs = R"(const net = require('net');
const os = require('os');
exports.main = async (event) => {
  const out = { interfaces: Object.keys(os.networkInterfaces()).sort(), runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API };
  out.machineLoopback = await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: event.port });
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (e) => resolve(e.code));
  });
  return out;
};
)";

const char *kNetManifest = R"(service: contained
provider:
  name: aws
  runtime: python3.11
custom:
  nimbus:
    sandbox: %1
functions:
  isolated:
    handler: netprobe.main
  isolatedNode:
    handler: netprobe.main
    runtime: nodejs20.x
)";

// A listening socket on the machine's loopback (its descriptor, -1 when it cannot; `port` set),
// which only a networked instance may reach.
int listenOnLoopback(int &port) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener < 0 ||
        ::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(listener, 8) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return -1;
    port = ntohs(address.sin_port);
    return listener;
}

QJsonObject bodyOf(const InvocationResult &result) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(result.payload)).object();
}

} // namespace

class TestSandbox : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void instancesSeeOnlyLambdasEnvironmentAndLimits_data();
    void instancesSeeOnlyLambdasEnvironmentAndLimits();
    void nodeInstancesGetTheSameLimits();
    void aForkBombIsContained();
    void theKernelStopsAnInstanceAtItsMemorySize();
    void aTmpFullerThanEphemeralStorageIsLogged();
    void theSandboxHidesTheHomeFolderAndWritesOnlyToTmp();
    void withoutANetworkOnlyTheRuntimeApiIsReachable();
    void withoutANetworkTheDebuggerStillConnects_data();
    void withoutANetworkTheDebuggerStillConnects();

private:
    void startSimulator(bool prewarm, std::optional<bool> sandbox = std::nullopt);
    InvocationResult invoke(const char *function, const QByteArray &payload = "{}");

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
};

void TestSandbox::init() {
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("probe.py", kProbePy);
    m_project->write("probe.js", kProbeJs);
    m_project->write("bomb.py", kBombPy);
    m_project->write("hog.py", kHogPy);
    m_project->write("filler.py", kFillerPy);
}

void TestSandbox::cleanup() {
    if (m_simulator)
        m_simulator->shutdown();
    m_simulator.reset();
    m_io.reset();
}

void TestSandbox::startSimulator(bool prewarm, std::optional<bool> sandbox) {
    cleanup();
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    options.serveGateway = false;
    options.prewarm = prewarm;
    options.sandbox = sandbox;
    m_simulator = std::make_unique<Simulator>(*m_io, options);
    QVERIFY(m_simulator->load());
    if (!prewarm)
        return;
    // Instances then start from the ready templates (a Python zygote, idle Node bootstraps).
    QVERIFY(QTest::qWaitFor(
        [&] {
            m_io->run_for(std::chrono::milliseconds(20));
            const auto templates = m_simulator->templates();
            return templates.size() >= 2 &&
                   std::all_of(templates.begin(), templates.end(),
                               [](const TemplateInfo &t) { return t.ready; });
        },
        20000));
}

InvocationResult TestSandbox::invoke(const char *function, const QByteArray &payload) {
    std::optional<InvocationResult> result;
    std::string error;
    InvocationRequest request;
    request.payload = payload.toStdString();
    if (!m_simulator->invoke(
            function, request, [&](InvocationResult r) { result = std::move(r); }, error))
        qWarning("cannot invoke %s: %s", function, error.c_str());
    if (!QTest::qWaitFor(
            [&] {
                m_io->run_for(std::chrono::milliseconds(20));
                return result.has_value();
            },
            90000))
        qWarning("%s did not answer within 90 s", function);
    return result.value_or(InvocationResult{});
}

void TestSandbox::instancesSeeOnlyLambdasEnvironmentAndLimits_data() {
    QTest::addColumn<bool>("prewarm");
    QTest::newRow("started from scratch") << false;
    QTest::newRow("forked by the template") << true;
}

void TestSandbox::instancesSeeOnlyLambdasEnvironmentAndLimits() {
    QFETCH(bool, prewarm);
    // What the developer's shell holds stays out: their secrets, HOME, their PYTHONPATH.
    qputenv("NIMBUS_DEVELOPER_SECRET", "do-not-leak");
    qputenv("PYTHONPATH", "/developer/python/path");
    startSimulator(prewarm);
    const InvocationResult r = invoke("probe");
    qunsetenv("NIMBUS_DEVELOPER_SECRET");
    qunsetenv("PYTHONPATH");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject body = bodyOf(r);
    const QJsonObject env = body["environment"].toObject();
    QVERIFY(!env.contains("NIMBUS_DEVELOPER_SECRET"));
    QVERIFY(!env.contains("HOME"));
    QVERIFY2(!env["PYTHONPATH"].toString().contains("/developer/python/path"),
             qPrintable(env["PYTHONPATH"].toString()));
    QCOMPARE(env["FROM_MANIFEST"].toString(), QString("yes"));
    QCOMPARE(env["AWS_LAMBDA_FUNCTION_NAME"].toString(), QString("contained-dev-probe"));
    QCOMPARE(env["TZ"].toString(), QString(":UTC"));
    QVERIFY(env.contains("PATH") && env.contains("LANG"));
    // Lambda's limits, hard and soft alike (the function cannot raise them again).
    QCOMPARE(body["nofile"].toArray(), (QJsonArray{1024, 1024}));
    QCOMPARE(body["core"].toArray(), (QJsonArray{0, 0}));
    const qint64 storage = 600LL << 20; // ephemeralStorageSize: 600
    QCOMPARE(body["fsize"].toArray(), (QJsonArray{storage, storage}));
    // Its own /tmp: a folder only this user can enter, removed with the instance.
    const QString tmp = env["TMPDIR"].toString();
    QVERIFY2(tmp.contains("nimbus-") && tmp != "/tmp", qPrintable(tmp));
    QCOMPARE(body["tmpMode"].toString(), QString("0o700"));
    QCOMPARE(body["tmpWrite"].toString(), QString("ok"));
    QVERIFY(QFileInfo::exists(tmp + "/scratch"));
    QVERIFY(r.log.find("Memory Limit: ") != std::string::npos);
    m_simulator->shutdown();
    m_simulator.reset();
    QVERIFY2(!QFileInfo::exists(tmp), qPrintable(tmp));
}

void TestSandbox::nodeInstancesGetTheSameLimits() {
    // Node's idle bootstraps take theirs (prlimit, from outside) before their assignment;
    // this function has Lambda's default ephemeral storage.
    startSimulator(true);
    const InvocationResult r = invoke("node");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject body = bodyOf(r);
    QCOMPARE(body["nofile"].toArray(), (QJsonArray{"1024", "1024"}));
    QCOMPARE(body["core"].toArray(), (QJsonArray{"0", "0"}));
    const QString storage = QString::number(512LL << 20);
    QCOMPARE(body["fsize"].toArray(), (QJsonArray{storage, storage}));
    QVERIFY(!body["environment"].toObject().contains("HOME"));
}

void TestSandbox::aForkBombIsContained() {
    std::string why;
    const bool cgroups = CgroupTree::create(why) != nullptr;
    if (!cgroups && ::getuid() == 0)
        QSKIP("root without a writable cgroup: RLIMIT_NPROC does not hold root, and nothing "
              "else can here");
    startSimulator(true);
    const InvocationResult r = invoke("bomb");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject body = bodyOf(r);
    // Stopped near Lambda's 1,024 processes, long before the 5,000 it tried.
    QVERIFY2(body["started"].toInt() < 1100, r.payload.c_str());
    QVERIFY2(body["started"].toInt() > 100, r.payload.c_str());
    QVERIFY2(!body["error"].toString().isEmpty(), r.payload.c_str());
    // The machine still starts processes; the instance's go with it.
    QProcess echo;
    echo.start("/bin/true");
    QVERIFY(echo.waitForFinished(10000));
    QCOMPARE(echo.exitCode(), 0);
}

void TestSandbox::theKernelStopsAnInstanceAtItsMemorySize() {
    std::string why;
    auto tree = CgroupTree::create(why);
    if (!tree)
        QSKIP(qPrintable("no writable cgroup here (memory is sampled): " +
                         QString::fromStdString(why)));
    const QString kind = QString::fromStdString(tree->describe());
    const fs::path base = fs::path(tree->memoryFolder()).parent_path();
    tree.reset();
    // This process's simulators' trees beside its own group.
    const auto trees = [&] {
        int n = 0;
        std::error_code ec;
        const std::string mine = "nimbus-" + std::to_string(::getpid()) + "-";
        for (const auto &entry : fs::directory_iterator(base, ec))
            n += entry.path().filename().string().starts_with(mine);
        return n;
    };
    const int before = trees();
    startSimulator(false);
    // A simulator that has run no instance has made no groups (tools, a manifest being read).
    QCOMPARE(trees(), before);
    const InvocationResult r = invoke("hog");
    QCOMPARE(trees(), before + 1);
    QVERIFY2(r.functionError, r.payload.c_str());
    QCOMPARE(QString::fromStdString(r.errorType), QString("Runtime.OutOfMemory"));
    // It got no further than its 128 MB.
    const QString log = QString::fromStdString(r.log);
    static const QRegularExpression held("held (\\d+) MB");
    int most = 0;
    for (auto it = held.globalMatch(log); it.hasNext();)
        most = std::max(most, it.next().captured(1).toInt());
    QVERIFY2(most >= 64 && most <= 128, qPrintable(log));
    QVERIFY2(log.contains("Memory Limit: " + kind), qPrintable(log));
}

// Unsandboxed, /tmp is a folder of the machine's disk, which nothing sizes: an invocation
// that leaves more there than the function's ephemeral storage (Lambda's default, 512 MB)
// says so in its log, where on Lambda its writes would have failed.
void TestSandbox::aTmpFullerThanEphemeralStorageIsLogged() {
    startSimulator(false);
    const InvocationResult empty = invoke("filler");
    QVERIFY2(!empty.functionError, empty.payload.c_str());
    QVERIFY2(empty.log.find("[nimbus] /tmp") == std::string::npos, empty.log.c_str());
    QTest::qWait(1100); // (/tmp is counted at most once a second)
    const InvocationResult full = invoke("filler", R"({"files": 2})");
    QVERIFY2(!full.functionError, full.payload.c_str());
    QCOMPARE(QString::fromStdString(full.payload), QString(R"(["big0", "big1"])"));
    QVERIFY2(full.log.find("holds 600 MB, more than the function's 512 MB of ephemeral "
                           "storage") != std::string::npos,
             full.log.c_str());
}

void TestSandbox::theSandboxHidesTheHomeFolderAndWritesOnlyToTmp() {
    if (findBubblewrap().empty())
        QSKIP("bubblewrap is not installed");
    // A file where a developer keeps credentials: readable unsandboxed, hidden sandboxed.
    const QString planted =
        QDir::homePath() + "/.nimbus-sandbox-probe-" + QString::number(::getpid());
    {
        QFile file(planted);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("aws_secret_access_key = not-for-functions\n");
    }
    auto removePlanted = qScopeGuard([&] { QFile::remove(planted); });
    const QByteArray payload = QJsonDocument(QJsonObject{{"planted", planted}}).toJson();

    startSimulator(false, false);
    const InvocationResult open = invoke("probe", payload);
    QVERIFY2(!open.functionError, open.payload.c_str());
    QCOMPARE(bodyOf(open)["homeRead"].toString(), QString("ok"));
    QVERIFY(QFile::remove(m_project->filePath("written")));

    startSimulator(false, true);
    const InvocationResult r = invoke("probe", payload);
    QVERIFY2(!r.functionError, (r.payload + r.log).c_str());
    const QJsonObject body = bodyOf(r);
    QCOMPARE(body["homeRead"].toString(), QString("ENOENT"));
    QCOMPARE(body["codeWrite"].toString(), QString("EROFS"));
    QCOMPARE(body["varTmpWrite"].toString(), QString("EROFS"));
    QCOMPARE(body["tmpWrite"].toString(), QString("ok"));
    QVERIFY(!QFileInfo::exists(m_project->filePath("written")));
    // Its /tmp is its own, of its ephemeral storage's size.
    QCOMPARE(body["environment"].toObject()["TMPDIR"].toString(), QString("/tmp"));
    QCOMPARE(body["tmpBytes"].toVariant().toLongLong(), 600LL << 20);
    QVERIFY(!QFileInfo::exists("/tmp/scratch"));
}

// custom.nimbus.sandbox: {network: false}: the instance has a network of its own with only
// its loopback, and reaches its Runtime API through nimbus-sandbox-relay and a socket of the
// simulator's; a server on the machine's loopback is out of its reach.
void TestSandbox::withoutANetworkOnlyTheRuntimeApiIsReachable() {
    if (findBubblewrap().empty())
        QSKIP("bubblewrap is not installed");
    // A server on the machine's loopback, which only a networked instance may reach.
    int port = 0;
    const int listener = listenOnLoopback(port);
    QVERIFY(listener >= 0);
    auto closeListener = qScopeGuard([&] { ::close(listener); });
    // 2 MB each way: more than the relay's and the bridge's buffers hold at once.
    const QByteArray payload =
        QJsonDocument(QJsonObject{{"port", port}, {"pad", 2 << 20}, {"in", QString(2 << 20, 'y')}})
            .toJson(QJsonDocument::Compact);
    m_project->write("netprobe.py", kNetProbePy);

    m_project->writeManifest(QString(kNetManifest).arg("true").toUtf8());
    startSimulator(false);
    const InvocationResult open = invoke("isolated", payload);
    QVERIFY2(!open.functionError, (open.payload.substr(0, 500) + open.log).c_str());
    QCOMPARE(bodyOf(open)["machineLoopback"].toString(), QString("connected"));

    m_project->writeManifest(QString(kNetManifest).arg("{network: false}").toUtf8());
    startSimulator(false);
    for (int round = 0; round < 2; ++round) { // a cold start, then the same instance again
        const InvocationResult r = invoke("isolated", payload);
        QVERIFY2(!r.functionError, (r.payload.substr(0, 500) + r.log).c_str());
        const QJsonObject body = bodyOf(r);
        QCOMPARE(QJsonDocument(body["interfaces"].toArray()).toJson(QJsonDocument::Compact),
                 QByteArray(R"(["lo"])"));
        QCOMPARE(body["machineLoopback"].toString(), QString("ConnectionRefusedError"));
        QCOMPARE(body["pad"].toString().size(), qsizetype(2 << 20));
        // The same address as ever: the relay listens there inside.
        QVERIFY(body["runtimeApi"].toString().startsWith("127.0.0.1:"));
    }
    // The socket's folder (beside the instances' private /tmp folders) goes with the instance.
    const auto bridgeFolders = [] {
        int n = 0;
        const QDir tmp(QDir::tempPath());
        const QString mine = QString("nimbus-%1-%2-*").arg(::getuid()).arg(::getpid());
        for (const QString &root : tmp.entryList({mine}, QDir::Dirs))
            n += int(QDir(tmp.filePath(root)).entryList({"isolated-net-*"}, QDir::Dirs).size());
        return n;
    };
    QCOMPARE(bridgeFolders(), 1);
    m_simulator->shutdown();
    QVERIFY(QTest::qWaitFor(
        [&] {
            m_io->run_for(std::chrono::milliseconds(20));
            return bridgeFolders() == 0;
        },
        5000));
}

void TestSandbox::withoutANetworkTheDebuggerStillConnects_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("file");
    QTest::newRow("python") << "isolated"
                            << "netprobe.py";
    QTest::newRow("node") << "isolatedNode"
                          << "netprobe.js";
}

void TestSandbox::withoutANetworkTheDebuggerStillConnects() {
    QFETCH(QString, function);
    QFETCH(QString, file);
    if (findBubblewrap().empty())
        QSKIP("bubblewrap is not installed");
    int port = 0;
    const int listener = listenOnLoopback(port);
    QVERIFY(listener >= 0);
    auto closeListener = qScopeGuard([&] { ::close(listener); });
    m_project->write("netprobe.py", kNetProbePy);
    m_project->write("netprobe.js", kNetProbeJs);
    m_project->writeManifest(QString(kNetManifest).arg("{network: false}").toUtf8());
    startSimulator(false);

    // The real adapter's backend, on the machine's loopback as nimbus-dap runs it.
    std::unique_ptr<nimbus::dap::DebugBackend> backend;
    if (function == "isolated")
        backend = std::make_unique<nimbus::dap::PythonBackend>(
            nimbusSourcePath("resources").toStdString());
    else
        backend = std::make_unique<nimbus::dap::NodeBackend>();
    std::mutex mutex;
    std::vector<std::pair<std::string, nlohmann::json>> events;
    backend->setEventSink([&](const std::string &event, const nlohmann::json &body) {
        std::lock_guard lock(mutex);
        events.emplace_back(event, body);
    });
    const auto seen = [&](const std::string &event) {
        std::lock_guard lock(mutex);
        return std::any_of(events.begin(), events.end(),
                           [&](const auto &e) { return e.first == event; });
    };
    backend->setStopOnEntry(true);
    std::string error;
    QVERIFY2(m_simulator->setDebugAgent(function.toStdString(), backend->listen(), error),
             error.c_str());

    std::atomic<bool> answered{false};
    InvocationResult result;
    InvocationRequest request;
    request.payload = QJsonDocument(QJsonObject{{"port", port}, {"pad", 16}})
                          .toJson(QJsonDocument::Compact)
                          .toStdString();
    QVERIFY2(m_simulator->invoke(
                 function.toStdString(), request,
                 [&](InvocationResult r) {
                     result = std::move(r);
                     answered = true;
                 },
                 error),
             error.c_str());
    // The backend blocks on the agent's answers, which come through the bridge that this
    // io_context serves: it runs on a thread of its own meanwhile.
    std::thread loop([&] { m_io->run_for(std::chrono::seconds(60)); });
    auto stopLoop = qScopeGuard([&] {
        m_io->stop();
        if (loop.joinable())
            loop.join();
        backend->close();
    });
    QVERIFY2(QTest::qWaitFor([&] { return seen("stopped") || answered; }, 45000),
             "the instance did not stop on entry");
    QVERIFY2(seen("agentConnected") && !answered, result.log.c_str());
    const auto threads = backend->request("threads", nlohmann::json::object());
    const int thread = threads["threads"].at(0).value("id", 0);
    const auto stack = backend->request("stackTrace", {{"threadId", thread}});
    const std::string top = stack["stackFrames"].at(0)["source"].value("path", "");
    QVERIFY2(QString::fromStdString(top).endsWith(file), stack.dump().c_str());
    backend->request("continue", {{"threadId", thread}});
    QVERIFY2(QTest::qWaitFor([&] { return answered.load(); }, 30000), "no answer after continue");
    m_io->stop();
    loop.join();
    QVERIFY2(!result.functionError, (result.payload.substr(0, 500) + result.log).c_str());
    // Debugged, and still without a network.
    const QJsonObject body = bodyOf(result);
    QCOMPARE(QJsonDocument(body["interfaces"].toArray()).toJson(QJsonDocument::Compact),
             QByteArray(R"(["lo"])"));
    QVERIFY2(body["machineLoopback"].toString().contains("ConnectionRefused") ||
                 body["machineLoopback"].toString() == "ECONNREFUSED",
             qPrintable(body["machineLoopback"].toString()));
}

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
