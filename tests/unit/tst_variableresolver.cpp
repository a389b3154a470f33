#include "nimbus/manifest/variableresolver.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus::manifest;

namespace {

// Resolves `yaml` and returns the node at a dotted path (mapping keys and list indices).
struct Resolved {
    YamlNode root;
    std::vector<Diagnostic> diagnostics;

    const YamlNode *at(const QString &path) const {
        const YamlNode *node = &root;
        for (const QString &part : path.split('.')) {
            bool isIndex = false;
            const int index = part.toInt(&isIndex);
            if (node->isSequence() && isIndex)
                node = index < int(node->items.size()) ? &node->items[size_t(index)] : nullptr;
            else
                node = node->find(part.toStdString());
            if (!node)
                return nullptr;
        }
        return node;
    }
};

Resolved resolve(const QByteArray &yaml, const QString &stage = {},
                 const QString &projectDir = {}) {
    auto parsed = parseYaml(yaml.toStdString(), "serverless.yml");
    VariableContext context;
    context.projectDir = projectDir.toStdString();
    if (!stage.isEmpty())
        context.options["stage"] = stage.toStdString();
    context.environment = [](const std::string &name) -> std::optional<std::string> {
        if (name == "NIMBUS_TEST_SET")
            return std::string("from-env");
        if (name == "NIMBUS_TEST_NUMBER")
            return std::string("512");
        return std::nullopt;
    };
    VariableResolver resolver("serverless.yml", context);
    resolver.resolve(parsed.root);
    return {parsed.root, resolver.diagnostics()};
}

} // namespace

class TestVariableResolver : public QObject {
    Q_OBJECT
private slots:
    void resolves_data();
    void resolves();
    void wholeMappingIsSubstituted();
    void failures_data();
    void failures();
    void unresolvedValuesAreWarnings();
    void oneWarningPerCause();
    void placeholderIsMarked();
    void projectFiles_data();
    void projectFiles();
    void missingFileIsNamed();
};

void TestVariableResolver::resolves_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("stage");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("type");

    QTest::newRow("self reference to a custom value")
        << QByteArray("custom: {name: users}\nv: ${self:custom.name}") << ""
        << "v"
        << "users"
        << "string";
    QTest::newRow("self reference keeps an integer's type")
        << QByteArray("custom: {mem: 512}\nv: ${self:custom.mem}") << ""
        << "v"
        << "512"
        << "integer";
    QTest::newRow("self reference into a list by index")
        << QByteArray("custom: {list: [a, b, c]}\nv: ${self:custom.list.1}") << ""
        << "v"
        << "b"
        << "string";
    QTest::newRow("variable inside a longer string is spliced in")
        << QByteArray("service: shop\nv: ${self:service}-table") << ""
        << "v"
        << "shop-table"
        << "string";
    QTest::newRow("two variables in one string")
        << QByteArray("service: shop\nv: ${self:service}-${sls:stage}") << ""
        << "v"
        << "shop-dev"
        << "string";
    QTest::newRow("environment variable that is set")
        << QByteArray("v: ${env:NIMBUS_TEST_SET}") << ""
        << "v"
        << "from-env"
        << "string";
    QTest::newRow("environment number is typed like a plain scalar")
        << QByteArray("v: ${env:NIMBUS_TEST_NUMBER}") << ""
        << "v"
        << "512"
        << "integer";
    QTest::newRow("unset environment variable takes the quoted fallback")
        << QByteArray("v: ${env:NIMBUS_TEST_UNSET, 'fallback'}") << ""
        << "v"
        << "fallback"
        << "string";
    QTest::newRow("double-quoted fallback")
        << QByteArray("v: '${env:NIMBUS_TEST_UNSET, \"dq\"}'") << ""
        << "v"
        << "dq"
        << "string";
    QTest::newRow("unquoted numeric fallback keeps its type")
        << QByteArray("v: ${env:NIMBUS_TEST_UNSET, 256}") << ""
        << "v"
        << "256"
        << "integer";
    QTest::newRow("fallback that is itself a variable")
        << QByteArray("custom: {d: deep}\nv: ${env:NIMBUS_TEST_UNSET, ${self:custom.d}}") << ""
        << "v"
        << "deep"
        << "string";
    QTest::newRow("opt:stage from the command line") << QByteArray("v: ${opt:stage}") << "prod"
                                                     << "v"
                                                     << "prod"
                                                     << "string";
    QTest::newRow("opt:stage with a fallback when not given")
        << QByteArray("v: ${opt:stage, 'dev'}") << ""
        << "v"
        << "dev"
        << "string";
    QTest::newRow("sls:stage defaults to dev") << QByteArray("v: ${sls:stage}") << ""
                                               << "v"
                                               << "dev"
                                               << "string";
    QTest::newRow("sls:stage follows provider.stage")
        << QByteArray("provider: {stage: qa}\nv: ${sls:stage}") << ""
        << "v"
        << "qa"
        << "string";
    QTest::newRow("sls:stage prefers the command line")
        << QByteArray("provider: {stage: qa}\nv: ${sls:stage}") << "prod"
        << "v"
        << "prod"
        << "string";
    QTest::newRow("nested variable in the address")
        << QByteArray(
               "custom: {dev: {mem: 256}, prod: {mem: 2048}}\nv: ${self:custom.${sls:stage}.mem}")
        << "prod"
        << "v"
        << "2048"
        << "integer";
    QTest::newRow("chain of self references through another variable")
        << QByteArray(
               "custom: {a: '${self:custom.b}', b: '${env:NIMBUS_TEST_SET}'}\nv: ${self:custom.a}")
        << ""
        << "v"
        << "from-env"
        << "string";
    QTest::newRow("opt:stage falling back to self:provider.stage, neither set, is dev")
        << QByteArray("provider: {name: aws}\nv: ${opt:stage, self:provider.stage}") << ""
        << "v"
        << "dev"
        << "string";
    QTest::newRow("opt:region falling back to self:provider.region, neither set, is us-east-1")
        << QByteArray("provider: {name: aws}\nv: ${opt:region, self:provider.region}") << ""
        << "v"
        << "us-east-1"
        << "string";
    QTest::newRow("self:provider.stage without a provider stage is the stage")
        << QByteArray("v: ${self:provider.stage}") << "prod"
        << "v"
        << "prod"
        << "string";
    QTest::newRow("opt:stage alone, not given, is dev") << QByteArray("v: ${opt:stage}") << ""
                                                        << "v"
                                                        << "dev"
                                                        << "string";
    QTest::newRow("aws:region follows provider.region")
        << QByteArray("provider: {region: eu-west-1}\nv: ${aws:region}") << ""
        << "v"
        << "eu-west-1"
        << "string";
    QTest::newRow("aws:accountId is the local account, as a string")
        << QByteArray("v: ${aws:accountId}") << ""
        << "v"
        << "000000000000"
        << "string";
    QTest::newRow("ARN built from aws:region and aws:accountId")
        << QByteArray("v: arn:aws:sqs:${aws:region}:${aws:accountId}:jobs") << ""
        << "v"
        << "arn:aws:sqs:us-east-1:000000000000:jobs"
        << "string";
    QTest::newRow("strToBool of a literal") << QByteArray("v: ${strToBool(true)}") << ""
                                            << "v"
                                            << "true"
                                            << "boolean";
    QTest::newRow("strToBool of an environment variable's fallback")
        << QByteArray("v: ${strToBool(${env:NIMBUS_TEST_UNSET, 'false'})}") << ""
        << "v"
        << "false"
        << "boolean";
    QTest::newRow("param of the stage wins over the default")
        << QByteArray("params: {prod: {size: 2048}, default: {size: 128}}\nv: ${param:size}")
        << "prod"
        << "v"
        << "2048"
        << "integer";
    QTest::newRow("param from the default group")
        << QByteArray("params: {default: {domain: dev.example.com}}\nv: ${param:domain}") << ""
        << "v"
        << "dev.example.com"
        << "string";
    QTest::newRow("chained fallbacks: env, then opt, then a literal")
        << QByteArray("v: ${env:NIMBUS_TEST_UNSET, ${opt:table, 'orders'}}") << ""
        << "v"
        << "orders"
        << "string";
    QTest::newRow("a cloud source with a fallback takes the fallback quietly")
        << QByteArray("v: ${ssm:/shop/url, 'http://localhost'}") << ""
        << "v"
        << "http://localhost"
        << "string";
    QTest::newRow("self:service of the older service: {name: ...}")
        << QByteArray("service: {name: legacy}\nv: ${self:service}-table") << ""
        << "v"
        << "legacy-table"
        << "string";
    QTest::newRow("CloudFormation's own ${AWS::Region} in a Sub is left alone")
        << QByteArray("service: s\nv: 'arn:${AWS::Partition}:s3:::${self:service}-${Bucket}'") << ""
        << "v"
        << "arn:${AWS::Partition}:s3:::s-${Bucket}"
        << "string";
    QTest::newRow("variable in a list item")
        << QByteArray("service: s\nv: [x, '${self:service}']") << ""
        << "v.1"
        << "s"
        << "string";
}

void TestVariableResolver::resolves() {
    QFETCH(QByteArray, yaml);
    QFETCH(QString, stage);
    QFETCH(QString, path);
    QFETCH(QString, value);
    QFETCH(QString, type);
    const Resolved r = resolve(yaml, stage);
    for (const auto &d : r.diagnostics)
        qWarning("%s", formatDiagnostic(d).c_str());
    QVERIFY(r.diagnostics.empty());
    const YamlNode *node = r.at(path);
    QVERIFY(node);
    QCOMPARE(QString::fromStdString(node->scalar), value);
    QCOMPARE(QString::fromStdString(node->scalarType()), type);
}

void TestVariableResolver::wholeMappingIsSubstituted() {
    const Resolved r =
        resolve("custom:\n  env: {A: '1', B: two}\nprovider:\n  environment: ${self:custom.env}\n");
    QVERIFY(r.diagnostics.empty());
    const YamlNode *env = r.at("provider.environment");
    QVERIFY(env && env->isMapping());
    QCOMPARE(env->entries.size(), size_t(2));
    QCOMPARE(env->find("B")->scalar, std::string("two"));
}

void TestVariableResolver::failures_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    QTest::newRow("self path that does not exist")
        << QByteArray("custom: {a: 1}\nv: ${self:custom.b}") << 2 << 4 << "'custom' has no key 'b'";
    QTest::newRow("variable in the middle of a string points at itself")
        << QByteArray("v: prefix-${self:nope}") << 1 << 11 << "has no key 'nope'";
    QTest::newRow("variable in a quoted string accounts for the quote")
        << QByteArray("v: 'x ${self:nope}'") << 1 << 7 << "has no key 'nope'";
    QTest::newRow("unset environment variable without fallback")
        << QByteArray("\nv: ${env:NIMBUS_TEST_UNSET}") << 2 << 4
        << "environment variable 'NIMBUS_TEST_UNSET' is not set";
    QTest::newRow("option not given")
        << QByteArray("v: ${opt:table}") << 1 << 4 << "option '--table' was not given";
    QTest::newRow("a cloud source without a local value gets a placeholder")
        << QByteArray("v: ${ssm:/my/param}") << 1 << 4
        << "'${ssm:/my/param}' comes from the AWS account; give it a local value in "
           ".nimbus/variables.yml (\"ssm:/my/param\": value); using the placeholder "
           "'<ssm:/my/param>'";
    QTest::newRow("a source nobody knows gets a placeholder")
        << QByteArray("v: ${vault:secret/db}") << 1 << 4
        << "uses the source 'vault', which Nimbus does not know";
    QTest::newRow("param the manifest does not define")
        << QByteArray("params: {default: {a: 1}}\nv: ${param:b}") << 2 << 4
        << "is not under 'params' for stage 'dev' or 'default'";
    QTest::newRow("a dot where the colon belongs")
        << QByteArray("v: ${self.custom.x}") << 1 << 4
        << "is not a variable; did you mean '${self:custom.x}'?";
    QTest::newRow("strToBool of something else")
        << QByteArray("v: ${strToBool(maybe)}") << 1 << 4
        << "strToBool takes 'true', 'false', '1' or '0', not 'maybe'";
    QTest::newRow("unterminated variable")
        << QByteArray("v: ab${self:x") << 1 << 6 << "unterminated variable";
    QTest::newRow("cycle between two values")
        << QByteArray("custom: {a: '${self:custom.b}', b: '${self:custom.a}'}\nv: ${self:custom.a}")
        << 1 << 37 << "refers to itself";
    QTest::newRow("a mapping that contains the variable referring to it")
        << QByteArray("custom:\n  a: ${self:custom}\n") << 2 << 6 << "a cycle of variables";
    QTest::newRow("values that copy each other into billions of nodes")
        << QByteArray("l0: [x, x, x, x, x, x, x, x, x, x]\n"
                      "l1: ['${self:l0}', '${self:l0}', '${self:l0}', '${self:l0}', '${self:l0}', "
                      "'${self:l0}', '${self:l0}', '${self:l0}', '${self:l0}', '${self:l0}']\n"
                      "l2: ['${self:l1}', '${self:l1}', '${self:l1}', '${self:l1}', '${self:l1}', "
                      "'${self:l1}', '${self:l1}', '${self:l1}', '${self:l1}', '${self:l1}']\n"
                      "l3: ['${self:l2}', '${self:l2}', '${self:l2}', '${self:l2}', '${self:l2}', "
                      "'${self:l2}', '${self:l2}', '${self:l2}', '${self:l2}', '${self:l2}']\n"
                      "l4: ['${self:l3}', '${self:l3}', '${self:l3}', '${self:l3}', '${self:l3}', "
                      "'${self:l3}', '${self:l3}', '${self:l3}', '${self:l3}', '${self:l3}']\n"
                      "l5: ['${self:l4}', '${self:l4}', '${self:l4}', '${self:l4}', '${self:l4}', "
                      "'${self:l4}', '${self:l4}', '${self:l4}', '${self:l4}', '${self:l4}']\n"
                      "l6: ['${self:l5}', '${self:l5}', '${self:l5}', '${self:l5}', '${self:l5}', "
                      "'${self:l5}', '${self:l5}', '${self:l5}', '${self:l5}', '${self:l5}']\n"
                      "l7: ['${self:l6}', '${self:l6}', '${self:l6}', '${self:l6}', '${self:l6}', "
                      "'${self:l6}', '${self:l6}', '${self:l6}', '${self:l6}', '${self:l6}']\n"
                      "l8: ['${self:l7}', '${self:l7}', '${self:l7}', '${self:l7}', '${self:l7}', "
                      "'${self:l7}', '${self:l7}', '${self:l7}', '${self:l7}', '${self:l7}']\n")
        << 6 << 105 << "more than a million values";
    QTest::newRow("mapping spliced into a string")
        << QByteArray("custom: {m: {a: 1}}\nv: x-${self:custom.m}") << 2 << 6
        << "cannot be placed inside a string";
}

void TestVariableResolver::failures() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const Resolved r = resolve(yaml);
    QVERIFY(!r.diagnostics.empty());
    const Diagnostic &d = r.diagnostics.front();
    QVERIFY2(d.code == "unresolved-variable" || d.code == "placeholder-variable", d.code.c_str());
    QCOMPARE(d.range.start.line + 1, line);
    QCOMPARE(d.range.start.column + 1, column);
    QVERIFY2(QString::fromStdString(d.message).contains(message), d.message.c_str());
    // Outside a function's code, an unresolved value is a warning: nothing stops running.
    QCOMPARE(d.severity, Severity::Warning);
}

void TestVariableResolver::unresolvedValuesAreWarnings() {
    // The resolver reports; the loader decides which functions cannot run without the value.
    const Resolved r = resolve("functions:\n  api:\n    handler: ${env:NIMBUS_TEST_UNSET}\n");
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QCOMPARE(r.diagnostics[0].severity, Severity::Warning);
    QVERIFY(r.diagnostics[0].function.empty());
}

void TestVariableResolver::oneWarningPerCause() {
    const Resolved r = resolve("a: ${env:NIMBUS_TEST_UNSET}\nb: ${env:NIMBUS_TEST_UNSET}\n"
                               "c: ${env:NIMBUS_TEST_UNSET}\n");
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QVERIFY2(QString::fromStdString(r.diagnostics[0].message).endsWith("(also on lines 2, 3)"),
             r.diagnostics[0].message.c_str());
}

void TestVariableResolver::placeholderIsMarked() {
    const Resolved r = resolve("v: ${cf:shop-prod.ApiUrl}\n");
    const YamlNode *v = r.at("v");
    QVERIFY(v && v->placeholder);
    QCOMPARE(v->scalar, std::string("<cf:shop-prod.ApiUrl>"));
}

void TestVariableResolver::projectFiles_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("type");

    QTest::newRow("a key of a JSON file")
        << QByteArray("v: ${file(./config.json):db.port}") << "config.json"
        << QByteArray(R"({"db": {"port": 5432}})") << "v"
        << "5432"
        << "integer";
    QTest::newRow("a whole YAML file as a mapping")
        << QByteArray("custom: ${file(./custom.yml)}\nv: ${self:custom.table}") << "custom.yml"
        << QByteArray("table: orders\n") << "v"
        << "orders"
        << "string";
    QTest::newRow("a file named after the stage")
        << QByteArray("v: ${file(./env.${sls:stage}.yml):url}") << "env.dev.yml"
        << QByteArray("url: http://localhost\n") << "v"
        << "http://localhost"
        << "string";
    QTest::newRow("a file whose values use the manifest's own variables")
        << QByteArray("service: shop\nv: ${file(config/names.yml):table}") << "config/names.yml"
        << QByteArray("table: ${self:service}-${sls:stage}-orders\n") << "v"
        << "shop-dev-orders"
        << "string";
    QTest::newRow("a key of a file included further down the manifest")
        << QByteArray(
               "service: ${self:custom.package.name}\ncustom:\n  package: ${file(./package.json)}\n"
               "v: ${self:service}")
        << "package.json" << QByteArray(R"({"name": "notifier", "version": "1.2.0"})") << "v"
        << "notifier"
        << "string";
    QTest::newRow("a missing file falls back") << QByteArray("v: ${file(./nope.yml):x, 'fallback'}")
                                               << "other.yml" << QByteArray("x: 1\n") << "v"
                                               << "fallback"
                                               << "string";
    QTest::newRow("ssm from .nimbus/variables.yml")
        << QByteArray("v: ${ssm:/shop/db-url}") << ".nimbus/variables.yml"
        << QByteArray("ssm:/shop/db-url: postgres://localhost/shop\n") << "v"
        << "postgres://localhost/shop"
        << "string";
    QTest::newRow("cf with the older region syntax from .nimbus/variables.yml")
        << QByteArray("v: ${cf.eu-west-1:shop-prod.ApiUrl}") << ".nimbus/variables.yml"
        << QByteArray("cf.eu-west-1:shop-prod.ApiUrl: http://localhost:3000\n") << "v"
        << "http://localhost:3000"
        << "string";
    QTest::newRow("a value from a JavaScript file, given locally")
        << QByteArray("v: ${file(./config.js):rate}") << ".nimbus/variables.yml"
        << QByteArray("file(./config.js):rate: 10\n") << "v"
        << "10"
        << "integer";
}

void TestVariableResolver::projectFiles() {
    QFETCH(QByteArray, yaml);
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, path);
    QFETCH(QString, value);
    QFETCH(QString, type);
    TempProject project;
    project.write(file, content);
    const Resolved r = resolve(yaml, {}, project.path());
    for (const auto &d : r.diagnostics)
        qWarning("%s", formatDiagnostic(d).c_str());
    QVERIFY(r.diagnostics.empty());
    const YamlNode *node = r.at(path);
    QVERIFY(node);
    QCOMPARE(QString::fromStdString(node->scalar), value);
    QCOMPARE(QString::fromStdString(node->scalarType()), type);
}

void TestVariableResolver::missingFileIsNamed() {
    TempProject project;
    const Resolved r = resolve("v: ${file(./secrets.json):key}", {}, project.path());
    QCOMPARE(r.diagnostics.size(), size_t(1));
    QVERIFY(QString::fromStdString(r.diagnostics[0].message)
                .contains("there is no file " + project.path() + "/secrets.json"));
}

QTEST_APPLESS_MAIN(TestVariableResolver)
#include "tst_variableresolver.moc"
