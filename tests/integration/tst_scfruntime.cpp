// Tencent Cloud SCF functions run in the simulator as on SCF: main_handler(event, context) in
// Python and Node (async, sync and callback styles) with SCF's context and environment, a
// custom runtime's bootstrap on SCF's runtime API, and SCF's log lines — real interpreters
// and processes, driven in-process.
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>

using namespace nimbus::sim;

namespace {

// scfcli's format: one namespace, the code in src/, defaults in Globals.
const char *kTemplate = R"(Resources:
  default:
    Type: TencentCloud::Serverless::Namespace
    pyContext:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.context_and_env
    pyFail:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.fail
    nodeAsync:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: app.asyncHandler
        Runtime: Nodejs16.13
    nodeSync:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: app.syncHandler
        Runtime: Nodejs16.13
    nodeCallback:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: app.callbackHandler
        Runtime: Nodejs16.13
    custom:
      Type: TencentCloud::Serverless::Function
      Properties:
        CodeUri: ./custom
        Handler: index.main_handler
        Runtime: CustomRuntime
        MemorySize: 256
    api:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.api
        Events:
          api-trigger:
            Type: APIGW
            Properties:
              HttpMethod: ANY
              IntegratedResponse: true
    raw:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.raw
        Events:
          raw-trigger:
            Type: APIGW
            Properties:
              HttpMethod: GET
              StageName: test
    bad:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.raw
        Events:
          bad-trigger:
            Type: APIGW
            Properties:
              IntegratedResponse: true
    ticker:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.ticker
        Events:
          every-second:
            Type: Timer
            Properties:
              CronExpression: '* * * * * * *'
              Enable: OPEN
              Message: tick
Globals:
  Function:
    CodeUri: ./src
    Runtime: Python3.9
    MemorySize: 128
    Timeout: 5
    Environment:
      Variables:
        GREETING: hi
)";

const char *kPython = R"PY(import os

KEYS = ["TENCENTCLOUD_RUNENV", "SCF_FUNCTIONNAME", "SCF_FUNCTIONVERSION", "SCF_NAMESPACE",
        "SCF_RUNTIME", "USER_CODE_ROOT", "TENCENTCLOUD_REGION", "TENCENTCLOUD_APPID",
        "TENCENTCLOUD_UIN", "_HANDLER", "GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION",
        "LAMBDA_TASK_ROOT"]

def context_and_env(event, context):
    print("python log line")
    return {"context": context, "isDict": isinstance(context, dict),
            "attribute": context.request_id,
            "remaining": context.get_remaining_time_in_millis(),
            "env": {k: os.environ.get(k) for k in KEYS}, "cwd": os.getcwd(), "event": event}

def fail(event, context):
    raise ValueError("bad value")

def api(event, context):
    import json
    return {"isBase64Encoded": False, "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Multi": ["a", "b"]},
            "body": json.dumps({"event": event})}

def ticker(event, context):
    return {"event": event, "trigger": os.environ.get("TRIGGER_SRC")}

def raw(event, context):
    return {"hello": "world", "stage": event["requestContext"]["stage"]}
)PY";

const char *kNode = R"JS(
const pick = (context) => Object.fromEntries(Object.entries(context).filter(([, v]) => typeof v !== 'function'));
exports.asyncHandler = async (event, context) => {
  console.log('node log line');
  return { style: 'async', context: pick(context), remaining: context.getRemainingTimeInMillis(),
           runenv: process.env.TENCENTCLOUD_RUNENV, event };
};
exports.syncHandler = (event, context) => ({ style: 'sync', requestId: context.request_id });
exports.callbackHandler = (event, context, callback) => {
  setTimeout(() => callback(null, { style: 'callback', name: context.function_name }), 5);
};
)JS";

// A custom runtime: its bootstrap speaks SCF's runtime API (a Python script through sh), and
// fails invocations whose event asks it to.
const char *kBootstrap = R"SH(#!/bin/sh
exec python3 -c '
import http.client, json, os
conn = http.client.HTTPConnection(os.environ["SCF_RUNTIME_API"], int(os.environ["SCF_RUNTIME_API_PORT"]))
conn.request("POST", "/runtime/init/ready", " ")
conn.getresponse().read()
while True:
    conn.request("GET", "/runtime/invocation/next")
    r = conn.getresponse(); event = json.loads(r.read())
    info = {"request_id": r.getheader("request_id"), "memory": r.getheader("memory_limit_in_mb"),
            "time": r.getheader("time_limit_in_ms"), "handler": os.environ["_HANDLER"], "event": event}
    path = "/runtime/invocation/error" if event.get("fail") else "/runtime/invocation/response"
    conn.request("POST", path, json.dumps(info))
    conn.getresponse().read()
'
)SH";

// What the pool says of finished invocations (from the io thread).
struct Finished : PoolObserver {
    std::mutex mutex;
    std::vector<std::pair<std::string, InvocationResult>> results;
    void invocationFinished(const std::string &function, const InvocationResult &result) override {
        std::lock_guard lock(mutex);
        results.emplace_back(function, result);
    }
};

QJsonObject object(const InvocationResult &r) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
}

} // namespace

class TestScfRuntime : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void pythonGetsScfsContextAndEnvironment();
    void nodeHandlerStyles_data();
    void nodeHandlerStyles();
    void errorsFailTheInvocation();
    void customRuntimeUsesScfsRuntimeApi();
    void logLinesAreScfs();
    void apiGatewayTriggersAnswerThroughTheGateway();
    void aTimerFiresWithScfsTimerEvent();
    void webFunctionInstancesShareItsPort9000();

private:
    InvocationResult invoke(const QString &function, const QByteArray &payload = "{}");

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
    Finished m_finished;
};

void TestScfRuntime::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("src/index.py", kPython);
    m_project->write("src/app.js", kNode);
    m_project->write("custom/bootstrap", kBootstrap);
    QFile::setPermissions(m_project->filePath("custom/bootstrap"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_project->write("template.yaml", kTemplate);
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    m_finished.results.clear();
    m_simulator = std::make_unique<Simulator>(*m_io, options, &m_finished);
    QVERIFY(m_simulator->load());
}

void TestScfRuntime::cleanup() {
    m_simulator->shutdown();
    m_io->run_for(std::chrono::milliseconds(200));
    m_simulator.reset();
    m_io.reset();
    m_project.reset();
}

InvocationResult TestScfRuntime::invoke(const QString &function, const QByteArray &payload) {
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

void TestScfRuntime::pythonGetsScfsContextAndEnvironment() {
    const InvocationResult r = invoke("pyContext", R"({"name": "scf"})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject out = object(r);
    QCOMPARE(out["event"].toObject()["name"].toString(), QString("scf"));
    // SCF passes a dict; its keys read as attributes too.
    QVERIFY(out["isDict"].toBool());
    QCOMPARE(out["attribute"].toString(), QString::fromStdString(r.requestId));
    const QJsonObject context = out["context"].toObject();
    QCOMPARE(context["request_id"].toString(), QString::fromStdString(r.requestId));
    QCOMPARE(context["function_name"].toString(), QString("pyContext"));
    QCOMPARE(context["function_version"].toString(), QString("$LATEST"));
    QCOMPARE(context["namespace"].toString(), QString("default"));
    QCOMPARE(context["memory_limit_in_mb"].toInt(), 128);
    QCOMPARE(context["time_limit_in_ms"].toInt(), 5000);
    QCOMPARE(context["environment"].toString(), QString(R"({"SCF_NAMESPACE":"default"})"));
    QCOMPARE(context["environ"].toString(), QString("SCF_NAMESPACE=default;SCF_NAMESPACE=default"));
    QCOMPARE(context["tencentcloud_region"].toString(), QString("ap-guangzhou"));
    QVERIFY(!context["tencentcloud_appid"].toString().isEmpty());
    QVERIFY(!context["tencentcloud_uin"].toString().isEmpty());
    QVERIFY(out["remaining"].toInt() > 3000 && out["remaining"].toInt() <= 5000);

    const QJsonObject env = out["env"].toObject();
    const QString code = QDir(m_project->filePath("src")).canonicalPath();
    QCOMPARE(env["TENCENTCLOUD_RUNENV"].toString(), QString("SCF"));
    QCOMPARE(env["SCF_FUNCTIONNAME"].toString(), QString("pyContext"));
    QCOMPARE(env["SCF_FUNCTIONVERSION"].toString(), QString("$LATEST"));
    QCOMPARE(env["SCF_NAMESPACE"].toString(), QString("default"));
    QCOMPARE(env["SCF_RUNTIME"].toString(), QString("Python3.9"));
    QCOMPARE(QDir(env["USER_CODE_ROOT"].toString()).canonicalPath(), code);
    QCOMPARE(env["TENCENTCLOUD_REGION"].toString(), QString("ap-guangzhou"));
    QCOMPARE(env["_HANDLER"].toString(), QString("index.context_and_env"));
    QCOMPARE(env["GREETING"].toString(), QString("hi"));
    // Lambda's variables are not SCF's.
    QVERIFY(env["AWS_LAMBDA_FUNCTION_NAME"].isNull());
    QVERIFY(env["AWS_REGION"].isNull());
    QVERIFY(env["LAMBDA_TASK_ROOT"].isNull());
    // The code folder (CodeUri) is where it runs.
    QCOMPARE(QDir(out["cwd"].toString()).canonicalPath(), code);
}

void TestScfRuntime::nodeHandlerStyles_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("style");
    QTest::newRow("async") << "nodeAsync"
                           << "async";
    QTest::newRow("sync") << "nodeSync"
                          << "sync";
    QTest::newRow("callback") << "nodeCallback"
                              << "callback";
}

void TestScfRuntime::nodeHandlerStyles() {
    QFETCH(QString, function);
    QFETCH(QString, style);
    const InvocationResult r = invoke(function, R"({"n": 1})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject out = object(r);
    QCOMPARE(out["style"].toString(), style);
    if (style == "async") {
        const QJsonObject context = out["context"].toObject();
        QCOMPARE(context["request_id"].toString(), QString::fromStdString(r.requestId));
        QCOMPARE(context["function_name"].toString(), QString("nodeAsync"));
        QCOMPARE(context["namespace"].toString(), QString("default"));
        QCOMPARE(context["memory_limit_in_mb"].toInt(), 128);
        QCOMPARE(context["time_limit_in_ms"].toInt(), 5000);
        QCOMPARE(context["environment"].toString(), QString(R"({"SCF_NAMESPACE":"default"})"));
        QVERIFY(context.contains("callbackWaitsForEmptyEventLoop"));
        QVERIFY(out["remaining"].toInt() > 3000 && out["remaining"].toInt() <= 5000);
        QCOMPARE(out["runenv"].toString(), QString("SCF"));
        QCOMPARE(out["event"].toObject()["n"].toInt(), 1);
        // SCF's console lines: time, request id, message (no level).
        QVERIFY2(QString::fromStdString(r.log).contains(QString::fromStdString(r.requestId) +
                                                        "\tnode log line\n"),
                 r.log.c_str());
    } else if (style == "sync") {
        QCOMPARE(out["requestId"].toString(), QString::fromStdString(r.requestId));
    } else {
        QCOMPARE(out["name"].toString(), QString("nodeCallback"));
    }
}

void TestScfRuntime::errorsFailTheInvocation() {
    const InvocationResult r = invoke("pyFail");
    QVERIFY(r.functionError);
    QVERIFY2(QString::fromStdString(r.payload).contains("bad value"), r.payload.c_str());
    const InvocationResult custom = invoke("custom", R"({"fail": true})");
    QVERIFY(custom.functionError);
    QVERIFY2(QString::fromStdString(custom.payload).contains("request_id"), custom.payload.c_str());
}

void TestScfRuntime::customRuntimeUsesScfsRuntimeApi() {
    const InvocationResult r = invoke("custom", R"({"x": 1})");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject out = object(r);
    QCOMPARE(out["request_id"].toString(), QString::fromStdString(r.requestId));
    QCOMPARE(out["memory"].toString(), QString("256"));
    QCOMPARE(out["time"].toString(), QString("5000"));
    QCOMPARE(out["handler"].toString(), QString("index.main_handler"));
    QCOMPARE(out["event"].toObject()["x"].toInt(), 1);
    QVERIFY(r.initDurationMs.has_value());
    // The same instance serves the next one.
    const InvocationResult second = invoke("custom", R"({"x": 2})");
    QCOMPARE(object(second)["event"].toObject()["x"].toInt(), 2);
    QVERIFY(!second.initDurationMs.has_value());
}

void TestScfRuntime::logLinesAreScfs() {
    const InvocationResult first = invoke("pyContext");
    const QString id = QString::fromStdString(first.requestId);
    const QString log = QString::fromStdString(first.log);
    QVERIFY2(log.contains("START RequestId: " + id + "\nEvent RequestId: " + id + "\n"),
             qPrintable(log));
    QVERIFY(log.indexOf("python log line") > log.indexOf("Event RequestId"));
    QVERIFY(log.contains("END RequestId: " + id + "\n"));
    QVERIFY2(QRegularExpression("Init Report RequestId: " + id + " Coldstart: [0-9]+ms\n")
                 .match(log)
                 .hasMatch(),
             qPrintable(log));
    QVERIFY2(QRegularExpression("Report RequestId: " + id +
                                " Duration:[0-9]+ms Memory:128MB MemUsage:[0-9]+MB\n")
                 .match(log)
                 .hasMatch(),
             qPrintable(log));
    QVERIFY(!log.contains("REPORT RequestId"));
    QVERIFY(!log.contains("Version: $LATEST"));
    // A warm invocation has no Init Report.
    QVERIFY(!QString::fromStdString(invoke("pyContext").log).contains("Init Report"));
}

namespace {

struct HttpReply {
    int status = 0;
    std::map<std::string, std::vector<std::string>> headers; // lower-case names
    std::string body;
};

// One request over its own connection, as a client of the gateway.
HttpReply httpRequest(unsigned short port, const std::string &method, const std::string &target,
                      const std::string &body = {}) {
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.set("X-Custom", "yes");
    request.body() = body;
    request.prepare_payload();
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    HttpReply reply;
    reply.status = response.result_int();
    for (const auto &field : response) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        reply.headers[name].emplace_back(field.value());
    }
    reply.body = response.body();
    return reply;
}

} // namespace

// SCF's API gateway trigger on the local gateway: SCF's event in, the integrated response
// (or the result as the body) out, and SCF's error for a result of the wrong shape.
void TestScfRuntime::apiGatewayTriggersAnswerThroughTheGateway() {
    m_simulator->start();
    const auto port = static_cast<unsigned short>(
        std::stoi(m_simulator->gatewayUrl().substr(m_simulator->gatewayUrl().rfind(':') + 1)));
    auto guard = boost::asio::make_work_guard(*m_io);
    std::thread thread([this] { m_io->run(); });
    HttpReply integrated, raw, bad;
    try {
        integrated = httpRequest(port, "POST", "/api?x=1&x=2&y=z", R"({"a":1})");
        raw = httpRequest(port, "GET", "/raw");
        bad = httpRequest(port, "POST", "/bad");
    } catch (const std::exception &e) {
        qWarning("request failed: %s", e.what());
    }
    boost::asio::post(*m_io, [this] { m_simulator->shutdown(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    guard.reset();
    m_io->stop();
    thread.join();
    m_io->restart();

    QCOMPARE(integrated.status, 201);
    QCOMPARE(integrated.headers["x-multi"], (std::vector<std::string>{"a", "b"}));
    QVERIFY(!integrated.headers["x-api-requestid"].empty());
    const QJsonObject event = QJsonDocument::fromJson(QByteArray::fromStdString(integrated.body))
                                  .object()["event"]
                                  .toObject();
    QCOMPARE(event["httpMethod"].toString(), QString("POST"));
    QCOMPARE(event["path"].toString(), QString("/api"));
    QCOMPARE(event["body"].toString(), QString(R"({"a":1})"));
    QCOMPARE(event["headers"].toObject()["x-custom"].toString(), QString("yes"));
    QCOMPARE(event["queryString"].toObject()["y"].toString(), QString("z"));
    QCOMPARE(event["queryString"].toObject()["x"].toArray().size(), 2);
    const QJsonObject context = event["requestContext"].toObject();
    QCOMPARE(context["path"].toString(), QString("/api"));
    QCOMPARE(context["httpMethod"].toString(), QString("ANY"));
    QCOMPARE(context["stage"].toString(), QString("release"));
    QCOMPARE(context["sourceIp"].toString(), QString("127.0.0.1"));
    QCOMPARE(context["requestId"].toString(),
             QString::fromStdString(integrated.headers["x-api-requestid"].front()));
    QVERIFY(context.contains("serviceId"));

    // Without integrated response, the result is the body.
    QCOMPARE(raw.status, 200);
    const QJsonObject rawBody =
        QJsonDocument::fromJson(QByteArray::fromStdString(raw.body)).object();
    QCOMPARE(rawBody["hello"].toString(), QString("world"));
    QCOMPARE(rawBody["stage"].toString(), QString("test"));

    QCOMPARE(bad.status, 403);
    QCOMPARE(QString::fromStdString(bad.body),
             QString(R"({"errno":403,"error":"Invalid scf response format. please check your scf )"
                     R"(response format."})"));
}

// A timer trigger fires on its seven-field cron with SCF's timer event.
void TestScfRuntime::aTimerFiresWithScfsTimerEvent() {
    m_simulator->start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::optional<InvocationResult> fired;
    while (!fired && std::chrono::steady_clock::now() < deadline) {
        m_io->run_for(std::chrono::milliseconds(50));
        std::lock_guard lock(m_finished.mutex);
        for (const auto &[function, result] : m_finished.results)
            if (function == "ticker")
                fired = result;
    }
    QVERIFY2(fired, "the timer did not fire within 20 s");
    QVERIFY2(!fired->functionError, fired->payload.c_str());
    QCOMPARE(QString::fromStdString(fired->trigger), QString("schedule"));
    const QJsonObject event = object(*fired)["event"].toObject();
    QCOMPARE(event["Type"].toString(), QString("Timer"));
    QCOMPARE(event["TriggerName"].toString(), QString("every-second"));
    QCOMPARE(event["Message"].toString(), QString("tick"));
    QVERIFY(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                .match(event["Time"].toString())
                .hasMatch());
    QCOMPARE(m_simulator->schedules().front().schedule.rule, std::string("every-second"));
}

namespace {

// A web function's server, started by scf_bootstrap: it listens on 0.0.0.0:9000 as SCF
// requires, and answers slowly enough that two requests at once need two instances.
const char *kWebServer = R"(import json, os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.8)
        body = json.dumps({"pid": os.getpid(), "path": self.path,
                           "requestId": self.headers.get("X-Scf-Request-Id", ""),
                           "name": self.headers.get("X-Scf-Name", ""),
                           "memory": self.headers.get("X-Scf-Memory", ""),
                           "env": os.environ.get("SCF_FUNCTIONNAME", ""),
                           "runenv": os.environ.get("TENCENTCLOUD_RUNENV", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("0.0.0.0", 9000), Handler).serve_forever()
)";

} // namespace

// A web function: scf_bootstrap starts a server on port 9000; two requests at once run in
// two instances, each believing it has port 9000, with SCF's headers and variables.
void TestScfRuntime::webFunctionInstancesShareItsPort9000() {
    TempProject project;
    project.write("serverless.yml", R"(component: scf
name: web
app: demo
stage: dev
inputs:
  src: ./
  type: web
  runtime: Python3.9
  memorySize: 256
  timeout: 10
  events:
    - apigw:
        parameters:
          endpoints:
            - path: /
              method: ANY
)");
    project.write("server.py", kWebServer);
    project.write("scf_bootstrap", "#!/bin/sh\nexec python3 -u server.py\n");
    QFile::setPermissions(project.filePath("scf_bootstrap"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    boost::asio::io_context io;
    SimulatorOptions options;
    options.projectDir = project.path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    Simulator simulator(io, options, &m_finished);
    QVERIFY(simulator.load());
    simulator.start();
    const auto port = static_cast<unsigned short>(
        std::stoi(simulator.gatewayUrl().substr(simulator.gatewayUrl().rfind(':') + 1)));
    auto guard = boost::asio::make_work_guard(io);
    std::thread thread([&io] { io.run(); });
    HttpReply first, second;
    auto get = [port](HttpReply &into, const char *path) {
        try {
            into = httpRequest(port, "GET", path);
        } catch (const std::exception &e) {
            qWarning("request failed: %s", e.what());
        }
    };
    std::thread a(get, std::ref(first), "/one");
    std::thread b(get, std::ref(second), "/two");
    a.join();
    b.join();
    boost::asio::post(io, [&simulator] { simulator.shutdown(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    guard.reset();
    io.stop();
    thread.join();

    QVERIFY2(first.status == 200, first.body.c_str());
    QVERIFY2(second.status == 200, second.body.c_str());
    const QJsonObject one = QJsonDocument::fromJson(QByteArray::fromStdString(first.body)).object();
    const QJsonObject two =
        QJsonDocument::fromJson(QByteArray::fromStdString(second.body)).object();
    QCOMPARE(one["path"].toString(), QString("/one"));
    QCOMPARE(two["path"].toString(), QString("/two"));
    QVERIFY2(one["pid"].toInt() != two["pid"].toInt(), "both requests went to one instance");
    QVERIFY(!one["requestId"].toString().isEmpty());
    QVERIFY(one["requestId"].toString() != two["requestId"].toString());
    QCOMPARE(one["name"].toString(), QString("web-dev-demo"));
    QCOMPARE(one["memory"].toString(), QString("256"));
    QCOMPARE(one["env"].toString(), QString("web-dev-demo"));
    QCOMPARE(one["runenv"].toString(), QString("SCF"));
}

QTEST_GUILESS_MAIN(TestScfRuntime)
#include "tst_scfruntime.moc"
