// Tencent Cloud SCF projects in their three formats (Serverless Components' component: scf,
// serverless-tencent-scf's provider: tencent, scfcli's template.yaml) load into the one
// model: the same project written three ways gives the same functions and triggers, and
// each single mistake gives one diagnostic, on its token. Written for Nimbus from the
// formats' documentation; no project's files are copied here.
#include "nimbus/manifest/manifestloader.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus::manifest;

namespace {

// One Python event function, 'hello', with a timer every five minutes and GET /hello.
const QByteArray kComponent = R"(component: scf
name: hello
app: shop
stage: dev
inputs:
  src: ./src
  handler: index.main_handler
  runtime: Python3.9
  region: ap-shanghai
  memorySize: 256
  timeout: 10
  environment:
    variables:
      TABLE: orders
  events:
    - timer:
        parameters:
          cronExpression: '0 */5 * * * * *'
          enable: true
          argument: nightly
    - apigw:
        parameters:
          endpoints:
            - path: /hello
              method: GET
)";

const QByteArray kPlugin = R"(service: shop
provider:
  name: tencent
  runtime: Python3.9
  region: ap-shanghai
  memorySize: 256
  timeout: 10
  environment:
    variables:
      TABLE: orders
plugins:
  - serverless-tencent-scf
functions:
  hello:
    handler: index.main_handler
    events:
      - timer:
          name: nightly
          parameters:
            cronExpression: '0 */5 * * * * *'
            enable: true
      - apigw:
          name: hello-api
          parameters:
            httpMethod: GET
            path: /hello
            enable: true
)";

const QByteArray kTemplate = R"(Resources:
  default:
    Type: TencentCloud::Serverless::Namespace
    hello:
      Type: TencentCloud::Serverless::Function
      Properties:
        CodeUri: ./src
        Handler: index.main_handler
        Runtime: Python3.9
        MemorySize: 256
        Environment:
          Variables:
            TABLE: orders
        Events:
          nightly:
            Type: Timer
            Properties:
              CronExpression: '0 */5 * * * * *'
              Enable: true
              Message: nightly
          hello-api:
            Type: APIGW
            Properties:
              HttpMethod: GET
Globals:
  Function:
    Timeout: 10
)";

const QByteArray kHandler = "def main_handler(event, context):\n    return event\n";

QByteArray replaceLine(QByteArray yaml, int line, const QByteArray &with) {
    QList<QByteArray> lines = yaml.split('\n');
    lines[line - 1] = with;
    return lines.join('\n');
}

// The manifest's file: template.yaml for scfcli's format, serverless.yml otherwise.
QString fileFor(const QByteArray &yaml) {
    return yaml.startsWith("Resources:") ? "template.yaml" : "serverless.yml";
}

LoadResult loadIn(TempProject &project, const QByteArray &yaml, LoadOptions options = {}) {
    // The plugin's code is at the project's root; the others' in src/.
    project.write("src/index.py", kHandler);
    project.write("index.py", kHandler);
    project.write(fileFor(yaml), yaml);
    if (!options.environment)
        options.environment = [](const std::string &) { return std::optional<std::string>(); };
    return ManifestLoader(options).loadProject(project.path().toStdString());
}

QString describe(const std::vector<Diagnostic> &diagnostics) {
    QStringList lines;
    for (const auto &d : diagnostics)
        lines << QString("%1:%2 %3 [%4] %5")
                     .arg(d.range.start.line + 1)
                     .arg(d.range.start.column + 1)
                     .arg(severityName(d.severity), QString::fromStdString(d.code),
                          QString::fromStdString(d.message));
    return lines.join('\n');
}

} // namespace

class TestScfManifests : public QObject {
    Q_OBJECT
private slots:
    void threeFormatsOneModel_data();
    void threeFormatsOneModel();
    void oneMistakeOneDiagnostic_data();
    void oneMistakeOneDiagnostic();
    void componentNamesAndVariables();
    void webFunctions();
    void timersWithoutEnable();
    void templateGlobalsAndCos();
    void templateFoundOnlyWhenScf();
};

void TestScfManifests::threeFormatsOneModel_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("dialect");
    QTest::addColumn<QString>("deployedName");
    QTest::addColumn<QString>("codeDir"); // relative to the project
    QTest::addColumn<QString>("region");
    QTest::addColumn<QString>("message"); // the timer's
    QTest::newRow("component: scf") << kComponent << int(Dialect::ScfComponent) << "hello-dev-shop"
                                    << "src"
                                    << "ap-shanghai"
                                    << "nightly";
    QTest::newRow("provider: tencent") << kPlugin << int(Dialect::ScfPlugin) << "shop-dev-hello"
                                       << ""
                                       << "ap-shanghai"
                                       << "";
    QTest::newRow("template.yaml") << kTemplate << int(Dialect::ScfTemplate) << "hello"
                                   << "src"
                                   << "ap-guangzhou"
                                   << "nightly";
}

void TestScfManifests::threeFormatsOneModel() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, dialect);
    QFETCH(QString, deployedName);
    QFETCH(QString, codeDir);
    QFETCH(QString, region);
    QFETCH(QString, message);
    TempProject project;
    const LoadResult r = loadIn(project, yaml);
    QVERIFY2(r.ok() && r.diagnostics.empty(), qPrintable(describe(r.diagnostics)));
    const Manifest &m = *r.manifest;
    QCOMPARE(int(m.dialect), dialect);
    QCOMPARE(m.provider.name, std::string("tencent"));
    QCOMPARE(QString::fromStdString(m.provider.region), region);
    QCOMPARE(m.functions.size(), size_t(1));
    const Function &fn = m.functions.front();
    QCOMPARE(fn.name, std::string("hello"));
    QCOMPARE(QString::fromStdString(fn.deployedName), deployedName);
    QCOMPARE(fn.namespaceName, std::string("default"));
    QCOMPARE(int(fn.kind), int(FunctionKind::Event));
    QCOMPARE(fn.handler.value, std::string("index.main_handler"));
    QCOMPARE(fn.runtime.value, std::string("Python3.9"));
    QCOMPARE(int(runtimeFamily(fn.runtime.value)), int(RuntimeFamily::Python));
    QCOMPARE(fn.memorySize.value, 256);
    QCOMPARE(fn.timeout.value, 10);
    QCOMPARE(fn.environment, (std::map<std::string, std::string>{{"TABLE", "orders"}}));
    QCOMPARE(QDir(project.path()).relativeFilePath(QString::fromStdString(fn.codeDir)),
             codeDir.isEmpty() ? QString(".") : codeDir);

    QCOMPARE(fn.events.size(), size_t(2));
    const Event &timer = fn.events[0];
    QCOMPARE(timer.type, std::string("schedule"));
    QCOMPARE(timer.writtenType, std::string("timer"));
    QCOMPARE(timer.schedules, std::vector<std::string>{"0 */5 * * * * *"});
    QVERIFY(timer.enabled);
    QCOMPARE(QString::fromStdString(timer.message), message);
    const Event &api = fn.events[1];
    QCOMPARE(api.type, std::string("http"));
    QCOMPARE(api.writtenType, std::string("apigw"));
    QCOMPARE(api.method, std::string("GET"));
    QCOMPARE(api.path, std::string("/hello"));
}

void TestScfManifests::oneMistakeOneDiagnostic_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");
    QTest::addColumn<QString>("severity");
    auto row = [](const char *name, const QByteArray &base, int line, const QByteArray &text,
                  int column, const char *code, const char *part, const char *severity) {
        QTest::newRow(name) << replaceLine(base, line, text) << line << column << code << part
                            << severity;
    };
    // component: scf
    row("component: memory not an SCF size", kComponent, 10, "  memorySize: 200", 15,
        "invalid-value", "did you mean '256'?", "warning");
    row("component: timeout past 900 s", kComponent, 11, "  timeout: 1000", 12, "out-of-range",
        "900", "warning");
    row("component: runtime misspelt", kComponent, 8, "  runtime: Pyton3.9", 12,
        "unsupported-runtime", "did you mean 'Python3.9'?", "error");
    row("component: handler not in the code", kComponent, 7, "  handler: index.main", 12,
        "handler-not-found", "main", "error");
    row("component: key misspelt", kComponent, 9, "  regoin: ap-shanghai", 3, "unknown-key",
        "did you mean 'region'?", "warning");
    row("component: weekday 8 in a timer", kComponent, 18,
        "          cronExpression: '0 */5 * * * 8 *'", 27, "invalid-schedule",
        "the day-of-week field '8'", "warning");
    row("component: a cron of three fields", kComponent, 18,
        "          cronExpression: 'every 5 minutes'", 27, "invalid-schedule", "has 3 fields",
        "warning");
    row("component: method not the gateway's", kComponent, 25, "              method: FETCH", 23,
        "invalid-value", "Allowed: ANY, GET", "warning");
    // provider: tencent
    row("plugin: memory not an SCF size", kPlugin, 6, "  memorySize: 100", 15, "invalid-value",
        "did you mean '128'?", "warning");
    row("plugin: handler not in the code", kPlugin, 15, "    handler: index.missing", 14,
        "handler-not-found", "missing", "error");
    row("plugin: method in lower case", kPlugin, 25, "            httpMethod: get", 25,
        "invalid-value", "did you mean 'GET'?", "warning");
    row("plugin: seconds out of range", kPlugin, 20,
        "            cronExpression: '61 */5 * * * * *'", 29, "invalid-schedule",
        "the seconds field '61'", "warning");
    // template.yaml
    row("template: event type misspelt", kTemplate, 16, "            Type: Cmq", 19,
        "invalid-value", "did you mean 'CMQ'?", "warning");
    row("template: memory past 3072", kTemplate, 10, "        MemorySize: 4096", 21,
        "invalid-value", "did you mean '3072'?", "warning");
    row("template: a runtime the simulator cannot run", kTemplate, 9, "        Runtime: Java8", 18,
        "unsupported-runtime", "CustomRuntime", "error");
    row("template: code folder that does not exist", kTemplate, 7, "        CodeUri: ./srcs", 18,
        "code-not-found", "'./srcs' of 'hello' does not exist", "error");
    row("template: handler not in the code folder", kTemplate, 8,
        "        Handler: main.main_handler", 18, "handler-not-found", "in src/)", "error");
    row("template: Enable neither OPEN nor CLOSE", kTemplate, 19, "              Enable: maybe", 23,
        "invalid-value", "OPEN, CLOSE", "warning");
    row("template: a global timeout of 0", kTemplate, 27, "    Timeout: 0", 14, "out-of-range",
        "below the minimum of 1", "warning");
}

void TestScfManifests::oneMistakeOneDiagnostic() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    QFETCH(QString, severity);
    TempProject project;
    const LoadResult r = loadIn(project, yaml);
    QVERIFY2(r.diagnostics.size() == 1, qPrintable(describe(r.diagnostics)));
    const Diagnostic &d = r.diagnostics.front();
    QCOMPARE(QString::fromStdString(d.code), code);
    QCOMPARE(d.range.start.line + 1, line);
    QCOMPARE(d.range.start.column + 1, column);
    QVERIFY2(QString::fromStdString(d.message).contains(messagePart), d.message.c_str());
    QCOMPARE(QString(severityName(d.severity)), severity);
    QCOMPARE(QString::fromStdString(d.file), project.filePath(fileFor(yaml)));
    // A mistake in the code keeps the function from running, and says which.
    if (d.severity == Severity::Error)
        QCOMPARE(d.function, std::string("hello"));
}

void TestScfManifests::componentNamesAndVariables() {
    TempProject project;
    project.write("src/index.js", "exports.main_handler = async (event) => event;\n");
    QByteArray yaml = "component: scf\nname: api\ninputs:\n  src: ./src\n"
                      "  description: Part of ${app}, stage ${stage}\n";
    LoadResult r = loadIn(project, yaml);
    QVERIFY2(r.ok(), qPrintable(describe(r.diagnostics)));
    const Function &fn = r.manifest->functions.front();
    // The component's defaults: app is the instance's name, stage dev, Nodejs10.15.
    QCOMPARE(fn.deployedName, std::string("api-dev-api"));
    QCOMPARE(fn.description, std::string("Part of api, stage dev"));
    QCOMPARE(fn.runtime.value, std::string("Nodejs10.15"));
    QCOMPARE(fn.memorySize.value, 128);
    QCOMPARE(fn.timeout.value, 3);
    QCOMPARE(r.manifest->provider.region, std::string("ap-guangzhou"));

    LoadOptions options;
    options.options["stage"] = "prod";
    r = loadIn(project, yaml + "  name: ${name}-${stage}\n  namespace: team\n", options);
    QVERIFY2(r.ok(), qPrintable(describe(r.diagnostics)));
    QCOMPARE(r.manifest->functions.front().deployedName, std::string("api-prod"));
    QCOMPARE(r.manifest->functions.front().namespaceName, std::string("team"));
    QCOMPARE(r.manifest->provider.stage, std::string("prod"));
}

void TestScfManifests::webFunctions() {
    TempProject project;
    const QByteArray yaml =
        "component: scf\nname: site\ninputs:\n  src: ./web\n  type: web\n"
        "  runtime: Nodejs16.13\n  events:\n    - apigw:\n        parameters:\n"
        "          endpoints:\n            - path: /\n              method: ANY\n";
    // Neither scf_bootstrap nor the entry file: the function cannot start.
    project.write("web/README.md", "A web function.\n");
    LoadResult r = loadIn(project, yaml);
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QCOMPARE(r.diagnostics.front().code, std::string("web-entry-not-found"));
    QCOMPARE(r.diagnostics.front().function, std::string("site"));
    QVERIFY2(QString::fromStdString(r.diagnostics.front().message)
                 .contains("in web/ and no entry file 'app.js'"),
             r.diagnostics.front().message.c_str());
    QVERIFY(!r.canRun("site"));

    // The entry file, run as the component runs it.
    project.write("web/app.js", "require('http').createServer().listen(9000);\n");
    r = loadIn(project, yaml);
    QVERIFY2(r.ok() && r.diagnostics.empty(), qPrintable(describe(r.diagnostics)));
    const Function &fn = r.manifest->functions.front();
    QCOMPARE(int(fn.kind), int(FunctionKind::HttpService));
    QVERIFY(fn.service);
    QCOMPARE(fn.service->command, std::string("node app.js"));
    QCOMPARE(fn.service->port, 9000);
    QCOMPARE(fn.path, std::string("/"));
    QCOMPARE(QDir(project.path()).relativeFilePath(QString::fromStdString(fn.codeDir)),
             QString("web"));

    // scf_bootstrap starts it when there is one; it must be executable.
    const QString bootstrap = project.write("web/scf_bootstrap", "#!/bin/sh\nexec node app.js\n");
    r = loadIn(project, yaml);
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QCOMPARE(r.diagnostics.front().code, std::string("bootstrap-not-executable"));
    QFile::setPermissions(bootstrap, QFile::permissions(bootstrap) | QFile::ExeOwner);
    r = loadIn(project, yaml);
    QVERIFY2(r.ok() && r.diagnostics.empty(), qPrintable(describe(r.diagnostics)));
    QCOMPARE(r.manifest->functions.front().service->command, std::string("./scf_bootstrap"));
}

// Tencent's component and plugin deploy a timer without 'enable' switched off; scfcli
// leaves it to SCF, which switches it on.
void TestScfManifests::timersWithoutEnable() {
    TempProject project;
    LoadResult r = loadIn(project, replaceLine(kComponent, 19, ""));
    QVERIFY(r.ok());
    QVERIFY(!r.manifest->functions.front().events[0].enabled);
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QCOMPARE(r.diagnostics.front().code, std::string("timer-off"));
    QCOMPARE(r.diagnostics.front().severity, Severity::Information);
    QCOMPARE(r.diagnostics.front().range.start.line + 1, 16);

    TempProject other;
    r = loadIn(other, replaceLine(kTemplate, 19, ""));
    QVERIFY2(r.ok() && r.diagnostics.empty(), qPrintable(describe(r.diagnostics)));
    QVERIFY(r.manifest->functions.front().events[0].enabled);
}

void TestScfManifests::templateGlobalsAndCos() {
    TempProject project;
    const QByteArray yaml = R"(Resources:
  team:
    Type: TencentCloud::Serverless::Namespace
    first:
      Type: TencentCloud::Serverless::Function
      Properties:
        Handler: index.main_handler
    second:
      Type: TencentCloud::Serverless::Function
      Properties:
        CodeUri:
          Bucket: code-1250000000
          Key: second.zip
        Runtime: nodejs12.16
Globals:
  Function:
    CodeUri: ./src
    Handler: index.main_handler
    Runtime: Python3.6
    MemorySize: 512
)";
    const LoadResult r = loadIn(project, yaml);
    const Manifest &m = *r.manifest;
    QCOMPARE(m.functions.size(), size_t(2));
    // Globals fill what a function leaves out.
    QCOMPARE(m.functions[0].runtime.value, std::string("Python3.6"));
    QCOMPARE(m.functions[0].memorySize.value, 512);
    QCOMPARE(m.functions[0].namespaceName, std::string("team"));
    QCOMPARE(m.functions[1].runtime.value, std::string("nodejs12.16"));
    QCOMPARE(int(runtimeFamily(m.functions[1].runtime.value)), int(RuntimeFamily::Node));
    // Code that is in COS cannot run here: said once, on the CodeUri.
    QCOMPARE(r.diagnostics.size(), size_t(2));
    QCOMPARE(r.diagnostics[0].code, std::string("code-in-cos"));
    QCOMPARE(r.diagnostics[0].range.start.line + 1, 12);
    QCOMPARE(r.diagnostics[1].code, std::string("handler-not-found"));
    QCOMPARE(r.diagnostics[1].function, std::string("second"));
    QVERIFY(r.canRun("first"));
}

void TestScfManifests::templateFoundOnlyWhenScf() {
    TempProject scf;
    scf.write("template.yaml", kTemplate);
    QCOMPARE(ManifestLoader::findManifestFile(scf.path().toStdString()).value_or(""),
             scf.filePath("template.yaml").toStdString());
    TempProject sam;
    sam.write("template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n"
                               "Transform: AWS::Serverless-2016-10-31\nResources: {}\n");
    QVERIFY(!ManifestLoader::findManifestFile(sam.path().toStdString()));
    QVERIFY(ManifestLoader::isManifestFileName("template.yaml"));
    QVERIFY(!ManifestLoader::isManifestFileName("template.json"));
}

QTEST_GUILESS_MAIN(TestScfManifests)
#include "tst_scfmanifests.moc"
