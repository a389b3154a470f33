#include "clirunner.h"
#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/packaging/ziparchive.h"
#include "projectfiles.h"
#include "simdaemon.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <csignal>

using nlohmann::json;

// The deploy loop as a user runs it, with the real binaries: nimbus package / deploy /
// publish / alias / functions / logs against a nimbus-sim daemon, the git provenance a
// deploy records, and a daemon killed with SIGKILL that comes back with nothing lost.
class TestDeploy : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void packageHonoursPatterns();
    void packagesCarryTheirDependencies();
    void layersArePackagedPublishedAndUsed();
    void deployPublishAliasList();
    void logsAndTail();
    void deployNeedsASimulatorOrAnEndpoint();
    void killedDaemonLosesNothing();

private:
    void startDaemon();
    void git(const QStringList &args);
    nimbus::lambdaclient::LambdaClient client() { return m_daemon->client(); }
    CliRun nimbus(QStringList args) {
        args << "--project" << m_project->path();
        return runNimbus(args);
    }
    int runs() const {
        QFile file(m_project->filePath("runs.txt"));
        return file.open(QIODevice::ReadOnly) ? static_cast<int>(file.readAll().count('\n')) : 0;
    }

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<SimDaemon> m_daemon;
};

void TestDeploy::git(const QStringList &args) {
    QProcess process;
    process.setWorkingDirectory(m_project->path());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("GIT_AUTHOR_NAME", "Nimbus Test");
    env.insert("GIT_AUTHOR_EMAIL", "test@nimbus.invalid");
    env.insert("GIT_COMMITTER_NAME", "Nimbus Test");
    env.insert("GIT_COMMITTER_EMAIL", "test@nimbus.invalid");
    process.setProcessEnvironment(env);
    process.start("git", args);
    QVERIFY(process.waitForFinished(10000));
    QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
}

void TestDeploy::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("handler.py",
                     "import os\n\ndef hello(event, context):\n    print('hello ran')\n"
                     "    return {'version': 1}\n\n"
                     "def slow(event, context):\n    import time\n"
                     "    time.sleep(float(os.environ.get('PAUSE', '0')))\n"
                     "    open(os.environ['COUNT_FILE'], 'a').write('run\\n')\n");
    m_project->write("lib/util.py", "X = 1\n");
    m_project->write("tests/test_handler.py", "assert True\n");
    m_project->write("notes.md", "notes\n");
    // (.nimbus/ is not ignored: Nimbus's own state must not make a tree dirty.)
    m_project->write(".gitignore", "runs.txt\n");
    m_project->writeManifest(QString(R"(service: shop
provider:
  name: aws
  runtime: python3.11
  tags:
    team: web
package:
  patterns:
    - '!tests/**'
    - '!*.md'
functions:
  hello:
    handler: handler.hello
    description: Says hello
    reservedConcurrency: 5
    events:
      - httpApi: GET /hello
  slow:
    handler: handler.slow
    timeout: 20
    onError: arn:aws:sqs:us-east-1:000000000000:slow-failures
    environment:
      COUNT_FILE: %1
  site:
    httpHandler: handler.hello
)")
                                 .arg(m_project->filePath("runs.txt"))
                                 .toUtf8());
    git({"init", "-q"});
    git({"add", "-A"});
    git({"commit", "-qm", "first"});
}

void TestDeploy::startDaemon() {
    m_daemon = std::make_unique<SimDaemon>(m_project->path(),
                                           QStringList{"--async-retry-delay", "0.1", "--no-watch"});
    QVERIFY2(m_daemon->start(), qPrintable(m_daemon->error()));
}

void TestDeploy::cleanup() {
    m_daemon.reset();
    m_project.reset();
}

void TestDeploy::packageHonoursPatterns() {
    const CliRun run = nimbus({"package"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains("shop.zip") && run.out.contains("(hello, slow)") &&
                 run.out.contains("skipped site"),
             qPrintable(run.out));
    QFile zip(m_project->filePath(".nimbus/package/shop.zip"));
    QVERIFY(zip.open(QIODevice::ReadOnly));
    std::string error;
    const auto entries = nimbus::packaging::readZip(zip.readAll().toStdString(), error);
    QVERIFY2(entries, error.c_str());
    QStringList files;
    for (const auto &e : *entries)
        files << QString::fromStdString(e.path);
    QCOMPARE(files, (QStringList{"handler.py", "lib/util.py"})); // .gitignore: a default exclusion
}

void TestDeploy::packagesCarryTheirDependencies() {
    // Python's installed packages at the package's root, Node's beside its package.json in
    // place of the project's own node_modules (with a dev dependency in it); the deployed
    // function then imports from its zip alone.
    m_project->write("uses.py",
                     "import tinypkg\n\ndef main(event, context):\n"
                     "    return {'version': tinypkg.VERSION, 'from': tinypkg.__file__}\n");
    m_project->write("wheels/tinypkg-1.0-py3-none-any.whl", pythonWheel("tinypkg", "1.0"));
    m_project->write("requirements.txt", "--no-index\n--find-links wheels\ntinypkg==1.0\n");
    m_project->write("vendor/tinynode/package.json",
                     R"({"name": "tinynode", "version": "1.0.0", "main": "index.js"})");
    m_project->write("vendor/tinynode/index.js", "exports.greet = (n) => `hello ${n}`;\n");
    m_project->write("web/package.json",
                     R"({"name": "web", "version": "1.0.0",
                         "dependencies": {"tinynode": "file:../vendor/tinynode"},
                         "devDependencies": {"no-such-dev-package-here": "1.0.0"}})");
    m_project->write("web/node_modules/devonly/index.js", "module.exports = 1;\n");
    m_project->write("web/app.js", "const { greet } = require('tinynode');\n"
                                   "exports.main = async () => ({ said: greet('node') });\n");
    m_project->writeManifest(R"(service: deps
provider:
  name: aws
  runtime: python3.11
package:
  patterns:
    - '!wheels/**'
    - '!vendor/**'
functions:
  uses:
    handler: uses.main
  web:
    handler: web/app.main
    runtime: nodejs20.x
)");
    const CliRun run = nimbus({"package"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY2(run.out.contains("installing dependencies from requirements.txt (pip)"),
             qPrintable(run.out));
    QVERIFY2(run.out.contains("installing dependencies from web/package.json (npm)"),
             qPrintable(run.out));
    QVERIFY2(
        run.out.contains(QRegularExpression("unzipped; largest dependencies: (tinypkg|tinynode)")),
        qPrintable(run.out));
    QFile zip(m_project->filePath(".nimbus/package/deps.zip"));
    QVERIFY(zip.open(QIODevice::ReadOnly));
    std::string error;
    const auto entries = nimbus::packaging::readZip(zip.readAll().toStdString(), error);
    QVERIFY2(entries, error.c_str());
    QStringList files;
    for (const auto &e : *entries)
        files << QString::fromStdString(e.path);
    QVERIFY2(files.contains("tinypkg/__init__.py"), qPrintable(files.join(", ")));
    QVERIFY(files.contains("tinypkg-1.0.dist-info/METADATA"));
    QVERIFY(files.contains("web/node_modules/tinynode/index.js"));
    QVERIFY(!files.contains("web/node_modules/devonly/index.js")); // the project's own
    for (const auto &file : files) {
        QVERIFY2(!file.contains("__pycache__") && !file.contains(".nimbus-deps.json") &&
                     !file.contains("no-such-dev-package-here"),
                 qPrintable(file));
    }
    // Packaged again: nothing is installed twice.
    QVERIFY(!nimbus({"package"}).out.contains("installing dependencies"));

    startDaemon();
    const CliRun deployed = nimbus({"deploy"});
    QVERIFY2(deployed.exitCode == 0, qPrintable(deployed.out + deployed.err));
    auto c = client();
    const auto uses = c.invoke("deps-dev-uses", "{}");
    QVERIFY2(uses.status == 200 && uses.functionError.empty(), uses.payload.c_str());
    const json body = json::parse(uses.payload);
    QCOMPARE(body["version"], "1.0");
    // From the deployed package, not from the project's build folder.
    QVERIFY2(body["from"].get<std::string>().find("/.nimbus/deps/") == std::string::npos,
             uses.payload.c_str());
    const auto web = c.invoke("deps-dev-web", "{}");
    QVERIFY2(web.status == 200 && web.payload.find("hello node") != std::string::npos,
             web.payload.c_str());
}

void TestDeploy::layersArePackagedPublishedAndUsed() {
    // A layer of the service: a package of its own, left out of the functions' package,
    // published as a layer version before the functions, which then name that version.
    m_project->write("layers/common/python/shared.py", "WHO = 'layer v1'\n");
    m_project->write("uses.py", "import shared\n\ndef main(event, context):\n"
                                "    return {'who': shared.WHO, 'from': shared.__file__}\n");
    m_project->writeManifest(R"(service: lay
provider:
  name: aws
  runtime: python3.11
layers:
  common:
    path: layers/common
    description: Shared code
    compatibleRuntimes: [python3.11]
functions:
  uses:
    handler: uses.main
    layers:
      - {Ref: CommonLambdaLayer}
)");
    const CliRun packaged = nimbus({"package"});
    QVERIFY2(packaged.exitCode == 0, qPrintable(packaged.out + packaged.err));
    QVERIFY2(packaged.out.contains("layer-common.zip") && packaged.out.contains("(layer common)"),
             qPrintable(packaged.out));
    auto filesOf = [&](const QString &name) {
        QFile zip(m_project->filePath(".nimbus/package/" + name));
        if (!zip.open(QIODevice::ReadOnly))
            return QStringList{"cannot open " + name};
        std::string error;
        QStringList files;
        for (const auto &e : nimbus::packaging::readZip(zip.readAll().toStdString(), error)
                                 .value_or(std::vector<nimbus::packaging::ZipEntry>{}))
            files << QString::fromStdString(e.path);
        return files;
    };
    QCOMPARE(filesOf("layer-common.zip"), QStringList{"python/shared.py"});
    const QStringList service = filesOf("lay.zip");
    QVERIFY2(service.contains("uses.py") && !service.join(",").contains("layers/"),
             qPrintable(service.join(", ")));

    startDaemon();
    CliRun deployed = nimbus({"deploy"});
    QVERIFY2(deployed.exitCode == 0, qPrintable(deployed.out + deployed.err));
    QVERIFY2(deployed.out.contains(QRegularExpression("layer\\s+common\\s+published version 1")),
             qPrintable(deployed.out));
    auto c = client();
    auto invoked = c.invoke("lay-dev-uses", "{}");
    QVERIFY2(invoked.status == 200 && invoked.functionError.empty(), invoked.payload.c_str());
    json body = json::parse(invoked.payload);
    QCOMPARE(body["who"], "layer v1");
    // From the published layer's package, not from the project's folder.
    QVERIFY2(body["from"].get<std::string>().find("/layers/common/") == std::string::npos,
             invoked.payload.c_str());
    const auto configuration = c.getFunctionConfiguration("lay-dev-uses");
    QVERIFY(configuration.ok());
    QCOMPARE(configuration->layers.size(), std::size_t(1));
    QVERIFY(configuration->layers[0].arn.ends_with(":layer:common:1"));

    // Unchanged: nothing published again. Changed: version 2, and the function moves to it.
    deployed = nimbus({"deploy"});
    QVERIFY2(deployed.out.contains("version 1 unchanged"), qPrintable(deployed.out));
    QVERIFY2(deployed.out.contains(QRegularExpression("unchanged\\s+uses")),
             qPrintable(deployed.out));
    m_project->write("layers/common/python/shared.py", "WHO = 'layer v2'\n");
    deployed = nimbus({"deploy"});
    QVERIFY2(deployed.exitCode == 0, qPrintable(deployed.out + deployed.err));
    QVERIFY2(deployed.out.contains("published version 2"), qPrintable(deployed.out));
    QVERIFY2(deployed.out.contains(
                 QRegularExpression("updated\\s+uses\\s+lay-dev-uses\\s+configuration")),
             qPrintable(deployed.out));
    invoked = c.invoke("lay-dev-uses", "{}");
    QVERIFY2(invoked.payload.find("layer v2") != std::string::npos, invoked.payload.c_str());
}

void TestDeploy::deployPublishAliasList() {
    startDaemon();
    CliRun deployed = nimbus({"deploy"});
    QVERIFY2(deployed.exitCode == 0, qPrintable(deployed.out + deployed.err));
    QVERIFY2(deployed.out.contains(QRegularExpression("created\\s+hello\\s+shop-dev-hello")),
             qPrintable(deployed.out));
    QVERIFY(deployed.out.contains(QRegularExpression("created\\s+slow\\s+shop-dev-slow")));
    QVERIFY(deployed.out.contains(QRegularExpression("skipped\\s+site")));
    QVERIFY(deployed.out.contains("clean"));
    // What the deploy recorded: settings, provenance, concurrency, dead-letter target.
    auto c = client();
    const auto hello = c.getFunction("shop-dev-hello");
    QVERIFY(hello.ok());
    const json &config = (*hello)["Configuration"];
    QCOMPARE(config["Handler"], "handler.hello");
    QVERIFY(config["Description"].get<std::string>().starts_with("Says hello (git "));
    QCOMPARE((*hello)["Tags"]["team"], "web");
    QCOMPARE((*hello)["Tags"]["nimbus:dirty"], "false");
    QCOMPARE((*hello)["Tags"]["nimbus:commit"].get<std::string>().size(), std::size_t(12));
    QCOMPARE((*hello)["Concurrency"]["ReservedConcurrentExecutions"], 5);
    QCOMPARE(c.getFunctionConfiguration("shop-dev-slow")->deadLetterTarget,
             std::optional<std::string>("arn:aws:sqs:us-east-1:000000000000:slow-failures"));
    // Again, unchanged.
    deployed = nimbus({"deploy"});
    QVERIFY2(deployed.out.contains(QRegularExpression("unchanged\\s+hello")), qPrintable(deployed.out));
    QVERIFY(nimbus({"publish", "hello"}).out.contains("published shop-dev-hello version 1"));
    // An edit, not committed: the code and the provenance change.
    QByteArray code = m_project->read("handler.py");
    code.replace("'version': 1", "'version': 2");
    m_project->write("handler.py", code);
    deployed = nimbus({"deploy"});
    QVERIFY2(deployed.out.contains(QRegularExpression("updated\\s+hello\\s+shop-dev-hello\\s+code, "
                                                      "configuration, tags")),
             qPrintable(deployed.out));
    QVERIFY(deployed.out.contains("with uncommitted changes"));
    QCOMPARE((*c.getFunction("shop-dev-hello"))["Tags"]["nimbus:dirty"], "true");
    QVERIFY(nimbus({"publish", "hello"}).out.contains("version 2"));
    const CliRun alias = nimbus({"alias", "hello", "live", "--version", "1", "--weight", "2=0.25"});
    QVERIFY2(alias.exitCode == 0, qPrintable(alias.err));
    QVERIFY2(alias.out.contains("created alias shop-dev-hello:live -> version 1 (25% to version 2), "
                                "75% to version 1"),
             qPrintable(alias.out));
    QVERIFY(nimbus({"alias", "hello", "live", "--version", "2"}).out.contains("updated alias"));
    QCOMPARE(c.invoke("shop-dev-hello", "{}", "live").payload, std::string("{\"version\": 2}"));
    const CliRun listed = nimbus({"functions"});
    QVERIFY2(listed.out.contains(QRegularExpression("shop-dev-hello\\s+python3.11\\s+1,2\\s+live->2")),
             qPrintable(listed.out));
    QVERIFY(listed.out.contains(QRegularExpression("shop-dev-site.*not deployed")));
    const CliRun asJson = nimbus({"functions", "--json"});
    const auto rows = QJsonDocument::fromJson(asJson.out.toUtf8()).array();
    QCOMPARE(rows.size(), 3);
    // Bad input to the commands is explained.
    const CliRun badWeight = nimbus({"alias", "hello", "x", "--version", "1", "--weight", "2=half"});
    QCOMPARE(badWeight.exitCode, 2);
    QVERIFY(badWeight.err.contains("VERSION=SHARE"));
    const CliRun missing = nimbus({"publish", "nothing"});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains("ResourceNotFoundException"));
    // Another stage deploys beside it.
    QVERIFY(nimbus({"deploy", "--stage", "prod"}).out.contains("shop-prod-hello"));
    QCOMPARE(c.listFunctions()->size(), std::size_t(4));
}

void TestDeploy::logsAndTail() {
    startDaemon();
    QCOMPARE(nimbus({"deploy"}).exitCode, 0);
    auto c = client();
    QCOMPARE(c.invoke("shop-dev-hello", "{}").status, 200);
    CliRun logs;
    QTRY_VERIFY_WITH_TIMEOUT((logs = nimbus({"logs", "hello"})).out.contains("hello ran"), 5000);
    QVERIFY(logs.out.contains("REPORT RequestId:"));
    // --tail follows until stopped.
    QProcess tail;
    tail.start(nimbusBinary("nimbus"),
               {"logs", "hello", "--tail", "--since", "1s", "--project", m_project->path()});
    QVERIFY(tail.waitForStarted());
    QTest::qWait(1500);
    QCOMPARE(c.invoke("shop-dev-hello", R"({"again": true})").status, 200);
    QString seen;
    QTRY_VERIFY_WITH_TIMEOUT((seen += QString::fromUtf8(tail.readAllStandardOutput()))
                                 .contains("hello ran"),
                             8000);
    ::kill(static_cast<pid_t>(tail.processId()), SIGTERM);
    QVERIFY(tail.waitForFinished(5000));
    QCOMPARE(tail.exitCode(), 0);
    const CliRun bad = nimbus({"logs", "hello", "--since", "yesterday"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains("--since wants a duration"));
}

void TestDeploy::deployNeedsASimulatorOrAnEndpoint() {
    const CliRun run = nimbus({"deploy"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("no simulator is serving") && run.err.contains("--endpoint"),
             qPrintable(run.err));
    // With an endpoint, credentials come from the AWS environment; none here.
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"})
        env.remove(name);
    env.insert("AWS_SHARED_CREDENTIALS_FILE", m_project->filePath("no-such-file"));
    process.setProcessEnvironment(env);
    process.start(nimbusBinary("nimbus"), {"deploy", "--endpoint", "http://127.0.0.1:9",
                                           "--project", m_project->path()});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 1);
    QVERIFY(process.readAllStandardError().contains("no AWS credentials"));
}

void TestDeploy::killedDaemonLosesNothing() {
    startDaemon();
    QCOMPARE(nimbus({"deploy"}).exitCode, 0);
    auto c = client();
    QVERIFY(c.publishVersion("shop-dev-hello").ok());
    QVERIFY(c.updateFunctionConfiguration("shop-dev-slow",
                                          {{"Environment",
                                            {{"Variables",
                                              {{"COUNT_FILE", m_project->filePath("runs.txt").toStdString()},
                                               {"PAUSE", "5"}}}}}})
                .ok());
    for (int i = 0; i < 4; ++i)
        QCOMPARE(c.invoke("shop-dev-slow", "{}", "", "Event").status, 202);
    QTest::qWait(500);
    // SIGKILL: no chance to tidy up (the instances die with it, by PDEATHSIG).
    ::kill(static_cast<pid_t>(m_daemon->process().processId()), SIGKILL);
    QVERIFY(m_daemon->process().waitForFinished(5000));
    QCOMPARE(runs(), 0);
    startDaemon();
    c = client();
    QCOMPARE(c.listFunctions()->size(), std::size_t(2));
    QCOMPARE(c.listVersions("shop-dev-hello")->size(), std::size_t(2));
    // The accepted events run now (without the pause).
    QVERIFY(c.updateFunctionConfiguration("shop-dev-slow",
                                          {{"Environment",
                                            {{"Variables",
                                              {{"COUNT_FILE", m_project->filePath("runs.txt").toStdString()}}}}}})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(runs(), 4, 20000);
    QCOMPARE(c.invoke("shop-dev-hello", "{}", "1").payload, std::string("{\"version\": 1}"));
}

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
