#include "clirunner.h"
#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/net/httpclient.h"
#include "simdaemon.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>
#include <csignal>
#include <sys/stat.h>

// nimbus-sim as a daemon, and nimbus invoke with and without it, as real processes.
class TestSimulatorDaemon : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void writesStateFileAndServesInvoke();
    void invokeUsesTheRunningSimulator();
    void controlPlaneErrors_data();
    void controlPlaneErrors();
    void stopsCleanly();
    void refusesASecondSimulator();
    void aKilledSimulatorIsReplacedAtOnce();
    void embeddedInvokeOfTheExamples_data();
    void embeddedInvokeOfTheExamples();
    void invokeReportsFunctionErrors();
    void metricsCountInvocationsAndServePrometheus();
    void gatewayContinuesTheCallersTrace();
    void invokeRejectsBadInput_data();
    void invokeRejectsBadInput();
    void devServesRoutesAndReloadsOnEdits();

private:
    nimbus::net::HttpResult post(const QString &path, const QByteArray &body,
                                 std::map<std::string, std::string> headers = {});

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<SimDaemon> m_daemon;
    QJsonObject m_state;
};

void TestSimulatorDaemon::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("handler.py",
                     "count = 0\n\ndef hello(event, context):\n    global count\n    count += 1\n"
                     "    print('hello from', context.function_name)\n    return {'count': count, "
                     "'event': event}\n\n"
                     "def fail(event, context):\n    raise KeyError('missing')\n");
    m_project->writeManifest(
        "service: daemon\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n  fail:\n    handler: handler.fail\n");
    m_daemon = std::make_unique<SimDaemon>(m_project->path());
    QVERIFY2(m_daemon->start(), qPrintable(m_daemon->error()));
    m_state = m_daemon->state();
}

void TestSimulatorDaemon::cleanup() {
    m_daemon.reset();
    m_project.reset();
}

nimbus::net::HttpResult TestSimulatorDaemon::post(const QString &path, const QByteArray &body,
                                                  std::map<std::string, std::string> headers) {
    // Signed with the credentials the daemon advertises, as any client must.
    const auto raw = m_daemon->client().send("POST", path.toStdString(), {}, body.toStdString(), headers);
    nimbus::net::HttpResult result;
    result.status = raw.status;
    result.headers = raw.headers;
    result.body = raw.body;
    result.error = raw.transportError;
    return result;
}

void TestSimulatorDaemon::writesStateFileAndServesInvoke() {
    QCOMPARE(m_state["pid"].toInt(), int(m_daemon->process().processId()));
    QVERIFY(m_state["runtimeApi"].toString().startsWith("http://127.0.0.1"));
    QVERIFY(m_state["controlPlane"].toString().startsWith("http://127.0.0.1:"));
    QCOMPARE(m_state["credentials"].toObject()["accessKeyId"].toString().size(), 20);
    // Nothing unsigned is accepted.
    nimbus::net::HttpRequestSpec unsignedRequest;
    unsignedRequest.method = "POST";
    unsignedRequest.url =
        (m_state["controlPlane"].toString() + "/2015-03-31/functions/hello/invocations").toStdString();
    unsignedRequest.body = "{}";
    const auto refused = nimbus::net::httpRequest(unsignedRequest);
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.header("x-amzn-errortype"), std::string("MissingAuthenticationTokenException"));
    struct stat info {};
    QCOMPARE(::stat(qPrintable(m_project->filePath(".nimbus/sim.json")), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600u);

    const auto result = post("/2015-03-31/functions/hello/invocations", R"({"a": 1})",
                             {{"X-Amz-Log-Type", "Tail"}});
    QCOMPARE(result.status, 200);
    QCOMPARE(
        QJsonDocument::fromJson(QByteArray::fromStdString(result.body)).object()["count"].toInt(),
        1);
    QCOMPARE(result.header("x-amz-executed-version"), std::string("$LATEST"));
    const QByteArray log =
        QByteArray::fromBase64(QByteArray::fromStdString(result.header("x-amz-log-result")));
    QVERIFY2(log.contains("START RequestId: ") && log.contains("REPORT RequestId: ") &&
                 log.contains("hello from daemon-dev-hello"),
             log.constData());
    // The deployed name reaches the same function.
    const auto byDeployedName = post("/2015-03-31/functions/daemon-dev-hello/invocations", "{}");
    QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(byDeployedName.body))
                 .object()["count"]
                 .toInt(),
             2);
}

void TestSimulatorDaemon::invokeUsesTheRunningSimulator() {
    CliRun first =
        runNimbus({"invoke", "hello", "--project", m_project->path(), "--data", R"({"x": 1})"});
    QCOMPARE(first.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(first.out.toUtf8()).object()["count"].toInt(), 1);
    QVERIFY(first.err.contains("Init Duration"));
    CliRun second = runNimbus({"invoke", "hello", "--project", m_project->path()});
    QCOMPARE(QJsonDocument::fromJson(second.out.toUtf8()).object()["count"].toInt(),
             2); // warm, across clients
    QVERIFY(second.err.contains("REPORT RequestId:"));
    QVERIFY(!second.err.contains("Init Duration"));
}

void TestSimulatorDaemon::controlPlaneErrors_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("invocationType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorType");
    QTest::newRow("unknown function")
        << "/2015-03-31/functions/nope/invocations" << QByteArray("{}") << "" << 404
        << "ResourceNotFoundException";
    QTest::newRow("payload that is not JSON")
        << "/2015-03-31/functions/hello/invocations" << QByteArray("{nope") << "" << 400
        << "InvalidRequestContentException";
    QTest::newRow("payload over 6 MB") << "/2015-03-31/functions/hello/invocations"
                                       << QByteArray(6 * 1024 * 1024 + 10, ' ') << "" << 413 << "";
    QTest::newRow("unknown invocation type")
        << "/2015-03-31/functions/hello/invocations" << QByteArray("{}") << "Sometime" << 400
        << "ValidationException";
    QTest::newRow("unknown operation")
        << "/2015-03-31/nothing" << QByteArray("{}") << "" << 404 << "UnknownOperationException";
    QTest::newRow("dry run") << "/2015-03-31/functions/hello/invocations" << QByteArray("{}")
                             << "DryRun" << 204 << "";
    QTest::newRow("event invocation")
        << "/2015-03-31/functions/hello/invocations" << QByteArray("{}") << "Event" << 202 << "";
}

void TestSimulatorDaemon::controlPlaneErrors() {
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, invocationType);
    QFETCH(int, status);
    QFETCH(QString, errorType);
    std::map<std::string, std::string> headers;
    if (!invocationType.isEmpty())
        headers["X-Amz-Invocation-Type"] = invocationType.toStdString();
    const auto result = post(path, body, headers);
    QCOMPARE(result.status, status);
    if (!errorType.isEmpty())
        QCOMPARE(QString::fromStdString(result.header("x-amzn-errortype")), errorType);
    // The daemon is still healthy.
    QCOMPARE(post("/2015-03-31/functions/hello/invocations", "{}").status, 200);
}

void TestSimulatorDaemon::stopsCleanly() {
    QCOMPARE(post("/2015-03-31/functions/hello/invocations", "{}").status, 200);
    QProcess &daemon = m_daemon->process();
    const QString output = QString::fromUtf8(daemon.readAll());
    daemon.terminate();
    QVERIFY(daemon.waitForFinished(5000));
    QCOMPARE(daemon.exitCode(), 0);
    QVERIFY(!QFile::exists(m_project->filePath(".nimbus/sim.json")));
    // The instance it started is gone.
    const QRegularExpression started("instance (\\d+) started");
    const auto match = started.match(output + QString::fromUtf8(daemon.readAll()));
    QVERIFY(match.hasMatch());
    const pid_t pid = match.captured(1).toInt();
    QTRY_VERIFY_WITH_TIMEOUT(::kill(pid, 0) != 0, 5000);
}

void TestSimulatorDaemon::refusesASecondSimulator() {
    QProcess second;
    second.start(nimbusBinary("nimbus-sim"), {"--project", m_project->path()});
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(second.exitCode(), 1);
    QVERIFY(second.readAllStandardError().contains("already serving"));
    QVERIFY(QFile::exists(m_project->filePath(".nimbus/sim.json")));
}

void TestSimulatorDaemon::aKilledSimulatorIsReplacedAtOnce() {
    // kill -9, and a new simulator at once, before the old process is even reaped: its lock
    // died with it, whatever its pid still shows.
    ::kill(static_cast<pid_t>(m_daemon->process().processId()), SIGKILL);
    SimDaemon next(m_project->path());
    QVERIFY2(next.start(), qPrintable(next.error()));
    next.stop();

    // A state file that names a live process (this test) but no lock held: not a simulator.
    QFile state(m_project->filePath(".nimbus/sim.json"));
    QVERIFY(state.open(QIODevice::WriteOnly));
    state.write(QJsonDocument(QJsonObject{{"pid", int(QCoreApplication::applicationPid())},
                                          {"gateway", "http://127.0.0.1:9"}})
                    .toJson());
    state.close();
    SimDaemon another(m_project->path());
    QVERIFY2(another.start(), qPrintable(another.error()));
    // While it serves, a third is refused, naming it.
    QProcess third;
    third.start(nimbusBinary("nimbus-sim"), {"--project", m_project->path()});
    QVERIFY(third.waitForFinished(10000));
    QCOMPARE(third.exitCode(), 1);
    const QString said = QString::fromUtf8(third.readAllStandardError());
    QVERIFY2(said.contains(QString("already serving %1 (pid %2")
                               .arg(m_project->path())
                               .arg(another.process().processId())),
             qPrintable(said));
}

void TestSimulatorDaemon::embeddedInvokeOfTheExamples_data() {
    QTest::addColumn<QString>("project");
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("expect");
    QTest::newRow("python example with an event file") << "examples/python-hello"
                                                       << "hello"
                                                       << "Hello, Nimbus!";
    QTest::newRow("python handler in a package folder") << "examples/python-hello"
                                                        << "getUser"
                                                        << "Ada Lovelace";
    QTest::newRow("node example") << "examples/node-hello"
                                  << "hello"
                                  << "Hello, Nimbus!";
    QTest::newRow("node ES module") << "examples/node-hello"
                                    << "items"
                                    << "apple";
}

void TestSimulatorDaemon::embeddedInvokeOfTheExamples() {
    QFETCH(QString, project);
    QFETCH(QString, function);
    QFETCH(QString, expect);
    const QString dir = nimbusSourcePath(project);
    QStringList args{"invoke", function, "--project", dir};
    if (function == "getUser")
        args << "--data"
             << R"({"pathParameters": {"id": "1"}})";
    else if (function == "items")
        args << "--data"
             << R"({"pathParameters": {"proxy": "a"}})";
    else
        args << "--event" << dir + "/events/hello.json";
    const CliRun run = runNimbus(args);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(expect), qPrintable(run.out));
    QVERIFY(run.err.contains("START RequestId:") && run.err.contains("END RequestId:") &&
            run.err.contains("Init Duration"));
    QVERIFY(!QFile::exists(dir + "/.nimbus/sim.json"));
}

void TestSimulatorDaemon::invokeReportsFunctionErrors() {
    const CliRun run = runNimbus({"invoke", "fail", "--project", m_project->path()});
    QCOMPARE(run.exitCode, 1);
    const QJsonObject error = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(error["errorType"].toString(), QString("KeyError"));
    QVERIFY(error.contains("errorMessage") && error.contains("stackTrace"));
}

// Every invocation is recorded: `nimbus metrics` sums them up per function (the failing
// one as an error, the first of each as a cold start), and the Prometheus endpoint named in
// sim.json serves the same counts without signing.
void TestSimulatorDaemon::metricsCountInvocationsAndServePrometheus() {
    for (int i = 0; i < 3; ++i)
        QCOMPARE(runNimbus({"invoke", "hello", "--project", m_project->path()}).exitCode, 0);
    QCOMPARE(runNimbus({"invoke", "fail", "--project", m_project->path()}).exitCode, 1);
    const CliRun json = runNimbus({"metrics", "--project", m_project->path(), "--json"});
    QVERIFY2(json.exitCode == 0, qPrintable(json.err));
    const QJsonArray functions = QJsonDocument::fromJson(json.out.toUtf8()).array();
    QCOMPARE(functions.size(), 2);
    const QJsonObject fail = functions[0].toObject(), hello = functions[1].toObject();
    QCOMPARE(fail["function"].toString(), QString("fail"));
    QCOMPARE(fail["invocations"].toInt(), 1);
    QCOMPARE(fail["errors"].toInt(), 1);
    QCOMPARE(hello["function"].toString(), QString("hello"));
    QCOMPARE(hello["invocations"].toInt(), 3);
    QCOMPARE(hello["errors"].toInt(), 0);
    QCOMPARE(hello["throttles"].toInt(), 0);
    QCOMPARE(hello["coldStarts"].toInt(), 1);
    QVERIFY(hello["p50Ms"].toDouble() > 0);
    QVERIFY(hello["p50Ms"].toDouble() <= hello["p90Ms"].toDouble());
    QVERIFY(hello["p90Ms"].toDouble() <= hello["p99Ms"].toDouble());
    QVERIFY(hello["maxMemoryMB"].toInt() > 0);
    for (const char *key : {"function", "invocations", "errors", "throttles", "coldStarts", "p50Ms",
                            "p90Ms", "p99Ms", "maxMemoryMB"})
        QVERIFY2(hello.contains(key), key);

    const CliRun one = runNimbus({"metrics", "hello", "--project", m_project->path()});
    QCOMPARE(one.exitCode, 0);
    QVERIFY2(one.out.startsWith("FUNCTION") && one.out.contains("\nhello ") &&
                 !one.out.contains("\nfail "),
             qPrintable(one.out));
    const CliRun badSince = runNimbus({"metrics", "--project", m_project->path(), "--since", "soon"});
    QCOMPARE(badSince.exitCode, 2);
    QVERIFY2(badSince.err.contains("--since wants a duration"), qPrintable(badSince.err));

    const QString url = m_daemon->state()["metrics"].toString();
    QCOMPARE(url, m_state["controlPlane"].toString() + "/metrics");
    nimbus::net::HttpRequestSpec scrape;
    scrape.method = "GET";
    scrape.url = url.toStdString();
    const auto text = nimbus::net::httpRequest(scrape);
    QCOMPARE(text.status, 200);
    QVERIFY(text.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
    for (const char *line :
         {"nimbus_invocations_total{function=\"hello\",outcome=\"success\"} 3\n",
          "nimbus_invocations_total{function=\"fail\",outcome=\"error\"} 1\n",
          "nimbus_invocation_duration_seconds_count{function=\"hello\"} 3\n",
          "nimbus_cold_starts_total{function=\"hello\"} 1\n",
          "nimbus_instances{function=\"hello\",state=\"idle\"} 1\n"})
        QVERIFY2(text.body.find(line) != std::string::npos, text.body.c_str());
}

// A request's trace (W3C traceparent, or X-Ray's X-Amzn-Trace-Id) reaches the function as
// _X_AMZN_TRACE_ID with the same trace id and a new parent span; without one, a trace starts.
void TestSimulatorDaemon::gatewayContinuesTheCallersTrace() {
    TempProject project;
    project.write("trace.py", "import os\n\ndef trace(event, context):\n    return "
                              "{'trace': os.environ.get('_X_AMZN_TRACE_ID')}\n");
    project.writeManifest("service: traced\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  trace:\n    handler: trace.trace\n    events:\n"
                          "      - httpApi: GET /trace\n");
    SimDaemon daemon(project.path());
    QVERIFY2(daemon.start(), qPrintable(daemon.error()));
    const auto traceSeen = [&](std::map<std::string, std::string> headers) {
        nimbus::net::HttpRequestSpec request;
        request.method = "GET";
        request.url = (daemon.state()["gateway"].toString() + "/trace").toStdString();
        request.headers = std::move(headers);
        const auto answer = nimbus::net::httpRequest(request);
        const QJsonObject body =
            QJsonDocument::fromJson(QByteArray::fromStdString(answer.body)).object();
        return body["trace"].toString();
    };
    const QString w3c =
        traceSeen({{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
    QVERIFY2(QRegularExpression("^Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=[0-9a-f]{16};"
                                "Sampled=1$")
                 .match(w3c)
                 .hasMatch(),
             qPrintable(w3c));
    QVERIFY(!w3c.contains("b7ad6b7169203331")); // the function's span is a new one
    const QString xray = traceSeen(
        {{"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"}});
    QVERIFY2(xray.startsWith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent="), qPrintable(xray));
    const QString fresh = traceSeen({});
    const QString again = traceSeen({{"traceparent", "not a trace"}});
    QVERIFY2(QRegularExpression("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};").match(fresh).hasMatch(),
             qPrintable(fresh));
    QVERIFY(fresh.left(35) != again.left(35)); // each request without a trace starts its own
}

void TestSimulatorDaemon::invokeRejectsBadInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("data that is not JSON")
        << QStringList{"invoke", "hello", "--data", "{oops"} << "the event is not valid JSON";
    QTest::newRow("event file that does not exist")
        << QStringList{"invoke", "hello", "--event", "/nonexistent/e.json"}
        << "cannot read the event file";
    QTest::newRow("function that does not exist")
        << QStringList{"invoke", "helo"} << "did you mean 'hello'?";
}

void TestSimulatorDaemon::invokeRejectsBadInput() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const CliRun run = runNimbus(args << "--project" << m_project->path());
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
}

// nimbus dev: the foreground loop a developer runs — routes table, gateway, and edits
// to handlers and the manifest taking effect without a restart.
void TestSimulatorDaemon::devServesRoutesAndReloadsOnEdits() {
    cleanup(); // this test runs its own simulator, through the CLI
    m_project = std::make_unique<TempProject>();
    m_project->write("api.py", "def hello(event, context):\n    return {'version': 1}\n");
    m_project->writeManifest("service: devloop\nprovider:\n  name: aws\n  runtime: python3.11\n"
                             "functions:\n  hello:\n    handler: api.hello\n    events:\n"
                             "      - httpApi: GET /hello\n");
    QProcess dev;
    dev.setProcessChannelMode(QProcess::MergedChannels);
    dev.start(nimbusBinary("nimbus"), {"dev", m_project->path(), "--color", "never"});
    QVERIFY(dev.waitForStarted());
    m_daemon.reset();
    const QString statePath = m_project->filePath(".nimbus/sim.json");
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(statePath), 10000);
    QFile stateFile(statePath);
    QVERIFY(stateFile.open(QIODevice::ReadOnly));
    const QString gateway =
        QJsonDocument::fromJson(stateFile.readAll()).object()["gateway"].toString();
    QVERIFY2(gateway.startsWith("http://127.0.0.1:"), qPrintable(gateway));
    QTRY_VERIFY_WITH_TIMEOUT(dev.peek(1 << 16).contains("Press Ctrl-C"), 5000);
    const QString banner = QString::fromUtf8(dev.peek(1 << 16));
    QVERIFY2(banner.contains("GET     /hello  hello     event (2.0)  " + gateway + "/hello"),
             qPrintable(banner));

    auto get = [&](const QString &path) {
        nimbus::net::HttpRequestSpec request;
        request.url = (gateway + path).toStdString();
        request.timeout = std::chrono::seconds(15);
        return nimbus::net::httpRequest(request);
    };
    QCOMPARE(get("/hello").body, std::string(R"({"version": 1})"));
    m_project->write("api.py", "def hello(event, context):\n    return {'version': 2}\n");
    QTRY_COMPARE_WITH_TIMEOUT(get("/hello").body, std::string(R"({"version": 2})"), 10000);
    m_project->writeManifest("service: devloop\nprovider:\n  name: aws\n  runtime: python3.11\n"
                             "functions:\n  hello:\n    handler: api.hello\n    events:\n"
                             "      - httpApi: GET /greet\n");
    QTRY_COMPARE_WITH_TIMEOUT(get("/greet").status, 200, 10000);
    QCOMPARE(get("/hello").status, 404);
    QTRY_VERIFY_WITH_TIMEOUT(dev.peek(1 << 20).contains("reloaded"), 5000);

    dev.terminate();
    QVERIFY(dev.waitForFinished(10000));
    QCOMPARE(dev.exitCode(), 0);
    QVERIFY(!QFile::exists(statePath));
}

QTEST_GUILESS_MAIN(TestSimulatorDaemon)
#include "tst_simulatordaemon.moc"
