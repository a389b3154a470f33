#include "nimbus/manifest/handlerlocator.h"
#include "tempproject.h"

#include <QtTest>

using namespace nimbus::manifest;

class TestHandlerLocator : public QObject {
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void locate_data();
    void locate();
    void definedFunctionsFollowTheFile();
};

void TestHandlerLocator::parse_data() {
    QTest::addColumn<QString>("handler");
    QTest::addColumn<bool>("node");
    QTest::addColumn<QString>("module");
    QTest::addColumn<QString>("function");
    QTest::newRow("python file.func") << "handler.main" << false << "handler"
                                      << "main";
    QTest::newRow("python folder/module.func") << "pkg/mod.main" << false << "pkg/mod"
                                               << "main";
    QTest::newRow("python dotted package") << "pkg.mod.main" << false << "pkg/mod"
                                           << "main";
    QTest::newRow("node file.func") << "handler.main" << true << "handler"
                                    << "main";
    QTest::newRow("node folder with dots") << "src/v1.2/handler.main" << true << "src/v1.2/handler"
                                           << "main";
    QTest::newRow("node nested property uses the export") << "index.api.get" << true << "index"
                                                          << "api";
    QTest::newRow("no function part") << "handler" << false << ""
                                      << "";
    QTest::newRow("trailing dot") << "handler." << true << ""
                                  << "";
}

void TestHandlerLocator::parse() {
    QFETCH(QString, handler);
    QFETCH(bool, node);
    QFETCH(QString, module);
    QFETCH(QString, function);
    auto ref =
        parseHandler(handler.toStdString(), node ? RuntimeFamily::Node : RuntimeFamily::Python);
    QCOMPARE(ref.has_value(), !module.isEmpty());
    if (ref) {
        QCOMPARE(QString::fromStdString(ref->modulePath), module);
        QCOMPARE(QString::fromStdString(ref->function), function);
    }
}

void TestHandlerLocator::locate_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QString>("handler");
    QTest::addColumn<int>("line"); // one-based; 0 = not found

    const bool py = true;
    Q_UNUSED(py);
    QTest::newRow("python def") << "h.py"
                                << QByteArray("import os\n\ndef main(event, context):\n    pass\n")
                                << "h.main" << 3;
    QTest::newRow("python async def")
        << "h.py" << QByteArray("async def main(e, c):\n    pass\n") << "h.main" << 1;
    QTest::newRow("python assignment")
        << "h.py" << QByteArray("def make():\n    pass\nmain = make()\n") << "h.main" << 3;
    QTest::newRow("python import")
        << "h.py" << QByteArray("from impl import main\n") << "h.main" << 1;
    QTest::newRow("python module in a package folder")
        << "pkg/mod.py" << QByteArray("def run(e, c): pass\n") << "pkg/mod.run" << 1;
    QTest::newRow("python package __init__")
        << "pkg/__init__.py" << QByteArray("def run(e, c): pass\n") << "pkg.run" << 1;
    QTest::newRow("python nested def does not count")
        << "h.py" << QByteArray("class A:\n    def main(self): pass\n") << "h.main" << 0;
    QTest::newRow("python similar name does not count")
        << "h.py" << QByteArray("def main2(e, c): pass\n") << "h.main" << 0;
    QTest::newRow("python annotated assignment")
        << "h.py" << QByteArray("main: Handler = make()\n") << "h.main" << 1;
    QTest::newRow("python from-import with rename and parentheses")
        << "h.py" << QByteArray("import os\nfrom impl import (other, run as main)\n") << "h.main"
        << 2;
    QTest::newRow("python comparison is not an assignment")
        << "h.py" << QByteArray("main == 1\n") << "h.main" << 0;
    QTest::newRow("python def inside a string block does not count")
        << "h.py" << QByteArray("x = 1\n    def main(e, c): pass\n") << "h.main" << 0;
    QTest::newRow("node exports['name']")
        << "h.js" << QByteArray("exports['main'] = () => 1;\n") << "h.main" << 1;
    QTest::newRow("node async method in module.exports")
        << "h.js"
        << QByteArray("module.exports = {\n  helper: { main: 1 },\n  async main(e) {\n    return "
                      "e;\n  },\n};\n")
        << "h.main" << 3;
    QTest::newRow("node key of a nested object does not count")
        << "h.js" << QByteArray("module.exports = {\n  helper: { main: 1, s: 'a,b' },\n};\n")
        << "h.main" << 0;
    QTest::newRow("node export list over several lines")
        << "h.mjs" << QByteArray("export {\n  a,\n  b as main,\n};\n") << "h.main" << 3;
    QTest::newRow("node exports comparison is not an export")
        << "h.js" << QByteArray("if (exports.main === 1) {}\n") << "h.main" << 0;
    QTest::newRow("node exports.name")
        << "h.js" << QByteArray("'use strict';\nexports.main = async (e) => e;\n") << "h.main" << 2;
    QTest::newRow("node module.exports.name")
        << "h.js" << QByteArray("module.exports.main = function (e, c, cb) {};\n") << "h.main" << 1;
    QTest::newRow("node module.exports object shorthand")
        << "h.js" << QByteArray("function main() {}\nmodule.exports = {\n  other,\n  main,\n};\n")
        << "h.main" << 4;
    QTest::newRow("node module.exports object with value")
        << "h.js" << QByteArray("module.exports = { main: impl };\n") << "h.main" << 1;
    QTest::newRow("node esm export function")
        << "h.mjs" << QByteArray("export async function main(event) {}\n") << "h.main" << 1;
    QTest::newRow("node esm export const")
        << "h.mjs" << QByteArray("\nexport const main = async () => 1;\n") << "h.main" << 2;
    QTest::newRow("node esm export list with rename")
        << "h.mjs" << QByteArray("const impl = 1;\nexport { impl as main };\n") << "h.main" << 2;
    QTest::newRow("node cjs file")
        << "h.cjs" << QByteArray("exports.main = () => 1;\n") << "h.main" << 1;
    QTest::newRow("node export under another name does not count")
        << "h.js" << QByteArray("exports.mainly = 1;\n") << "h.main" << 0;
    QTest::newRow("node esm rename away does not count")
        << "h.mjs" << QByteArray("export { main as other };\n") << "h.main" << 0;
}

void TestHandlerLocator::locate() {
    QFETCH(QString, file);
    QFETCH(QByteArray, source);
    QFETCH(QString, handler);
    QFETCH(int, line);
    TempProject project;
    project.write(file, source);
    const RuntimeFamily family = file.endsWith(".py") ? RuntimeFamily::Python : RuntimeFamily::Node;
    const HandlerLookup lookup =
        locateHandler(project.path().toStdString(), handler.toStdString(), family);
    if (line == 0) {
        QVERIFY(!lookup.definition);
        QVERIFY(lookup.error.find("does not define") != std::string::npos);
        return;
    }
    QVERIFY2(lookup.definition, lookup.error.c_str());
    QCOMPARE(lookup.definition->line + 1, line);
    QVERIFY(QString::fromStdString(lookup.definition->file).endsWith(file));
}

// Handler completion offers the module's functions, and sees an edit made on disk.
void TestHandlerLocator::definedFunctionsFollowTheFile() {
    TempProject project;
    project.write("h.py",
                  "import os\nTABLE = 1\n\ndef main(e, c): pass\n\nasync def _private(e, c): "
                  "pass\n\nasync def other(e, c): pass\n");
    const std::string file = project.path().toStdString() + "/h.py";
    QCOMPARE(definedFunctions(file, RuntimeFamily::Python),
             (std::vector<std::string>{"main", "other"}));
    project.write("h.py", "def renamed(e, c): pass\n");
    QCOMPARE(definedFunctions(file, RuntimeFamily::Python), (std::vector<std::string>{"renamed"}));
    project.write("h.js",
                  "exports.a = 1;\nexport function b() {}\nmodule.exports = { c, d() {} };\n");
    QCOMPARE(definedFunctions(project.path().toStdString() + "/h.js", RuntimeFamily::Node),
             (std::vector<std::string>{"a", "b", "c", "d"}));
}

QTEST_APPLESS_MAIN(TestHandlerLocator)
#include "tst_handlerlocator.moc"
