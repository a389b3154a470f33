#include "nimbus/doctor/projectdoctor.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus;

namespace {

const QByteArray kPython = "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\n"
                           "functions:\n  hello:\n    handler: handler.main\n";
const QByteArray kNode = "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n"
                         "functions:\n  hello:\n    handler: handler.main\n";

// A machine with the given programs on PATH and resources/ in `resources`.
doctor::Machine machineWith(const QStringList &programs, const QString &resources) {
    doctor::Machine machine;
    machine.resourcesDir = resources.toStdString();
    machine.findProgram = [programs](const std::string &name) -> std::optional<std::string> {
        if (programs.contains(QString::fromStdString(name)))
            return "/usr/bin/" + name;
        return std::nullopt;
    };
    return machine;
}

} // namespace

class TestProjectDoctor : public QObject {
    Q_OBJECT
private slots:
    void explainsEachReason_data();
    void explainsEachReason();
};

void TestProjectDoctor::explainsEachReason_data() {
    QTest::addColumn<QByteArray>("manifest");
    QTest::addColumn<QStringList>("files"); // path, content, ...
    QTest::addColumn<QStringList>("programs");
    QTest::addColumn<bool>("esbuildInstalled");
    QTest::addColumn<QStringList>(
        "findings"); // "blocks|degrades <subject>: <text in problem> => <text in fix>"
    QTest::addColumn<int>("runnable");

    const QStringList both{"python3", "node"};
    QTest::newRow("a project that runs has nothing to say")
        << kPython << QStringList{"handler.py", "def main(e, c):\n    pass\n"} << both << false
        << QStringList() << 1;
    QTest::newRow("a missing handler module: what, where, and the fix")
        << kPython << QStringList() << both << false
        << QStringList{"blocks function 'hello': handler module for 'handler.main' not found => "
                       "create that module and function"}
        << 0;
    QTest::newRow("a YAML syntax error keeps the whole project from running")
        << QByteArray("service: shop\nprovider: [\n") << QStringList() << both << false
        << QStringList{"blocks project: this '[' is never closed => correct the YAML"} << 0;
    QTest::newRow("python3 is not installed")
        << kPython << QStringList{"handler.py", "def main(e, c):\n    pass\n"}
        << QStringList{"node"} << false
        << QStringList{"blocks function 'hello': needs python3 => apt-get install python3"} << 0;
    QTest::newRow("a TypeScript handler and no esbuild")
        << kNode << QStringList{"handler.ts", "export const main = async () => 1;\n"} << both
        << false
        << QStringList{"blocks function 'hello': esbuild, which compiles it, is not installed => "
                       "scripts/dev build"}
        << 0;
    QTest::newRow("a TypeScript handler with esbuild installed")
        << kNode << QStringList{"handler.ts", "export const main = async () => 1;\n"} << both
        << true << QStringList() << 1;
    QTest::newRow("dependencies not installed: one line for every function they concern")
        << kNode + "  other:\n    handler: handler.main\n"
        << QStringList{"handler.js", "exports.main = async () => 1;\n", "package.json",
                       R"({"dependencies": {"uuid": "9.0.0"}})"}
        << both << false
        << QStringList{"degrades functions 'hello', 'other': package.json lists dependencies, "
                       "and they are not installed => run npm install"}
        << 2;
    QTest::newRow("a value from the cloud: runs with a placeholder")
        << kPython + "    environment:\n      URL: ${ssm:/shop/url}\n"
        << QStringList{"handler.py", "def main(e, c):\n    pass\n"} << both << false
        << QStringList{"degrades project: '${ssm:/shop/url}' comes from the AWS account => "
                       ".nimbus/variables.yml"}
        << 1;
    QTest::newRow("a runtime the simulator has not")
        << kPython + "    runtime: java17\n"
        << QStringList{"handler.py", "def main(e, c):\n    pass\n"} << both << false
        << QStringList{"blocks function 'hello': runtime 'java17' cannot run => set 'runtime'"}
        << 0;
    QTest::newRow("Go source as the handler, and no Go toolchain")
        << QByteArray("service: shop\nprovider:\n  name: aws\n  runtime: go1.x\nfunctions:\n"
                      "  ping:\n    handler: functions/ping.go\n")
        << QStringList{"functions/ping.go", "package main\n"} << both << false
        << QStringList{"blocks function 'ping': the Go toolchain is not installed => "
                       "apt-get install golang-go"}
        << 0;
    QTest::newRow("a Go binary as the handler needs no toolchain")
        << QByteArray("service: shop\nprovider:\n  name: aws\n  runtime: go1.x\nfunctions:\n"
                      "  ping:\n    handler: bin/ping\n")
        << QStringList{"bin/ping", "\x7f"
                                   "ELF"}
        << both << false << QStringList() << 1;
    QTest::newRow("an http service whose program is not installed")
        << QByteArray("service: shop\nprovider:\n  name: aws\nfunctions:\n  web:\n"
                      "    httpService:\n      command: uvicorn app:app --port $PORT\n")
        << QStringList() << both << false
        << QStringList{"blocks function 'web': runs 'uvicorn', which is not installed => "
                       "install uvicorn"}
        << 0;
}

void TestProjectDoctor::explainsEachReason() {
    QFETCH(QByteArray, manifest);
    QFETCH(QStringList, files);
    QFETCH(QStringList, programs);
    QFETCH(bool, esbuildInstalled);
    QFETCH(QStringList, findings);
    QFETCH(int, runnable);
    TempProject project;
    project.writeManifest(manifest);
    for (int i = 0; i + 1 < files.size(); i += 2)
        project.write(files[i], files[i + 1].toUtf8());
    TempProject resources;
    if (esbuildInstalled)
        resources.write("runtimes/node/typescript/node_modules/esbuild/package.json", "{}");

    manifest::LoadOptions options;
    options.environment = [](const std::string &) { return std::optional<std::string>(); };
    const doctor::Examination exam = doctor::examine(project.path().toStdString(), options,
                                                     machineWith(programs, resources.path()));
    QStringList seen;
    for (const auto &f : exam.findings)
        seen << QString("%1 %2: %3 => %4")
                    .arg(f.level == doctor::Finding::Level::Blocks ? "blocks" : "degrades")
                    .arg(QString::fromStdString(f.subject), QString::fromStdString(f.problem),
                         QString::fromStdString(f.fix));
    QVERIFY2(seen.size() == findings.size(), qPrintable(seen.join("\n")));
    for (int i = 0; i < findings.size(); ++i) {
        const QString head = findings[i].section(" => ", 0, 0);
        const QString fix = findings[i].section(" => ", 1);
        const QString level = head.section(' ', 0, 0);
        const QString subject = head.section(' ', 1).section(": ", 0, 0);
        const QString problem = head.section(": ", 1);
        const auto &f = exam.findings[static_cast<size_t>(i)];
        QVERIFY2(seen[i].startsWith(level + " " + subject + ": "), qPrintable(seen[i]));
        QVERIFY2(QString::fromStdString(f.problem).contains(problem), qPrintable(seen[i]));
        QVERIFY2(QString::fromStdString(f.fix).contains(fix), qPrintable(seen[i]));
    }
    QCOMPARE(int(exam.runnable.size()), runnable);
    QCOMPARE(exam.healthy(), std::none_of(findings.begin(), findings.end(),
                                          [](const QString &f) { return f.startsWith("blocks"); }));
}

QTEST_APPLESS_MAIN(TestProjectDoctor)
#include "tst_projectdoctor.moc"
