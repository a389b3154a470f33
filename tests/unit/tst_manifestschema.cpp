#include "nimbus/manifest/manifestschema.h"
#include "nimbus/manifest/suggest.h"

#include <QtTest>

using namespace nimbus::manifest;
using json = nlohmann::ordered_json;

class TestManifestSchema : public QObject {
    Q_OBJECT
private slots:
    void everyKeyHasADescription();
    void schemaAtFollowsReferences_data();
    void schemaAtFollowsReferences();
    void runtimesCoverEveryFamily();
    void closestMatch_data();
    void closestMatch();
};

namespace {
// Collects "path" for every property in the schema that lacks a description.
void findUndescribed(const ManifestSchema &schema, const json &node, const std::string &path,
                     std::vector<std::string> &missing, int depth = 0) {
    if (depth > 12 || !node.is_object())
        return;
    const json &s = schema.resolve(node);
    if (s.contains("properties")) {
        for (const auto &[name, sub] : s["properties"].items()) {
            const json &r = schema.resolve(sub);
            if (!sub.contains("description") && !r.contains("description"))
                missing.push_back(path + "." + name);
            findUndescribed(schema, sub, path + "." + name, missing, depth + 1);
        }
    }
    for (const char *key : {"additionalProperties", "items"}) {
        if (s.contains(key) && s[key].is_object())
            findUndescribed(schema, s[key], path + "." + key, missing, depth + 1);
    }
    for (const char *key : {"anyOf", "oneOf"}) {
        if (s.contains(key)) {
            for (const auto &branch : s[key])
                findUndescribed(schema, branch, path + "|", missing, depth + 1);
        }
    }
}
} // namespace

void TestManifestSchema::everyKeyHasADescription() {
    const ManifestSchema &schema = ManifestSchema::builtin();
    std::vector<std::string> missing;
    findUndescribed(schema, schema.document(), "", missing);
    QVERIFY2(missing.empty(),
             missing.empty() ? "" : ("no description: " + missing.front()).c_str());
}

void TestManifestSchema::schemaAtFollowsReferences_data() {
    QTest::addColumn<QStringList>("path");
    QTest::addColumn<QString>("hasProperty");
    QTest::newRow("provider") << QStringList{"provider"} << "runtime";
    QTest::newRow("a function by any name") << QStringList{"functions", "anything"} << "handler";
    QTest::newRow("an event in a function's list")
        << QStringList{"functions", "f", "events", "0"} << "httpApi";
    QTest::newRow("the object form of an http event")
        << QStringList{"functions", "f", "events", "0", "http"} << "method";
    QTest::newRow("an http service")
        << QStringList{"functions", "f", "httpService"} << "readinessPath";
}

void TestManifestSchema::schemaAtFollowsReferences() {
    QFETCH(QStringList, path);
    QFETCH(QString, hasProperty);
    std::vector<std::string> steps;
    for (const auto &p : path)
        steps.push_back(p.toStdString());
    const ManifestSchema &schema = ManifestSchema::builtin();
    const json *at = schema.schemaAt(steps);
    QVERIFY(at);
    const auto names = schema.propertyNames(*at);
    QVERIFY(std::find(names.begin(), names.end(), hasProperty.toStdString()) != names.end());
}

void TestManifestSchema::runtimesCoverEveryFamily() {
    const json &runtimes = ManifestSchema::builtin().document()["definitions"]["runtime"]["enum"];
    for (const char *name : {"python3.12", "nodejs20.x", "provided", "provided.al2"})
        QVERIFY2(std::find(runtimes.begin(), runtimes.end(), name) != runtimes.end(), name);
}

void TestManifestSchema::closestMatch_data() {
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("expected");
    QTest::newRow("transposed letters") << "memroySize"
                                        << "memorySize";
    QTest::newRow("missing letter") << "handlr"
                                    << "handler";
    QTest::newRow("wrong case") << "memorysize"
                                << "memorySize";
    QTest::newRow("unrelated word has no suggestion") << "banana"
                                                      << "";
}

void TestManifestSchema::closestMatch() {
    QFETCH(QString, word);
    QFETCH(QString, expected);
    const std::vector<std::string> candidates{"handler", "memorySize", "timeout", "runtime"};
    const auto match = nimbus::manifest::closestMatch(word.toStdString(), candidates);
    QCOMPARE(QString::fromStdString(match.value_or("")), expected);
}

QTEST_APPLESS_MAIN(TestManifestSchema)
#include "tst_manifestschema.moc"
