#include "nimbus/jsonrpc/dispatcher.h"

#include <QtTest>

using namespace nimbus::jsonrpc;
using nlohmann::json;

class TestDispatcher : public QObject {
    Q_OBJECT
private slots:
    void answers_data();
    void answers();
    void cancelledRequestIsNotRun();
    void asyncRequestIsAnsweredLater();
    void cancelledAsyncRequestIsAnsweredOnce();
    void gateRefusesRequests();
};

namespace {
struct Harness {
    std::vector<json> sent;
    Dispatcher dispatcher{[this](const json &m) { sent.push_back(m); }};
    int notified = 0;
    Harness() {
        dispatcher.onRequest("echo", [](const json &params) { return Reply(params); });
        dispatcher.onRequest("add", [](const json &p) {
            return Reply(p.at("a").get<int>() + p.at("b").get<int>());
        });
        dispatcher.onRequest("refuse", [](const json &) {
            return Reply(Error{RequestFailed, "no"});
        });
        dispatcher.onRequest("crash",
                             [](const json &) -> Reply { throw std::runtime_error("boom"); });
        dispatcher.onNotification("ping", [this](const json &) { ++notified; });
        dispatcher.onAsyncRequest("later", [this](const json &params, Dispatcher::ReplySink sink) {
            held.push_back({params, std::move(sink)});
        });
    }
    std::vector<std::pair<json, Dispatcher::ReplySink>> held; // async requests not answered
};
} // namespace

void TestDispatcher::answers_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("expected"); // the whole reply, or empty for none

    QTest::newRow("request gets its result")
        << QByteArray(R"j({"jsonrpc":"2.0","id":1,"method":"echo","params":{"x":1}})j")
        << QByteArray(R"j({"id":1,"jsonrpc":"2.0","result":{"x":1}})j");
    QTest::newRow("string id is kept")
        << QByteArray(R"j({"jsonrpc":"2.0","id":"a","method":"add","params":{"a":1,"b":2}})j")
        << QByteArray(R"j({"id":"a","jsonrpc":"2.0","result":3})j");
    QTest::newRow("unknown method is MethodNotFound")
        << QByteArray(R"j({"jsonrpc":"2.0","id":2,"method":"nope"})j")
        << QByteArray(
               R"j({"error":{"code":-32601,"message":"unknown method 'nope'"},"id":2,"jsonrpc":"2.0"})j");
    QTest::newRow("unknown notification is ignored")
        << QByteArray(R"j({"jsonrpc":"2.0","method":"$/setTrace"})j") << QByteArray();
    QTest::newRow("invalid JSON is a ParseError with a null id")
        << QByteArray(R"j({"jsonrpc":"2.0","id":3,)j")
        << QByteArray(
               R"j({"error":{"code":-32700,"message":"the message is not valid JSON"},"id":null,"jsonrpc":"2.0"})j");
    QTest::newRow("array batch is an InvalidRequest")
        << QByteArray(R"j([1,2])j")
        << QByteArray(
               R"j({"error":{"code":-32600,"message":"a message must be a JSON object (batches are not supported)"},"id":null,"jsonrpc":"2.0"})j");
    QTest::newRow("missing jsonrpc version")
        << QByteArray(R"j({"id":4,"method":"echo"})j")
        << QByteArray(
               R"j({"error":{"code":-32600,"message":"the message lacks \"jsonrpc\": \"2.0\""},"id":4,"jsonrpc":"2.0"})j");
    QTest::newRow("wrong parameter types are InvalidParams")
        << QByteArray(R"j({"jsonrpc":"2.0","id":5,"method":"add","params":{"a":"x","b":2}})j")
        << QByteArray("-32602");
    QTest::newRow("handler error keeps its code")
        << QByteArray(R"j({"jsonrpc":"2.0","id":6,"method":"refuse"})j")
        << QByteArray(R"j({"error":{"code":-32803,"message":"no"},"id":6,"jsonrpc":"2.0"})j");
    QTest::newRow("handler exception is an InternalError")
        << QByteArray(R"j({"jsonrpc":"2.0","id":7,"method":"crash"})j")
        << QByteArray(
               R"j({"error":{"code":-32603,"message":"'crash' failed: boom"},"id":7,"jsonrpc":"2.0"})j");
    QTest::newRow("object id is an InvalidRequest")
        << QByteArray(R"j({"jsonrpc":"2.0","id":{},"method":"echo"})j") << QByteArray("-32600");
}

void TestDispatcher::answers() {
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, expected);
    Harness h;
    h.dispatcher.handle(body.toStdString());
    if (expected.isEmpty()) {
        QVERIFY(h.sent.empty());
        return;
    }
    QCOMPARE(h.sent.size(), size_t(1));
    const QByteArray got = QByteArray::fromStdString(h.sent[0].dump());
    if (expected.startsWith('-'))
        QCOMPARE(QByteArray::number(h.sent[0]["error"]["code"].get<int>()), expected);
    else
        QCOMPARE(got, expected);
}

void TestDispatcher::cancelledRequestIsNotRun() {
    Harness h;
    h.dispatcher.handle(std::vector<std::string>{
        R"j({"jsonrpc":"2.0","id":9,"method":"crash"})j",
        R"j({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":9}})j",
        R"j({"jsonrpc":"2.0","method":"ping"})j"});
    QCOMPARE(h.sent.size(), size_t(1));
    QCOMPARE(h.sent[0]["error"]["code"].get<int>(), int(RequestCancelled));
    QCOMPARE(h.notified, 1);
}

void TestDispatcher::gateRefusesRequests() {
    Harness h;
    h.dispatcher.setGate([](const std::string &method, bool) -> std::optional<Error> {
        if (method != "initialize")
            return Error{ServerNotInitialized, "the server is not initialized"};
        return std::nullopt;
    });
    h.dispatcher.handle(R"j({"jsonrpc":"2.0","id":1,"method":"echo"})j");
    h.dispatcher.handle(R"j({"jsonrpc":"2.0","method":"ping"})j");
    QCOMPARE(h.sent.size(), size_t(1));
    QCOMPARE(h.sent[0]["error"]["code"].get<int>(), int(ServerNotInitialized));
    QCOMPARE(h.notified, 0);
}

void TestDispatcher::asyncRequestIsAnsweredLater() {
    Harness h;
    h.dispatcher.handle(R"({"jsonrpc":"2.0","id":7,"method":"later","params":{"n":1}})");
    QVERIFY(h.sent.empty());
    QCOMPARE(h.dispatcher.pendingCount(), std::size_t(1));
    // Meanwhile other requests are answered.
    h.dispatcher.handle(R"({"jsonrpc":"2.0","id":8,"method":"echo","params":2})");
    QCOMPARE(h.sent.size(), std::size_t(1));
    // A second request with the id of one still running is refused.
    h.dispatcher.handle(R"({"jsonrpc":"2.0","id":7,"method":"later"})");
    QCOMPARE(h.sent.back()["error"]["code"], -32600);
    h.held[0].second(Reply(json{{"done", true}}));
    QCOMPARE(h.sent.back(), json::parse(R"({"jsonrpc":"2.0","id":7,"result":{"done":true}})"));
    QCOMPARE(h.dispatcher.pendingCount(), std::size_t(0));
    h.held[0].second(Reply(json(1))); // a second answer goes nowhere
    QCOMPARE(h.sent.size(), std::size_t(3));
}

void TestDispatcher::cancelledAsyncRequestIsAnsweredOnce() {
    Harness h;
    h.dispatcher.handle(R"({"jsonrpc":"2.0","id":"x","method":"later"})");
    h.dispatcher.handle(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"x"}})");
    QCOMPARE(h.sent.size(), std::size_t(1));
    QCOMPARE(h.sent[0]["id"], "x");
    QCOMPARE(h.sent[0]["error"]["code"], -32800);
    h.held[0].second(Reply(json(1))); // the work ends after all: its answer is dropped
    QCOMPARE(h.sent.size(), std::size_t(1));
    // Cancelling what is unknown or already answered does nothing.
    h.dispatcher.handle(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"x"}})");
    h.dispatcher.handle(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":[1]}})");
    QCOMPARE(h.sent.size(), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestDispatcher)
#include "tst_dispatcher.moc"
