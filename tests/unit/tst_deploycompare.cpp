#include "nimbus/deploy/deployer.h"
#include "nimbus/manifest/manifestloader.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus;
using nlohmann::json;

// What the Studio shows beside a deployed function: how it differs from the project (never
// an environment value), and the commit a published version keeps in its description.
class TestDeployCompare : public QObject {
    Q_OBJECT
private slots:
    void versionDescriptionKeepsTheCommit_data();
    void versionDescriptionKeepsTheCommit();
    void differencesNameFieldsButNotSecrets();
    void aFunctionDeployedAsItIsHasNoDifferences();
};

void TestDeployCompare::versionDescriptionKeepsTheCommit_data() {
    QTest::addColumn<QString>("description");
    QTest::addColumn<QString>("commit"); // the function's nimbus:commit tag; empty: none
    QTest::addColumn<QString>("expected");
    QTest::newRow("no commit recorded") << "first release"
                                        << ""
                                        << "first release";
    QTest::newRow("commit appended") << "first release"
                                     << "1a2b3c4d5e6f"
                                     << "first release (git 1a2b3c4d5e6f)";
    QTest::newRow("no description") << ""
                                    << "1a2b3c4d5e6f"
                                    << "(git 1a2b3c4d5e6f)";
    QTest::newRow("a mark already there") << "hotfix (git 0000000)"
                                          << "1a2b3c4d5e6f"
                                          << "hotfix (git 0000000)";
    const QString long250(250, 'x');
    QTest::newRow("long text gives way to the mark")
        << long250 << "1a2b3c4d5e6f" << QString(256 - 18 - 1, QChar('x')) + " (git 1a2b3c4d5e6f)";
}

void TestDeployCompare::versionDescriptionKeepsTheCommit() {
    QFETCH(QString, description);
    QFETCH(QString, commit);
    QFETCH(QString, expected);
    json getFunction{{"Configuration", {{"FunctionName", "f"}}}, {"Tags", json::object()}};
    if (!commit.isEmpty())
        getFunction["Tags"]["nimbus:commit"] = commit.toStdString();
    const std::string out = deploy::versionDescription(description.toStdString(), getFunction);
    QCOMPARE(QString::fromStdString(out), expected);
    QVERIFY(out.size() <= 256);
}

namespace {
manifest::Manifest load(TempProject &project) {
    project.writeManifest(R"(service: shop
provider:
  name: aws
  runtime: python3.12
  memorySize: 256
  environment:
    API_KEY: s3cr3t-local
functions:
  orders:
    handler: handler.orders
    description: Takes orders
    reservedConcurrency: 3
)");
    project.write("handler.py", "def orders(event, context):\n    return 1\n");
    manifest::LoadResult loaded =
        manifest::ManifestLoader().loadProject(project.path().toStdString());
    if (!loaded.ok())
        qFatal("manifest did not load");
    return std::move(*loaded.manifest);
}
} // namespace

void TestDeployCompare::differencesNameFieldsButNotSecrets() {
    TempProject project;
    const manifest::Manifest m = load(project);
    const manifest::Function &fn = *m.function("orders");
    json config = deploy::functionSettings(m, fn, {"abc1234", "main", false});
    config["FunctionName"] = fn.deployedName;
    config["MemorySize"] = 128;
    config["CodeSha256"] = "deployedhash=";
    config["Environment"]["Variables"] = {{"API_KEY", "s3cr3t-deployed"}, {"OLD", "x"}};
    const json deployed{{"Configuration", config},
                        {"Concurrency", {{"ReservedConcurrentExecutions", 5}}}};
    const auto differences = deploy::compareWithDeployed(m, fn, deployed, "localhash=");
    QStringList fields;
    for (const auto &d : differences) {
        fields << QString::fromStdString(d.field);
        // No value of a variable ever appears.
        QVERIFY(d.local.find("s3cr3t") == std::string::npos);
        QVERIFY(d.deployed.find("s3cr3t") == std::string::npos);
    }
    QCOMPARE(fields, QStringList({"code", "memory", "environment", "reserved concurrency"}));
    QCOMPARE(differences[1].local, std::string("256 MB"));
    QCOMPARE(differences[1].deployed, std::string("128 MB"));
    QCOMPARE(differences[2].local, std::string("changed API_KEY; removed OLD"));
    QCOMPARE(differences[3].local, std::string("3"));
    QCOMPARE(differences[3].deployed, std::string("5"));
}

void TestDeployCompare::aFunctionDeployedAsItIsHasNoDifferences() {
    TempProject project;
    const manifest::Manifest m = load(project);
    const manifest::Function &fn = *m.function("orders");
    // Deployed from another commit: the "(git …)" mark alone is not a difference.
    json config = deploy::functionSettings(m, fn, {"0ld0ld0", "main", true});
    config["FunctionName"] = fn.deployedName;
    config["CodeSha256"] = "samehash=";
    const json deployed{{"Configuration", config},
                        {"Concurrency", {{"ReservedConcurrentExecutions", 3}}}};
    QVERIFY(deploy::compareWithDeployed(m, fn, deployed, "samehash=").empty());
    // ...but a deploy would still update the description to the new commit.
    const json now = deploy::functionSettings(m, fn, {"newnew1", "main", false});
    QCOMPARE(deploy::compareSettings(now, lambda::configurationFromJson(config), false).size(), 1u);
}

QTEST_MAIN(TestDeployCompare)
#include "tst_deploycompare.moc"
