#include "nimbus/packaging/packager.h"
#include "nimbus/packaging/ziparchive.h"
#include "tempproject.h"

#include <QProcess>
#include <QtTest>
#include <filesystem>

using namespace nimbus::packaging;
namespace fs = std::filesystem;

// Deployment zips: deterministic when built, refused when unsafe on upload (made here with
// Python's zipfile, the way an attacker or a careless tool would make them), unpacked whole
// or not at all; and the Serverless Framework's package patterns.
class TestPackaging : public QObject {
    Q_OBJECT
private slots:
    void zipsAreDeterministic();
    void unsafeZipsAreRefused_data();
    void unsafeZipsAreRefused();
    void safeLinksAreKept();
    void extractionIsWholeOrNothing();
    void globs_data();
    void globs();
    void patternsSelectTheFiles();
};

namespace {

// A zip made by a Python snippet that has `z`, an open zipfile.ZipFile.
std::string pythonZip(const QString &body) {
    QProcess python;
    const QString script = "import io, sys, zipfile\nbuf = io.BytesIO()\n"
                           "z = zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED)\n" +
                           body + "\nz.close()\nsys.stdout.buffer.write(buf.getvalue())\n";
    python.start("/usr/bin/python3", {"-c", script});
    if (!python.waitForFinished(30000) || python.exitCode() != 0)
        qFatal("python zip failed: %s", python.readAllStandardError().constData());
    return python.readAllStandardOutput().toStdString();
}

// An entry that is a symbolic link to `target`.
QString linkEntry(const QString &name, const QString &target) {
    return QString("i = zipfile.ZipInfo('%1')\ni.create_system = 3\n"
                   "i.external_attr = (0o120777 << 16)\nz.writestr(i, '%2')")
        .arg(name, target);
}

} // namespace

void TestPackaging::zipsAreDeterministic() {
    std::string first, second, error;
    QVERIFY(writeZip({{"b.py", "print(2)\n"}, {"a.py", "print(1)\n"}, {"run", "#!/bin/sh\n", true}},
                     first, error));
    QVERIFY(writeZip({{"run", "#!/bin/sh\n", true}, {"a.py", "print(1)\n"}, {"b.py", "print(2)\n"}},
                     second, error));
    QVERIFY(first == second);
    QCOMPARE(sha256Base64(first), sha256Base64(second));
    // No padding after the end record: the size is the zip's own.
    QCOMPARE(first.substr(first.size() - 22, 4), std::string("PK\x05\x06", 4));
    const auto entries = readZip(first, error);
    QVERIFY2(entries, error.c_str());
    QCOMPARE(entries->size(), std::size_t(3));
    QCOMPARE((*entries)[0].path, std::string("a.py"));
    QCOMPARE((*entries)[0].data, std::string("print(1)\n"));
    QVERIFY((*entries)[2].executable);
    QVERIFY(!(*entries)[0].executable);
}

void TestPackaging::unsafeZipsAreRefused_data() {
    QTest::addColumn<QString>("python"); // empty: raw bytes below
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("message");
    QTest::newRow("not a zip") << "" << QByteArray("just some text, not a zip at all")
                               << "it is not a zip file";
    QTest::newRow("a truncated zip") << "TRUNCATE" << QByteArray() << "Could not unzip";
    QTest::newRow("an absolute path")
        << "z.writestr('/etc/cron.d/evil', 'x')" << QByteArray() << "has an absolute path";
    QTest::newRow("a path that climbs out")
        << "z.writestr('lib/../../evil.py', 'x')" << QByteArray() << "climbs out of the package";
    QTest::newRow("a backslash path that climbs out")
        << "z.writestr('..\\\\evil.py', 'x')" << QByteArray() << "climbs out of the package";
    QTest::newRow("a link to an absolute path")
        << linkEntry("passwd", "/etc/passwd") << QByteArray() << "points outside the package";
    QTest::newRow("a link that climbs out")
        << linkEntry("lib/up", "../../secret") << QByteArray() << "points outside the package";
    QTest::newRow("a chain of links that each stay inside")
        << linkEntry("c", ".") + "\n" + linkEntry("a", "c/..") + "\n" + linkEntry("e", "a/..") +
               "\n" + linkEntry("h", "e/..") + "\nz.writestr('h/ESCAPED.txt', 'x')"
        << QByteArray() << "points through another link";
    QTest::newRow("a file written through a link")
        << linkEntry("lib", "sub") + "\nz.writestr('sub/keep.py', 'x')\nz.writestr('lib/x.py', 'y')"
        << QByteArray() << "is reached through the link 'lib'";
    QTest::newRow("a link where a folder is")
        << "z.writestr('lib/a.py', 'x')\n" + linkEntry("lib", "other") << QByteArray()
        << "stands where the package has a folder";
    QTest::newRow("a zip bomb (2 MB of zeros, 1 MB allowed)")
        << "z.writestr('zeros', b'\\0' * (2 * 1024 * 1024))" << QByteArray()
        << "Unzipped size must be smaller than 1048576 bytes";
    QTest::newRow("a bomb of many copies")
        << "for i in range(40): z.writestr('copy%d' % i, b'\\0' * 40000)" << QByteArray()
        << "Unzipped size must be smaller than 1048576 bytes";
}

void TestPackaging::unsafeZipsAreRefused() {
    QFETCH(QString, python);
    QFETCH(QByteArray, raw);
    QFETCH(QString, message);
    std::string zip;
    if (python == "TRUNCATE") {
        zip = pythonZip("z.writestr('a.py', 'x' * 5000)");
        zip = zip.substr(0, zip.size() / 2);
    } else {
        zip = python.isEmpty() ? raw.toStdString() : pythonZip(python);
    }
    ZipLimits limits;
    limits.maxUnzippedBytes = 1024 * 1024;
    std::string error;
    QVERIFY(!inspectZip(zip, limits, error));
    QVERIFY2(QString::fromStdString(error).contains(message), error.c_str());
    // And nothing is unpacked.
    TempProject dir;
    QVERIFY(!extractZip(zip, dir.filePath("code").toStdString(), limits, error));
    QVERIFY(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)
                .isEmpty());
}

void TestPackaging::safeLinksAreKept() {
    const std::string zip = pythonZip("z.writestr('lib/real.py', 'x = 1')\n" +
                                      linkEntry("alias.py", "lib/real.py"));
    std::string error;
    QVERIFY2(inspectZip(zip, ZipLimits{}, error), error.c_str());
    TempProject dir;
    const std::string target = dir.filePath("code").toStdString();
    QVERIFY2(extractZip(zip, target, ZipLimits{}, error), error.c_str());
    QVERIFY(fs::is_symlink(target + "/alias.py"));
    QFile linked(QString::fromStdString(target + "/alias.py"));
    QVERIFY(linked.open(QIODevice::ReadOnly));
    QCOMPARE(linked.readAll(), QByteArray("x = 1"));
}

void TestPackaging::extractionIsWholeOrNothing() {
    std::string zip, error;
    QVERIFY(writeZip({{"app.py", "def main(e, c): pass\n"}, {"bin/tool", "#!/bin/sh\n", true}}, zip,
                     error));
    TempProject dir;
    const std::string target = dir.filePath("code/abc").toStdString();
    fs::create_directories(dir.filePath("code").toStdString());
    QVERIFY2(extractZip(zip, target, ZipLimits{}, error), error.c_str());
    QVERIFY(fs::is_regular_file(target + "/app.py"));
    QVERIFY((fs::status(target + "/bin/tool").permissions() & fs::perms::owner_exec) !=
            fs::perms::none);
    // No staging folder is left beside it.
    QCOMPARE(QDir(dir.filePath("code")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot |
                                                  QDir::Hidden),
             QStringList{"abc"});

    // Read-only files: nobody may write them; folders stay writable so the tree can go.
    const std::string readOnly = dir.filePath("code/def").toStdString();
    QVERIFY2(extractZip(zip, readOnly, ZipLimits{}, error, Extracted::ReadOnlyFiles),
             error.c_str());
    const auto writeBits = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
    QCOMPARE(fs::status(readOnly + "/app.py").permissions() & writeBits, fs::perms::none);
    QCOMPARE(fs::status(readOnly + "/bin/tool").permissions() & writeBits, fs::perms::none);
    QVERIFY((fs::status(readOnly + "/bin/tool").permissions() & fs::perms::owner_exec) !=
            fs::perms::none);
    QVERIFY((fs::status(readOnly + "/bin").permissions() & fs::perms::owner_write) !=
            fs::perms::none);
    std::error_code ec;
    fs::remove_all(readOnly, ec);
    QVERIFY2(!ec, ec.message().c_str());
}

void TestPackaging::globs_data() {
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("matches");
    QTest::newRow("a star stays in its folder") << "*.py" << "a/b.py" << false;
    QTest::newRow("a star in the top folder") << "*.py" << "b.py" << true;
    QTest::newRow("two stars cross folders") << "**/*.py" << "a/b/c.py" << true;
    QTest::newRow("two stars match no folder too") << "**/*.py" << "c.py" << true;
    QTest::newRow("a folder and all below") << "node_modules/**" << "node_modules/x/y.js" << true;
    QTest::newRow("alternatives") << "src/*.{js,mjs}" << "src/a.mjs" << true;
    QTest::newRow("a class") << "data/[ab].json" << "data/b.json" << true;
    QTest::newRow("a negated class") << "data/[!ab].json" << "data/b.json" << false;
    QTest::newRow("a question mark") << "v?.txt" << "v1.txt" << true;
    QTest::newRow("a leading ./") << "./handler.py" << "handler.py" << true;
}

void TestPackaging::globs() {
    QFETCH(QString, pattern);
    QFETCH(QString, path);
    QFETCH(bool, matches);
    QCOMPARE(globMatch(pattern.toStdString(), path.toStdString()), matches);
}

void TestPackaging::patternsSelectTheFiles() {
    TempProject project;
    for (const char *file : {"handler.py", "lib/util.py", "tests/test_handler.py", "README.md",
                             "serverless.yml", ".git/config", ".nimbus/nimbus.db",
                             "lib/__pycache__/util.cpython-311.pyc", "docs/keep.md"})
        project.write(file, "x");
    PackageRules rules;
    rules.addPatterns({"!tests/**", "!*.md", "docs/keep.md"});
    const auto files = rules.select(project.path().toStdString());
    QCOMPARE(files, (std::vector<std::string>{"docs/keep.md", "handler.py", "lib/util.py"}));
    Package package;
    std::string error;
    QVERIFY2(buildPackage(project.path().toStdString(), rules, package, error), error.c_str());
    QCOMPARE(package.files, files);
    Package again;
    QVERIFY(buildPackage(project.path().toStdString(), rules, again, error));
    QCOMPARE(again.sha256Base64, package.sha256Base64); // the same files, the same package
}

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
