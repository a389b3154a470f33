// The constructs real Serverless Framework projects are written with load as the framework
// loads them: each row is one construct, with the severity the framework gives it, and what
// the model makes of it. Written for Nimbus; no project's files are copied here.
#include "nimbus/manifest/manifestloader.h"
#include "tempproject.h"

#include <QtTest>
#include <functional>

using namespace nimbus::manifest;

namespace {

// Returns an empty string when the loaded project is as expected, else what is not.
using Check = std::function<QString(const LoadResult &)>;

const Check kNothing = [](const LoadResult &) { return QString(); };

QString eventOf(const LoadResult &r, const char *function, size_t index, QString &type,
                QString &method, QString &path) {
    const Function *fn = r.manifest->function(function);
    if (!fn || fn->events.size() <= index)
        return QString("no event %1 in %2").arg(index).arg(function);
    type = QString::fromStdString(fn->events[index].type);
    method = QString::fromStdString(fn->events[index].method);
    path = QString::fromStdString(fn->events[index].path);
    return {};
}

const QByteArray kHandlers = "def main(event, context):\n    return event\n";

} // namespace

Q_DECLARE_METATYPE(Check)

class TestServerlessProjects : public QObject {
    Q_OBJECT
private slots:
    void constructs_data();
    void constructs();
    void deploymentNeedsEveryValue();
};

void TestServerlessProjects::constructs_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QStringList>("files"); // path, content, path, content, ...
    QTest::addColumn<int>("errors");
    QTest::addColumn<int>("warnings");
    QTest::addColumn<QString>("mention"); // a text some diagnostic holds
    QTest::addColumn<Check>("check");

    const QByteArray head = "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\n";
    const QByteArray fn = "functions:\n  hello:\n    handler: handler.main\n";

    QTest::newRow("provider keys of the framework: lambdaHashingVersion, apiKeys, usagePlan")
        << head +
               "  lambdaHashingVersion: 20201221\n  apiKeys:\n    - shop-key\n"
               "  usagePlan:\n    quota: {limit: 5000, period: MONTH}\n"
               "    throttle: {burstLimit: 200, rateLimit: 100}\n" +
               fn
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("the older service: {name: ...}")
        << "service:\n  name: legacy\n" + head.mid(head.indexOf("provider")) + fn << QStringList()
        << 0 << 0 << "" << Check([](const LoadResult &r) {
               return r.manifest->service == "legacy" ? QString() : "service is not 'legacy'";
           });
    QTest::newRow("an http event written 'GET hello', without the leading slash")
        << head + fn + "    events:\n      - http: GET hello\n"
        << QStringList() << 0 << 0 << "" << Check([](const LoadResult &r) {
               QString type, method, path;
               if (QString e = eventOf(r, "hello", 0, type, method, path); !e.isEmpty())
                   return e;
               return method == "GET" && path == "/hello" ? QString() : method + " " + path;
           });
    QTest::newRow("a bare event name: - alexaSkill")
        << head + fn + "    events:\n      - alexaSkill\n"
        << QStringList() << 0 << 0 << "" << Check([](const LoadResult &r) {
               QString type, method, path;
               if (QString e = eventOf(r, "hello", 0, type, method, path); !e.isEmpty())
                   return e;
               return type == "alexaSkill" ? QString() : "event type " + type;
           });
    QTest::newRow("event types beyond http and schedule")
        << head + fn +
               "    events:\n"
               "      - iot: {sql: \"SELECT * FROM 'sensors'\"}\n"
               "      - cognitoUserPool: {pool: users, trigger: PreSignUp}\n"
               "      - alexaSmartHome: amzn1.ask.skill.1\n"
               "      - kafka: {accessConfigurations: {saslScram512Auth: arn:aws:secretsmanager:x},"
               " topic: orders, bootstrapServers: [b-1.local:9092]}\n"
               "      - msk: {arn: arn:aws:kafka:us-east-1:000000000000:cluster/c, topic: orders}\n"
               "      - rabbitmq: {arn: arn:aws:mq:us-east-1:000000000000:broker:b, queue: jobs,"
               " basicAuthArn: arn:aws:secretsmanager:us-east-1:000000000000:secret:s}\n"
               "      - activemq: {arn: arn:aws:mq:us-east-1:000000000000:broker:b, queue: jobs,"
               " basicAuthArn: arn:aws:secretsmanager:us-east-1:000000000000:secret:s}\n"
               "      - sns: orders-topic\n"
               "      - stream: {type: dynamodb, arn: arn:aws:dynamodb:x:y:table/t/stream/s}\n"
               "      - eventBridge: {pattern: {source: [shop.orders]}}\n"
               "      - cloudwatchEvent: {event: {source: [aws.ec2]}}\n"
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("CloudFormation short forms: !Ref, !GetAtt, !Sub, !Join")
        << head +
               "  environment:\n    TABLE: !Ref OrdersTable\n"
               "    QUEUE_URL: !Sub 'https://sqs.${AWS::Region}.amazonaws.com/q'\n" +
               fn +
               "    events:\n      - sqs:\n          arn: !GetAtt JobsQueue.Arn\n"
               "      - stream:\n          type: dynamodb\n"
               "          arn: !Join [':', [a, b]]\n"
               "resources:\n  - Resources:\n      JobsQueue:\n        Type: AWS::SQS::Queue\n"
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("a plugin's function keys, with the plugin listed")
        << head + "plugins:\n  - serverless-iam-roles-per-function\n" + fn +
               "    iamRoleStatements:\n      - Effect: Allow\n        Action: [dynamodb:GetItem]\n"
               "        Resource: '*'\n"
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("a plugin's function keys, without the plugin listed")
        << head + fn + "    iamRoleStatements: []\n"
        << QStringList() << 0 << 1
        << "belongs to the plugin serverless-iam-roles-per-function, which 'plugins' does not "
           "list"
        << kNothing;
    QTest::newRow("a plugin's top-level keys: constructs of serverless-lift")
        << head + "plugins: [serverless-lift]\nconstructs:\n  jobs:\n    type: queue\n" + fn
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("plugins written as {localPath, modules}")
        << head + "plugins:\n  localPath: ./plugins\n  modules: [serverless-offline]\n" + fn
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("a plugin Nimbus does not know may add the key nobody knows")
        << head + "plugins: [serverless-shop-magic]\nshopMagic: {on: true}\n" + fn << QStringList()
        << 0 << 1 << "serverless-shop-magic" << kNothing;
    QTest::newRow("configValidationMode: error makes schema problems errors")
        << "configValidationMode: error\n" + head + fn + "    timeuot: 3\n"
        << QStringList() << 1 << 0 << "did you mean 'timeout'?" << kNothing;
    QTest::newRow("configValidationMode: off reports no schema problems")
        << "configValidationMode: off\n" + head + fn + "    timeuot: 3\n"
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("functions as a list of included files")
        << head + "functions:\n  - ${file(./functions/users.yml)}\n"
                  "  - ${file(./functions/orders.yml)}\n"
        << QStringList{"functions/users.yml", "users:\n  handler: handler.main\n",
                       "functions/orders.yml", "orders:\n  handler: handler.main\n"}
        << 0 << 0 << "" << Check([](const LoadResult &r) {
               return r.manifest->functions.size() == 2 && r.canRun("orders")
                          ? QString()
                          : QString("functions were not merged");
           });
    QTest::newRow("resources as a list of included files")
        << head + fn + "resources:\n  - ${file(./res/table.yml)}\n  - ${file(./res/queue.yml)}\n"
        << QStringList{"res/table.yml", "Resources:\n  Orders: {Type: AWS::DynamoDB::Table}\n",
                       "res/queue.yml", "Resources:\n  Jobs: {Type: AWS::SQS::Queue}\n"}
        << 0 << 0 << "" << Check([](const LoadResult &r) {
               const YamlNode *res = r.manifest->tree.find("resources");
               return res && res->find("Resources") && res->find("Resources")->entries.size() == 2
                          ? QString()
                          : QString("resources were not merged");
           });
    QTest::newRow("a TypeScript handler (serverless-esbuild)")
        << QByteArray(
               "service: shop\nplugins: [serverless-esbuild]\nprovider:\n  name: aws\n"
               "  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: src/handler.hello\n")
        << QStringList{"src/handler.ts",
                       "import type { Handler } from 'aws-lambda';\n"
                       "export const hello: Handler = async (event) => ({ statusCode: 200 });\n"}
        << 0 << 0 << "" << Check([](const LoadResult &r) {
               return r.canRun("hello") ? QString() : QString("hello cannot run");
           });
    QTest::newRow("an ssm value: a warning, a placeholder, and the function still runs")
        << head + "  environment:\n    DB_URL: ${ssm:/shop/db-url}\n" + fn << QStringList() << 0
        << 1 << "using the placeholder '<ssm:/shop/db-url>'" << Check([](const LoadResult &r) {
               const Function *f = r.manifest->function("hello");
               return r.canRun("hello") && f->environment.at("DB_URL") == "<ssm:/shop/db-url>"
                          ? QString()
                          : QString("DB_URL is not the placeholder");
           });
    QTest::newRow("a missing handler module keeps only its own function from running")
        << head + fn + "  broken:\n    handler: nowhere.main\n"
        << QStringList() << 1 << 0 << "nowhere" << Check([](const LoadResult &r) {
               return r.canRun("hello") && !r.canRun("broken") && !r.blocksEverything()
                          ? QString()
                          : QString("hello should run and broken not");
           });
    QTest::newRow("a runtime the simulator has not keeps only its own function from running")
        << head + fn + "  java:\n    handler: com.shop.Handler\n    runtime: java17\n"
        << QStringList() << 1 << 0 << "runtime 'java17' cannot run in the simulator"
        << Check([](const LoadResult &r) {
               return r.canRun("hello") && !r.canRun("java") ? QString()
                                                             : QString("java should not run");
           });
    QTest::newRow("quoted numbers and booleans are coerced, as the framework does")
        << head + "  memorySize: '256'\n  versionFunctions: 'false'\n" + fn +
               "    timeout: \"10\"\n"
        << QStringList() << 0 << 0 << "" << Check([](const LoadResult &r) {
               const Function *f = r.manifest->function("hello");
               return f->memorySize.value == 256 && f->timeout.value == 10
                          ? QString()
                          : QString("memory %1, timeout %2")
                                .arg(f->memorySize.value)
                                .arg(f->timeout.value);
           });
    QTest::newRow("a single value where a list is expected")
        << head +
               "  iam:\n    role:\n      statements:\n        - Effect: Allow\n"
               "          Action: dynamodb:Query\n          Resource: '*'\n" +
               fn
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("a key left empty is ignored, as the framework drops it")
        << head + "  environment:\n" + fn + "    layers:\n"
        << QStringList() << 0 << 0 << "" << kNothing;
    QTest::newRow("a Node handler that is the module's default export")
        << QByteArray("service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n"
                      "functions:\n  version:\n    handler: src/version.default\n")
        << QStringList{"src/version.js", "export default async function handler(event) {}\n"} << 0
        << 0 << "" << kNothing;
    QTest::newRow("a Node handler passed on from another module (ts-node bridge)")
        << QByteArray("service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n"
                      "functions:\n  hello:\n    handler: src/bridge.hello\n")
        << QStringList{"src/bridge.js",
                       "require('ts-node').register()\nmodule.exports = require('./handler.ts')\n",
                       "src/handler.ts", "export const hello = async () => ({})\n"}
        << 0 << 0 << "" << Check([](const LoadResult &r) {
               return r.canRun("hello") ? QString() : QString("hello cannot run");
           });
    QTest::newRow("serverless-wsgi: its generated wsgi_handler serves custom.wsgi.app")
        << QByteArray("service: shop\nplugins: [serverless-wsgi]\ncustom: {wsgi: {app: app.app}}\n"
                      "provider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  api:\n"
                      "    handler: wsgi_handler.handler\n")
        << QStringList{"app.py", "from flask import Flask\napp = Flask(__name__)\n"} << 0 << 0 << ""
        << Check([](const LoadResult &r) {
               const Function *f = r.manifest->function("api");
               return f->wsgiApp == std::optional<std::string>("app.app") && r.canRun("api")
                          ? QString()
                          : QString("the app is not app.app");
           });
    QTest::newRow("serverless-wsgi without custom.wsgi.app")
        << QByteArray(
               "service: shop\nplugins: [serverless-wsgi]\nprovider:\n  name: aws\n"
               "  runtime: python3.11\nfunctions:\n  api:\n    handler: wsgi_handler.handler\n")
        << QStringList() << 1 << 0 << "custom.wsgi.app" << kNothing;
    QTest::newRow("functions in an included file: a typo stays a warning of its own")
        << head + "functions:\n  - ${file(./fns.yml)}\n"
        << QStringList{"fns.yml", "a:\n  handler: handler.main\n  timeuot: 3\n"
                                  "b:\n  handler: handler.main\n"}
        << 0 << 1 << "did you mean 'timeout'?" << Check([](const LoadResult &r) {
               return r.canRun("a") && r.canRun("b") ? QString() : QString("a or b cannot run");
           });
    QTest::newRow("an unresolved handler in an included file keeps only that function")
        << head + "functions:\n  - ${file(./fns.yml)}\n"
        << QStringList{"fns.yml",
                       "a:\n  handler: ${env:NIMBUS_NOPE}\nb:\n  handler: handler.main\n"}
        << 1 << 0 << "'NIMBUS_NOPE' is not set" << Check([](const LoadResult &r) {
               return !r.canRun("a") && r.canRun("b") ? QString() : QString("a runs, or b not");
           });
    QTest::newRow("a shared provided runtime without bootstrap keeps every function from running")
        << QByteArray("service: shop\nprovider:\n  name: aws\n  runtime: provided.al2\n"
                      "functions:\n  a:\n    handler: a\n  b:\n    handler: b\n")
        << QStringList() << 1 << 0 << "bootstrap" << Check([](const LoadResult &r) {
               return !r.canRun("a") && !r.canRun("b") && !r.blocking("b").empty()
                          ? QString()
                          : QString("a or b runs, or b has no reason");
           });
    QTest::newRow("a container image function cannot run")
        << head + fn + "  image:\n    image: 123.dkr.ecr.us-east-1.amazonaws.com/shop:1\n"
        << QStringList() << 1 << 0 << "container image" << Check([](const LoadResult &r) {
               return r.canRun("hello") && !r.canRun("image") ? QString() : QString("image runs");
           });
    QTest::newRow("${opt:stage} in a handler is the default stage")
        << head + "functions:\n  hello:\n    handler: stages/${opt:stage}.main\n"
        << QStringList{"stages/dev.py", "def main(e, c):\n    pass\n"} << 0 << 0 << "" << kNothing;
    QTest::newRow("a value that fails is reported once, not again where it is used")
        << head + "  environment:\n    T: ${self:custom.t}\ncustom:\n  t: ${env:NIMBUS_NOPE}\n" + fn
        << QStringList() << 0 << 1 << "'NIMBUS_NOPE' is not set" << kNothing;
    QTest::newRow("a list index too large for any number is a key that is not there")
        << head + "custom:\n  v: ${self:plugins.99999999999999999999999}\n" + fn << QStringList()
        << 0 << 1 << "has no key" << kNothing;
    QTest::newRow("names built from the default stage and region")
        << "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\n"
           "  stage: ${opt:stage, 'dev'}\n  region: ${opt:region, 'us-east-1'}\n"
           "  environment:\n    TABLE: ${self:service}-${opt:stage, self:provider.stage}\n"
           "    ARN: arn:aws:dynamodb:${opt:region, self:provider.region}:${aws:accountId}:x\n" +
               fn
        << QStringList() << 0 << 0 << "" << Check([](const LoadResult &r) {
               const Function *f = r.manifest->function("hello");
               return f->environment.at("TABLE") == "shop-dev" &&
                              f->environment.at("ARN") ==
                                  "arn:aws:dynamodb:us-east-1:000000000000:x"
                          ? QString()
                          : QString::fromStdString(f->environment.at("TABLE") + " " +
                                                   f->environment.at("ARN"));
           });
}

void TestServerlessProjects::constructs() {
    QFETCH(QByteArray, yaml);
    QFETCH(QStringList, files);
    QFETCH(int, errors);
    QFETCH(int, warnings);
    QFETCH(QString, mention);
    QFETCH(Check, check);
    TempProject project;
    project.write("handler.py", kHandlers);
    for (int i = 0; i + 1 < files.size(); i += 2)
        project.write(files[i], files[i + 1].toUtf8());
    project.writeManifest(yaml);
    LoadOptions options;
    options.environment = [](const std::string &) { return std::optional<std::string>(); };
    const LoadResult result = ManifestLoader(options).loadProject(project.path().toStdString());
    QVERIFY(result.manifest);

    QStringList seen;
    int errorCount = 0, warningCount = 0;
    bool mentioned = mention.isEmpty();
    for (const auto &d : result.diagnostics) {
        seen << QString::fromStdString(formatDiagnostic(d));
        errorCount += d.severity == Severity::Error;
        warningCount += d.severity == Severity::Warning;
        mentioned = mentioned || QString::fromStdString(d.message).contains(mention);
    }
    QVERIFY2(errorCount == errors && warningCount == warnings, qPrintable(seen.join(" | ")));
    QVERIFY2(mentioned, qPrintable(seen.join(" | ")));
    const QString problem = check(result);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestServerlessProjects::deploymentNeedsEveryValue() {
    // Locally a cloud value is a placeholder or a local value; to the cloud, neither.
    TempProject project;
    project.write("handler.py", kHandlers);
    project.write(".nimbus/variables.yml", "ssm:/shop/url: http://localhost\n");
    project.writeManifest("service: shop\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "  environment:\n    URL: ${ssm:/shop/url}\n    KEY: ${ssm:/shop/key}\n"
                          "functions:\n  hello:\n    handler: handler.main\n");
    LoadOptions options;
    const LoadResult local = ManifestLoader(options).loadProject(project.path().toStdString());
    QVERIFY(local.ok());
    QCOMPARE(local.manifest->function("hello")->environment.at("URL"),
             std::string("http://localhost"));
    options.forDeployment = true;
    const LoadResult cloud = ManifestLoader(options).loadProject(project.path().toStdString());
    QVERIFY(!cloud.ok());
    QCOMPARE(cloud.blocking("").size(), size_t(2));
}

QTEST_APPLESS_MAIN(TestServerlessProjects)
#include "tst_serverlessprojects.moc"
