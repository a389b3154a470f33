#include "nimbus/manifest/yamltree.h"

#include <QtTest>

using namespace nimbus::manifest;

class TestYamlTree : public QObject {
    Q_OBJECT
private slots:
    void keysAndValuesKeepTheirPositions();
    void scalarTypes_data();
    void scalarTypes();
    void duplicateKeysAreReported();
    void syntaxErrorsBecomeDiagnostics_data();
    void syntaxErrorsBecomeDiagnostics();
    void syntaxErrorsAreReportedAtTheirCause_data();
    void syntaxErrorsAreReportedAtTheirCause();
    void theRestOfABrokenDocumentIsServed();
    void emptyDocumentIsNull();
};

void TestYamlTree::keysAndValuesKeepTheirPositions() {
    const auto result =
        parseYaml("service: demo\nprovider:\n  name: aws\n  runtime: 'python3.11'\n", "f.yml");
    QVERIFY(result.ok);
    QVERIFY(result.diagnostics.empty());
    const YamlEntry *provider = result.root.findEntry("provider");
    QVERIFY(provider);
    QCOMPARE(provider->key.range.start.line, 1);
    QCOMPARE(provider->key.range.start.column, 0);
    const YamlEntry *runtime = provider->value.findEntry("runtime");
    QVERIFY(runtime);
    QCOMPARE(runtime->key.range.start.line, 3);
    QCOMPARE(runtime->key.range.start.column, 2);
    QCOMPARE(runtime->value.range.start.column, 11);
    QCOMPARE(runtime->value.range.end.column, 11 + 12); // the quotes are part of the token
    QCOMPARE(runtime->value.scalar, std::string("python3.11"));
}

void TestYamlTree::scalarTypes_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("type");
    QTest::newRow("plain integer is an integer") << QByteArray("v: 128") << "integer";
    QTest::newRow("quoted integer is a string") << QByteArray("v: '128'") << "string";
    QTest::newRow("plain decimal is a number") << QByteArray("v: 1.5") << "number";
    QTest::newRow("plain true is a boolean") << QByteArray("v: true") << "boolean";
    QTest::newRow("quoted true is a string") << QByteArray("v: \"true\"") << "string";
    QTest::newRow("tilde is null") << QByteArray("v: ~") << "null";
    QTest::newRow("missing value is null") << QByteArray("v:") << "null";
    QTest::newRow("word is a string") << QByteArray("v: python3.11") << "string";
    QTest::newRow("block scalar is a string") << QByteArray("v: |\n  42\n") << "string";
    QTest::newRow("mapping is an object") << QByteArray("v: {a: 1}") << "object";
    QTest::newRow("list is an array") << QByteArray("v: [1, 2]") << "array";
}

void TestYamlTree::scalarTypes() {
    QFETCH(QByteArray, yaml);
    QFETCH(QString, type);
    const auto result = parseYaml(yaml.toStdString(), "f.yml");
    QVERIFY(result.ok);
    const YamlNode *v = result.root.find("v");
    QVERIFY(v);
    QCOMPARE(QString::fromStdString(v->scalarType()), type);
}

void TestYamlTree::duplicateKeysAreReported() {
    const auto result = parseYaml("a: 1\nb: 2\na: 3\n", "f.yml");
    QVERIFY(result.ok);
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QCOMPARE(result.diagnostics[0].code, std::string("duplicate-key"));
    QCOMPARE(result.diagnostics[0].range.start.line, 2);
    QVERIFY(result.diagnostics[0].message.find("first defined on line 1") != std::string::npos);
    QCOMPARE(result.root.find("a")->scalar, std::string("1"));
}

void TestYamlTree::syntaxErrorsBecomeDiagnostics_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::newRow("unclosed quote") << QByteArray("a: 1\nb: 'open\n") << 2;
    QTest::newRow("unclosed flow mapping") << QByteArray("a: {x: 1\nb: 2\n") << 1; // its '{'

    QTest::newRow("bad indentation of a mapping") << QByteArray("a:\n  b: 1\n c: 2\n") << 3;
    QTest::newRow("tab as indentation") << QByteArray("a:\n\tb: 1\n") << 2;
    QTest::newRow("binary content") << QByteArray("a: 1\n\0\1\2", 8) << 0;
}

void TestYamlTree::syntaxErrorsBecomeDiagnostics() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    const auto result =
        parseYaml(std::string(yaml.constData(), static_cast<size_t>(yaml.size())), "f.yml");
    QVERIFY(!result.ok);
    QCOMPARE(result.diagnostics.size(), size_t(1));
    QCOMPARE(result.diagnostics[0].code, std::string("yaml-syntax"));
    if (line > 0)
        QCOMPARE(result.diagnostics[0].range.start.line + 1, line);
}

// One row per kind of mistake: where the user made it (1-based line and column), not where
// the parser gave up.
void TestYamlTree::syntaxErrorsAreReportedAtTheirCause_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    const QByteArray head = "service: s\nfunctions:\n  hello:\n    handler: h.hello\n";
    const QByteArray next = "  counter:\n    handler: h.count\n";
    QTest::newRow("a key being typed, under a function") << head + "    ti\n" + next << 5 << 5
                                                         << "'ti' is not a key: a key needs ':' and a value";
    QTest::newRow("a key being typed, at the top") << QByteArray("service: s\nprov\nfunctions: {}\n") << 2
                                                   << 1 << "'prov' is not a key";
    QTest::newRow("an unclosed quote") << head + "    description: 'greets\n" + next << 5 << 18
                                       << "this quoted string has no closing '";
    QTest::newRow("an unclosed double quote") << head + "    description: \"greets\n" + next << 5 << 18
                                              << "this quoted string has no closing \"";
    QTest::newRow("an unclosed bracket") << head + "    layers: [a, b\n" + next << 5 << 13
                                         << "this '[' is never closed: add ']' where the list ends";
    QTest::newRow("an unclosed brace") << head + "    environment: {A: 1\n" + next << 5 << 18
                                       << "this '{' is never closed: add '}' where the mapping ends";
    QTest::newRow("a tab in the indentation") << QByteArray("service: s\nprovider:\n\tname: aws\n") << 3
                                              << 1 << "a tab indents this line; YAML indents with spaces only";
    QTest::newRow("a key indented more than its neighbour")
        << head + "      timeout: 3\n" + next << 5 << 7
        << "this key is indented by 6 spaces, more than 'handler' above it (4)";
    QTest::newRow("a key indented between two levels")
        << head + "   timeout: 3\n" + next << 5 << 4
        << "indented by 3 spaces, which lines it up with none of the keys above (0, 2, 4 spaces)";
}

void TestYamlTree::syntaxErrorsAreReportedAtTheirCause() {
    QFETCH(QByteArray, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const auto result = parseYaml(yaml.toStdString(), "f.yml");
    QVERIFY(!result.ok);
    QVERIFY(!result.diagnostics.empty());
    const Diagnostic &d = result.diagnostics.front();
    QCOMPARE(d.code, std::string("yaml-syntax"));
    QVERIFY2(QString::fromStdString(d.message).contains(message), d.message.c_str());
    QCOMPARE(d.range.start.line + 1, line);
    QCOMPARE(d.range.start.column + 1, column);
}

void TestYamlTree::theRestOfABrokenDocumentIsServed() {
    // The unfinished key aside, the functions are there for completion, symbols and hover.
    const auto result = parseYaml("service: s\nfunctions:\n  hello:\n    handler: h.hello\n    ti\n"
                                  "  counter:\n    handler: h.count\n",
                                  "f.yml");
    QVERIFY(!result.ok);
    QVERIFY(result.recovered);
    const YamlNode *functions = result.root.find("functions");
    QVERIFY(functions);
    QVERIFY(functions->find("hello"));
    QVERIFY(functions->find("counter"));
    QCOMPARE(functions->find("counter")->find("handler")->range.start.line, 6);
}

void TestYamlTree::emptyDocumentIsNull() {
    const auto result = parseYaml("", "f.yml");
    QVERIFY(result.ok);
    QVERIFY(result.root.isNull());
}

QTEST_APPLESS_MAIN(TestYamlTree)
#include "tst_yamltree.moc"
