#include "nimbus/failures/failure.h"

#include <QtTest>

using namespace nimbus::failures;
using nlohmann::json;

// The scene of a failed invocation as the simulator keeps it: secrets masked wherever they
// appear, the runtime's error document and the bootstrap's frames read defensively.
class TestFailureScene : public QObject {
    Q_OBJECT
private slots:
    void secretNames_data();
    void secretNames();
    void environmentIsMasked();
    void errorDocumentIsRead();
    void sceneFramesAreReadAndMaskedAgain();
    void jsonRoundTripsAndKeepsTheEventAsJson();
};

void TestFailureScene::secretNames_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("secret");
    for (const char *name : {"DB_PASSWORD", "password", "passwd", "apiKey", "API_KEY", "api-key",
                             "STRIPE_SECRET", "AUTH_TOKEN", "authHeader", "AWS_SECRET_ACCESS_KEY",
                             "private_key", "sessionKey", "GOOGLE_CREDENTIALS", "cookie"})
        QTest::newRow(name) << QString(name) << true;
    for (const char *name : {"TABLE_NAME", "order", "total", "author", "AWS_REGION", "keyboard",
                             "items"})
        QTest::newRow(name) << QString(name) << false;
}

void TestFailureScene::secretNames() {
    QFETCH(QString, name);
    QFETCH(bool, secret);
    QCOMPARE(looksSecret(name.toStdString()), secret);
}

void TestFailureScene::environmentIsMasked() {
    const auto masked = maskSecrets({{"TABLE", "orders"}, {"DB_PASSWORD", "hunter2"}, {"TOKEN", ""}});
    QCOMPARE(masked.at("TABLE"), std::string("orders"));
    QCOMPARE(masked.at("DB_PASSWORD"), std::string(kMasked));
    QCOMPARE(masked.at("TOKEN"), std::string("")); // nothing to hide
}

void TestFailureScene::errorDocumentIsRead() {
    Failure f;
    const json document{{"errorMessage", "bad order"},
                        {"errorType", "ValueError"},
                        {"stackTrace", {"  File \"/p/h.py\", line 3, in handler"}}};
    readErrorDocument(document.dump(), f);
    QCOMPARE(f.errorType, std::string("ValueError"));
    QCOMPARE(f.errorMessage, std::string("bad order"));
    QCOMPARE(f.stackTrace.size(), std::size_t(1));
    QCOMPARE(headline(f), std::string("ValueError: bad order"));
    Failure timeout;
    timeout.errorType = "Sandbox.Timedout"; // the platform's type wins over the document's
    readErrorDocument(
        json{{"errorType", "Other"}, {"errorMessage", "Task timed out after 1.00 seconds"}}.dump(),
        timeout);
    QCOMPARE(timeout.errorType, std::string("Sandbox.Timedout"));
    Failure text;
    readErrorDocument("not json at all", text);
    QCOMPARE(text.errorMessage, std::string("not json at all"));
}

void TestFailureScene::sceneFramesAreReadAndMaskedAgain() {
    const json scene{
        {"frames",
         {{{"name", "handler"},
           {"file", "/p/h.py"},
           {"line", 7},
           {"locals", {{"order", "{'id': 1}"}, {"api_key", "sk-live-1"}}}},
          {{"name", 42}},
          "junk",
          {{"name", "compute"}, {"file", "/p/h.py"}, {"line", 3}, {"locals", {{"n", 3}}}}}}};
    const auto frames = framesFromScene(scene);
    QCOMPARE(frames.size(), std::size_t(2)); // the malformed two are skipped
    QCOMPARE(frames[0].name, std::string("handler"));
    QCOMPARE(frames[0].locals.at("api_key"), std::string(kMasked)); // whatever the bootstrap did
    QCOMPARE(frames[0].locals.at("order"), std::string("{'id': 1}"));
    QCOMPARE(frames[1].line, 3);
    QCOMPARE(frames[1].locals.at("n"), std::string("3")); // non-text values as JSON text
    QVERIFY(framesFromScene(json()).empty());
    QVERIFY(framesFromScene(json{{"frames", 3}}).empty());
}

void TestFailureScene::jsonRoundTripsAndKeepsTheEventAsJson() {
    Failure f;
    f.id = 7;
    f.function = "checkout";
    f.qualifier = "$LATEST";
    f.requestId = "r-1";
    f.timeMs = 1764122400123;
    f.errorType = "ValueError";
    f.errorMessage = "bad";
    f.event = json{{"orderId", 12}}.dump();
    f.environment = {{"TABLE", "orders"}};
    f.frames = {Frame{"handler", "/p/h.py", 9, {{"x", "1"}}}};
    const json j = toJson(f);
    QCOMPARE(j["event"]["orderId"].get<int>(), 12); // an object, not a string
    QCOMPARE(j["time"].get<std::string>(), std::string("2025-11-26T02:00:00.123Z"));
    QCOMPARE(j["frames"][0]["locals"]["x"].get<std::string>(), std::string("1"));
    const Failure back = failureFromJson(j);
    QCOMPARE(back.id, 7LL);
    QCOMPARE(json::parse(back.event)["orderId"].get<int>(), 12);
    QCOMPARE(back.frames.size(), std::size_t(1));
    QCOMPARE(back.environment, f.environment);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, failureFromJson(json{{"timeMs", 1}}));
}

QTEST_APPLESS_MAIN(TestFailureScene)
#include "tst_failurescene.moc"
