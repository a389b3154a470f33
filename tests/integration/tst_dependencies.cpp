#include "dependencies/functiondependencies.h"
#include "nimbus/packaging/ziparchive.h"
#include "projectfiles.h"
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

using namespace nimbus::sim;

// A function's third-party packages, installed by pip and npm as the simulator runs it, with
// no network: a tiny wheel built here and found with --find-links, a tiny npm package in a
// folder beside the project. The installation is reused while the file is unchanged, done
// again (once) when it changes, and a failed one shows pip's message and leaves the function
// on what it had.
namespace {

struct Recorder : PoolObserver {
    QStringList platform;
    void platformEvent(const std::string &message) override {
        platform << QString::fromStdString(message);
    }
    int count(const QString &text) const {
        int n = 0;
        for (const auto &line : platform)
            n += line.contains(text) ? 1 : 0;
        return n;
    }
};

const char *kManifest = R"(service: deps
provider:
  name: aws
  runtime: python3.11
functions:
  uses:
    handler: uses.main
  plain:
    handler: plain.main
  node:
    handler: web/app.main
    runtime: nodejs20.x
)";

} // namespace

class TestDependencies : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void pythonPackagesAreInstalledAndImported();
    void anUnchangedFileIsNeverInstalledAgain();
    void aChangedFileIsInstalledOnceAndSwapsInstances();
    void aBrokenRequirementKeepsTheOldPackagesAndSaysWhy();
    void nodePackagesAreInstalledWithoutDevDependencies();
    void aPyprojectsDependenciesAreInstalled();
    void layersAreImportedFromTheirFolders();

private:
    void startSimulator();
    InvocationResult invoke(const char *function);
    QString installedFolders(const QString &prefix) const;

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
    Recorder m_recorder;
};

void TestDependencies::init() {
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("uses.py",
                     "import tinypkg\n\ndef main(event, context):\n"
                     "    return {'version': tinypkg.VERSION, 'from': tinypkg.__file__}\n");
    m_project->write("plain.py", "def main(event, context):\n    return 'plain'\n");
    m_project->write("wheels/tinypkg-1.0-py3-none-any.whl", pythonWheel("tinypkg", "1.0"));
    m_project->write("wheels/tinypkg-2.0-py3-none-any.whl", pythonWheel("tinypkg", "2.0"));
    m_project->write("requirements.txt", "--no-index\n--find-links wheels\ntinypkg==1.0\n");
    m_recorder = Recorder{};
    startSimulator();
}

void TestDependencies::cleanup() {
    if (m_simulator)
        m_simulator->shutdown();
    m_simulator.reset();
    m_io.reset();
}

void TestDependencies::startSimulator() {
    if (m_simulator)
        m_simulator->shutdown();
    m_simulator.reset();
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    options.serveGateway = false;
    m_simulator = std::make_unique<Simulator>(*m_io, options, &m_recorder);
    QVERIFY(m_simulator->load());
}

InvocationResult TestDependencies::invoke(const char *function) {
    std::optional<InvocationResult> result;
    std::string error;
    InvocationRequest request;
    request.payload = "{}";
    if (!m_simulator->invoke(
            function, request, [&](InvocationResult r) { result = std::move(r); }, error))
        qWarning("cannot invoke %s: %s", function, error.c_str());
    // pip and npm may take a while on a loaded machine.
    const bool answered = QTest::qWaitFor(
        [&] {
            m_io->run_for(std::chrono::milliseconds(20));
            return result.has_value();
        },
        120000);
    if (!answered)
        qWarning("%s did not answer within two minutes", function);
    return result.value_or(InvocationResult{});
}

QString TestDependencies::installedFolders(const QString &prefix) const {
    QStringList names =
        QDir(m_project->filePath(".nimbus/deps")).entryList({prefix + "*"}, QDir::Dirs);
    return names.join(",");
}

void TestDependencies::pythonPackagesAreInstalledAndImported() {
    // The first invocation waits for the installation, then imports the package from the
    // project's build folder, never from the interpreter's own site-packages.
    QCOMPARE(m_simulator->dependencies("uses").state, DependencyState::Installing);
    QCOMPARE(m_simulator->dependencies("plain").state, DependencyState::Installing);
    const InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
    QCOMPARE(body["version"].toString(), QString("1.0"));
    QVERIFY2(body["from"].toString().startsWith(m_project->filePath(".nimbus/deps/python-")),
             qPrintable(body["from"].toString()));
    QCOMPARE(m_recorder.count("installing dependencies from requirements.txt (pip)"), 1);
    QCOMPARE(m_recorder.count("dependencies installed from requirements.txt"), 1);
    const auto status = m_simulator->dependencies("uses");
    QCOMPARE(status.state, DependencyState::Installed);
    QCOMPARE(QString::fromStdString(status.file), QString("requirements.txt"));
    // One folder, finished (no partial one left behind), shared by both functions.
    QCOMPARE(installedFolders("python-").count(','), 0);
    QVERIFY(!installedFolders("python-").contains("partial"));
    QCOMPARE(m_simulator->dependencies("plain").importPath, status.importPath);
    QCOMPARE(m_simulator->dependencies("node").state, DependencyState::None);
}

void TestDependencies::anUnchangedFileIsNeverInstalledAgain() {
    QVERIFY(!invoke("uses").functionError);
    m_recorder = Recorder{};
    startSimulator(); // a simulator started again on the same project
    QCOMPARE(m_simulator->dependencies("uses").state, DependencyState::Installed);
    const InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(m_recorder.count("installing dependencies"), 0);
}

void TestDependencies::aChangedFileIsInstalledOnceAndSwapsInstances() {
    QVERIFY(!invoke("uses").functionError);
    std::string error;
    QVERIFY(m_simulator->watch({}, error));
    m_recorder = Recorder{};
    m_project->write("requirements.txt", "--no-index\n--find-links wheels\ntinypkg==2.0\n");
    // The watcher reloads; the new set installs in the background; then instances swap.
    QTRY_VERIFY_WITH_TIMEOUT((m_io->run_for(std::chrono::milliseconds(20)),
                              m_recorder.count("dependencies installed") == 1),
                             120000);
    const InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QVERIFY2(QByteArray::fromStdString(r.payload).contains("\"2.0\""), r.payload.c_str());
    QCOMPARE(m_recorder.count("installing dependencies"), 1);
    QCOMPARE(installedFolders("python-").count(','), 1); // the old set's folder and the new one
}

void TestDependencies::aBrokenRequirementKeepsTheOldPackagesAndSaysWhy() {
    QVERIFY(!invoke("uses").functionError);
    std::string error;
    QVERIFY(m_simulator->watch({}, error));
    m_recorder = Recorder{};
    m_project->write("requirements.txt",
                     "--no-index\n--find-links wheels\ntinypkg==1.0\nno-such-package-here==1.0\n");
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_io->run_for(std::chrono::milliseconds(20)), m_recorder.count("could not install") == 1),
        120000);
    const QString failure = m_recorder.platform.filter("could not install").join("\n");
    // pip's own words, and the file they came from.
    QVERIFY2(failure.contains("pip could not install requirements.txt"), qPrintable(failure));
    QVERIFY2(failure.contains("no-such-package-here"), qPrintable(failure));
    QVERIFY2(failure.contains("ERROR:"), qPrintable(failure));
    const auto status = m_simulator->dependencies("uses");
    QCOMPARE(status.state, DependencyState::Failed);
    QVERIFY(QString::fromStdString(status.message).contains("no-such-package-here"));
    // The packages it had stay in use; nothing half-installed is left.
    const InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QVERIFY2(QByteArray::fromStdString(r.payload).contains("\"1.0\""), r.payload.c_str());
    QVERIFY(!installedFolders("python-").contains("partial"));
    QCOMPARE(installedFolders("python-").count(','), 0);
    // What the language server reads from the disk says the same.
    RuntimeLauncher launcher(nimbusSourcePath("resources").toStdString());
    const auto set = dependencySetOf(m_simulator->manifest(),
                                     *m_simulator->manifest().function("uses"), launcher);
    QVERIFY(set);
    const DependencyStatus onDisk = statusOnDisk(*set, m_project->path().toStdString());
    QCOMPARE(onDisk.state, DependencyState::Failed);
    QVERIFY(QString::fromStdString(onDisk.message).contains("no-such-package-here"));
    QCOMPARE(QString::fromStdString(onDisk.file), QString("requirements.txt"));
}

void TestDependencies::nodePackagesAreInstalledWithoutDevDependencies() {
    if (QStandardPaths::findExecutable("npm").isEmpty())
        QSKIP("npm is not installed (scripts/dev installs it)");
    // A package in a folder of the project, named by a relative file: path (no registry
    // needed); a dev dependency that exists nowhere, which would fail the installation were
    // it installed.
    m_project->write("vendor/tinynode/package.json",
                     R"({"name": "tinynode", "version": "1.0.0", "main": "index.js"})");
    m_project->write("vendor/tinynode/index.js", "exports.greet = (n) => `hello ${n}`;\n");
    m_project->write("web/package.json",
                     R"({"name": "web", "version": "1.0.0",
                         "dependencies": {"tinynode": "file:../vendor/tinynode"},
                         "devDependencies": {"no-such-dev-package-here": "1.0.0"}})");
    m_project->write("web/app.js", "const { greet } = require('tinynode');\n"
                                   "exports.main = async () => ({ said: greet('node'), from: "
                                   "require.resolve('tinynode') });\n");
    startSimulator();
    QCOMPARE(m_simulator->dependencies("node").state, DependencyState::Installing);
    QCOMPARE(QString::fromStdString(m_simulator->dependencies("node").file),
             QString("web/package.json"));
    const InvocationResult r = invoke("node");
    QVERIFY2(!r.functionError,
             (r.payload + "\n" + m_recorder.platform.join("\n").toStdString()).c_str());
    QVERIFY2(QByteArray::fromStdString(r.payload).contains("hello node"), r.payload.c_str());
    QCOMPARE(m_simulator->dependencies("node").state, DependencyState::Installed);
    const QString modules = QString::fromStdString(m_simulator->dependencies("node").importPath);
    QVERIFY(modules.endsWith("/node_modules"));
    QVERIFY(QFileInfo::exists(modules + "/tinynode"));
    QVERIFY(!QFileInfo::exists(modules + "/no-such-dev-package-here"));
}

void TestDependencies::aPyprojectsDependenciesAreInstalled() {
    // [project] dependencies of a pyproject.toml (PEP 621), here a wheel named by its path.
    QFile::remove(m_project->filePath("requirements.txt"));
    m_project->write("pyproject.toml",
                     QString("[project]\nname = \"deps\"\nversion = \"0.1\"\n"
                             "dependencies = [\"tinypkg @ file://%1\"]\n[tool.black]\n"
                             "line-length = 100\n")
                         .arg(m_project->filePath("wheels/tinypkg-2.0-py3-none-any.whl"))
                         .toUtf8());
    startSimulator();
    QCOMPARE(QString::fromStdString(m_simulator->dependencies("uses").file),
             QString("pyproject.toml"));
    const InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError,
             (r.payload + "\n" + m_recorder.platform.join("\n").toStdString()).c_str());
    QVERIFY2(QByteArray::fromStdString(r.payload).contains("\"2.0\""), r.payload.c_str());
    QCOMPARE(m_recorder.count("installing dependencies from pyproject.toml (pip)"), 1);
}

void TestDependencies::layersAreImportedFromTheirFolders() {
    // Two layers of the service, listed in order: the later one's files win, as in /opt.
    // Python finds python/ and python/lib/pythonX.Y/site-packages; Node nodejs/node_modules.
    m_project->writeManifest(R"(service: deps
provider:
  name: aws
  runtime: python3.11
layers:
  common:
    path: layers/common
  override:
    path: layers/override
functions:
  uses:
    handler: layered.main
    layers:
      - {Ref: CommonLambdaLayer}
      - !Ref OverrideLambdaLayer
  node:
    handler: web/app.main
    runtime: nodejs20.x
    layers: [{Ref: CommonLambdaLayer}]
  without:
    handler: layered.main
)");
    m_project->write("layers/common/python/shared.py", "WHO = 'common'\n");
    m_project->write("layers/common/python/lib/python3.11/site-packages/sitepkg.py",
                     "WHERE = 'site-packages'\n");
    m_project->write("layers/common/python/which.py", "WHO = 'common'\n");
    m_project->write("layers/override/python/which.py", "WHO = 'override'\n");
    m_project->write("layers/common/nodejs/node_modules/greeter/index.js",
                     "exports.greet = () => 'from the layer';\n");
    m_project->write(
        "layered.py",
        "def main(event, context):\n"
        "    try:\n"
        "        import shared, sitepkg, which\n"
        "    except ImportError as e:\n"
        "        return {'error': str(e)}\n"
        "    return {'shared': shared.WHO, 'site': sitepkg.WHERE, 'which': which.WHO}\n");
    m_project->write("web/app.js", "exports.main = async () => require('greeter').greet();\n");
    QFile::remove(m_project->filePath("requirements.txt"));
    startSimulator();
    InvocationResult r = invoke("uses");
    QVERIFY2(!r.functionError, r.payload.c_str());
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
    QCOMPARE(body["shared"].toString(), QString("common"));
    QCOMPARE(body["site"].toString(), QString("site-packages"));
    QCOMPARE(body["which"].toString(), QString("override"));
    // A function that lists no layer has none.
    r = invoke("without");
    QVERIFY2(QByteArray::fromStdString(r.payload).contains("No module named"), r.payload.c_str());
    r = invoke("node");
    QVERIFY2(!r.functionError, r.payload.c_str());
    QCOMPARE(QString::fromStdString(r.payload), QString("\"from the layer\""));
}

QTEST_GUILESS_MAIN(TestDependencies)
#include "tst_dependencies.moc"
