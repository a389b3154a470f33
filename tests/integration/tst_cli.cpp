#include "clirunner.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QtTest>

// The `nimbus` command line, run as a user would run it.
class TestCli : public QObject {
    Q_OBJECT
private slots:
    void helpAndVersion();
    void unknownCommandIsAnError();
    void validateAcceptsTheExamples_data();
    void validateAcceptsTheExamples();
    void validateReportsPositionsAndFails();
    void validateJson();
    void doctorExplainsEachReason();
    void validateBadInput_data();
    void validateBadInput();
    void initCreatesEachTemplate_data();
    void initCreatesEachTemplate();
    void initRefusesANonEmptyFolder();
    void initSuggestsTemplateNames();
    void eventTemplatesRunTheirHandler_data();
    void eventTemplatesRunTheirHandler();
    void serviceTemplatesServeOnPort_data();
    void serviceTemplatesServeOnPort();
    void profileFindsTheBusyFunction_data();
    void profileFindsTheBusyFunction();
    void profileExplainsBadInput();
};

void TestCli::helpAndVersion() {
    CliRun run = runNimbus({"--help"});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("validate"));
    QVERIFY(run.out.contains("init"));
    run = runNimbus({"--version"});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.startsWith("nimbus "));
    run = runNimbus({"validate", "--help"});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("--json"));
}

void TestCli::unknownCommandIsAnError() {
    const CliRun run = runNimbus({"frobnicate"});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("unknown command 'frobnicate'"), qPrintable(run.err));
    const CliRun typo = runNimbus({"valdiate", "."});
    QCOMPARE(typo.exitCode, 2);
    QVERIFY(typo.err.contains("did you mean 'validate'?"));
}

void TestCli::validateAcceptsTheExamples_data() {
    QTest::addColumn<QString>("project");
    QTest::newRow("python example") << "examples/python-hello";
    QTest::newRow("node example") << "examples/node-hello";
}

void TestCli::validateAcceptsTheExamples() {
    QFETCH(QString, project);
    const CliRun run = runNimbus({"validate", nimbusSourcePath(project)});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(": valid"), qPrintable(run.out));
}

void TestCli::validateReportsPositionsAndFails() {
    TempProject project;
    project.write("handler.py", "def hello(event, context):\n    return {}\n");
    project.writeManifest("service: demo\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: handler.hello\n    memroySize: 512\n"
                          "  broken:\n    handler: nope.main\n");
    const CliRun run = runNimbus({"validate", project.path()});
    QCOMPARE(run.exitCode, 1);
    // An unknown key is a warning, as the framework has it; a missing module an error.
    const QString warning =
        project.filePath("serverless.yml") +
        ":8:5: warning: unknown key 'memroySize' in 'functions.hello'; did you mean 'memorySize'?";
    QVERIFY2(run.out.contains(warning), qPrintable(run.out));
    QVERIFY(run.out.contains("    ^~~~~~~~~~")); // the caret under the token
    QVERIFY2(run.out.contains(project.filePath("serverless.yml") +
                              ":10:14: error: handler module for 'nope.main' not found"),
             qPrintable(run.out));
    QVERIFY(run.out.contains("1 error, 1 warning"));
}

void TestCli::validateJson() {
    TempProject project;
    project.writeManifest(
        "configValidationMode: error\nservice: demo\nprovider:\n  name: aws\n  memorySize: 64\n");
    const CliRun run = runNimbus({"validate", "--json", project.path()});
    QCOMPARE(run.exitCode, 1);
    const QJsonObject doc = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(doc["valid"].toBool(), false);
    const QJsonObject first = doc["diagnostics"].toArray().first().toObject();
    QCOMPARE(first["line"].toInt(), 5);
    QCOMPARE(first["column"].toInt(), 15);
    QCOMPARE(first["code"].toString(), QString("out-of-range"));
    QCOMPARE(first["severity"].toString(), QString("error"));
}

void TestCli::doctorExplainsEachReason() {
    TempProject project;
    project.write("handler.py", "def hello(event, context):\n    return {}\n");
    project.writeManifest("service: demo\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: handler.hello\n    timeuot: 3\n"
                          "  broken:\n    handler: nope.main\n");
    const CliRun run = runNimbus({"doctor", project.path()});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("✗ function 'broken': handler module for 'nope.main' not found "
                              "(looked for nope.py, nope/__init__.py in the project folder) "
                              "(serverless.yml:10:14) — fix: create that module and function"),
             qPrintable(run.out));
    QVERIFY2(run.out.contains("1 of 2 functions can run; 1 more warning changes nothing"),
             qPrintable(run.out));

    project.writeManifest("service: demo\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: handler.hello\n");
    const CliRun healthy = runNimbus({"doctor", project.path()});
    QCOMPARE(healthy.exitCode, 0);
    QCOMPARE(healthy.out.trimmed(), QString("1 of 1 function can run"));
}

void TestCli::validateBadInput_data() {
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing directory") << "missing"
                                       << "nope: error: no such file or directory";
    QTest::newRow("folder without a manifest")
        << "empty"
        << "no serverless.yml, serverless.yaml or SCF template.yaml";
    QTest::newRow("malformed YAML") << "malformed"
                                    << "serverless.yml:2:11: error: this '[' is never closed";
    QTest::newRow("binary file") << "binary"
                                 << "serverless.yml: error: file is binary";
}

void TestCli::validateBadInput() {
    QFETCH(QString, setup);
    QFETCH(QString, message);
    TempProject project;
    QString target = project.path();
    if (setup == "missing")
        target = project.filePath("nope");
    else if (setup == "malformed")
        project.writeManifest("service: demo\nprovider: [unclosed\n");
    else if (setup == "binary")
        project.writeManifest(QByteArray("\x7f"
                                         "ELF\0\0\1\2",
                                         8));
    const CliRun run = runNimbus({"validate", target});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2((run.out + run.err).contains(message), qPrintable(run.out + run.err));
    QVERIFY(!(run.out + run.err).contains("terminate called")); // never a crash
    QVERIFY(!QFile::exists(project.filePath(".nimbus")));       // nothing written into the project
}

void TestCli::initCreatesEachTemplate_data() {
    QTest::addColumn<QString>("name");
    for (const char *name : {"python-event", "python-http", "python-service", "node-event",
                             "node-http", "node-service"})
        QTest::newRow(name) << name;
}

void TestCli::initCreatesEachTemplate() {
    QFETCH(QString, name);
    TempProject parent;
    const QString dir = parent.filePath("My App_1");
    CliRun run = runNimbus({"init", dir, "--template", name});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("Created"));
    QFile manifest(dir + "/serverless.yml");
    QVERIFY(manifest.open(QIODevice::ReadOnly));
    QVERIFY(manifest.readAll().startsWith("service: my-app-1\n"));
    run = runNimbus({"validate", dir});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out));
}

void TestCli::initRefusesANonEmptyFolder() {
    TempProject project;
    project.write("keep.txt", "mine");
    const CliRun run = runNimbus({"init", project.path(), "--template", "node-event"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY(run.err.contains("not empty"));
    QVERIFY(!QFile::exists(project.filePath("serverless.yml")));
}

void TestCli::initSuggestsTemplateNames() {
    TempProject parent;
    const CliRun run = runNimbus({"init", parent.filePath("x"), "--template", "pyhton-event"});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("did you mean 'python-event'?"), qPrintable(run.err));
    QVERIFY(!QFile::exists(parent.filePath("x")));
}

void TestCli::eventTemplatesRunTheirHandler_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("python-event") << "python-event";
    QTest::newRow("node-event") << "node-event";
}

// A new project's event function runs in the simulator with the event it ships.
void TestCli::eventTemplatesRunTheirHandler() {
    QFETCH(QString, name);
    TempProject parent;
    const QString dir = parent.filePath("app");
    QCOMPARE(runNimbus({"init", dir, "--template", name}).exitCode, 0);
    const CliRun run =
        runNimbus({"invoke", "hello", "--project", dir, "--event", dir + "/events/hello.json"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QJsonObject result = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(result["statusCode"].toInt(), 200);
    QCOMPARE(
        QJsonDocument::fromJson(result["body"].toString().toUtf8()).object()["message"].toString(),
        QString("Hello, Nimbus!"));
    QVERIFY(run.err.contains("REPORT RequestId:"));
}

void TestCli::serviceTemplatesServeOnPort_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("script");
    QTest::newRow("python-service") << "python-service"
                                    << "python3"
                                    << "app.py";
    QTest::newRow("node-service") << "node-service"
                                  << "node"
                                  << "server.js";
}

void TestCli::serviceTemplatesServeOnPort() {
    QFETCH(QString, name);
    QFETCH(QString, program);
    QFETCH(QString, script);
    TempProject parent;
    const QString dir = parent.filePath("svc");
    QCOMPARE(runNimbus({"init", dir, "--template", name}).exitCode, 0);

    QTcpServer probe; // an ephemeral loopback port for the service
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();

    QProcess server;
    server.setWorkingDirectory(dir);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("PORT", QString::number(port));
    server.setProcessEnvironment(env);
    server.start(program, {script});
    QVERIFY(server.waitForStarted());

    QByteArray reply;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000 && reply.isEmpty()) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (socket.waitForConnected(200)) {
            socket.write("GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n");
            while (socket.waitForReadyRead(2000))
                reply += socket.readAll();
        } else {
            QTest::qWait(50);
        }
    }
    server.kill();
    server.waitForFinished();
    QVERIFY2(reply.startsWith("HTTP/1.") && reply.contains(" 200 "), reply.constData());
    QVERIFY(reply.contains("\"status\": \"ok\"") || reply.contains("\"status\":\"ok\""));
}


void TestCli::profileFindsTheBusyFunction_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("hot");  // the function that burns the time
    QTest::addColumn<QString>("file"); // where it is
    QTest::newRow("python") << "pyfn" << "busy_loop" << "handler.py";
    QTest::newRow("node") << "nodefn" << "busyLoop" << "handler.js";
}

// A handler that spends its time in one known loop: the profile's heaviest frame is that
// loop, named with its file and line, in speedscope's format; the table says so too.
void TestCli::profileFindsTheBusyFunction() {
    QFETCH(QString, function);
    QFETCH(QString, hot);
    QFETCH(QString, file);
    TempProject project;
    project.writeManifest("service: prof\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  pyfn:\n    handler: handler.main\n"
                          "  nodefn:\n    handler: handler.main\n    runtime: nodejs20.x\n");
    project.write("handler.py", "import time\n\n\n"
                                "def busy_loop(seconds):\n"
                                "    end = time.perf_counter() + seconds\n"
                                "    n = 0\n"
                                "    while time.perf_counter() < end:\n"
                                "        n += 1\n"
                                "    return n\n\n\n"
                                "def main(event, context):\n"
                                "    return {'n': busy_loop(0.05)}\n");
    project.write("handler.js", "function busyLoop(ms) {\n"
                                "  const end = Date.now() + ms;\n"
                                "  let n = 0;\n"
                                "  while (Date.now() < end) n++;\n"
                                "  return n;\n"
                                "}\n"
                                "exports.main = async () => ({ n: busyLoop(50) });\n");
    const QString out = project.filePath("profile.json");
    const CliRun run = runNimbus({"profile", function, "--project", project.path(), "--count", "3",
                                  "--out", out});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err + run.out));
    QVERIFY2(run.out.contains("3 invocation(s)"), qPrintable(run.out));
    // The first row of the table (after its header) is the busy loop.
    const QStringList lines = run.out.split('\n');
    const int header = lines.indexOf(QRegularExpression("^\\s+SELF ms.*"));
    QVERIFY2(header >= 0 && lines.value(header + 1).contains(hot + "  (" + file + ":"),
             qPrintable(run.out));

    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(doc["$schema"].toString(),
             QString("https://www.speedscope.app/file-format-schema.json"));
    const QJsonArray profiles = doc["profiles"].toArray();
    QCOMPARE(profiles.size(), 3); // one per invocation
    const QJsonArray frames = doc["shared"].toObject()["frames"].toArray();
    // The frame with the most self time over every profile is the loop, in the project's file.
    QMap<int, double> self;
    for (const auto &p : profiles) {
        const QJsonArray samples = p.toObject()["samples"].toArray();
        const QJsonArray weights = p.toObject()["weights"].toArray();
        QCOMPARE(samples.size(), weights.size());
        for (int i = 0; i < samples.size(); ++i) {
            const QJsonArray stack = samples[i].toArray();
            if (!stack.isEmpty())
                self[stack.last().toInt()] += weights[i].toDouble();
        }
    }
    QVERIFY(!self.isEmpty());
    int heaviest = self.firstKey();
    for (auto it = self.begin(); it != self.end(); ++it)
        if (it.value() > self[heaviest])
            heaviest = it.key();
    const QJsonObject frame = frames[heaviest].toObject();
    QCOMPARE(frame["name"].toString(), hot);
    QVERIFY2(frame["file"].toString().endsWith("/" + file), qPrintable(frame["file"].toString()));
    QVERIFY(frame["line"].toInt() > 0);
}

void TestCli::profileExplainsBadInput() {
    TempProject project;
    project.writeManifest("service: prof\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  pyfn:\n    handler: handler.main\n");
    project.write("handler.py", "def main(event, context):\n    return 1\n");
    CliRun run = runNimbus({"profile", "pyfn", "--project", project.path(), "--data", "{nope",
                            "--out", project.filePath("p.json")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("--data: the event is not valid JSON"), qPrintable(run.err));
    run = runNimbus({"profile", "nosuch", "--project", project.path(), "--out",
                     project.filePath("p.json")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("nosuch"), qPrintable(run.err));
    run = runNimbus({"profile", "pyfn", "--project", project.path()});
    QCOMPARE(run.exitCode, 2); // --out is required
    QVERIFY2(run.err.contains("--out"), qPrintable(run.err));
    run = runNimbus({"replay", "999", "--project", project.path()});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("no failures recorded") || run.err.contains("No failure 999"),
             qPrintable(run.err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
