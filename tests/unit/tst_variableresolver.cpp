#include "nimbus/manifest/variableresolver.h"

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

Resolved resolve(const QByteArray &yaml, const QString &stage = {}) {
    auto parsed = parseYaml(yaml.toStdString(), "serverless.yml");
    VariableContext context;
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
        << QByteArray("v: ${opt:region}") << 1 << 4 << "option '--region' was not given";
    QTest::newRow("unknown variable source")
        << QByteArray("v: ${ssm:/my/param}") << 1 << 4 << "unknown variable source 'ssm'";
    QTest::newRow("unterminated variable")
        << QByteArray("v: ab${self:x") << 1 << 6 << "unterminated variable";
    QTest::newRow("cycle between two values")
        << QByteArray("custom: {a: '${self:custom.b}', b: '${self:custom.a}'}\nv: ${self:custom.a}")
        << 1 << 37 << "refers to itself";
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
    QCOMPARE(d.code, std::string("unresolved-variable"));
    QCOMPARE(d.range.start.line + 1, line);
    QCOMPARE(d.range.start.column + 1, column);
    QVERIFY2(QString::fromStdString(d.message).contains(message), d.message.c_str());
}

QTEST_APPLESS_MAIN(TestVariableResolver)
#include "tst_variableresolver.moc"
