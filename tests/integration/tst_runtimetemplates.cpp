// Pre-initialised runtimes (issue: cold starts near the floor): instances forked from the
// Python zygote or taken from the Node idle pool are fresh instances of their own function
// (their own pid, process group, environment, module state and limits); a template is rebuilt
// when its runtime's files change; --no-prewarm starts everything from scratch; an edit is
// served by the very next invocation.
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <csignal>
#include <filesystem>
#include <unistd.h>

using namespace nimbus::sim;
namespace fs = std::filesystem;

namespace {

const char *kPython = R"PY(import os, random, sys, time

# What this module found when it was imported: a template never imports project code.
PRELOADED = [m for m in ("shared_state",) if m in sys.modules]
import shared_state

def whoami(event, context):
    shared_state.calls += 1
    return {"pid": os.getpid(), "ppid": os.getppid(), "pgid": os.getpgid(0),
            "calls": shared_state.calls, "preloaded": PRELOADED,
            "greeting": os.environ.get("GREETING"), "other": os.environ.get("OTHER_ONLY"),
            "name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "cwd": os.getcwd(),
            "random": random.random(), "argv0": os.path.basename(sys.argv[0])}

def slow(event, context):
    time.sleep(event.get("seconds", 5))
    return "done"

def hog(event, context):
    blocks = []
    for _ in range(100):
        blocks.append(bytearray(16 * 1024 * 1024))
        time.sleep(0.01)
    return len(blocks)
)PY";

const char *kNode = R"JS(let calls = 0;
exports.whoami = async () => ({ pid: process.pid, ppid: process.ppid, calls: ++calls,
  greeting: process.env.GREETING || null, template: process.env.NIMBUS_TEMPLATE || null,
  name: process.env.AWS_LAMBDA_FUNCTION_NAME, cwd: process.cwd(), random: Math.random() });
)JS";

const char *kManifest = R"(service: tpl
provider:
  name: aws
  runtime: python3.11
  memorySize: 128
  timeout: 5
functions:
  py:
    handler: handler.whoami
    environment: {GREETING: hello}
  other:
    handler: handler.whoami
    environment: {OTHER_ONLY: yes}
  third: {handler: handler.whoami}
  slow: {handler: handler.slow, timeout: 10}
  hog: {handler: handler.hog, timeout: 10}
  js:
    handler: app.whoami
    runtime: nodejs20.x
    environment: {GREETING: from node}
)";

QJsonObject object(const InvocationResult &r) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
}

} // namespace

class TestRuntimeTemplates : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void pythonInstancesAreForkedFresh();
    void forkedInstancesKeepTheirLimits();
    void nodeInstancesComeFromTheIdlePool();
    void templateIsRebuiltWhenTheBootstrapChanges();
    void aDeadZygoteTakesItsInstancesAndComesBack();
    void noPrewarmStartsFromScratch();
    void anEditIsServedByTheNextInvocation();

private:
    void startSimulator(bool prewarm, const QString &resources = {});
    // Runs the simulator until every template it keeps is ready (and `count` of them exist).
    std::vector<TemplateInfo> waitForTemplates(std::size_t count);
    InvocationResult invoke(const QString &function, const QByteArray &payload = "{}");
    void runFor(std::chrono::milliseconds time);

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
};

void TestRuntimeTemplates::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("handler.py", kPython);
    m_project->write("shared_state.py", "calls = 0\n");
    m_project->write("app.js", kNode);
    m_project->writeManifest(kManifest);
}

void TestRuntimeTemplates::cleanup() {
    if (m_simulator)
        m_simulator->shutdown();
    if (m_io)
        runFor(std::chrono::milliseconds(200));
    m_simulator.reset();
    m_io.reset();
    m_project.reset();
}

void TestRuntimeTemplates::startSimulator(bool prewarm, const QString &resources) {
    m_simulator.reset();
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir =
        (resources.isEmpty() ? nimbusSourcePath("resources") : resources).toStdString();
    options.serveControlPlane = false;
    options.serveGateway = false;
    options.prewarm = prewarm;
    m_simulator = std::make_unique<Simulator>(*m_io, options);
    QVERIFY(m_simulator->load());
}

void TestRuntimeTemplates::runFor(std::chrono::milliseconds time) {
    if (m_io->stopped())
        m_io->restart();
    m_io->run_for(time);
}

std::vector<TemplateInfo> TestRuntimeTemplates::waitForTemplates(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::vector<TemplateInfo> templates;
    while (std::chrono::steady_clock::now() < deadline) {
        runFor(std::chrono::milliseconds(20));
        templates = m_simulator->templates();
        if (templates.size() >= count &&
            std::all_of(templates.begin(), templates.end(), [](const auto &t) { return t.ready; }))
            return templates;
    }
    qWarning("templates not ready: %zu of %zu", templates.size(), count);
    return templates;
}

InvocationResult TestRuntimeTemplates::invoke(const QString &function, const QByteArray &payload) {
    std::optional<InvocationResult> result;
    std::string error;
    InvocationRequest request;
    request.payload = payload.toStdString();
    if (!m_simulator->invoke(
            function.toStdString(), request, [&](InvocationResult r) { result = std::move(r); },
            error))
        qFatal("invoke refused: %s", error.c_str());
    if (m_io->stopped())
        m_io->restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!result && std::chrono::steady_clock::now() < deadline)
        m_io->run_one_for(std::chrono::milliseconds(50));
    if (!result)
        qFatal("invocation of %s did not finish", qPrintable(function));
    return *result;
}

void TestRuntimeTemplates::pythonInstancesAreForkedFresh() {
    startSimulator(true);
    const auto templates = waitForTemplates(2); // the zygote and one idle Node bootstrap
    QCOMPARE(templates.size(), std::size_t(2));
    const auto zygote = std::find_if(templates.begin(), templates.end(),
                                     [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(zygote != templates.end());
    QCOMPARE(zygote->kind, std::string("zygote"));
    QVERIFY(zygote->residentKb > 0);
    QVERIFY(zygote->proportionalKb > 0);

    const InvocationResult first = invoke("py");
    QVERIFY2(!first.functionError, first.payload.c_str());
    const QJsonObject a = object(first);
    QCOMPARE(a["ppid"].toInt(), zygote->pid);    // forked by the zygote
    QCOMPARE(a["pgid"].toInt(), a["pid"].toInt()); // in a process group of its own
    QCOMPARE(a["preloaded"].toArray().size(), 0);   // the template never imported them
    QCOMPARE(a["calls"].toInt(), 1);
    QCOMPARE(a["greeting"].toString(), QString("hello"));
    QVERIFY(a["other"].isNull());
    QCOMPARE(a["name"].toString(), QString("tpl-dev-py"));
    QCOMPARE(a["cwd"].toString(), QDir(m_project->path()).canonicalPath());
    QCOMPARE(a["argv0"].toString(), QString("bootstrap.py"));
    // Init Duration is the instance's own: the fork and the handler's import.
    QVERIFY(first.initDurationMs.has_value());
    QVERIFY(*first.initDurationMs > 0);
    QVERIFY(QString::fromStdString(first.log).contains("Init Duration: "));

    // Another function from the same zygote: its own environment, fresh modules, its own
    // random state.
    const QJsonObject b = object(invoke("other"));
    QCOMPARE(b["ppid"].toInt(), zygote->pid);
    QVERIFY(b["pid"].toInt() != a["pid"].toInt());
    QCOMPARE(b["calls"].toInt(), 1);
    QVERIFY(b["greeting"].isNull());
    QCOMPARE(b["other"].toString(), QString("yes"));
    QVERIFY(b["random"].toDouble() != a["random"].toDouble());

    // The first instance is warm and kept its state.
    const QJsonObject again = object(invoke("py"));
    QCOMPARE(again["pid"].toInt(), a["pid"].toInt());
    QCOMPARE(again["calls"].toInt(), 2);

    const auto after = m_simulator->templates();
    const auto zygoteAfter = std::find_if(after.begin(), after.end(),
                                          [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(zygoteAfter != after.end());
    QCOMPARE(zygoteAfter->instancesStarted, 2);
}

void TestRuntimeTemplates::forkedInstancesKeepTheirLimits() {
    startSimulator(true);
    const auto templates = waitForTemplates(2);
    const auto zygote = std::find_if(templates.begin(), templates.end(),
                                     [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(zygote != templates.end());
    // Memory: 128 MB, sampled on the forked process.
    const InvocationResult hog = invoke("hog");
    QCOMPARE(QString::fromStdString(hog.errorType), QString("Runtime.OutOfMemory"));
    // Timeout: the forked instance is killed and the zygote tells us it has ended.
    const InvocationResult slow = invoke("slow", R"({"seconds": 0.2})");
    QVERIFY2(!slow.functionError, slow.payload.c_str());
    QCOMPARE(QString::fromStdString(slow.payload), QString("\"done\""));
    // The zygote is untouched by its instances' ends.
    QVERIFY(::kill(zygote->pid, 0) == 0);
    const auto after = m_simulator->templates();
    QVERIFY(std::any_of(after.begin(), after.end(),
                        [&](const auto &t) { return t.pid == zygote->pid && t.ready; }));
}

void TestRuntimeTemplates::nodeInstancesComeFromTheIdlePool() {
    startSimulator(true);
    const auto templates = waitForTemplates(2);
    const auto idle = std::find_if(templates.begin(), templates.end(),
                                   [](const auto &t) { return t.runtime == "node"; });
    QVERIFY(idle != templates.end());
    QCOMPARE(idle->kind, std::string("idle bootstrap"));
    const InvocationResult r = invoke("js");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject o = object(r);
    QCOMPARE(o["pid"].toInt(), idle->pid); // the idle process became the instance
    QCOMPARE(o["ppid"].toInt(), static_cast<int>(::getpid()));
    QVERIFY(o["template"].isNull()); // its environment is the instance's, not the template's
    QCOMPARE(o["greeting"].toString(), QString("from node"));
    QCOMPARE(o["name"].toString(), QString("tpl-dev-js"));
    QCOMPARE(o["cwd"].toString(), QDir(m_project->path()).canonicalPath());
    QVERIFY(r.initDurationMs.has_value());
    // Another idle process takes its place.
    const auto after = waitForTemplates(2);
    const auto next = std::find_if(after.begin(), after.end(),
                                   [](const auto &t) { return t.runtime == "node"; });
    QVERIFY(next != after.end());
    QVERIFY(next->pid != idle->pid);
    QCOMPARE(next->instancesStarted, 1);
}

void TestRuntimeTemplates::templateIsRebuiltWhenTheBootstrapChanges() {
    // A copy of the runtimes, so that a bootstrap file can change under the simulator.
    QTemporaryDir resources;
    std::error_code ec;
    fs::copy(nimbusSourcePath("resources/runtimes").toStdString(),
             (resources.path() + "/runtimes").toStdString(), fs::copy_options::recursive, ec);
    QVERIFY2(!ec, ec.message().c_str());
    startSimulator(true, resources.path());
    auto templates = waitForTemplates(2);
    const auto first = std::find_if(templates.begin(), templates.end(),
                                    [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(first != templates.end());
    const pid_t oldZygote = first->pid;
    QCOMPARE(object(invoke("py"))["ppid"].toInt(), oldZygote);

    // The bootstrap changes (an update of Nimbus, a runtime being worked on).
    QFile bootstrap(resources.path() + "/runtimes/python/bootstrap.py");
    QVERIFY(bootstrap.open(QIODevice::Append));
    bootstrap.write("\n# changed\n");
    bootstrap.close();

    // The next cold start cannot use the old template; a new one is built meanwhile.
    const QJsonObject during = object(invoke("other"));
    QVERIFY(during["ppid"].toInt() != oldZygote);
    templates = waitForTemplates(2);
    const auto rebuilt = std::find_if(templates.begin(), templates.end(),
                                      [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(rebuilt != templates.end());
    QVERIFY(rebuilt->pid != oldZygote);
    QCOMPARE(object(invoke("third"))["ppid"].toInt(), rebuilt->pid);
    // The old zygote stays (its instance, still warm, is its child) but takes no more.
    QVERIFY(std::none_of(templates.begin(), templates.end(),
                         [&](const auto &t) { return t.pid == oldZygote; }));
}

void TestRuntimeTemplates::aDeadZygoteTakesItsInstancesAndComesBack() {
    startSimulator(true);
    auto templates = waitForTemplates(2);
    const auto zygote = std::find_if(templates.begin(), templates.end(),
                                     [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(zygote != templates.end());
    const pid_t zygotePid = zygote->pid;
    std::optional<InvocationResult> result;
    std::string error;
    InvocationRequest request;
    request.payload = R"({"seconds": 8})";
    QVERIFY(m_simulator->invoke("slow", request, [&](InvocationResult r) { result = r; }, error));
    runFor(std::chrono::milliseconds(300)); // it is running
    QVERIFY(!result);
    ::kill(zygotePid, SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!result && std::chrono::steady_clock::now() < deadline)
        runFor(std::chrono::milliseconds(20));
    QVERIFY(result.has_value()); // not left waiting for its timeout
    QCOMPARE(QString::fromStdString(result->errorType), QString("Runtime.ExitError"));
    // The next cold start works, and the template is started again.
    const InvocationResult next = invoke("py");
    QVERIFY2(!next.functionError, next.payload.c_str());
    templates = waitForTemplates(2);
    const auto again = std::find_if(templates.begin(), templates.end(),
                                    [](const auto &t) { return t.runtime == "python"; });
    QVERIFY(again != templates.end());
    QVERIFY(again->pid != zygotePid);
    QCOMPARE(object(invoke("other"))["ppid"].toInt(), again->pid);
}

void TestRuntimeTemplates::noPrewarmStartsFromScratch() {
    startSimulator(false);
    runFor(std::chrono::milliseconds(300));
    QVERIFY(m_simulator->templates().empty());
    for (const char *function : {"py", "js"}) {
        const InvocationResult r = invoke(function);
        QVERIFY2(!r.functionError, r.payload.c_str());
        QCOMPARE(object(r)["ppid"].toInt(), static_cast<int>(::getpid()));
        QVERIFY(r.initDurationMs.has_value());
    }
}

void TestRuntimeTemplates::anEditIsServedByTheNextInvocation() {
    startSimulator(true);
    std::string error;
    QVERIFY2(m_simulator->watch({}, error), error.c_str());
    waitForTemplates(2);
    QCOMPARE(object(invoke("py"))["greeting"].toString(), QString("hello"));
    for (int edit = 1; edit <= 3; ++edit) {
        // Saved, then invoked at once: no quiet period to wait out, no stale instance.
        m_project->write("handler.py", QByteArray(kPython).replace(
                                           "os.environ.get(\"GREETING\")",
                                           QByteArray("\"edit ") + QByteArray::number(edit) + "\""));
        const InvocationResult r = invoke("py");
        QVERIFY2(!r.functionError, r.payload.c_str());
        QCOMPARE(object(r)["greeting"].toString(), QString("edit %1").arg(edit));
        QVERIFY(r.initDurationMs.has_value()); // a new instance
    }
    // The manifest too.
    m_project->writeManifest(QByteArray(kManifest).replace("GREETING: hello", "GREETING: bonjour"));
    m_project->write("handler.py", kPython);
    QCOMPARE(object(invoke("py"))["greeting"].toString(), QString("bonjour"));
}

QTEST_GUILESS_MAIN(TestRuntimeTemplates)
#include "tst_runtimetemplates.moc"
