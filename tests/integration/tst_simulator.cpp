#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <csignal>

using namespace nimbus::sim;

namespace {

// Counts what the pool reports.
struct Recorder : PoolObserver {
    int started = 0;
    int stopped = 0;
    QStringList stopReasons;
    std::vector<pid_t> pids;
    void instanceStarted(const std::string &, pid_t pid) override {
        ++started;
        pids.push_back(pid);
    }
    void instanceStopped(const std::string &, pid_t, const std::string &why) override {
        ++stopped;
        stopReasons << QString::fromStdString(why);
    }
    QStringList platform;
    void platformEvent(const std::string &message) override {
        platform << QString::fromStdString(message);
    }
};

const char *kPythonHandlers = R"PY(
import ctypes, json, os, subprocess, sys, time

counter = 0

def hello(event, context):
    global counter
    counter += 1
    print("hello log line")
    return {"echo": event, "count": counter}

def env(event, context):
    keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_RUNTIME_API",
            "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_REGION", "GREETING", "AWS_LAMBDA_FUNCTION_VERSION"]
    return {k: os.environ.get(k) for k in keys}

def ctx(event, context):
    return {"requestId": context.aws_request_id, "name": context.function_name,
            "memory": context.memory_limit_in_mb, "arn": context.invoked_function_arn,
            "group": context.log_group_name, "remaining": context.get_remaining_time_in_millis()}

def fail(event, context):
    raise ValueError("bad value")

def slow(event, context):
    time.sleep(event.get("seconds", 5))
    return "done"

def hog(event, context):
    blocks = []
    for _ in range(100):
        blocks.append(bytearray(16 * 1024 * 1024))
        time.sleep(0.01)
    return len(blocks)

def exit3(event, context):
    os._exit(3)

def segfault(event, context):
    ctypes.string_at(0)

def spawn(event, context):
    child = subprocess.Popen(["sleep", "60"])
    return child.pid
)PY";

const char *kManifest = R"(service: simtest
provider:
  name: aws
  runtime: python3.11
  memorySize: 128
  timeout: 5
  environment:
    GREETING: hi
functions:
  hello: {handler: handler.hello}
  env: {handler: handler.env, memorySize: 256}
  ctx: {handler: handler.ctx, timeout: 7}
  fail: {handler: handler.fail}
  slow: {handler: handler.slow, timeout: 1}
  hog: {handler: handler.hog, timeout: 10}
  exit3: {handler: handler.exit3}
  segfault: {handler: handler.segfault}
  spawn: {handler: handler.spawn}
  limited: {handler: handler.slow, reservedConcurrency: 2, timeout: 10}
  nodeHello: {handler: app.hello, runtime: nodejs20.x}
  nodeFail: {handler: app.fail, runtime: nodejs20.x}
  nodeCallback: {handler: app.callback, runtime: nodejs20.x}
  nodeEsm: {handler: esm.hello, runtime: nodejs20.x}
  nodeCtx: {handler: app.ctx, runtime: nodejs20.x}
  nodeSlow: {handler: app.slow, runtime: nodejs20.x, timeout: 1}
  nodeHog: {handler: app.hog, runtime: nodejs20.x, timeout: 10}
  nodeExit3: {handler: app.exit3, runtime: nodejs20.x}
  custom: {handler: ignored.handler, runtime: provided.al2}
  golang: {handler: bin/hello, runtime: go1.x}
)";

const char *kNodeHandlers = R"JS(
let counter = 0;
exports.hello = async (event) => { counter += 1; console.log('node log line'); return { echo: event, count: counter }; };
exports.fail = async () => { null.boom(); };
exports.callback = (event, context, callback) => { setTimeout(() => callback(null, { via: 'callback' }), 5); };
exports.slow = async (event) => { await new Promise((r) => setTimeout(r, (event.seconds ?? 5) * 1000)); return 'done'; };
exports.hog = async () => {
  const blocks = [];
  for (let i = 0; i < 100; i++) { blocks.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 10)); }
  return blocks.length;
};
exports.exit3 = async () => { process.exit(3); };
exports.ctx = async (event, context) => ({ requestId: context.awsRequestId, name: context.functionName,
  remaining: context.getRemainingTimeInMillis(), memory: context.memoryLimitInMB });
)JS";

// A Serverless Framework TypeScript project as serverless-esbuild projects are written; UTIL
// is replaced by the import path a row uses.
const char *kTypeScriptHandler = R"TS(import { greet, Greeting } from 'UTIL';

interface Event {
  name?: string;
  fail?: boolean;
}

export const hello = async (event: Event): Promise<{ statusCode: number; body: string }> => {
  if (event.fail) {
    throw new Error('asked to fail');
  }
  const greeting: Greeting = greet(event.name ?? 'world');
  return { statusCode: 200, body: greeting.text };
};
)TS";

const char *kTypeScriptUtil = R"TS(export interface Greeting {
  text: string;
}

export function greet(name: string): Greeting {
  return { text: `hello ${name}` };
}
)TS";

const char *kCustomBootstrap = R"SH(#!/bin/sh
# A custom runtime: a Python script speaking the Runtime API, started through sh.
exec python3 -c '
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse(); event = json.loads(r.read()); rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    conn.request("POST", "/2018-06-01/runtime/invocation/" + rid + "/response", json.dumps({"custom": event, "handler": os.environ["_HANDLER"]}))
    conn.getresponse().read()
'
)SH";

// Gone, or a zombie waiting for whoever reaps orphans.
bool processGone(pid_t pid) {
    if (::kill(pid, 0) != 0)
        return true;
    QFile stat(QString("/proc/%1/stat").arg(pid));
    return stat.open(QIODevice::ReadOnly) && stat.readAll().contains(") Z ");
}

} // namespace

class TestSimulator : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void warmInstancesKeepModuleState_data();
    void warmInstancesKeepModuleState();
    void environmentIsThePlatforms();
    void contextOffersLambdasFields_data();
    void contextOffersLambdasFields();
    void functionErrorsCarryTheExceptionClass_data();
    void functionErrorsCarryTheExceptionClass();
    void nodeCallbackAndEsmHandlers_data();
    void nodeCallbackAndEsmHandlers();
    void typescriptHandler_data();
    void typescriptHandler();
    void serverlessWsgiServesTheApp_data();
    void serverlessWsgiServesTheApp();
    void timeoutEndsTheInstance_data();
    void timeoutEndsTheInstance();
    void memoryLimitIsEnforced_data();
    void memoryLimitIsEnforced();
    void crashesFailWithExitError_data();
    void crashesFailWithExitError();
    void initErrorsHaveTheirType_data();
    void initErrorsHaveTheirType();
    void concurrencyLimitThrottles();
    void strictConcurrencyStartsAnInstancePerInvocation();
    void aBurstQueuesForTheInstancesTheMachineRuns();
    void aBacklogThatLastsStartsAnotherInstance();
    void aFullQueueIsThrottled();
    void idleInstancesAreReclaimed();
    void processGroupDiesWithTheInstance();
    void customRuntimeRunsItsBootstrap();
    void goHandlerIsTheProgram();

private:
    InvocationResult invoke(const QString &function, const QByteArray &payload = "{}",
                            int timeoutMs = 20000);
    void startSimulator(std::chrono::milliseconds keepAlive = std::chrono::minutes(5),
                        PoolSettings pool = {});
    // Invokes `function` `count` times at once with `payload`; each result is added to
    // `results` as it comes. False when the simulator refused to take one.
    bool invokeAtOnce(const char *function, const char *payload, int count,
                      std::vector<InvocationResult> &results);

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
    Recorder m_recorder;
};

void TestSimulator::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("handler.py", kPythonHandlers);
    m_project->write("app.js", kNodeHandlers);
    m_project->write("esm.mjs",
                     "export async function hello(event) { return { esm: true, echo: event }; }\n");
    m_project->write("broken_import.py",
                     "import no_such_module_here\n\ndef main(e, c):\n    return 1\n");
    m_project->write("bootstrap", kCustomBootstrap);
    QFile::setPermissions(m_project->filePath("bootstrap"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    // A go1.x handler is a compiled program that speaks the Runtime API, as the custom
    // bootstrap does (no Go toolchain is needed to test how it is run).
    m_project->write("bin/hello", kCustomBootstrap);
    QFile::setPermissions(m_project->filePath("bin/hello"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_project->writeManifest(kManifest);
    m_recorder = Recorder{};
    startSimulator();
}

void TestSimulator::startSimulator(std::chrono::milliseconds keepAlive, PoolSettings pool) {
    m_simulator.reset();
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    options.pool = pool;
    options.pool.keepAlive = keepAlive;
    m_simulator = std::make_unique<Simulator>(*m_io, options, &m_recorder);
    QVERIFY(m_simulator->load());
}

bool TestSimulator::invokeAtOnce(const char *function, const char *payload, int count,
                                 std::vector<InvocationResult> &results) {
    std::string error;
    for (int i = 0; i < count; ++i) {
        InvocationRequest request;
        request.payload = payload;
        if (!m_simulator->invoke(
                function, request, [&](InvocationResult r) { results.push_back(std::move(r)); },
                error))
            return false;
    }
    return true;
}

void TestSimulator::cleanup() {
    m_simulator->shutdown();
    m_io->run_for(std::chrono::milliseconds(200)); // let the instances' ends be processed
    m_simulator.reset();
    m_io.reset();
    m_project.reset();
}

InvocationResult TestSimulator::invoke(const QString &function, const QByteArray &payload,
                                       int timeoutMs) {
    std::optional<InvocationResult> result;
    std::string error;
    InvocationRequest request;
    request.payload = payload.toStdString();
    if (!m_simulator->invoke(
            function.toStdString(), request, [&](InvocationResult r) { result = std::move(r); },
            error))
        qFatal("invoke refused: %s", error.c_str());
    if (m_io->stopped()) // it stops whenever it runs out of work
        m_io->restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!result && std::chrono::steady_clock::now() < deadline)
        m_io->run_one_for(std::chrono::milliseconds(50));
    if (!result)
        qFatal("invocation of %s did not finish", qPrintable(function));
    return *result;
}

static QJsonObject object(const InvocationResult &r) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
}

void TestSimulator::warmInstancesKeepModuleState_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("logLine");
    QTest::newRow("python") << "hello"
                            << "hello log line";
    QTest::newRow("node") << "nodeHello"
                          << "\tINFO\tnode log line";
}

void TestSimulator::warmInstancesKeepModuleState() {
    QFETCH(QString, function);
    QFETCH(QString, logLine);
    const InvocationResult first = invoke(function, R"({"n": 1})");
    QVERIFY2(!first.functionError, first.payload.c_str());
    QCOMPARE(object(first)["count"].toInt(), 1);
    QCOMPARE(object(first)["echo"].toObject()["n"].toInt(), 1);
    QVERIFY(first.initDurationMs.has_value());
    const QString log = QString::fromStdString(first.log);
    QVERIFY2(log.contains("START RequestId: " + QString::fromStdString(first.requestId) +
                          " Version: $LATEST\n"),
             qPrintable(log));
    QVERIFY(log.contains(logLine));
    QVERIFY(log.contains("END RequestId: " + QString::fromStdString(first.requestId) + "\n"));
    QVERIFY(
        QRegularExpression(
            "REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\t"
            "Memory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms")
            .match(log)
            .hasMatch());
    QVERIFY(log.indexOf(logLine) > log.indexOf("START") &&
            log.indexOf(logLine) < log.indexOf("END"));

    const InvocationResult second = invoke(function, R"({"n": 2})");
    QCOMPARE(object(second)["count"].toInt(), 2); // the same process served it
    QVERIFY(!second.initDurationMs.has_value());
    QVERIFY(!QString::fromStdString(second.log).contains("Init Duration"));
    QCOMPARE(m_recorder.started, 1);
}

void TestSimulator::environmentIsThePlatforms() {
    const InvocationResult r = invoke("env");
    const QJsonObject env = object(r);
    QCOMPARE(env["AWS_LAMBDA_FUNCTION_NAME"].toString(), QString("simtest-dev-env"));
    QCOMPARE(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"].toString(), QString("256"));
    QVERIFY(env["AWS_LAMBDA_RUNTIME_API"].toString().startsWith("127.0.0.1:"));
    QCOMPARE(env["LAMBDA_TASK_ROOT"].toString(), QDir(m_project->path()).canonicalPath());
    QCOMPARE(env["_HANDLER"].toString(), QString("handler.env"));
    QCOMPARE(env["AWS_REGION"].toString(), QString("us-east-1"));
    QCOMPARE(env["AWS_LAMBDA_FUNCTION_VERSION"].toString(), QString("$LATEST"));
    QCOMPARE(env["GREETING"].toString(), QString("hi"));
}

void TestSimulator::contextOffersLambdasFields_data() {
    QTest::addColumn<QString>("function");
    QTest::newRow("python") << "ctx";
    QTest::newRow("node") << "nodeCtx";
}

void TestSimulator::contextOffersLambdasFields() {
    QFETCH(QString, function);
    const InvocationResult r = invoke(function);
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject ctx = object(r);
    QCOMPARE(ctx["requestId"].toString(), QString::fromStdString(r.requestId));
    QVERIFY(ctx["name"].toString().startsWith("simtest-dev-"));
    const int timeoutMs = function == "ctx" ? 7000 : 5000;
    QVERIFY(ctx["remaining"].toInt() > timeoutMs - 2000 && ctx["remaining"].toInt() <= timeoutMs);
    QCOMPARE(ctx["memory"].toVariant().toInt(), 128);
    if (function == "ctx") {
        QCOMPARE(ctx["arn"].toString(),
                 QString("arn:aws:lambda:us-east-1:000000000000:function:simtest-dev-ctx"));
        QCOMPARE(ctx["group"].toString(), QString("/aws/lambda/simtest-dev-ctx"));
    }
}

void TestSimulator::functionErrorsCarryTheExceptionClass_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("errorType");
    QTest::addColumn<QString>("message");
    QTest::newRow("python ValueError") << "fail"
                                       << "ValueError"
                                       << "bad value";
    QTest::newRow("node TypeError") << "nodeFail"
                                    << "TypeError"
                                    << "Cannot read properties of null";
}

void TestSimulator::functionErrorsCarryTheExceptionClass() {
    QFETCH(QString, function);
    QFETCH(QString, errorType);
    QFETCH(QString, message);
    const InvocationResult r = invoke(function);
    QVERIFY(r.functionError);
    QCOMPARE(QString::fromStdString(r.errorType), errorType);
    const QJsonObject error = object(r);
    QCOMPARE(error["errorType"].toString(), errorType);
    QVERIFY2(error["errorMessage"].toString().contains(message), r.payload.c_str());
    QVERIFY(error["stackTrace"].isArray());
    QVERIFY(!error["stackTrace"].toArray().isEmpty());
    // The instance survives a handled error.
    QVERIFY(invoke(function).functionError);
    QCOMPARE(m_recorder.started, 1);
}

void TestSimulator::nodeCallbackAndEsmHandlers_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("key");
    QTest::newRow("callback style") << "nodeCallback"
                                    << "via";
    QTest::newRow("ES module") << "nodeEsm"
                               << "esm";
}

void TestSimulator::nodeCallbackAndEsmHandlers() {
    QFETCH(QString, function);
    QFETCH(QString, key);
    const InvocationResult r = invoke(function);
    QVERIFY2(!r.functionError, r.payload.c_str());
    QVERIFY(object(r).contains(key));
}

void TestSimulator::typescriptHandler_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("importPath");
    QTest::newRow("a .ts module importing another") << "src/handler.ts" << QByteArray("./util");
    QTest::newRow("an ES module (.mts) importing the way ESM does")
        << "src/handler.mts" << QByteArray("./util.js");
    QTest::newRow("a CommonJS module (.cts)") << "src/handler.cts" << QByteArray("./util");
}

void TestSimulator::typescriptHandler() {
    QFETCH(QString, file);
    QFETCH(QByteArray, importPath);
    // Run as it is written: the runtime compiles it, no build step.
    const QByteArray source = QByteArray(kTypeScriptHandler).replace("UTIL", importPath);
    m_project->write(file, source);
    m_project->write("src/util.ts", kTypeScriptUtil);
    m_project->writeManifest(QByteArray(kManifest) +
                             "  tsHello: {handler: src/handler.hello, runtime: nodejs20.x}\n");
    startSimulator();

    const InvocationResult r = invoke("tsHello", R"({"name": "nimbus"})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(object(r)["statusCode"].toInt(), 200);
    QCOMPARE(object(r)["body"].toString(), QString("hello nimbus"));

    // Source maps: the trace names the line of the .ts file that threw, not of the output.
    const InvocationResult failed = invoke("tsHello", R"({"fail": true})");
    QVERIFY(failed.functionError);
    const int line = source.left(source.indexOf("throw")).count('\n') + 1;
    const QString frame = object(failed)["stackTrace"].toArray().first().toString();
    QVERIFY2(frame.contains(QFileInfo(file).fileName() + ":" + QString::number(line) + ":"),
             qPrintable(frame));

    // A hot edit of the imported file: a fresh instance runs the new text.
    m_project->write("src/util.ts", QByteArray(kTypeScriptUtil).replace("hello", "howdy"));
    QVERIFY(m_simulator->reload({"src/util.ts"}));
    const InvocationResult edited = invoke("tsHello", R"({"name": "nimbus"})");
    QVERIFY2(!edited.functionError, edited.payload.c_str());
    QCOMPARE(object(edited)["body"].toString(), QString("howdy nimbus"));
    QVERIFY(edited.initDurationMs.has_value());
    QCOMPARE(m_recorder.started, 2);
}

void TestSimulator::serverlessWsgiServesTheApp_data() {
    QTest::addColumn<QByteArray>("event");
    QTest::newRow("a REST API event (payload 1.0)")
        << QByteArray(R"({"httpMethod": "POST", "path": "/users/7", "headers": {"Host": "x"},
                          "multiValueQueryStringParameters": {"q": ["a", "b"]}, "body": "hi"})");
    QTest::newRow("an HTTP API event (payload 2.0)")
        << QByteArray(R"({"version": "2.0", "rawPath": "/users/7", "rawQueryString": "q=a&q=b",
                          "headers": {"host": "x"}, "body": "hi",
                          "requestContext": {"http": {"method": "POST", "path": "/users/7"}}})");
}

void TestSimulator::serverlessWsgiServesTheApp() {
    QFETCH(QByteArray, event);
    // A project as serverless-wsgi has it: no wsgi_handler.py on disk (the plugin writes it
    // when it packages), the app named in custom.wsgi.app. A bare WSGI callable stands in
    // for Flask, which the runtime serves the same way.
    m_project->write(
        "web/app.py",
        "def application(environ, start_response):\n"
        "    body = '%s %s?%s %s' % (environ['REQUEST_METHOD'], environ['PATH_INFO'],\n"
        "        environ['QUERY_STRING'], environ['wsgi.input'].read().decode())\n"
        "    start_response('201 Created', [('Content-Type', 'text/plain')])\n"
        "    return [body.encode()]\n");
    m_project->writeManifest(
        QByteArray(kManifest).replace("service: simtest\n",
                                      "service: simtest\nplugins: [serverless-wsgi]\n"
                                      "custom: {wsgi: {app: web/app.application}}\n") +
        "  web:\n    handler: wsgi_handler.handler\n    events:\n      - http: ANY /{proxy+}\n");
    startSimulator();
    const InvocationResult r = invoke("web", event);
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(object(r)["statusCode"].toInt(), 201);
    QCOMPARE(object(r)["body"].toString(), QString("POST /users/7?q=a&q=b hi"));
}

void TestSimulator::timeoutEndsTheInstance_data() {
    QTest::addColumn<QString>("function");
    QTest::newRow("python") << "slow";
    QTest::newRow("node") << "nodeSlow";
}

void TestSimulator::timeoutEndsTheInstance() {
    QFETCH(QString, function);
    const InvocationResult r = invoke(function, R"({"seconds": 30})");
    QVERIFY(r.functionError);
    QCOMPARE(QString::fromStdString(r.errorType), QString("Sandbox.Timedout"));
    QVERIFY2(object(r)["errorMessage"].toString().endsWith("Task timed out after 1.00 seconds"),
             r.payload.c_str());
    QVERIFY(QString::fromStdString(r.log).contains("Task timed out after 1.00 seconds"));
    QVERIFY(r.durationMs >= 1000 && r.durationMs < 3000);
    // The next invocation gets a fresh instance.
    const InvocationResult next = invoke(function, R"({"seconds": 0})");
    QVERIFY2(!next.functionError, next.payload.c_str());
    QVERIFY(next.initDurationMs.has_value());
    QCOMPARE(m_recorder.started, 2);
}

void TestSimulator::memoryLimitIsEnforced_data() {
    QTest::addColumn<QString>("function");
    QTest::newRow("python") << "hog";
    QTest::newRow("node") << "nodeHog";
}

void TestSimulator::memoryLimitIsEnforced() {
    QFETCH(QString, function);
    const InvocationResult r = invoke(function);
    QVERIFY(r.functionError);
    QCOMPARE(QString::fromStdString(r.errorType), QString("Runtime.OutOfMemory"));
    QVERIFY2(object(r)["errorMessage"].toString().contains("out of memory"), r.payload.c_str());
    QVERIFY(r.maxMemoryUsedMb >= 128);
    // The instance was stopped; the next invocation starts another.
    QVERIFY(invoke(function).initDurationMs.has_value());
    QCOMPARE(m_recorder.started, 2);
}

void TestSimulator::crashesFailWithExitError_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("cause");
    QTest::newRow("exit with status 3") << "exit3"
                                        << "Runtime exited with error: exit status 3";
    QTest::newRow("segmentation fault") << "segfault"
                                        << "Runtime exited with error: signal: segmentation fault";
    QTest::newRow("node process.exit(3)") << "nodeExit3"
                                          << "Runtime exited with error: exit status 3";
}

void TestSimulator::crashesFailWithExitError() {
    QFETCH(QString, function);
    QFETCH(QString, cause);
    const InvocationResult r = invoke(function);
    QVERIFY(r.functionError);
    QCOMPARE(QString::fromStdString(r.errorType), QString("Runtime.ExitError"));
    QVERIFY2(object(r)["errorMessage"].toString().contains(cause), r.payload.c_str());
    // The next invocation gets a fresh instance, which crashes the same way.
    const InvocationResult again = invoke(function);
    QCOMPARE(QString::fromStdString(again.errorType), QString("Runtime.ExitError"));
    QVERIFY(again.initDurationMs.has_value());
}

void TestSimulator::initErrorsHaveTheirType_data() {
    QTest::addColumn<QString>("handler");
    QTest::addColumn<QString>("runtime");
    QTest::addColumn<QString>("errorType");
    QTest::addColumn<QString>("message");
    QTest::newRow("python module that imports a missing module")
        << "broken_import.main"
        << "python3.11"
        << "Runtime.ImportModuleError"
        << "Unable to import module 'broken_import'";
    QTest::newRow("python function that is not there") << "handler.nothing"
                                                       << "python3.11"
                                                       << "Runtime.HandlerNotFound"
                                                       << "nothing";
    QTest::newRow("node module that is not there") << "missing.main"
                                                   << "nodejs20.x"
                                                   << "Runtime.ImportModuleError"
                                                   << "missing";
    QTest::newRow("node export that is not there") << "app.nothing"
                                                   << "nodejs20.x"
                                                   << "Runtime.HandlerNotFound"
                                                   << "nothing";
}

void TestSimulator::initErrorsHaveTheirType() {
    QFETCH(QString, handler);
    QFETCH(QString, runtime);
    QFETCH(QString, errorType);
    QFETCH(QString, message);
    // The manifest check would refuse these handlers; write the runtime's view directly.
    FunctionConfig config;
    config.name = "broken";
    config.deployedName = "simtest-dev-broken";
    config.runtime = runtime.toStdString();
    config.handler = handler.toStdString();
    config.codeDir = QDir(m_project->path()).canonicalPath().toStdString();
    config.memoryMb = 256;
    RuntimeLauncher launcher(nimbusSourcePath("resources").toStdString());
    auto pool = FunctionPool::create(*m_io, config, launcher, PoolSettings{}, &m_recorder);
    std::optional<InvocationResult> result;
    pool->invoke({}, [&](InvocationResult r) { result = std::move(r); });
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)), result.has_value()),
                             15000);
    QVERIFY(result->functionError);
    QCOMPARE(QString::fromStdString(result->errorType), errorType);
    QVERIFY2(QString::fromStdString(result->payload).contains(message), result->payload.c_str());
    QVERIFY(result->initDurationMs.has_value());
    pool->shutdown();
}

void TestSimulator::concurrencyLimitThrottles() {
    std::vector<InvocationResult> results;
    std::string error;
    for (int i = 0; i < 3; ++i) {
        InvocationRequest request;
        request.payload = R"({"seconds": 0.5})";
        QVERIFY(m_simulator->invoke(
            "limited", request, [&](InvocationResult r) { results.push_back(std::move(r)); },
            error));
    }
    // The third is refused at once, before either of the others finished.
    QCOMPARE(results.size(), size_t(1));
    QVERIFY(results[0].throttled);
    QCOMPARE(QString::fromStdString(results[0].errorType), QString("TooManyRequestsException"));
    QVERIFY(QString::fromStdString(results[0].payload).contains("Rate Exceeded."));
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_io->run_for(std::chrono::milliseconds(20)), results.size() == 3), 15000);
    QVERIFY(!results[1].functionError && !results[2].functionError);
    QCOMPARE(m_recorder.started, 2);
}

void TestSimulator::strictConcurrencyStartsAnInstancePerInvocation() {
    PoolSettings strict;
    strict.strictConcurrency = true;
    strict.cores = 1;
    startSimulator(std::chrono::minutes(5), strict);
    std::vector<InvocationResult> results;
    QVERIFY(invokeAtOnce("slow", R"({"seconds": 0.3})", 3, results));
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)), results.size() == 3),
                             15000);
    for (const auto &r : results)
        QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(m_recorder.started, 3); // one instance per invocation, as on Lambda
    // Now all three are warm: three more need no new instance.
    results.clear();
    QVERIFY(invokeAtOnce("slow", R"({"seconds": 0.1})", 3, results));
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)), results.size() == 3),
                             15000);
    for (const auto &r : results)
        QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(m_recorder.started, 3);
}

void TestSimulator::aBurstQueuesForTheInstancesTheMachineRuns() {
    // One core, eight 50 ms invocations at once: one instance takes them in turn (a second
    // would only compete for the core); each REPORT says how long it waited.
    PoolSettings oneCore;
    oneCore.cores = 1;
    startSimulator(std::chrono::minutes(5), oneCore);
    std::vector<InvocationResult> results;
    QVERIFY(invokeAtOnce("slow", R"({"seconds": 0.05})", 8, results));
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)), results.size() == 8),
                             15000);
    QCOMPARE(m_recorder.started, 1);
    int queued = 0;
    for (const auto &r : results) {
        QVERIFY2(!r.functionError && !r.throttled, r.payload.c_str());
        // The first waited only for the instance's start, which Init Duration tells.
        if (r.initDurationMs)
            continue;
        ++queued;
        QVERIFY2(r.queuedMs >= 40, qPrintable(QString::number(r.queuedMs)));
        QVERIFY2(QString::fromStdString(r.log).contains(
                     QRegularExpression(R"(REPORT RequestId: \S+\t.*\tQueued: [\d.]+ ms\t\n$)")),
                 r.log.c_str());
    }
    QCOMPARE(queued, 7);
}

void TestSimulator::aBacklogThatLastsStartsAnotherInstance() {
    // Two cores, six 10 ms invocations kept in flight: each waits about 50 ms, less than a
    // cold start, so no burst starts a second instance; but the queue never empties, and once
    // that has lasted longer than a cold start the second instance starts (and no third: the
    // cores bound this rule).
    PoolSettings twoCores;
    twoCores.cores = 2;
    startSimulator(std::chrono::minutes(5), twoCores);
    int done = 0;
    int inFlight = 0;
    int failures = 0;
    std::string error;
    std::function<void()> one = [&] {
        InvocationRequest request;
        request.payload = R"({"seconds": 0.01})";
        ++inFlight;
        QVERIFY(m_simulator->invoke(
            "slow", request,
            [&](InvocationResult r) {
                --inFlight;
                if (r.functionError || r.throttled)
                    ++failures;
                if (++done == 1)
                    QCOMPARE(m_recorder.started, 1); // the burst itself starts one
                if (done < 1000 && m_recorder.started < 2)
                    one();
            },
            error));
    };
    for (int i = 0; i < 6; ++i)
        one();
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_io->run_for(std::chrono::milliseconds(20)), m_recorder.started >= 2 && inFlight == 0),
        20000);
    QCOMPARE(failures, 0);
    QCOMPARE(m_recorder.started, 2);
}

void TestSimulator::aFullQueueIsThrottled() {
    PoolSettings small;
    small.cores = 1;
    small.queueLimit = 2;
    startSimulator(std::chrono::minutes(5), small);
    std::vector<InvocationResult> results;
    QVERIFY(invokeAtOnce("slow", R"({"seconds": 0.2})", 5, results));
    // Two wait for the instance starting; the other three are refused at once.
    QCOMPARE(results.size(), std::size_t(3));
    for (const auto &r : results) {
        QVERIFY(r.throttled);
        QCOMPARE(QString::fromStdString(r.errorType), QString("TooManyRequestsException"));
        QVERIFY(QString::fromStdString(r.payload).contains("ConcurrentInvocationLimitExceeded"));
    }
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)), results.size() == 5),
                             15000);
    QVERIFY(!results[3].functionError && !results[4].functionError);
    QCOMPARE(m_recorder.started, 1);
    QVERIFY2(m_recorder.platform.join('\n').contains("queue is full"),
             qPrintable(m_recorder.platform.join('\n')));
}

void TestSimulator::idleInstancesAreReclaimed() {
    startSimulator(std::chrono::milliseconds(300));
    QVERIFY(invoke("hello").initDurationMs.has_value());
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_io->run_for(std::chrono::milliseconds(20)), m_recorder.stopped == 1), 5000);
    QVERIFY(m_recorder.stopReasons.first().contains("idle"));
    const InvocationResult again = invoke("hello");
    QVERIFY(again.initDurationMs.has_value()); // a cold start again
    QCOMPARE(object(again)["count"].toInt(), 1);
}

void TestSimulator::processGroupDiesWithTheInstance() {
    const InvocationResult r = invoke("spawn");
    const pid_t grandchild = static_cast<pid_t>(QString::fromStdString(r.payload).toInt());
    QVERIFY(grandchild > 0);
    QCOMPARE(::kill(grandchild, 0), 0);
    const pid_t instance = m_recorder.pids.front();
    m_simulator->shutdown();
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_io->run_for(std::chrono::milliseconds(20)), processGone(instance)), 5000);
    // The function's own child was in the instance's process group, so it went too.
    QTRY_VERIFY_WITH_TIMEOUT(processGone(grandchild), 5000);
}

void TestSimulator::customRuntimeRunsItsBootstrap() {
    const InvocationResult r = invoke("custom", R"({"x": 1})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(object(r)["custom"].toObject()["x"].toInt(), 1);
    QCOMPARE(object(r)["handler"].toString(), QString("ignored.handler"));
    QVERIFY(r.initDurationMs.has_value());
    QCOMPARE(object(invoke("custom", R"({"x": 2})"))["custom"].toObject()["x"].toInt(), 2);
    QCOMPARE(m_recorder.started, 1);
}

void TestSimulator::goHandlerIsTheProgram() {
    const InvocationResult r = invoke("golang", R"({"x": 3})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(object(r)["custom"].toObject()["x"].toInt(), 3);
    QCOMPARE(object(r)["handler"].toString(), QString("bin/hello"));
}

QTEST_GUILESS_MAIN(TestSimulator)
#include "tst_simulator.moc"
