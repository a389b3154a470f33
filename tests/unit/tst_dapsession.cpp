#include "backend/pythonbackend.h"
#include "protocol/dapprotocol.h"
#include "session/debugsession.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QtTest>
#include <mutex>

using namespace nimbus::dap;
using nlohmann::json;

namespace {

// A backend that records what the session asks of it and answers as a debuggee would.
struct FakeBackend : DebugBackend {
    std::vector<std::pair<std::string, json>> *requests;
    int *released;
    EventSink sink;
    explicit FakeBackend(std::vector<std::pair<std::string, json>> *r, int *rel)
        : requests(r)
        , released(rel) {}
    std::string listen() override { return "127.0.0.1:9"; }
    void setEventSink(EventSink s) override { sink = std::move(s); }
    void setStopOnEntry(bool) override {}
    json request(const std::string &command, const json &arguments) override {
        requests->emplace_back(command, arguments);
        if (command == "stackTrace")
            throw BackendError("the function is not running in a debug instance yet");
        if (command == "setBreakpoints")
            return {{"breakpoints", json::array({{{"id", 1}, {"verified", true}, {"line", 5}}})}};
        return json::object();
    }
    void release() override { ++*released; }
    void reconfigure() override {}
    bool connected() const override { return false; }
    void drain() override {}
    void close() override {}
};

struct Client {
    std::mutex mutex;
    std::vector<json> sent;
    std::vector<std::pair<std::string, json>> backendRequests;
    int released = 0;
    std::unique_ptr<DebugSession> session;
    int seq = 1;

    Client() {
        SessionConfig config;
        config.binDir = nimbusBinary("nimbus-sim").section('/', 0, -2).toStdString();
        config.resourcesDir = nimbusSourcePath("resources").toStdString();
        session = std::make_unique<DebugSession>(
            [this](const json &m) {
                std::lock_guard lock(mutex);
                sent.push_back(m);
            },
            config, [this](const std::string &, const std::string &) {
                return std::make_unique<FakeBackend>(&backendRequests, &released);
            });
    }
    json request(const std::string &command, const json &arguments = json::object()) {
        const int id = seq++;
        session->handle(
            json{{"seq", id}, {"type", "request"}, {"command", command}, {"arguments", arguments}}
                .dump());
        std::lock_guard lock(mutex);
        for (const auto &m : sent)
            if (m.value("type", "") == "response" && m.value("request_seq", 0) == id)
                return m;
        return json();
    }
    std::vector<std::string> kinds() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto &m : sent)
            out.push_back(m.value("type", "") == "event" ? "event:" + m.value("event", "")
                                                         : "response:" + m.value("command", ""));
        return out;
    }
};

} // namespace

// The DAP session in-process: the protocol's ordering, requests refused with what is wrong,
// requests of the running code passed to the backend, and launch arguments checked before
// anything starts. (The real backend and simulator are driven by the conformance suite.)
class TestDapSession : public QObject {
    Q_OBJECT
private slots:
    void malformedMessages_data();
    void malformedMessages();
    void initializeComesFirstThenTheInitializedEvent();
    void requestsOfTheRunningCodeGoToTheBackend();
    void launchArgumentsAreChecked_data();
    void launchArgumentsAreChecked();
    void disconnectReleasesTheDebuggee();
    void pythonStatementLinesPlaceBreakpoints();
};

void TestDapSession::malformedMessages_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<int>("requestSeq");
    QTest::addColumn<QString>("message");
    QTest::newRow("not JSON") << "{\"seq\": 1, " << 0 << "not valid JSON";
    QTest::newRow("an array") << "[1, 2]" << 0 << "must be a JSON object";
    QTest::newRow("an event, not a request")
        << R"({"seq": 4, "type": "event", "event": "x"})" << 4 << "only requests";
    QTest::newRow("no command") << R"({"seq": 5, "type": "request"})" << 5 << "no \"command\"";
    QTest::newRow("arguments that are not an object")
        << R"({"seq": 6, "type": "request", "command": "next", "arguments": 3})" << 6
        << "must be an object";
    QTest::newRow("an unknown command")
        << R"({"seq": 7, "type": "request", "command": "fly"})" << 7 << "unknown request 'fly'";
}

void TestDapSession::malformedMessages() {
    QFETCH(QString, body);
    QFETCH(int, requestSeq);
    QFETCH(QString, message);
    Client c;
    c.session->handle(body.toStdString());
    QCOMPARE(c.sent.size(), std::size_t(1));
    const json &reply = c.sent[0];
    QCOMPARE(reply["type"], "response");
    QCOMPARE(reply["success"], false);
    QCOMPARE(reply["request_seq"].get<int>(), requestSeq);
    QVERIFY2(QString::fromStdString(reply["message"].get<std::string>()).contains(message),
             reply.dump().c_str());
    // And the session still works.
    QCOMPARE(c.request("initialize")["success"], true);
}

void TestDapSession::initializeComesFirstThenTheInitializedEvent() {
    Client c;
    const json early = c.request("threads");
    QCOMPARE(early["success"], false);
    QVERIFY(early["message"].get<std::string>().find("initialize") != std::string::npos);
    const json init = c.request("initialize", {{"adapterID", "nimbus"}});
    QCOMPARE(init["success"], true);
    QCOMPARE(init["body"]["supportsConfigurationDoneRequest"], true);
    QCOMPARE(init["body"]["exceptionBreakpointFilters"].size(), std::size_t(2));
    const auto kinds = c.kinds();
    QCOMPARE(kinds.back(), std::string("event:initialized"));
    QCOMPARE(kinds[kinds.size() - 2], std::string("response:initialize"));
    QCOMPARE(c.request("initialize")["success"], false); // once only
    // Sequence numbers rise.
    long long last = 0;
    for (const auto &m : c.sent) {
        QVERIFY(m["seq"].get<long long>() > last);
        last = m["seq"].get<long long>();
    }
}

void TestDapSession::requestsOfTheRunningCodeGoToTheBackend() {
    Client c;
    c.request("initialize");
    const json bps = c.request("setBreakpoints", {{"source", {{"path", "/p/handler.py"}}},
                                                  {"breakpoints", {{{"line", 4}}}}});
    QCOMPARE(bps["success"], true);
    QCOMPARE(bps["body"]["breakpoints"][0]["line"], 5);
    QCOMPARE(c.backendRequests.at(0).first, std::string("setBreakpoints"));
    QCOMPARE(c.backendRequests.at(0).second["breakpoints"][0]["line"], 4);
    const json stack = c.request("stackTrace", {{"threadId", 1}});
    QCOMPARE(stack["success"], false);
    QVERIFY(stack["message"].get<std::string>().find("not running") != std::string::npos);
    QCOMPARE(c.request("continue", {{"threadId", 1}})["body"]["allThreadsContinued"], true);
}

void TestDapSession::launchArgumentsAreChecked_data() {
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("no project") << R"({"function": "hello"})" << "needs \"project\"";
    QTest::newRow("no function") << R"({"project": "PROJECT"})" << "needs \"function\"";
    QTest::newRow("a project that is not there")
        << R"({"project": "/no/such/project", "function": "hello"})" << "no folder at";
    QTest::newRow("a function that is not there")
        << R"({"project": "PROJECT", "function": "nope"})" << "no function 'nope'";
    QTest::newRow("an http service")
        << R"({"project": "PROJECT", "function": "web"})" << "is an http service";
    QTest::newRow("an event file that is not there")
        << R"({"project": "PROJECT", "function": "hello", "eventFile": "nope.json"})"
        << "\"eventFile\": cannot read";
    QTest::newRow("an event file that is not JSON")
        << R"({"project": "PROJECT", "function": "hello", "eventFile": "bad.json"})"
        << "is not valid JSON";
}

void TestDapSession::launchArgumentsAreChecked() {
    QFETCH(QString, arguments);
    QFETCH(QString, message);
    TempProject project;
    project.write("handler.py", "def hello(e, c):\n    return 1\n");
    project.write("index.js", "exports.main = async () => 1;\n");
    project.write("bad.json", "{nope");
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: handler.hello\n  node:\n"
                          "    handler: index.main\n    runtime: nodejs20.x\n  web:\n"
                          "    httpService:\n      command: python3 -m http.server $PORT\n");
    Client c;
    c.request("initialize");
    const json reply =
        c.request("launch", json::parse(arguments.replace("PROJECT", project.path()).toStdString()));
    QCOMPARE(reply["success"], false);
    QVERIFY2(QString::fromStdString(reply["message"].get<std::string>()).contains(message),
             reply.dump().c_str());
    // Nothing was started for a refused launch.
    QVERIFY(!QFile::exists(project.filePath(".nimbus/sim.json")));
}

void TestDapSession::disconnectReleasesTheDebuggee() {
    Client c;
    c.request("initialize");
    c.request("setBreakpoints", {{"source", {{"path", "/p/h.py"}}}, {"breakpoints", json::array()}});
    QCOMPARE(c.request("disconnect")["success"], true);
    QVERIFY(c.session->ended());
    QCOMPARE(c.released, 1);
}

void TestDapSession::pythonStatementLinesPlaceBreakpoints() {
    TempProject project;
    const QString file = project.write("mod.py", "# a comment\n\nimport os\n\n\ndef f(x):\n"
                                                 "    \"\"\"Doc.\"\"\"\n    y = (x +\n"
                                                 "         1)\n    return y\n");
    PythonBackend backend(nimbusSourcePath("resources").toStdString());
    std::string error;
    const auto lines = backend.statementLines(file.toStdString(), error);
    QCOMPARE(lines, (std::vector<int>{3, 6, 7, 8, 10}));
    const auto broken = backend.statementLines(project.write("bad.py", "def (:\n").toStdString(),
                                               error);
    QVERIFY(broken.empty());
    QVERIFY(error.find("SyntaxError") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestDapSession)
#include "tst_dapsession.moc"
