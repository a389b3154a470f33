#include "dependencies/functiondependencies.h"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace nimbus::sim;
namespace fs = std::filesystem;
using Ecosystem = DependencySet::Ecosystem;

// Which file declares a function's packages and where they go, without installing anything:
// the handler's own folder before the project's, a key that follows the content and the
// interpreter, the commands pip and npm are given, and what is kept of a failure's output.
class TestDependencySet : public QObject {
    Q_OBJECT
private slots:
    void init();
    void theHandlersFolderComesFirst();
    void theProjectsFileServesTheRest();
    void aPackageJsonWithoutDependenciesDeclaresNone();
    void theKeyFollowsContentAndInterpreter();
    void pipInstallsIntoTheTargetOnly();
    void aPyprojectListsItsDependencies();
    void aPyprojectThatPipCannotReadSaysWhy();
    void anotherPythonGetsLambdasWheels();
    void npmUsesTheLockFileWhenThereIsOne();
    void relativeFileDependenciesBecomeAbsolute();
    void aFailureKeepsWhatPipSaid();
    void theRecordIsReadBack();

private:
    void write(const std::string &relative, const std::string &text);
    std::string root() const { return m_dir->path().toStdString(); }
    std::function<std::string()> interpreter() const {
        return [path = root() + "/python3"] { return path; };
    }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestDependencySet::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    write("python3", "#!/bin/sh\n"); // an interpreter stands in: only its path and time count
}

void TestDependencySet::write(const std::string &relative, const std::string &text) {
    const fs::path path = fs::path(root()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

void TestDependencySet::theHandlersFolderComesFirst() {
    write("requirements.txt", "requests\n");
    write("src/orders/requirements.txt", "boto3\n");
    const auto set = findDependencySet(root(), root(), "src/orders/handler.main", Ecosystem::Python,
                                       interpreter());
    QVERIFY(set);
    QCOMPARE(QString::fromStdString(set->relativeFile(root())),
             QString("src/orders/requirements.txt"));
    QVERIFY(QString::fromStdString(set->folder)
                .startsWith(QString::fromStdString(root() + "/.nimbus/deps/python-")));
    QCOMPARE(set->importPath(), set->folder);
}

void TestDependencySet::theProjectsFileServesTheRest() {
    write("requirements.txt", "requests\n");
    const auto set = findDependencySet(root(), root(), "src/users/handler.main", Ecosystem::Python,
                                       interpreter());
    QVERIFY(set);
    QCOMPARE(QString::fromStdString(set->relativeFile(root())), QString("requirements.txt"));
    // Nothing declared anywhere: nothing to install.
    QVERIFY(!findDependencySet(root(), root(), "handler.main", Ecosystem::Node, interpreter()));
}

void TestDependencySet::aPackageJsonWithoutDependenciesDeclaresNone() {
    write("package.json", R"({"name": "svc", "devDependencies": {"jest": "29.7.0"}})");
    QVERIFY(!findDependencySet(root(), root(), "handler.main", Ecosystem::Node, interpreter()));
    write("package.json", R"({"name": "svc", "dependencies": {"uuid": "9.0.1"}})");
    write("package-lock.json", "{}");
    const auto set =
        findDependencySet(root(), root(), "handler.main", Ecosystem::Node, interpreter());
    QVERIFY(set);
    QCOMPARE(set->lockFile, root() + "/package-lock.json");
    QCOMPARE(set->importPath(), set->folder + "/node_modules");
    QVERIFY(QString::fromStdString(set->folder).contains("/.nimbus/deps/node-"));
}

void TestDependencySet::theKeyFollowsContentAndInterpreter() {
    write("requirements.txt", "requests==2.31.0\n");
    const auto first =
        findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter());
    const auto again =
        findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter());
    QVERIFY(first && again);
    QCOMPARE(first->key.size(), std::size_t(16));
    QCOMPARE(first->key, again->key); // unchanged: the same folder, never installed twice
    write("requirements.txt", "requests==2.32.0\n");
    const auto changed =
        findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter());
    QVERIFY(changed->key != first->key);
    write("python3.12", "#!/bin/sh\n");
    const auto otherPython = findDependencySet(root(), root(), "h.main", Ecosystem::Python,
                                               [this] { return root() + "/python3.12"; });
    QVERIFY(otherPython->key != changed->key);
}

void TestDependencySet::pipInstallsIntoTheTargetOnly() {
    write("src/requirements.txt", "requests\n");
    const auto set =
        findDependencySet(root(), root(), "src/h.main", Ecosystem::Python, interpreter());
    const InstallCommand command = installCommand(*set, "/usr/bin/python3", "/usr/bin/npm", "/t");
    QCOMPARE(command.executable, std::string("/usr/bin/python3"));
    const QStringList arguments = [&] {
        QStringList list;
        for (const auto &a : command.arguments)
            list << QString::fromStdString(a);
        return list;
    }();
    QCOMPARE(arguments.mid(0, 3), QStringList({"-m", "pip", "install"}));
    QCOMPARE(arguments[arguments.indexOf("--target") + 1], QString("/t"));
    QCOMPARE(arguments[arguments.indexOf("-r") + 1], QString::fromStdString(set->file));
    // Its relative paths (--find-links wheels, ./lib) are the file's folder's.
    QCOMPARE(command.workingDirectory, root() + "/src");
}

void TestDependencySet::aPyprojectListsItsDependencies() {
    // A pyproject.toml of tools' settings declares nothing: the project's one is used.
    write("requirements.txt", "boto3\n");
    write("svc/pyproject.toml", "[tool.black]\nline-length = 100\n");
    auto set = findDependencySet(root(), root(), "svc/h.main", Ecosystem::Python, interpreter());
    QVERIFY(set);
    QCOMPARE(QString::fromStdString(set->relativeFile(root())), QString("requirements.txt"));

    write("svc/pyproject.toml",
          "[project]\nname = \"svc\"\ndependencies = [\n"
          "  \"requests>=2.31\",\n  \"tiny @ file:///w/tiny-1.0-py3-none-any.whl\",\n"
          "]\n[tool.black]\nline-length = 100\n");
    set = findDependencySet(root(), root(), "svc/h.main", Ecosystem::Python, interpreter());
    QVERIFY(set);
    QCOMPARE(QString::fromStdString(set->relativeFile(root())), QString("svc/pyproject.toml"));
    QCOMPARE(
        set->requirements,
        (std::vector<std::string>{"requests>=2.31", "tiny @ file:///w/tiny-1.0-py3-none-any.whl"}));
    QVERIFY(set->problem.empty());
    // pip takes them on its command line, after the target; no -r.
    const InstallCommand command = installCommand(*set, "/usr/bin/python3", "", "/t");
    QCOMPARE(command.arguments.back(), std::string("tiny @ file:///w/tiny-1.0-py3-none-any.whl"));
    QVERIFY(std::find(command.arguments.begin(), command.arguments.end(), "-r") ==
            command.arguments.end());
    // A requirements.txt beside it wins (as pip users keep one for exactly this).
    write("svc/requirements.txt", "flask\n");
    set = findDependencySet(root(), root(), "svc/h.main", Ecosystem::Python, interpreter());
    QCOMPARE(QString::fromStdString(set->relativeFile(root())), QString("svc/requirements.txt"));
}

void TestDependencySet::aPyprojectThatPipCannotReadSaysWhy() {
    std::string problem;
    QVERIFY(!pyprojectDependencies("[project]\ndependencies = [\"a\",\n", problem));
    QVERIFY2(QString::fromStdString(problem).startsWith("line "), problem.c_str());
    QVERIFY2(QString::fromStdString(problem).contains("not valid TOML"), problem.c_str());

    problem.clear();
    QVERIFY(!pyprojectDependencies("[tool.poetry.dependencies]\npython = \"^3.11\"\n"
                                   "requests = \"^2.31\"\n",
                                   problem));
    QVERIFY2(QString::fromStdString(problem).contains("poetry export"), problem.c_str());
    // Poetry's table with only the Python version declares nothing.
    problem.clear();
    QVERIFY(!pyprojectDependencies("[tool.poetry.dependencies]\npython = \"^3.11\"\n", problem));
    QVERIFY(problem.empty());
    // The set still names the file, so that the installation fails with the reason.
    write("pyproject.toml", "[tool.poetry.dependencies]\npython = \"^3.11\"\nrequests = \"*\"\n");
    const auto set = findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter());
    QVERIFY(set);
    QVERIFY(!set->problem.empty());
}

void TestDependencySet::anotherPythonGetsLambdasWheels() {
    QCOMPARE(pythonVersionOf("python3.12"), std::string("3.12"));
    QCOMPARE(pythonVersionOf("Python3.9"), std::string("3.9"));
    QCOMPARE(pythonVersionOf("/usr/bin/python3.11"), std::string("3.11"));
    QCOMPARE(pythonVersionOf("/usr/bin/python3"), std::string());
    QCOMPARE(pythonVersionOf("nodejs20.x"), std::string());

    write("requirements.txt", "numpy\n");
    const auto native =
        findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter());
    const auto lambda =
        findDependencySet(root(), root(), "h.main", Ecosystem::Python, interpreter(), "3.12");
    QVERIFY(native && lambda);
    QVERIFY(native->targetPythonVersion.empty());
    QCOMPARE(lambda->targetPythonVersion, std::string("3.12"));
    // Two folders: what the simulator runs here, and what the package carries there.
    QVERIFY(native->key != lambda->key);
    const auto nativeArgs = installCommand(*native, "/usr/bin/python3", "", "/t").arguments;
    QVERIFY(std::find(nativeArgs.begin(), nativeArgs.end(), "--platform") == nativeArgs.end());
    const auto args = installCommand(*lambda, "/usr/bin/python3", "", "/t").arguments;
    auto after = [&](const std::string &flag) {
        const auto it = std::find(args.begin(), args.end(), flag);
        return it == args.end() || it + 1 == args.end() ? std::string() : *(it + 1);
    };
    QCOMPARE(after("--platform"), std::string("manylinux2014_x86_64"));
    QCOMPARE(after("--python-version"), std::string("3.12"));
    QCOMPARE(after("--implementation"), std::string("cp"));
    QVERIFY(std::find(args.begin(), args.end(), "--only-binary=:all:") != args.end());
    QCOMPARE(after("-r"), native->file);
}

void TestDependencySet::npmUsesTheLockFileWhenThereIsOne() {
    write("package.json", R"({"dependencies": {"uuid": "9.0.1"}})");
    auto set = findDependencySet(root(), root(), "h.main", Ecosystem::Node, interpreter());
    InstallCommand command = installCommand(*set, "python3", "/usr/bin/npm", "/t");
    QCOMPARE(command.executable, std::string("/usr/bin/npm"));
    QCOMPARE(command.arguments.front(), std::string("install"));
    QVERIFY(std::find(command.arguments.begin(), command.arguments.end(), "--omit=dev") !=
            command.arguments.end());
    QCOMPARE(command.workingDirectory, std::string("/t"));
    write("package-lock.json", "{}");
    set = findDependencySet(root(), root(), "h.main", Ecosystem::Node, interpreter());
    command = installCommand(*set, "python3", "/usr/bin/npm", "/t");
    QCOMPARE(command.arguments.front(), std::string("ci"));
}

void TestDependencySet::relativeFileDependenciesBecomeAbsolute() {
    std::string out, error;
    QVERIFY(packageJsonForTarget(
        R"({"dependencies": {"a": "file:../lib/a", "b": "file:/abs/b", "c": "1.0.0"},
            "devDependencies": {"jest": "29.7.0"}})",
        "/proj/svc", true, out, error));
    auto document = nlohmann::json::parse(out);
    QVERIFY(!document.contains("devDependencies")); // npm install would resolve them all
    QVERIFY(packageJsonForTarget(R"({"devDependencies": {"jest": "29.7.0"}})", "/proj", false, out,
                                 error));
    QVERIFY(nlohmann::json::parse(out).contains("devDependencies")); // npm ci: as the lock says
    QVERIFY(packageJsonForTarget(
        R"({"dependencies": {"a": "file:../lib/a", "b": "file:/abs/b", "c": "1.0.0"}})",
        "/proj/svc", true, out, error));
    document = nlohmann::json::parse(out);
    QCOMPARE(document["dependencies"]["a"].get<std::string>(), std::string("file:/proj/lib/a"));
    QCOMPARE(document["dependencies"]["b"].get<std::string>(), std::string("file:/abs/b"));
    QCOMPARE(document["dependencies"]["c"].get<std::string>(), std::string("1.0.0"));
    QVERIFY(!packageJsonForTarget("[1, 2]", "/proj", true, out, error));
    QVERIFY(QString::fromStdString(error).contains("package.json"));
}

void TestDependencySet::aFailureKeepsWhatPipSaid() {
    const std::string output =
        "Looking in links: wheels\n"
        "ERROR: Could not find a version that satisfies the requirement nosuch==1.0 (from "
        "versions: none)\n"
        "ERROR: No matching distribution found for nosuch==1.0\n";
    const std::string summary = installFailureSummary(output);
    QVERIFY(!QString::fromStdString(summary).contains("Looking in links"));
    QVERIFY(QString::fromStdString(summary).contains("No matching distribution found for nosuch"));
    // Output without ERROR lines: its last lines.
    QCOMPARE(installFailureSummary("a\nb\n"), std::string("a\nb"));
}

void TestDependencySet::theRecordIsReadBack() {
    write("deps/.nimbus-deps.json",
          installedRecordJson({"requirements.txt", "2026-11-27T00:00:00Z", 2.5}));
    const auto record = readInstalledRecord(root() + "/deps");
    QVERIFY(record);
    QCOMPARE(record->file, std::string("requirements.txt"));
    QCOMPARE(record->seconds, 2.5);
    QVERIFY(!readInstalledRecord(root() + "/nothing"));
}

QTEST_APPLESS_MAIN(TestDependencySet)
#include "tst_dependencyset.moc"
