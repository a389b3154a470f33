#include "server/lspserver.h"
#include "tempproject.h"
#include "testpaths.h"

#include <mutex>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QThread>
#include <QtTest>

using namespace nimbus::lsp;
using nlohmann::json;

namespace {

// Drives the server in-process, as an editor would, and keeps what it sent (from any
// thread: long commands answer from their own).
struct Client {
    std::mutex mutex;
    std::vector<json> sent;
    LspServer server{[this](const json &m) {
        std::lock_guard lock(mutex);
        sent.push_back(m);
    }};
    int nextId = 1;

    json request(const std::string &method, const json &params) {
        const int id = send(method, params);
        return answerTo(id);
    }
    // Sends a request and returns its id without waiting.
    int send(const std::string &method, const json &params) {
        const int id = nextId++;
        server.handle(
            {json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump()});
        return id;
    }
    // The answer to a request, waiting up to `timeoutMs` for one answered asynchronously.
    json answerTo(int id, int timeoutMs = 0) {
        QElapsedTimer timer;
        timer.start();
        do {
            {
                std::lock_guard lock(mutex);
                for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
                    if (it->contains("id") && (*it)["id"] == id && !it->contains("method"))
                        return *it;
                }
            }
            if (timeoutMs > 0)
                QThread::msleep(10);
        } while (timer.elapsed() < timeoutMs);
        return json();
    }
    int answersTo(int id) {
        std::lock_guard lock(mutex);
        return static_cast<int>(std::count_if(sent.begin(), sent.end(), [&](const json &m) {
            return m.contains("id") && m["id"] == id && !m.contains("method");
        }));
    }
    void notify(const std::string &method, const json &params) {
        server.handle({json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump()});
    }
    std::vector<json> published() {
        std::lock_guard lock(mutex);
        std::vector<json> out;
        for (const auto &m : sent) {
            if (m.value("method", "") == "textDocument/publishDiagnostics")
                out.push_back(m["params"]);
        }
        return out;
    }
    // An editor with `root` open (a path), or no folder.
    void initialize(const QString &root = {}) {
        json params{{"capabilities", json::object()}};
        if (!root.isEmpty())
            params["rootUri"] = "file://" + root.toStdString();
        request("initialize", params);
        notify("initialized", json::object());
    }
    // didOpen of a YAML document, version 1.
    void open(const std::string &uri, const std::string &text) {
        notify("textDocument/didOpen",
               {{"textDocument",
                 {{"uri", uri}, {"languageId", "yaml"}, {"version", 1}, {"text", text}}}});
    }
};

const char *kHandler = "def hello(event, context):\n    return {}\n";

QString manifestUri(const TempProject &project) {
    return "file://" + project.filePath("serverless.yml");
}

} // namespace

class TestLspServer : public QObject {
    Q_OBJECT
private slots:
    void lifecycle();
    void diagnosticsOnTheToken_data();
    void diagnosticsOnTheToken();
    void diagnosticsAreDebounced();
    void aBrokenDocumentIsStillServed();
    void renameAFunctionAndItsReferences();
    void renameAHandlerAndItsDefinition();
    void documentLinksOpenModulesAndFiles();
    void semanticTokensMarkVariablesFunctionsAndHandlers();
    void formattingKeepsCommentsAndQuoting_data();
    void formattingKeepsCommentsAndQuoting();
    void formattingTheProjectsManifestsIsStable();
    void quickFixesRepairTheDocument_data();
    void quickFixesRepairTheDocument();
    void completion_data();
    void completion();
    void pluginKeysAreCompletedAndHoveredAsThePlugins();
    void scfFormatsAreCompletedHoveredAndDiagnosed();
    void handlerFileChangesAreNoticed();
    void referencesFollowTheFileOnDisk();
    void listFunctionsDescribesTheProject();
    void lensesLaunchOrAttach();
    void dependencyStateIsShown();
    void invokeRunsTheFunction();
    void invokeAnswersWhileItRunsAndCanBeCancelled();
    void commandsTakeOnlyTheEditorsFolders();
    void commandErrors_data();
    void commandErrors();
    void robustness_data();
    void robustness();
    void hugeValuesAreDiagnosedNotFatal_data();
    void hugeValuesAreDiagnosedNotFatal();
    void transcriptAgainstTheBinary();
};

void TestLspServer::lifecycle() {
    Client c;
    QCOMPARE(c.request("textDocument/hover", json::object())["error"]["code"].get<int>(), -32002);
    QVERIFY(c.request("initialize", {{"capabilities", json::object()}}).contains("result"));
    QCOMPARE(c.request("initialize", json::object())["error"]["code"].get<int>(), -32600);
    QCOMPARE(c.server.exitCode(), 1); // exit now would be without shutdown
    QVERIFY(c.request("shutdown", json()).contains("result"));
    QCOMPARE(c.request("textDocument/hover", json::object())["error"]["code"].get<int>(), -32600);
    c.notify("exit", json());
    QVERIFY(c.server.exitRequested());
    QCOMPARE(c.server.exitCode(), 0);
}

void TestLspServer::diagnosticsOnTheToken_data() {
    QTest::addColumn<QString>("manifest");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("character");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("severity"); // 1 error, 2 warning
    const QString head =
        "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n";
    QTest::newRow("YAML syntax error") << head + "    handler: 'handler.hello\n"
                                       << 6 << 13 << "no closing" << 1;
    QTest::newRow("unknown key with a suggestion")
        << head + "    handler: handler.hello\n    timeuot: 3\n"
        << 7 << 4 << "did you mean 'timeout'?" << 2;
    QTest::newRow("wrong type") << head + "    handler: handler.hello\n    timeout: soon\n"
                                << 7 << 13 << "must be an integer" << 2;
    QTest::newRow("out of range") << head + "    handler: handler.hello\n    memorySize: 64\n"
                                  << 7 << 16 << "below the minimum of 128" << 2;
    QTest::newRow("unknown runtime")
        << QString(head).replace("python3.11", "pyton3.11") + "    handler: handler.hello\n"
        << 3 << 11 << "cannot run in the simulator; did you mean 'python3.11'?" << 1;
    QTest::newRow("handler function not found") << head + "    handler: handler.bye\n"
                                                << 6 << 13 << "does not define 'bye'" << 1;
    QTest::newRow("handler file not found") << head + "    handler: nope.hello\n"
                                            << 6 << 13 << "not found" << 1;
    QTest::newRow("duplicate HTTP route")
        << head + "    handler: handler.hello\n    events:\n      - httpApi: GET /a\n  again:\n    "
                  "handler: handler.hello\n    events:\n      - httpApi: GET /a\n"
        << 12 << 8 << "takes the same requests as httpApi route GET /a of function 'hello'" << 2;
    QTest::newRow("invalid cron")
        << head + "    handler: handler.hello\n    events:\n      - schedule: cron(0 25 * * ? *)\n"
        << 8 << 18 << "hours field" << 2;
    QTest::newRow("invalid rate")
        << head + "    handler: handler.hello\n    events:\n      - schedule: rate(1 minutes)\n"
        << 8 << 18 << "singular unit" << 2;
    QTest::newRow("unresolved self reference after non-ASCII text")
        << head + "    handler: handler.hello\n    description: \"\u00e9\u00e9 ${self:custom.x}\"\n"
        << 7 << 21 << "has no key 'custom'" << 2;
}

void TestLspServer::diagnosticsOnTheToken() {
    QFETCH(QString, manifest);
    QFETCH(int, line);
    QFETCH(int, character);
    QFETCH(QString, message);
    QFETCH(int, severity);
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    c.open(manifestUri(project).toStdString(), manifest.toStdString());
    c.server.flushDiagnostics();
    const auto published = c.published();
    QCOMPARE(published.size(), size_t(1));
    const json &diagnostics = published[0]["diagnostics"];
    QVERIFY2(diagnostics.size() == 1, diagnostics.dump().c_str());
    QCOMPARE(diagnostics[0]["range"]["start"]["line"].get<int>(), line);
    QCOMPARE(diagnostics[0]["range"]["start"]["character"].get<int>(), character);
    QVERIFY2(QString::fromStdString(diagnostics[0]["message"].get<std::string>()).contains(message),
             diagnostics.dump().c_str());
    QCOMPARE(diagnostics[0]["severity"].get<int>(), severity);
}

// A key being typed: the error is on its line, and the rest of the document keeps its
// symbols and hover.
void TestLspServer::aBrokenDocumentIsStillServed() {
    TempProject project;
    project.write("handler.py", "def hello(event, context):\n    return {}\ndef count(e, c):\n    pass\n");
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n"
                "    handler: handler.hello\n    ti\n  counter:\n    handler: handler.count\n");
    c.server.flushDiagnostics();
    const json diagnostics = c.published().back()["diagnostics"];
    QCOMPARE(diagnostics.size(), std::size_t(1));
    QCOMPARE(diagnostics[0]["range"]["start"]["line"].get<int>(), 7);
    QVERIFY2(diagnostics[0]["message"].get<std::string>().find("'ti' is not a key") != std::string::npos,
             diagnostics.dump().c_str());
    const json symbols = c.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}});
    QVERIFY2(symbols.dump().find("counter") != std::string::npos, symbols.dump().c_str());
    const json hover = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}},
                                                        {"position", {{"line", 9}, {"character", 6}}}});
    QVERIFY2(hover.contains("result") && !hover["result"].is_null(), hover.dump().c_str());
}

void TestLspServer::renameAFunctionAndItsReferences() {
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    const std::string text =
        "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n"
        "    handler: handler.hello\n  other:\n    handler: handler.hello\n    environment:\n"
        "      PEER: ${self:functions.hello.handler}\n      NAME: ${self:functions.hello.name}\n"
        "      HELLOS: ${self:functions.hellos, 'x'}\n"
        "resources:\n  Outputs:\n    Arn:\n      Value: !GetAtt HelloLambdaFunction.Arn\n";
    c.open(uri, text);
    const json prepared = c.request("textDocument/prepareRename",
                                    {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 5}, {"character", 4}}}});
    QCOMPARE(prepared["result"]["placeholder"].get<std::string>(), std::string("hello"));
    QCOMPARE(prepared["result"]["range"]["start"]["character"].get<int>(), 2);
    const json renamed = c.request("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                                           {"position", {{"line", 5}, {"character", 4}}},
                                                           {"newName", "greet"}});
    const json edits = renamed["result"]["changes"][uri];
    // The key, two references (not functions.hellos) and the logical id.
    QVERIFY2(edits.size() == 4, renamed.dump().c_str());
    std::vector<std::string> texts;
    for (const auto &e : edits)
        texts.push_back(e["newText"].get<std::string>());
    QCOMPARE(std::count(texts.begin(), texts.end(), "greet"), 3L);
    QCOMPARE(std::count(texts.begin(), texts.end(), "GreetLambdaFunction"), 1L);
    // A name that is taken, or not a name, is refused with a reason.
    const json taken = c.request("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                                         {"position", {{"line", 5}, {"character", 4}}},
                                                         {"newName", "other"}});
    QVERIFY2(taken.contains("error") && taken["error"]["message"].get<std::string>().find("already") != std::string::npos,
             taken.dump().c_str());
}

void TestLspServer::renameAHandlerAndItsDefinition() {
    TempProject project;
    project.write("handler.py", "import json\n\ndef hello(event, context):\n    return {}\n");
    project.write("api.js", "exports.list = async (event) => [];\n");
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n"
                "    handler: handler.hello\n  list:\n    runtime: nodejs20.x\n    handler: api.list\n");
    // On "hello" of handler.hello.
    const json renamed = c.request("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                                           {"position", {{"line", 6}, {"character", 22}}},
                                                           {"newName", "greet"}});
    QVERIFY2(renamed.contains("result") && renamed["result"].contains("changes"), renamed.dump().c_str());
    const json changes = renamed["result"]["changes"];
    const std::string module = "file://" + project.filePath("handler.py").toStdString();
    QVERIFY2(changes.contains(module), renamed.dump().c_str());
    QCOMPARE(changes[module][0]["range"]["start"]["line"].get<int>(), 2);
    QCOMPARE(changes[module][0]["range"]["start"]["character"].get<int>(), 4);
    QCOMPARE(changes[uri][0]["range"]["start"]["character"].get<int>(), 21);
    // Node: exports.list.
    const json node = c.request("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                                        {"position", {{"line", 9}, {"character", 18}}},
                                                        {"newName", "all"}});
    const std::string js = "file://" + project.filePath("api.js").toStdString();
    QVERIFY2(node["result"]["changes"].contains(js), node.dump().c_str());
    QCOMPARE(node["result"]["changes"][js][0]["range"]["start"]["character"].get<int>(), 8);
    const json invalid = c.request("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                                           {"position", {{"line", 6}, {"character", 22}}},
                                                           {"newName", "not-a-name"}});
    QVERIFY(invalid.contains("error"));
}

void TestLspServer::documentLinksOpenModulesAndFiles() {
    TempProject project;
    project.write("handler.py", "import json\n\ndef hello(event, context):\n    return {}\n");
    project.write("config/dev.yml", "x: 1\n");
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, "service: s\nprovider:\n  name: aws\n  runtime: python3.11\ncustom: ${file(./config/dev.yml)}\n"
                "functions:\n  hello:\n    handler: handler.hello\n");
    const json links = c.request("textDocument/documentLink", {{"textDocument", {{"uri", uri}}}})["result"];
    QCOMPARE(links.size(), std::size_t(2));
    bool file = false, module = false;
    for (const auto &link : links) {
        const std::string target = link["target"].get<std::string>();
        file = file || (target.find("config/dev.yml") != std::string::npos &&
                        link["range"]["start"]["character"].get<int>() == 15);
        module = module || (target.find("handler.py#L3") != std::string::npos &&
                            link["range"]["start"]["character"].get<int>() == 13 &&
                            link["range"]["end"]["character"].get<int>() == 20);
    }
    QVERIFY2(file && module, links.dump().c_str());
}

void TestLspServer::semanticTokensMarkVariablesFunctionsAndHandlers() {
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    const json init = c.request("initialize", {{"capabilities", json::object()}});
    const json legend = init["result"]["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"];
    QCOMPARE(legend, json::array({"variable", "function", "method"}));
    const std::string uri = manifestUri(project).toStdString();
    // "é" is two bytes and one UTF-16 unit: columns after it must be counted in UTF-16.
    c.open(uri, "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n"
                "    handler: handler.hello\n    description: \"é ${sls:stage}\"\n");
    const json data = c.request("textDocument/semanticTokens/full",
                                {{"textDocument", {{"uri", uri}}}})["result"]["data"];
    // hello (function), handler.hello (method), ${sls:stage} (variable).
    QCOMPARE(data, json::array({5, 2, 5, 1, 0, 1, 13, 13, 2, 0, 1, 20, 12, 0, 0}));
}

void TestLspServer::formattingKeepsCommentsAndQuoting_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("four-space nesting, comments with what follows them")
        << "service: s  \nprovider:\n    name: aws   # the cloud\n    runtime: python3.11\n"
           "functions:\n    # the greeter\n    hello:\n        handler: 'handler.hello'\n"
        << "service: s\nprovider:\n  name: aws   # the cloud\n  runtime: python3.11\n"
           "functions:\n  # the greeter\n  hello:\n    handler: 'handler.hello'\n";
    QTest::newRow("one space after a key's colon; blank runs collapse")
        << "service:    s\n\n\n\nprovider:\n  name:     aws\n"
        << "service: s\n\nprovider:\n  name: aws\n";
    QTest::newRow("a list under its key; a block scalar's text as written")
        << "functions:\n  hello:\n    handler: h.hello\n    events:\n    - http: GET /a\n    - schedule:\n        rate: rate(1 hour)\n"
           "    description: |\n        first line\n          indented line\n"
        << "functions:\n  hello:\n    handler: h.hello\n    events:\n      - http: GET /a\n      - schedule:\n          rate: rate(1 hour)\n"
           "    description: |\n        first line\n          indented line\n";
    QTest::newRow("flow collections and quoting as written")
        << "provider:\n   environment: {A: \"1\",   B: '2'}\n   tags: [a,  b]\n"
        << "provider:\n  environment: {A: \"1\",   B: '2'}\n  tags: [a,  b]\n";
}

// Formatting changes whitespace only, keeps every comment, and formats a formatted
// document to itself.
void TestLspServer::formattingKeepsCommentsAndQuoting() {
    QFETCH(QString, input);
    QFETCH(QString, expected);
    TempProject project;
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, input.toStdString());
    const json edits = c.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}},
                                                             {"options", {{"tabSize", 2}, {"insertSpaces", true}}}})["result"];
    QCOMPARE(edits.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(edits[0]["newText"].get<std::string>()), expected);
    Client again;
    again.initialize();
    again.open(uri, expected.toStdString());
    const json none = again.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}},
                                                                {"options", {{"tabSize", 2}, {"insertSpaces", true}}}})["result"];
    QVERIFY2(none.empty(), none.dump().c_str());
}

// Every manifest the project ships (examples, templates): formatted once, formatting again
// changes nothing.
void TestLspServer::formattingTheProjectsManifestsIsStable() {
    QStringList files;
    for (const QString &root : {nimbusSourcePath("examples"), nimbusSourcePath("resources/templates")}) {
        QDirIterator it(root, {"serverless.yml"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
    }
    QVERIFY(files.size() >= 4);
    for (const QString &file : files) {
        QFile in(file);
        QVERIFY(in.open(QIODevice::ReadOnly));
        std::string text = in.readAll().toStdString();
        const std::string uri = "file://" + file.toStdString();
        for (int round = 0; round < 2; ++round) {
            Client c;
            c.initialize();
            c.open(uri, text);
            const json edits = c.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}},
                                                                     {"options", {{"tabSize", 2}}}})["result"];
            if (round == 1)
                QVERIFY2(edits.empty(), (file.toStdString() + ": " + edits.dump()).c_str());
            else if (!edits.empty())
                text = edits[0]["newText"].get<std::string>();
        }
    }
}

void TestLspServer::quickFixesRepairTheDocument_data() {
    QTest::addColumn<QString>("manifest");
    QTest::addColumn<QString>("title");
    const QString head =
        "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n";
    QTest::newRow("did you mean a key") << head + "    handler: handler.hello\n    timeuot: 3\n"
                                        << "Change to 'timeout'";
    QTest::newRow("memorySize below the minimum")
        << head + "    handler: handler.hello\n    memorySize: 64\n" << "Change to 128, the minimum";
    QTest::newRow("timeout above the maximum")
        << head + "    handler: handler.hello\n    timeout: 1000\n" << "Change to 900, the maximum";
    QTest::newRow("an unknown runtime")
        << QString(head).replace("python3.11", "pyton3.11") + "    handler: handler.hello\n"
        << "Change to python3.11";
    QTest::newRow("a deprecated runtime")
        << QString(head).replace("python3.11", "python3.8") + "    handler: handler.hello\n"
        << "Change to python3.13";
    QTest::newRow("a handler function the module lacks") << head + "    handler: handler.bye\n"
                                                         << "Create function bye in handler.py";
    QTest::newRow("a handler module that does not exist") << head + "    handler: jobs/nope.run\n"
                                                          << "Create jobs/nope.py with function run";
}

// The fix a diagnostic carries, applied as an editor applies a WorkspaceEdit, leaves a
// document with no diagnostic.
void TestLspServer::quickFixesRepairTheDocument() {
    QFETCH(QString, manifest);
    QFETCH(QString, title);
    TempProject project;
    project.write("handler.py", kHandler);
    const std::string uri = manifestUri(project).toStdString();
    std::string text = manifest.toStdString();
    json diagnostics;
    {
        Client c;
        c.initialize();
        c.open(uri, text);
        c.server.flushDiagnostics();
        diagnostics = c.published().back()["diagnostics"];
        QVERIFY2(!diagnostics.empty(), "nothing to fix");
        const json reply = c.request("textDocument/codeAction",
                                     {{"textDocument", {{"uri", uri}}},
                                      {"range", diagnostics[0]["range"]},
                                      {"context", {{"diagnostics", diagnostics}}}});
        const json actions = reply.value("result", json::array());
        const auto action = std::find_if(actions.begin(), actions.end(), [&](const json &a) {
            return a.value("title", "") == title.toStdString();
        });
        QVERIFY2(action != actions.end(), reply.dump().c_str());
        QCOMPARE((*action)["kind"].get<std::string>(), std::string("quickfix"));
        // Apply it: created files first, then the edits (ASCII here: UTF-16 = bytes).
        for (const auto &change : (*action)["edit"]["documentChanges"]) {
            const std::string target = change.contains("uri") ? change["uri"].get<std::string>()
                                                              : change["textDocument"]["uri"].get<std::string>();
            const QString path = QString::fromStdString(target.substr(7));
            if (change.value("kind", "") == "create") {
                QDir().mkpath(QFileInfo(path).path());
                QFile file(path);
                QVERIFY(file.open(QIODevice::WriteOnly));
                continue;
            }
            std::string content = target == uri ? text : [&] {
                QFile file(path);
                file.open(QIODevice::ReadOnly);
                return file.readAll().toStdString();
            }();
            for (const auto &edit : change["edits"]) {
                auto offset = [&](const json &position) {
                    std::size_t at = 0;
                    for (int line = 0; line < position["line"].get<int>(); ++line)
                        at = content.find('\n', at) + 1;
                    return at + position["character"].get<std::size_t>();
                };
                const std::size_t start = offset(edit["range"]["start"]);
                const std::size_t end = offset(edit["range"]["end"]);
                content.replace(start, end - start, edit["newText"].get<std::string>());
            }
            if (target == uri) {
                text = content;
            } else {
                QFile file(path);
                QVERIFY(file.open(QIODevice::WriteOnly));
                file.write(QByteArray::fromStdString(content));
            }
        }
    }
    Client again;
    again.initialize();
    again.open(uri, text);
    again.server.flushDiagnostics();
    const json left = again.published().back()["diagnostics"];
    QVERIFY2(left.empty(), (text + "\n" + left.dump()).c_str());
}

void TestLspServer::diagnosticsAreDebounced() {
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, "service: s\n");
    for (int v = 2; v <= 6; ++v)
        c.notify("textDocument/didChange",
                 {{"textDocument", {{"uri", uri}, {"version", v}}},
                  {"contentChanges", json::array({{{"range",
                                                    {{"start", {{"line", 1}, {"character", 0}}},
                                                     {"end", {{"line", 1}, {"character", 0}}}}},
                                                   {"text", "#\n"}}})}});
    QVERIFY(c.published().empty());
    QVERIFY(c.server.hasPendingDiagnostics());
    c.server.flushDiagnostics();
    QCOMPARE(c.published().size(), size_t(1));
    QCOMPARE(c.published()[0]["version"].get<int>(), 6);
}

void TestLspServer::completion_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("includes");
    QTest::addColumn<QStringList>("excludes");
    const QString head = "service: s\nprovider:\n  name: aws\n  runtime: python3.11\n";
    QTest::newRow("provider keys, minus those present")
        << head + "  mem|" << QStringList{"memorySize", "timeout"}
        << QStringList{"name", "runtime", "handler"};
    QTest::newRow("function keys in an unfinished document")
        << head + "functions:\n  hello:\n    handler: handler.hello\n    |\n  broken: ["
        << QStringList{"timeout", "events"} << QStringList{"handler", "service"};
    QTest::newRow("snippets for a new function")
        << head + "functions:\n  |"
        << QStringList{"event function", "http function", "http service"} << QStringList{};
    QTest::newRow("event types in a new list item")
        << head + "functions:\n  f:\n    handler: handler.hello\n    events:\n      - |"
        << QStringList{"http", "httpApi", "schedule", "sqs", "s3"} << QStringList{"handler"};
    QTest::newRow("runtime values")
        << "service: s\nprovider:\n  name: aws\n  runtime: |"
        << QStringList{"python3.12", "nodejs20.x", "provided.al2"} << QStringList{};
    QTest::newRow("HTTP methods") << head + "functions:\n  f:\n    handler: handler.hello\n    "
                                            "events:\n      - http:\n          method: |"
                                  << QStringList{"GET", "POST"} << QStringList{};
    QTest::newRow("handler modules") << head + "functions:\n  f:\n    handler: |"
                                     << QStringList{"handler", "pkg/mod"} << QStringList{};
    QTest::newRow("handler functions of a module")
        << head + "functions:\n  f:\n    handler: handler.|"
        << QStringList{"handler.hello", "handler.world"} << QStringList{"handler._private"};
    QTest::newRow("an event function is offered no keys of other kinds")
        << head + "functions:\n  f:\n    handler: handler.hello\n    |"
        << QStringList{"timeout", "events", "environment"}
        << QStringList{"handler", "httpHandler", "httpService", "path", "image"};
    QTest::newRow("an http function is offered its path but no events")
        << head + "functions:\n  f:\n    httpHandler: handler.hello\n    |"
        << QStringList{"path", "timeout"} << QStringList{"events", "handler", "httpService"};
    QTest::newRow("self paths") << head + "custom:\n  table: t\nfunctions:\n  f:\n    handler: "
                                          "handler.hello\n    description: ${self:cu|"
                                << QStringList{"custom", "custom.table"} << QStringList{};
}

void TestLspServer::completion() {
    QFETCH(QString, text);
    QFETCH(QStringList, includes);
    QFETCH(QStringList, excludes);
    TempProject project;
    project.write(
        "handler.py",
        "def hello(e, c):\n    pass\n\ndef world(e, c):\n    pass\n\ndef _private():\n    pass\n");
    project.write("pkg/mod.py", "def run(e, c):\n    pass\n");
    const int line = text.left(text.indexOf('|')).count('\n');
    const int character = text.indexOf('|') - (text.lastIndexOf('\n', text.indexOf('|')) + 1);
    text.remove('|');
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, text.toStdString());
    const json reply = c.request("textDocument/completion",
                                 {{"textDocument", {{"uri", uri}}},
                                  {"position", {{"line", line}, {"character", character}}}});
    QStringList labels;
    for (const auto &item : reply["result"]["items"])
        labels << QString::fromStdString(item["label"].get<std::string>());
    for (const auto &label : includes)
        QVERIFY2(labels.contains(label), qPrintable(label + " missing from: " + labels.join(", ")));
    for (const auto &label : excludes)
        QVERIFY2(!labels.contains(label), qPrintable(label + " should not be offered"));
}

void TestLspServer::pluginKeysAreCompletedAndHoveredAsThePlugins() {
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    const std::string text = "service: s\nplugins:\n  - serverless-iam-roles-per-function\n"
                             "provider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  f:\n"
                             "    handler: handler.main\n    iamRoleStatements: []\n    \n";
    c.open(uri, text);
    const json hover =
        c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}},
                                         {"position", {{"line", 9}, {"character", 6}}}});
    const std::string contents = hover["result"]["contents"].dump();
    QVERIFY2(contents.find("(plugin serverless-iam-roles-per-function)") != std::string::npos,
             contents.c_str());
    const json completion =
        c.request("textDocument/completion", {{"textDocument", {{"uri", uri}}},
                                              {"position", {{"line", 10}, {"character", 4}}}});
    QStringList labels;
    for (const auto &item : completion["result"]["items"])
        labels << QString::fromStdString(item["label"].get<std::string>());
    QVERIFY2(labels.contains("iamRoleStatementsName"), qPrintable(labels.join(", ")));
}

// Tencent Cloud SCF's formats are served with their own schemas: completion, hover and
// diagnostics on the token; AWS SAM's template.yaml, which Nimbus does not read, gets none.
void TestLspServer::scfFormatsAreCompletedHoveredAndDiagnosed() {
    TempProject project;
    project.write("src/index.py", "def main_handler(event, context):\n    return event\n");
    Client c;
    c.initialize();
    auto labelsAt = [&](const std::string &uri, int line, int character) {
        const json completion = c.request(
            "textDocument/completion", {{"textDocument", {{"uri", uri}}},
                                        {"position", {{"line", line}, {"character", character}}}});
        QStringList labels;
        const json &result = completion["result"]; // a CompletionList, or [] for other files
        for (const auto &item : result.is_object() ? result["items"] : result)
            labels << QString::fromStdString(item["label"].get<std::string>());
        return labels;
    };

    // component: scf
    const std::string component = manifestUri(project).toStdString();
    c.open(component, "component: scf\nname: api\ninputs:\n  src: ./src\n  runtime: \n"
                      "  memorySize: 100\n  events:\n    - timer:\n        parameters:\n"
                      "          \n");
    QStringList labels = labelsAt(component, 4, 11);
    QVERIFY2(labels.contains("Python3.9") && labels.contains("Nodejs16.13") &&
                 !labels.contains("python3.12"),
             qPrintable(labels.join(", ")));
    labels = labelsAt(component, 9, 10);
    QVERIFY2(labels.contains("cronExpression") && labels.contains("argument"),
             qPrintable(labels.join(", ")));
    const json hover =
        c.request("textDocument/hover", {{"textDocument", {{"uri", component}}},
                                         {"position", {{"line", 5}, {"character", 4}}}});
    const std::string contents = hover["result"]["contents"].dump();
    QVERIFY2(contents.find("64, or 128 to 3072 in steps of 128") != std::string::npos,
             contents.c_str());
    c.server.flushDiagnostics();
    auto published = c.published();
    QVERIFY(!published.empty());
    json diagnostics = published.back()["diagnostics"];
    bool memory = false;
    for (const auto &d : diagnostics)
        memory = memory ||
                 (d["range"]["start"]["line"] == 5 &&
                  d["message"].get<std::string>().find("did you mean '128'") != std::string::npos);
    QVERIFY2(memory, diagnostics.dump().c_str());

    // scfcli's template.yaml
    const std::string templ = "file://" + project.filePath("template.yaml").toStdString();
    c.open(templ, "Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n"
                  "    hello:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n"
                  "        CodeUri: ./src\n        Handler: index.main_handler\n"
                  "        Runtime: Python3.9\n        Timeout: 1000\n        \n");
    labels = labelsAt(templ, 10, 8);
    QVERIFY2(labels.contains("MemorySize") && labels.contains("Events") &&
                 !labels.contains("Handler"),
             qPrintable(labels.join(", ")));
    c.server.flushDiagnostics();
    published = c.published();
    QCOMPARE(published.back()["uri"].get<std::string>(), templ);
    diagnostics = published.back()["diagnostics"];
    QVERIFY2(diagnostics.size() == 1 && diagnostics[0]["range"]["start"]["line"] == 9,
             diagnostics.dump().c_str());

    // AWS SAM's template.yaml is not a manifest here: no findings, no completion.
    TempProject sam;
    const std::string samUri = "file://" + sam.filePath("template.yaml").toStdString();
    const std::size_t before = c.published().size();
    c.open(samUri, "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn:\n    Type: "
                   "AWS::Serverless::Function\n");
    c.server.flushDiagnostics();
    const auto after = c.published();
    for (std::size_t i = before; i < after.size(); ++i)
        QVERIFY2(after[i].value("diagnostics", json::array()).empty(), after[i].dump().c_str());
    QVERIFY(labelsAt(samUri, 1, 0).isEmpty());
}

void TestLspServer::handlerFileChangesAreNoticed() {
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    const std::string text = "service: s\nprovider:\n  name: aws\n  runtime: "
                             "python3.11\nfunctions:\n  f:\n    handler: handler.later\n";
    c.open(uri, text);
    c.server.flushDiagnostics();
    QCOMPARE(c.published().back()["diagnostics"].size(), size_t(1));
    project.write(
        "handler.py",
        std::string(kHandler).append("\ndef later(event, context):\n    return 1\n").c_str());
    c.notify("workspace/didChangeWatchedFiles",
             {{"changes",
               json::array({{{"uri", "file://" + project.filePath("handler.py").toStdString()},
                             {"type", 2}}})}});
    c.server.flushDiagnostics();
    QCOMPARE(c.published().size(), size_t(2));
    QCOMPARE(c.published().back()["diagnostics"].size(), size_t(0));
}

void TestLspServer::referencesFollowTheFileOnDisk() {
    TempProject project;
    project.write("handler.py", kHandler);
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
                          "  f:\n    handler: handler.hello\n  g:\n    handler: handler.later\n");
    Client c;
    c.initialize();
    const std::string handlerUri = "file://" + project.filePath("handler.py").toStdString();
    auto references = [&](int line, int character, bool declaration) {
        return c.request("textDocument/references",
                         {{"textDocument", {{"uri", handlerUri}}},
                          {"position", {{"line", line}, {"character", character}}},
                          {"context", {{"includeDeclaration", declaration}}}})["result"];
    };
    // hello (not open in the editor) is the handler of f, on line 6.
    json found = references(0, 5, false);
    QCOMPARE(found.size(), std::size_t(1));
    QCOMPARE(found[0]["uri"], manifestUri(project).toStdString());
    QCOMPARE(found[0]["range"]["start"]["line"], 6);
    QCOMPARE(found[0]["range"]["start"]["character"], 13);
    found = references(0, 5, true);
    QCOMPARE(found.size(), std::size_t(2));
    QCOMPARE(found[0]["uri"], handlerUri);
    QCOMPARE(found[0]["range"], json({{"start", {{"line", 0}, {"character", 4}}},
                                      {"end", {{"line", 0}, {"character", 9}}}}));
    // The file grows on disk: the new function is found where it now is.
    project.write("handler.py",
                  std::string(kHandler).append("\n\ndef later(event, context):\n    pass\n").c_str());
    c.notify("workspace/didChangeWatchedFiles",
             {{"changes", json::array({{{"uri", handlerUri}, {"type", 2}}})}});
    found = references(4, 6, false);
    QCOMPARE(found.size(), std::size_t(1));
    QCOMPARE(found[0]["range"]["start"]["line"], 8);
}

void TestLspServer::listFunctionsDescribesTheProject() {
    TempProject project;
    project.write("handler.py", kHandler);
    project.writeManifest(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n    events:\n      - httpApi: GET /hi\n"
        "  web:\n    httpHandler: handler.hello\n    runtime: nodejs20.x\n    path: /web\n");
    Client c;
    c.initialize(project.path());
    const json reply = c.request("workspace/executeCommand",
                                 {{"command", "nimbus.listFunctions"},
                                  {"arguments", json::array({project.path().toStdString()})}});
    const json functions = reply["result"];
    QVERIFY2(functions.size() == 2, reply.dump().c_str());
    QCOMPARE(functions[0]["name"], "hello");
    QCOMPARE(functions[0]["kind"], "event");
    QCOMPARE(functions[0]["runtime"], "python3.11");
    QCOMPARE(functions[0]["handler"], "handler.hello");
    QVERIFY2(functions[0]["routes"].dump().find("/hi") != std::string::npos,
             functions[0].dump().c_str());
    QCOMPARE(functions[1]["kind"], "http");
    QCOMPARE(functions[1]["runtime"], "nodejs20.x");
}

// Event functions get "Invoke" and "Debug" (a launch configuration with an event); http
// functions "Debug (attach)" (an attach configuration: their calls come over HTTP); http
// services none, and nimbus.debug says why; Node functions both, custom runtimes (which
// nimbus-dap does not debug) Invoke alone.
void TestLspServer::lensesLaunchOrAttach() {
    TempProject project;
    project.write("handler.py", kHandler);
    const std::string manifest =
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n"
        "  web:\n    httpHandler: handler.hello\n"
        "  svc:\n    httpService:\n      command: python3 -m http.server $PORT\n"
        "  js:\n    handler: handler.hello\n    runtime: nodejs20.x\n"
        "  own:\n    handler: handler.hello\n    runtime: provided.al2\n";
    project.writeManifest(QByteArray::fromStdString(manifest));
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, manifest);
    const json lenses = c.request("textDocument/codeLens", {{"textDocument", {{"uri", uri}}}})["result"];
    std::vector<std::pair<int, std::string>> seen;
    for (const auto &lens : lenses)
        seen.emplace_back(lens["range"]["start"]["line"].get<int>(),
                          lens["command"]["title"].get<std::string>());
    const std::vector<std::pair<int, std::string>> expected{
        {5, "▶ Invoke"}, {5, "Debug"}, {7, "Debug (attach)"}, {12, "▶ Invoke"}, {12, "Debug"},
        {15, "▶ Invoke"}};
    QVERIFY2(seen == expected, lenses.dump().c_str());

    auto debug = [&](const std::string &function) {
        return c.request("workspace/executeCommand",
                         {{"command", "nimbus.debug"},
                          {"arguments", json::array({project.path().toStdString(), function})}});
    };
    const json launch = debug("hello")["result"];
    QCOMPARE(launch["request"], "launch");
    QCOMPARE(launch["function"], "hello");
    QCOMPARE(launch["event"], json::object());
    const json attach = debug("web")["result"];
    QCOMPARE(attach["request"], "attach");
    QCOMPARE(attach["name"], "Attach to web");
    QCOMPARE(attach["project"], project.path().toStdString());
    QVERIFY(!attach.contains("event"));
    const json refused = debug("svc");
    QCOMPARE(refused["error"]["code"], -32803);
    QVERIFY2(refused["error"]["message"].get<std::string>().find("http service") !=
                 std::string::npos,
             refused.dump().c_str());
}

// Where a function's packages stand, read from the project's build area as the simulator
// (or nimbus package) leaves it: a lens on the function, nimbus.dependencies, listFunctions.
void TestLspServer::dependencyStateIsShown() {
    TempProject project;
    project.write("handler.py", kHandler);
    project.write("requirements.txt", "requests==2.31.0\n");
    project.write("layers/common/python/shared.py", "X = 1\n");
    const std::string manifest =
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\nlayers:\n"
        "  common:\n    path: layers/common\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n    layers: [{Ref: CommonLambdaLayer}]\n";
    project.writeManifest(QByteArray::fromStdString(manifest));
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, manifest);
    auto lensTitle = [&] {
        const json lenses =
            c.request("textDocument/codeLens", {{"textDocument", {{"uri", uri}}}})["result"];
        for (const auto &lens : lenses)
            if (lens["command"]["command"] == "nimbus.dependencies")
                return lens["command"]["title"].get<std::string>();
        return std::string("(no lens) ") + lenses.dump();
    };
    auto status = [&] {
        return c.request(
            "workspace/executeCommand",
            {{"command", "nimbus.dependencies"},
             {"arguments", json::array({project.path().toStdString(), "hello"})}})["result"];
    };
    QCOMPARE(lensTitle(), std::string("requirements.txt: not installed yet"));
    json s = status();
    QCOMPARE(s["state"], "not installed");
    QCOMPARE(s["tool"], "pip");
    const std::string folder = s["folder"].get<std::string>();
    QVERIFY2(folder.find("/.nimbus/deps/python-") != std::string::npos, s.dump().c_str());

    // A failed installation leaves the tool's words beside the folder.
    QDir().mkpath(QFileInfo(QString::fromStdString(folder)).path());
    QFile failed(QString::fromStdString(folder + ".failed"));
    QVERIFY(failed.open(QIODevice::WriteOnly));
    failed.write("pip could not install requirements.txt (exit status 1):\nERROR: No matching "
                 "distribution found for requests==2.31.0");
    failed.close();
    QCOMPARE(lensTitle(), std::string("requirements.txt: install failed"));
    s = status();
    QCOMPARE(s["state"], "failed");
    QVERIFY2(s["message"].get<std::string>().find("No matching distribution") != std::string::npos,
             s.dump().c_str());
    // An editor that runs the lens's command shows the user why (an error message).
    json shown;
    {
        std::lock_guard lock(c.mutex);
        for (const auto &m : c.sent)
            if (m.value("method", "") == "window/showMessage")
                shown = m["params"];
    }
    QCOMPARE(shown["type"], 1);
    QVERIFY2(shown["message"].get<std::string>().find("hello: requirements.txt could not be "
                                                      "installed by pip") != std::string::npos,
             shown.dump().c_str());

    // One being filled by a live process (this one) is installing.
    const QString partial = QString::fromStdString(folder) + ".partial-" +
                            QString::number(QCoreApplication::applicationPid()) + "-1";
    QVERIFY(QDir().mkpath(partial));
    QCOMPARE(lensTitle(), std::string("requirements.txt: installing…"));
    QDir(partial).removeRecursively();

    // A finished one is installed; listFunctions says so too, with the layers.
    QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
    QFile record(QString::fromStdString(folder + "/.nimbus-deps.json"));
    QVERIFY(record.open(QIODevice::WriteOnly));
    record.write(
        R"({"file": "requirements.txt", "installed": "2026-11-27T08:00:00.000Z", "seconds": 1.5})");
    record.close();
    QCOMPARE(lensTitle(), std::string("requirements.txt: installed"));
    const json functions =
        c.request("workspace/executeCommand",
                  {{"command", "nimbus.listFunctions"},
                   {"arguments", json::array({project.path().toStdString()})}})["result"];
    QCOMPARE(functions[0]["dependencies"]["state"], "installed");
    QCOMPARE(functions[0]["layers"][0]["name"], "common");
    QCOMPARE(functions[0]["layers"][0]["path"], project.filePath("layers/common").toStdString());
}

void TestLspServer::invokeRunsTheFunction() {
    TempProject project;
    project.write("handler.py", "def hello(event, context):\n    print('saw', event['name'])\n"
                                "    return {'greeting': 'hi ' + event['name']}\n\n"
                                "def fail(event, context):\n    raise ValueError('no way')\n");
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
                          "  hello:\n    handler: handler.hello\n  fail:\n    handler: handler.fail\n");
    Client c;
    c.initialize(project.path());
    auto invoke = [&](const std::string &function) {
        const int id = c.send("workspace/executeCommand",
                              {{"command", "nimbus.invoke"},
                               {"arguments", json::array({project.path().toStdString(), function,
                                                          {{"name", "Ada"}}})}});
        return c.answerTo(id, 30000);
    };
    const json ok = invoke("hello")["result"];
    QCOMPARE(ok["result"], json({{"greeting", "hi Ada"}}));
    QCOMPARE(ok["functionError"], false);
    const QString logs = QString::fromStdString(ok["logs"].get<std::string>());
    QVERIFY2(logs.contains("saw Ada") && logs.contains("REPORT RequestId"), qPrintable(logs));
    const json failed = invoke("fail")["result"];
    QCOMPARE(failed["functionError"], true);
    QCOMPARE(failed["errorType"], "ValueError");
    QCOMPARE(failed["result"]["errorMessage"], "no way");
}

void TestLspServer::invokeAnswersWhileItRunsAndCanBeCancelled() {
    TempProject project;
    project.write("handler.py", "import time\n\ndef slow(event, context):\n    time.sleep(3)\n"
                                "    return 'late'\n");
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
                          "  slow:\n    handler: handler.slow\n    timeout: 10\n");
    Client c;
    c.initialize(project.path());
    QElapsedTimer timer;
    timer.start();
    const int invokeId = c.send("workspace/executeCommand",
                                {{"command", "nimbus.invoke"},
                                 {"arguments", json::array({project.path().toStdString(), "slow"})}});
    // Other requests are answered while the function runs.
    const json symbols = c.request(
        "textDocument/documentSymbol", {{"textDocument", {{"uri", manifestUri(project).toStdString()}}}});
    QVERIFY(symbols.contains("result"));
    QCOMPARE(c.answersTo(invokeId), 0);
    // Cancelled: answered RequestCancelled at once, and never again.
    c.notify("$/cancelRequest", {{"id", invokeId}});
    const json cancelled = c.answerTo(invokeId);
    QCOMPARE(cancelled["error"]["code"], -32800);
    QVERIFY(timer.elapsed() < 2500);
    QTRY_COMPARE_WITH_TIMEOUT(c.server.runningJobs(), 0, 15000);
    QCOMPARE(c.answersTo(invokeId), 1);
}

// A command reads a project's manifest and runs or installs its code: only in a folder the
// editor opened (its root or workspace folders, or the folder of a document it opened), never
// another folder of the machine, whether named outright, through "..", or through a link.
void TestLspServer::commandsTakeOnlyTheEditorsFolders() {
    TempProject opened;
    TempProject other;
    for (TempProject *project : {&opened, &other}) {
        project->write("handler.py", kHandler);
        project->writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\n"
                               "functions:\n  hello:\n    handler: handler.hello\n");
    }
    QVERIFY(QFile::link(other.path(), opened.path() + "/elsewhere"));
    Client c;
    c.initialize(opened.path());
    auto list = [&](const QString &folder) {
        return c.request("workspace/executeCommand",
                         {{"command", "nimbus.listFunctions"},
                          {"arguments", json::array({folder.toStdString()})}});
    };
    auto refused = [&](const json &reply) {
        return reply.contains("error") && reply["error"]["code"] == -32602 &&
               reply["error"]["message"].get<std::string>().find(
                   "is outside the folders the editor opened (" + opened.path().toStdString()) !=
                   std::string::npos;
    };
    QVERIFY2(list(opened.path())["result"].size() == 1, list(opened.path()).dump().c_str());
    QVERIFY2(refused(list(other.path())), list(other.path()).dump().c_str());
    const QString dotted = opened.path() + "/../" + QFileInfo(other.path()).fileName();
    QVERIFY2(refused(list(dotted)), list(dotted).dump().c_str());
    QVERIFY2(refused(list(opened.path() + "/elsewhere")),
             list(opened.path() + "/elsewhere").dump().c_str());
    const json invoke =
        c.request("workspace/executeCommand",
                  {{"command", "nimbus.invoke"},
                   {"arguments", json::array({other.path().toStdString(), "hello"})}});
    QVERIFY2(refused(invoke), invoke.dump().c_str());

    // A workspace folder added, then removed.
    const json folder{{"uri", "file://" + other.path().toStdString()}, {"name", "other"}};
    c.notify("workspace/didChangeWorkspaceFolders",
             {{"event", {{"added", json::array({folder})}, {"removed", json::array()}}}});
    QCOMPARE(list(other.path())["result"].size(), 1u);
    c.notify("workspace/didChangeWorkspaceFolders",
             {{"event", {{"added", json::array()}, {"removed", json::array({folder})}}}});
    QVERIFY(refused(list(other.path())));

    // A document the editor opened, until it closes it.
    const std::string uri = manifestUri(other).toStdString();
    c.open(uri, "service: s\n");
    QCOMPARE(list(other.path())["result"].size(), 1u);
    c.notify("textDocument/didClose", {{"textDocument", {{"uri", uri}}}});
    QVERIFY(refused(list(other.path())));

    // The server says it follows the workspace's folders.
    Client fresh;
    const json init = fresh.request("initialize", {{"capabilities", json::object()}});
    QCOMPARE(init["result"]["capabilities"]["workspace"]["workspaceFolders"]["changeNotifications"],
             true);
}

void TestLspServer::commandErrors_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown command") << "nimbus.fly" << "[\"PROJECT\"]" << -32602 << "unknown command";
    QTest::newRow("no project") << "nimbus.listFunctions" << "[]" << -32602 << "project folder";
    QTest::newRow("project that does not exist")
        << "nimbus.listFunctions" << "[\"/nonexistent/nowhere\"]" << -32602 << "no project folder";
    QTest::newRow("invoke without a function")
        << "nimbus.invoke" << "[\"PROJECT\"]" << -32602 << "takes [project, function, event?]";
    QTest::newRow("invoke of a function that does not exist")
        << "nimbus.invoke" << "[\"PROJECT\", \"nope\"]" << -32803 << "nope";
}

void TestLspServer::commandErrors() {
    QFETCH(QString, command);
    QFETCH(QString, arguments);
    QFETCH(int, code);
    QFETCH(QString, message);
    TempProject project;
    project.write("handler.py", kHandler);
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
                          "  hello:\n    handler: handler.hello\n");
    Client c;
    c.initialize(project.path());
    const int id = c.send(
        "workspace/executeCommand",
        {{"command", command.toStdString()},
         {"arguments", json::parse(arguments.replace("PROJECT", project.path()).toStdString())}});
    const json reply = c.answerTo(id, 30000);
    QCOMPARE(reply["error"]["code"].get<int>(), code);
    QVERIFY2(QString::fromStdString(reply["error"]["message"].get<std::string>()).contains(message),
             reply.dump().c_str());
}

void TestLspServer::robustness_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<int>("errorCode"); // 0 = no error reply expected
    QTest::newRow("invalid JSON") << R"({"jsonrpc":"2.0","id":1,"method":)" << -32700;
    QTest::newRow("unknown request")
        << R"({"jsonrpc":"2.0","id":2,"method":"nimbus/nothing"})" << -32601;
    QTest::newRow("request with wrong parameter types")
        << R"({"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"textDocument":5}})"
        << -32602;
    QTest::newRow("change outside the document")
        << R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"URI","version":2},"contentChanges":[{"range":{"start":{"line":900,"character":0},"end":{"line":2,"character":0}},"text":"x"}]}})"
        << 0;
    QTest::newRow("completion far past the end")
        << R"({"jsonrpc":"2.0","id":4,"method":"textDocument/completion","params":{"textDocument":{"uri":"URI"},"position":{"line":100000,"character":99}}})"
        << 0;
    QTest::newRow("notification with garbage params")
        << R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":[1,2]})" << 0;
}

void TestLspServer::robustness() {
    QFETCH(QString, input);
    QFETCH(int, errorCode);
    TempProject project;
    project.write("handler.py", kHandler);
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, "service: s\n");
    const std::size_t before = c.sent.size();
    c.server.handle({input.replace("URI", QString::fromStdString(uri)).toStdString()});
    if (errorCode != 0) {
        QCOMPARE(c.sent.size(), before + 1);
        QCOMPARE(c.sent.back()["error"]["code"].get<int>(), errorCode);
    }
    // Whatever came before, the server still answers.
    QVERIFY(c.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}})
                .contains("result"));
}

void TestLspServer::hugeValuesAreDiagnosedNotFatal_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message"); // expected in a diagnostic; empty: any outcome
    const QByteArray head = "service: s\nprovider:\n  name: aws\n  runtime: python3.11\n";
    QTest::newRow("a number beyond any integer")
        << head + "  memorySize: 1" + QByteArray(400, '0') + "\n" << "above the maximum";
    QTest::newRow("a 300,000-digit number")
        << head + "  timeout: " + QByteArray(300000, '7') + "\n" << "above the maximum";
    QTest::newRow("a 300,000-character service name")
        << "service: " + QByteArray(300000, 'a') + "\nprovider:\n  name: aws\n" << "";
    QTest::newRow("a 300,000-character schedule")
        << head + "functions:\n  f:\n    handler: h.f\n    events:\n      - schedule: rate(" +
               QByteArray(300000, '1') + " minutes)\n"
        << "";
    QTest::newRow("a 300,000-character key")
        << head + "  " + QByteArray(300000, 'k') + ": 1\n" << "invalid YAML"; // (keys stop at 1024)
}

void TestLspServer::hugeValuesAreDiagnosedNotFatal() {
    QFETCH(QByteArray, text);
    QFETCH(QString, message);
    TempProject project;
    Client c;
    c.initialize();
    const std::string uri = manifestUri(project).toStdString();
    c.open(uri, text.toStdString());
    c.server.flushDiagnostics();
    const auto published = c.published();
    QCOMPARE(published.size(), std::size_t(1));
    if (!message.isEmpty())
        QVERIFY2(published[0]["diagnostics"].dump().find(message.toStdString()) !=
                     std::string::npos,
                 published[0]["diagnostics"].dump().substr(0, 2000).c_str());
    // Completion at the end of the longest line, and hover on it, still answer.
    const int lastLine = static_cast<int>(text.count('\n')) - 1;
    const int longest = static_cast<int>(text.split('\n')[lastLine].size());
    for (const char *method : {"textDocument/completion", "textDocument/hover"})
        QVERIFY(c.request(method, {{"textDocument", {{"uri", uri}}},
                                   {"position", {{"line", lastLine}, {"character", longest}}}})
                    .contains("result"));
}

void TestLspServer::transcriptAgainstTheBinary() {
    // Bytes as a misbehaving client might send them, piped into the real nimbus-lsp.
    auto frame = [](const QByteArray &body) {
        return "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    QByteArray input;
    input += frame(
        R"({"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}})"); // before
                                                                                  // initialize
    input += "Content-Length: oops\r\n\r\n"; // a malformed header
    input +=
        frame(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}})");
    input += frame("not json at all");
    input += frame(QByteArray("\x00\x01\x02binary", 9));
    input += frame(R"({"jsonrpc":"2.0","id":3,"method":"nimbus/unknown"})");
    input += frame(
        R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///nonexistent/serverless.yml","languageId":"yaml","version":1,"text":")" +
        QByteArray(2 * 1024 * 1024, 'a') + R"("}}})"); // a 2 MB document
    input += frame(R"({"jsonrpc":"2.0","id":4,"method":"shutdown"})");
    input += frame(R"({"jsonrpc":"2.0","method":"exit"})");
    QProcess lsp;
    lsp.start(nimbusBinary("nimbus-lsp"), {"--stdio"});
    QVERIFY(lsp.waitForStarted());
    lsp.write(input);
    QVERIFY(lsp.waitForFinished(20000));
    QCOMPARE(lsp.exitCode(), 0);
    const QByteArray out = lsp.readAllStandardOutput();
    QVERIFY(out.contains(R"("code":-32002)")); // hover before initialize
    QVERIFY(out.contains(R"("id":2,"jsonrpc":"2.0","result":{"capabilities")"));
    QCOMPARE(out.count(R"("code":-32700)"), 3); // the bad header, the text, the binary
    QVERIFY(out.contains(R"("code":-32601)"));  // unknown method
    QVERIFY(out.contains(R"("id":4,"jsonrpc":"2.0","result":null)"));
    QVERIFY(out.contains("publishDiagnostics")); // the big document was diagnosed
}

QTEST_GUILESS_MAIN(TestLspServer)
#include "tst_lspserver.moc"
