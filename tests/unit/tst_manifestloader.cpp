#include "nimbus/manifest/manifestloader.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus::manifest;

namespace {

// A valid manifest; rows replace one line of it to make one mistake.
const QByteArray kBase = R"(service: shop
provider:
  name: aws
  runtime: python3.11
  memorySize: 256
functions:
  hello:
    handler: handler.hello
    timeout: 10
    events:
      - httpApi: GET /hello
)";

QByteArray replaceLine(QByteArray yaml, int line, const QByteArray &with) {
    QList<QByteArray> lines = yaml.split('\n');
    lines[line - 1] = with;
    return lines.join('\n');
}

LoadResult loadIn(TempProject &project, const QByteArray &yaml, LoadOptions options = {}) {
    project.write("handler.py", "def hello(event, context):\n    return event\n");
    project.write("handler.js", "exports.hello = async (event) => event;\n");
    project.writeManifest(yaml);
    if (!options.environment)
        options.environment = [](const std::string &) { return std::optional<std::string>(); };
    return ManifestLoader(options).loadProject(project.path().toStdString());
}

QString describe(const std::vector<Diagnostic> &diagnostics) {
    QStringList lines;
    for (const auto &d : diagnostics)
        lines << QString::fromStdString(formatDiagnostic(d));
    return lines.join(" | ");
}

// Diagnostics with everything an editor gets: position, code, message, function, fixes.
QString describeFully(const std::vector<Diagnostic> &diagnostics) {
    QStringList lines;
    for (const auto &d : diagnostics) {
        QString line = QString::fromStdString(formatDiagnostic(d)) + " [" +
                       QString::fromStdString(d.code) + "/" + QString::fromStdString(d.function) +
                       QString(" to %1:%2]").arg(d.range.end.line).arg(d.range.end.column);
        for (const auto &fix : d.fixes)
            line += QString(" fix %1 at %2:%3-%4:%5 '%6'")
                        .arg(QString::fromStdString(fix.title))
                        .arg(fix.range.start.line)
                        .arg(fix.range.start.column)
                        .arg(fix.range.end.line)
                        .arg(fix.range.end.column)
                        .arg(QString::fromStdString(fix.newText));
        lines << line;
    }
    return lines.join("\n");
}

// A load that reuses what loads before it found (as the language server's, after each edit)
// must find what a load from scratch finds. The text goes among many functions (so that
// their findings are remembered) and is loaded after the same text without `yaml`'s change.
QString incrementalDifference(TempProject &project, const QByteArray &before,
                              const QByteArray &yaml) {
    QByteArray more;
    for (int i = 0; i < 12; ++i)
        more += QByteArray("  extra") + QByteArray::number(i) + ":\n    handler: handler.hello\n" +
                (i % 3 == 0 ? "    memorySize: 99999\n" : "    timeout: 5\n");
    const std::string path = (project.path() + "/serverless.yml").toStdString();
    LoadOptions options;
    options.environment = [](const std::string &) { return std::optional<std::string>(); };
    const ManifestLoader loader(options);
    IncrementalLoad state;
    for (const QByteArray &text : {before + more, yaml + more, before + more, yaml + more}) {
        const std::string s = text.toStdString();
        const QString incremental = describeFully(loader.loadText(s, path, state).diagnostics);
        const QString whole = describeFully(loader.loadText(s, path).diagnostics);
        if (incremental != whole)
            return "incremental:\n" + incremental + "\nwhole:\n" + whole;
    }
    return {};
}

} // namespace

class TestManifestLoader : public QObject {
    Q_OBJECT
private slots:
    void validManifestAppliesProviderDefaults();
    void oneMistakeGivesOneDiagnostic_data();
    void oneMistakeGivesOneDiagnostic();
    void anEditIsParsedAndValidatedAlone();
    void nimbusKindsAreRead();
    void stageOptionNamesDeployedFunctions();
    void eventsAreParsed();
    void customRuntimeNeedsBootstrap();
    void layersAreRead();
    void sandboxAndEphemeralStorageAreRead();
    void projectProblems_data();
    void projectProblems();
    void examplesAndTemplatesAreValid_data();
    void examplesAndTemplatesAreValid();
};

void TestManifestLoader::validManifestAppliesProviderDefaults() {
    TempProject project;
    const LoadResult result =
        loadIn(project, kBase + "  other:\n    handler: handler.hello\n    runtime: nodejs20.x\n   "
                                " environment: {B: '2'}\n");
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    const Manifest &m = *result.manifest;
    QCOMPARE(m.service, std::string("shop"));
    QCOMPARE(m.functions.size(), size_t(2));
    const Function *hello = m.function("hello");
    QVERIFY(hello);
    QCOMPARE(hello->runtime.value, std::string("python3.11"));
    QCOMPARE(hello->memorySize.value, 256); // from the provider
    QCOMPARE(hello->timeout.value, 10);     // its own
    QCOMPARE(hello->timeout.range.start.line, 8);
    QCOMPARE(hello->kind, FunctionKind::Event);
    QCOMPARE(hello->deployedName, std::string("shop-dev-hello"));
    const Function *other = m.function("other");
    QCOMPARE(other->runtime.value, std::string("nodejs20.x"));
    QCOMPARE(other->timeout.value, 6); // the platform default
    QCOMPARE(other->environment.at("B"), std::string("2"));
}

void TestManifestLoader::oneMistakeGivesOneDiagnostic_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("severity");

    QTest::newRow("bad YAML: unclosed quote")
        << replaceLine(kBase, 8, "    handler: 'handler.hello") << 8 << 14 << "yaml-syntax"
        << "this quoted string has no closing '"
        << "error";
    QTest::newRow("bad YAML: key indented wrongly")
        << replaceLine(kBase, 9, "   timeout: 10") << 9 << 4 << "yaml-syntax"
        << "this key is indented by 3 spaces, which lines it up with none of the keys above"
        << "error";
    QTest::newRow("wrong type: memorySize is text")
        << replaceLine(kBase, 5, "  memorySize: large") << 5 << 15 << "wrong-type"
        << "'provider.memorySize' must be an integer, but is a string ('large')"
        << "warning";
    QTest::newRow("wrong type: events is a mapping")
        << replaceLine(kBase, 11, "      httpApi: GET /hello") << 11 << 7 << "wrong-type"
        << "'functions.hello.events' must be a list, but is a mapping"
        << "warning";
    QTest::newRow("wrong type: timeout is a word")
        << replaceLine(kBase, 9, "    timeout: soon") << 9 << 14 << "wrong-type"
        << "must be an integer"
        << "warning";
    QTest::newRow("unknown top-level key")
        << replaceLine(kBase, 6, "functionz:") << 6 << 1 << "unknown-key"
        << "unknown key 'functionz' in the manifest; did you mean 'functions'?"
        << "warning";
    QTest::newRow("misspelt function key")
        << replaceLine(kBase, 9, "    timeuot: 10") << 9 << 5 << "unknown-key"
        << "did you mean 'timeout'?"
        << "warning";
    QTest::newRow("misspelt provider key")
        << replaceLine(kBase, 5, "  memroySize: 256") << 5 << 3 << "unknown-key"
        << "unknown key 'memroySize' in 'provider'; did you mean 'memorySize'?"
        << "warning";
    QTest::newRow("unknown key with nothing close lists the allowed keys")
        << replaceLine(kBase, 9, "    banana: 10") << 9 << 5 << "unknown-key"
        << "allowed keys: handler"
        << "warning";
    QTest::newRow("unknown runtime")
        << replaceLine(kBase, 4, "  runtime: pyhton3.11") << 4 << 12 << "unsupported-runtime"
        << "runtime 'pyhton3.11' cannot run in the simulator; did you mean 'python3.11'?"
        << "error";
    QTest::newRow("memorySize below range")
        << replaceLine(kBase, 5, "  memorySize: 64") << 5 << 15 << "out-of-range"
        << "below the minimum of 128 (allowed: 128 to 10240)"
        << "warning";
    QTest::newRow("memorySize above range")
        << replaceLine(kBase, 5, "  memorySize: 20480") << 5 << 15 << "out-of-range"
        << "above the maximum of 10240"
        << "warning";
    QTest::newRow("timeout above range")
        << replaceLine(kBase, 9, "    timeout: 901") << 9 << 14 << "out-of-range"
        << "'functions.hello.timeout' is 901, above the maximum of 900"
        << "warning";
    QTest::newRow("timeout of zero")
        << replaceLine(kBase, 9, "    timeout: 0") << 9 << 14 << "out-of-range"
        << "below the minimum of 1"
        << "warning";
    QTest::newRow("misspelt event type")
        << replaceLine(kBase, 11, "      - htpApi: GET /hello") << 11 << 9 << "unknown-key"
        << "did you mean 'httpApi'?"
        << "warning";
    QTest::newRow("two event types in one list item")
        << replaceLine(kBase, 11, "      - {httpApi: GET /hello, schedule: rate(1 minute)}") << 11
        << 31 << "too-many-keys"
        << "at most 1 key(s), but has 2"
        << "warning";
    QTest::newRow("bad schedule expression")
        << replaceLine(kBase, 11, "      - schedule: every 5 minutes") << 11 << 19
        << "invalid-value"
        << "is 'every 5 minutes': expected rate(5 minutes) or cron(0 12 * * ? *)"
        << "warning";
    QTest::newRow("schedule input as text that is not JSON")
        << replaceLine(kBase, 11, "      - schedule: {rate: rate(1 hour), input: 'not json'}") << 11
        << 47 << "input-not-json"
        << "'input' as text is sent as JSON, and 'not json' is not JSON"
        << "warning";
    QTest::newRow("schedule input and inputPath together")
        << replaceLine(kBase, 11,
                       "      - schedule: {rate: rate(1 hour), input: {a: 1}, inputPath: $.detail}")
        << 11 << 66 << "input-conflict"
        << "'input' and 'inputPath' cannot both be set"
        << "warning";
    QTest::newRow("schedule inputPath that is not a JSONPath")
        << replaceLine(kBase, 11, "      - schedule: {rate: rate(1 hour), inputPath: detail}") << 11
        << 51 << "invalid-input-path"
        << "starts with '$'"
        << "warning";
    QTest::newRow("rate with a singular unit above one")
        << replaceLine(kBase, 11, "      - schedule: rate(5 minute)") << 11 << 19
        << "invalid-schedule"
        << "takes the plural unit: rate(5 minutes)"
        << "warning";
    QTest::newRow("cron with five fields")
        << replaceLine(kBase, 11, "      - schedule: cron(0 12 * * ?)") << 11 << 19
        << "invalid-schedule"
        << "has 5 fields; a cron expression has 6"
        << "warning";
    QTest::newRow("cron with an hour out of range")
        << replaceLine(kBase, 11, "      - schedule: cron(0 25 * * ? *)") << 11 << 19
        << "invalid-schedule"
        << "the hours field '25' is not valid"
        << "warning";
    QTest::newRow("sqs queue that is not a resource of the manifest")
        << replaceLine(kBase, 11, "      - sqs: {arn: !GetAtt Jobs.Arn}") << 11 << 20
        << "unknown-resource"
        << "'Jobs' is not a resource of resources.Resources: the queue it names is unknown"
        << "warning";
    QTest::newRow("sqs batch above ten without a batching window")
        << replaceLine(kBase, 11, "      - sqs: {arn: 'arn:aws:sqs:us-east-1:1:q', batchSize: 100}")
        << 11 << 60 << "sqs-batch-window"
        << "a batchSize above 10 needs maximumBatchingWindow"
        << "warning";
    QTest::newRow("s3 bucket name that S3 refuses")
        << replaceLine(kBase, 11, "      - s3: My_Bucket") << 11 << 13 << "invalid-bucket-name"
        << "'My_Bucket' is not a valid bucket name"
        << "warning";
    QTest::newRow("s3 event type that does not exist")
        << replaceLine(kBase, 11, "      - s3: {bucket: photos, event: 's3:ObjectCreated:Upload'}")
        << 11 << 37 << "unknown-s3-event"
        << "'s3:ObjectCreated:Upload' is not an S3 event type"
        << "warning";
    QTest::newRow("websocket route taken twice")
        << replaceLine(kBase, 11, "      - websocket: $connect\n      - websocket: $connect") << 12 << 20
        << "duplicate-websocket-route"
        << "the WebSocket route '$connect' is already taken (line 11)"
        << "error";
    QTest::newRow("httpApi authorizer that is not defined")
        << replaceLine(kBase, 11, "      - httpApi: {method: GET, path: /hello, authorizer: jwt1}")
        << 11 << 58 << "unknown-authorizer"
        << "'jwt1' is not an authorizer of provider.httpApi.authorizers (there are none)"
        << "error";
    QTest::newRow("http authorizer that is not a function")
        << replaceLine(kBase, 11, "      - http: {method: get, path: hello, authorizer: checkToken}")
        << 11 << 54 << "authorizer-not-found"
        << "the authorizer 'checkToken' is not a function of this manifest"
        << "error";
    QTest::newRow("cron with both day fields set")
        << replaceLine(kBase, 11, "      - schedule: cron(0 12 1 * MON *)") << 11 << 19
        << "invalid-schedule"
        << "exactly one of day-of-month and day-of-week must be '?'"
        << "warning";
    QTest::newRow("schedule list item in the object form")
        << replaceLine(kBase, 11, "      - schedule: {rate: ['rate(1 hour)', 'rate(0 days)']}")
        << 11 << 43 << "invalid-schedule"
        << "must be a positive number"
        << "warning";
    QTest::newRow("unknown http method")
        << replaceLine(kBase, 11, "      - http: {method: FETCH, path: /x}") << 11 << 24
        << "invalid-value"
        << "'FETCH', which is not allowed"
        << "warning";
    QTest::newRow("missing handler file")
        << replaceLine(kBase, 8, "    handler: missing.hello") << 8 << 14 << "handler-not-found"
        << "handler module for 'missing.hello' not found (looked for missing.py"
        << "error";
    QTest::newRow("missing handler function")
        << replaceLine(kBase, 8, "    handler: handler.goodbye") << 8 << 14 << "handler-not-found"
        << "'handler.py' does not define 'goodbye'"
        << "error";
    QTest::newRow("handler without a function part")
        << replaceLine(kBase, 8, "    handler: handler") << 8 << 14 << "handler-not-found"
        << "not of the form module.function"
        << "error";
    QTest::newRow("node handler with a missing export")
        << replaceLine(kBase, 4, "  runtime: nodejs20.x").replace("handler.hello", "handler.bye")
        << 8 << 14 << "handler-not-found"
        << "'handler.js' does not define 'bye'"
        << "error";
    QTest::newRow("unresolved self reference")
        << replaceLine(kBase, 9, "    timeout: ${self:custom.timeout}") << 9 << 14
        << "unresolved-variable"
        << "the manifest has no key 'custom'"
        << "warning";
    QTest::newRow("unset environment variable")
        << replaceLine(kBase, 9, "    description: ${env:NIMBUS_SURELY_UNSET}") << 9 << 18
        << "unresolved-variable"
        << "'NIMBUS_SURELY_UNSET' is not set"
        << "warning";
    QTest::newRow("duplicate key")
        << replaceLine(kBase, 9, "    handler: handler.hello") << 9 << 5 << "duplicate-key"
        << "duplicate key 'handler' (first defined on line 8)"
        << "error";
    QTest::newRow("two kinds in one function")
        << replaceLine(kBase, 9, "    httpHandler: handler.hello") << 9 << 5 << "conflicting-kind"
        << "sets both 'handler' and 'httpHandler'"
        << "error";
    QTest::newRow("function without code")
        << replaceLine(kBase, 8, "    description: nothing here") << 7 << 3 << "missing-handler"
        << "function 'hello' has no code"
        << "error";
    QTest::newRow("missing service")
        << replaceLine(kBase, 1, "# no service") << 2 << 1 << "missing-key"
        << "the manifest is missing the required key 'service'"
        << "warning";
    QTest::newRow("provider without a name")
        << replaceLine(kBase, 3, "  stage: dev") << 2 << 1 << "missing-key"
        << "'provider' is missing the required key 'name'"
        << "warning";
    QTest::newRow("duplicate route across functions")
        << kBase +
               "  again:\n    handler: handler.hello\n    events:\n      - httpApi: GET /hello\n"
        << 15 << 9 << "duplicate-route"
        << "httpApi route GET /hello takes the same requests as httpApi route GET /hello of "
           "function 'hello' (line 11)"
        << "warning";
    QTest::newRow("http and httpApi routes share the local gateway")
        << kBase + "  again:\n    handler: handler.hello\n    events:\n      - http: GET /hello\n"
        << 15 << 9 << "duplicate-route"
        << "http route GET /hello takes the same requests as httpApi route GET /hello"
        << "warning";
    QTest::newRow("a trailing slash is the same route")
        << kBase +
               "  again:\n    handler: handler.hello\n    events:\n      - httpApi: GET /hello/\n"
        << 15 << 9 << "duplicate-route"
        << "httpApi route GET /hello/ takes the same requests as httpApi route GET /hello"
        << "warning";
    QTest::newRow("path parameters with other names are the same route")
        << QByteArray(kBase).replace("GET /hello", "GET /users/{id}") +
               "  again:\n    handler: handler.hello\n    events:\n      - httpApi: GET "
               "/users/{userId}\n"
        << 15 << 9 << "duplicate-route"
        << "takes the same requests as httpApi route GET /users/{id}"
        << "warning";
    QTest::newRow("two http functions at one path")
        << kBase + "  web:\n    httpHandler: handler.hello\n    path: /site\n"
                   "  site:\n    httpHandler: handler.hello\n    path: /site/\n"
        << 15 << 3 << "duplicate-route"
        << "http function path ANY /site/ takes the same requests as http function path ANY /site"
        << "warning";
    QTest::newRow("events on an http function")
        << kBase + "  web:\n    httpHandler: handler.hello\n    events: []\n"
        << 14 << 5 << "events-on-http-kind"
        << "'events' belong to event functions"
        << "error";
    QTest::newRow("http service without a command")
        << kBase + "  web:\n    httpService: {concurrency: 5}\n"
        << 13 << 5 << "missing-key"
        << "'functions.web.httpService' is missing the required key 'command'"
        << "error";
}

void TestManifestLoader::oneMistakeGivesOneDiagnostic() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, severity);
    TempProject project;
    const LoadResult result = loadIn(project, yaml);
    QVERIFY2(result.diagnostics.size() == 1, qPrintable(describe(result.diagnostics)));
    const Diagnostic &d = result.diagnostics.front();
    QCOMPARE(QString::fromStdString(d.code), code);
    QVERIFY2(QString::fromStdString(d.message).contains(message), d.message.c_str());
    QCOMPARE(QString(severityName(d.severity)), severity);
    QVERIFY(d.hasPosition);
    QCOMPARE(d.range.start.line + 1, line);
    QCOMPARE(d.range.start.column + 1, column);
    // Warnings never stop a function; only errors do.
    QCOMPARE(result.ok(), severity != "error");
    const QString difference = incrementalDifference(project, kBase, yaml);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestManifestLoader::anEditIsParsedAndValidatedAlone() {
    TempProject project;
    project.write("handler.py", "def hello(event, context):\n    return event\n");
    QByteArray yaml = kBase;
    for (int i = 0; i < 200; ++i)
        yaml += "  fn" + QByteArray::number(i) + ":\n    handler: handler.hello\n    memorySize: 512\n";
    const std::string path = (project.path() + "/serverless.yml").toStdString();
    const ManifestLoader loader;
    IncrementalLoad state;
    QVERIFY(loader.loadText(yaml.toStdString(), path, state).ok());
    QCOMPARE(state.validation.lastStats().validated, 201);

    const QByteArray edited = yaml.replace("  fn100:\n    handler: handler.hello\n    memorySize: 512",
                                           "  fn100:\n    handler: handler.hello\n    memorySize: 99999");
    const LoadResult result = loader.loadText(edited.toStdString(), path, state);
    QCOMPARE(state.parser.lastStats().parsed, 1);
    QCOMPARE(state.validation.lastStats().validated, 1);
    QCOMPARE(state.validation.lastStats().reused, 200);
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QCOMPARE(result.diagnostics.front().range.start.line, 11 + 100 * 3 + 2);
}

void TestManifestLoader::nimbusKindsAreRead() {
    TempProject project;
    const LoadResult result = loadIn(project, kBase + R"(  api:
    httpHandler: handler.hello
  web:
    httpService:
      command: python3 app.py
      concurrency: 20
      readinessPath: /healthz
    path: /site
)");
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    const Function *api = result.manifest->function("api");
    QCOMPARE(api->kind, FunctionKind::HttpFunction);
    QCOMPARE(api->path, std::string("/api"));
    QCOMPARE(api->handler.value, std::string("handler.hello"));
    const Function *web = result.manifest->function("web");
    QCOMPARE(web->kind, FunctionKind::HttpService);
    QCOMPARE(web->path, std::string("/site"));
    QVERIFY(web->service);
    QCOMPARE(web->service->command, std::string("python3 app.py"));
    QCOMPARE(web->service->concurrency, 20);
    QCOMPARE(web->service->readinessPath.value_or(""), std::string("/healthz"));
    QCOMPARE(web->service->maxInstances, 10);
}

void TestManifestLoader::stageOptionNamesDeployedFunctions() {
    TempProject project;
    LoadOptions options;
    options.options["stage"] = "prod";
    const LoadResult result =
        loadIn(project,
               replaceLine(kBase, 9, "    timeout: ${self:custom.timeout.${sls:stage}}") +
                   "custom:\n  timeout: {dev: 5, prod: 30}\n",
               options);
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    QCOMPARE(result.manifest->provider.stage, std::string("prod"));
    QCOMPARE(result.manifest->function("hello")->deployedName, std::string("shop-prod-hello"));
    QCOMPARE(result.manifest->function("hello")->timeout.value, 30);
}

void TestManifestLoader::eventsAreParsed() {
    TempProject project;
    const LoadResult result = loadIn(project, replaceLine(kBase, 11, R"(      - httpApi: GET /hello
      - http: {method: post, path: 'users/{id}'}
      - httpApi: '*'
      - schedule: {rate: ['rate(5 minutes)', 'cron(0/15 3-5 ? JAN-MAR MON#1 *)']})"));
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    const auto &events = result.manifest->function("hello")->events;
    QCOMPARE(events.size(), size_t(4));
    QCOMPARE(events[0].method, std::string("GET"));
    QCOMPARE(events[0].path, std::string("/hello"));
    QCOMPARE(events[1].type, std::string("http"));
    QCOMPARE(events[1].method, std::string("POST"));
    QCOMPARE(events[1].path, std::string("/users/{id}"));
    QCOMPARE(events[2].method, std::string("ANY"));
    QCOMPARE(events[2].path, std::string("*"));
    QCOMPARE(events[3].schedules.size(), size_t(2));
}

void TestManifestLoader::customRuntimeNeedsBootstrap() {
    TempProject project;
    const QByteArray yaml = replaceLine(kBase, 4, "  runtime: provided.al2");
    LoadResult result = loadIn(project, yaml);
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QCOMPARE(result.diagnostics[0].code, std::string("bootstrap-not-found"));
    QCOMPARE(result.diagnostics[0].range.start.line + 1, 4);

    project.write("bootstrap", "#!/bin/sh\n");
    result = loadIn(project, yaml);
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QCOMPARE(result.diagnostics[0].code, std::string("bootstrap-not-executable"));

    QFile::setPermissions(project.filePath("bootstrap"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    result = loadIn(project, yaml);
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
}

void TestManifestLoader::sandboxAndEphemeralStorageAreRead() {
    TempProject project;
    project.write("h.py", "def main(event, context):\n    pass\n");
    auto load = [&](const QByteArray &custom) {
        return loadIn(project, "service: s\nprovider:\n  name: aws\n  runtime: python3.11\n" +
                                   custom +
                                   "functions:\n  big:\n    handler: h.main\n"
                                   "    ephemeralStorageSize: 2048\n  small:\n"
                                   "    handler: h.main\n");
    };
    LoadResult result = load("");
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    QVERIFY(!result.manifest->sandbox);
    QCOMPARE(result.manifest->function("big")->ephemeralStorageSize, 2048);
    QCOMPARE(result.manifest->function("small")->ephemeralStorageSize, 512); // Lambda's default

    result = load("custom:\n  nimbus:\n    sandbox: true\n");
    QCOMPARE(result.manifest->sandbox, std::optional<bool>(true));
    QVERIFY(result.manifest->sandboxNetwork);
    result = load("custom:\n  nimbus:\n    sandbox: false\n");
    QCOMPARE(result.manifest->sandbox, std::optional<bool>(false));
    result = load("custom:\n  nimbus:\n    sandbox:\n      network: false\n");
    QCOMPARE(result.manifest->sandbox, std::optional<bool>(true));
    QVERIFY(!result.manifest->sandboxNetwork);

    // Anything else is named where it is written, and ignored.
    result = load("custom:\n  nimbus:\n    sandbox: sometimes\n");
    QVERIFY(!result.manifest->sandbox);
    const auto found = std::find_if(result.diagnostics.begin(), result.diagnostics.end(),
                                    [](const Diagnostic &d) { return d.code == "sandbox-value"; });
    QVERIFY(found != result.diagnostics.end());
    QCOMPARE(found->range.start.line, 6); // (zero-based)
    QVERIFY(found->message.find("{network: false}") != std::string::npos);
}

void TestManifestLoader::layersAreRead() {
    TempProject project;
    project.write("layers/common/python/shared.py", "VALUE = 1\n");
    const QByteArray yaml = R"(service: shop
provider:
  name: aws
  runtime: python3.11
  layers:
    - arn:aws:lambda:us-east-1:000000000000:layer:base:2
layers:
  common-libs:
    path: layers/common
    description: Shared code
    compatibleRuntimes: [python3.11]
  named:
    path: layers/missing
    name: shop-named
functions:
  hello:
    handler: handler.hello
    layers:
      - arn:aws:lambda:us-east-1:000000000000:layer:tools:7
      - {Ref: CommonDashlibsLambdaLayer}
      - !Ref NamedLambdaLayer
      - {Ref: NoSuchLambdaLayer}
      - {'Fn::ImportValue': shared-layer}
  inherits:
    handler: handler.hello
)";
    const LoadResult result = loadIn(project, yaml);
    QVERIFY2(result.ok(), qPrintable(describe(result.diagnostics)));
    const Manifest &m = *result.manifest;
    QCOMPARE(m.layers.size(), size_t(2));
    QCOMPARE(m.layers[0].name, std::string("common-libs"));
    QCOMPARE(m.layers[0].deployedName, std::string("common-libs")); // the framework's default
    QCOMPARE(m.layers[0].path, (project.path() + "/layers/common").toStdString());
    QCOMPARE(m.layers[0].description, std::string("Shared code"));
    QCOMPARE(m.layers[0].compatibleRuntimes, std::vector<std::string>{"python3.11"});
    QCOMPARE(m.layers[1].deployedName, std::string("shop-named"));
    QCOMPARE(layerLogicalId("common-libs"), std::string("CommonDashlibsLambdaLayer"));
    QCOMPARE(layerLogicalId("my_layer"), std::string("MyUnderscorelayerLambdaLayer"));

    // The function's own list, in order, replaces the provider's.
    const auto &layers = m.function("hello")->layers;
    QCOMPARE(layers.size(), size_t(3));
    QCOMPARE(layers[0].arn, std::string("arn:aws:lambda:us-east-1:000000000000:layer:tools:7"));
    QCOMPARE(layers[1].layer, std::string("common-libs"));
    QCOMPARE(layers[2].layer, std::string("named"));
    QCOMPARE(layers[1].range.start.line + 1, 20);
    const auto &inherited = m.function("inherits")->layers;
    QCOMPARE(inherited.size(), size_t(1));
    QCOMPARE(inherited[0].arn, std::string("arn:aws:lambda:us-east-1:000000000000:layer:base:2"));

    // What cannot be mounted is said where it is written, and keeps no function from running.
    QStringList codes;
    for (const auto &d : result.diagnostics) {
        codes << QString::fromStdString(d.code);
        QVERIFY(d.severity != Severity::Error);
    }
    QVERIFY2(codes.contains("layer-path-missing"), qPrintable(describe(result.diagnostics)));
    QVERIFY2(codes.contains("unknown-layer"), qPrintable(describe(result.diagnostics)));
    QVERIFY2(codes.contains("layer-not-local"), qPrintable(describe(result.diagnostics)));
    const QString all = describe(result.diagnostics);
    QVERIFY2(all.contains("'NoSuchLambdaLayer' is not a layer of this service (its layers are "
                          "referenced as CommonDashlibsLambdaLayer, NamedLambdaLayer)"),
             qPrintable(all));
    QVERIFY2(all.contains("the folder 'layers/missing' does not exist"), qPrintable(all));
}

void TestManifestLoader::projectProblems_data() {
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing directory") << "missing"
                                       << "no such file or directory";
    QTest::newRow("directory without a manifest")
        << "empty"
        << "no serverless.yml, serverless.yaml or SCF template.yaml";
    QTest::newRow("manifest that is a folder") << "folder"
                                               << "not a regular file";
    QTest::newRow("empty manifest") << "blank"
                                    << "the manifest is empty";
}

void TestManifestLoader::projectProblems() {
    QFETCH(QString, setup);
    QFETCH(QString, message);
    TempProject project;
    QString target = project.path();
    if (setup == "missing")
        target = project.filePath("nope");
    else if (setup == "folder")
        QDir().mkpath(project.filePath("serverless.yml"));
    else if (setup == "blank")
        project.writeManifest("");
    const LoadResult result = ManifestLoader().loadProject(target.toStdString());
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QVERIFY2(QString::fromStdString(result.diagnostics[0].message).contains(message),
             result.diagnostics[0].message.c_str());
    QVERIFY(!result.ok());
    // Every message names the file or folder it is about.
    QVERIFY(
        QString::fromStdString(formatDiagnostic(result.diagnostics[0])).startsWith(project.path()));
}

void TestManifestLoader::examplesAndTemplatesAreValid_data() {
    QTest::addColumn<QString>("dir");
    const QString source = qEnvironmentVariable("NIMBUS_SOURCE_DIR");
    for (const QString &group :
         {QStringLiteral("examples"), QStringLiteral("resources/templates")}) {
        for (const QString &name :
             QDir(source + "/" + group).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            QTest::newRow(qPrintable(group + "/" + name)) << source + "/" + group + "/" + name;
    }
}

void TestManifestLoader::examplesAndTemplatesAreValid() {
    QFETCH(QString, dir);
    const LoadResult result = ManifestLoader().loadProject(dir.toStdString());
    QVERIFY2(result.ok() && result.diagnostics.empty(), qPrintable(describe(result.diagnostics)));
    QVERIFY(!result.manifest->functions.empty());
}

QTEST_APPLESS_MAIN(TestManifestLoader)
#include "tst_manifestloader.moc"
