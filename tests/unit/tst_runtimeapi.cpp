#include "runtimeapi/runtimeapi.h"

#include <QtTest>

using namespace nimbus;
using namespace nimbus::sim;

namespace {

// Records what the router asked of the instance.
struct FakeInstance : RuntimeApiHandler {
    QStringList calls;
    std::string knownRequest = "req-1";
    void nextInvocation(net::Responder responder) override {
        calls << "next";
        responder(net::makeResponse(200, R"({"event":true})"));
    }
    bool invocationResponse(const std::string &id, std::string body) override {
        calls << QString::fromStdString("response " + id + " " + body);
        return id == knownRequest;
    }
    bool invocationError(const std::string &id, std::string body, std::string type) override {
        calls << QString::fromStdString("error " + id + " " + type);
        (void)body;
        return id == knownRequest;
    }
    void initError(std::string body, std::string type) override {
        calls << QString::fromStdString("init-error " + type);
        (void)body;
    }
};

} // namespace

class TestRuntimeApi : public QObject {
    Q_OBJECT
private slots:
    void routes_data();
    void routes();
};

void TestRuntimeApi::routes_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("call");

    const QString base = "/2018-06-01/runtime/";
    QTest::newRow("next invocation is a GET long poll")
        << "GET" << base + "invocation/next" << QByteArray() << 200 << "next";
    QTest::newRow("response for the current request is accepted")
        << "POST" << base + "invocation/req-1/response" << QByteArray("42") << 202
        << "response req-1 42";
    QTest::newRow("response for an unknown request is refused")
        << "POST" << base + "invocation/other/response" << QByteArray("1") << 400
        << "response other 1";
    QTest::newRow("error carries the header's error type")
        << "POST" << base + "invocation/req-1/error" << QByteArray("{}") << 202
        << "error req-1 Custom.Type";
    QTest::newRow("init error is accepted")
        << "POST" << base + "init/error" << QByteArray("{}") << 202 << "init-error Custom.Type";
    QTest::newRow("next with the wrong method")
        << "POST" << base + "invocation/next" << QByteArray() << 404 << "";
    QTest::newRow("unknown path") << "GET" << QString("/2018-06-01/other") << QByteArray() << 404
                                  << "";
    QTest::newRow("unknown action")
        << "POST" << base + "invocation/req-1/cancel" << QByteArray() << 404 << "";
    QTest::newRow("oversized response fails the invocation")
        << "POST" << base + "invocation/req-1/response"
        << QByteArray(int(kMaxResponsePayload) + 1, 'x') << 413
        << "error req-1 Function.ResponseSizeTooLarge";
}

void TestRuntimeApi::routes() {
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, call);
    FakeInstance instance;
    net::Request request{boost::beast::http::string_to_verb(method.toStdString()),
                         path.toStdString(), 11};
    request.set("Lambda-Runtime-Function-Error-Type", "Custom.Type");
    request.body() = body.toStdString();
    std::optional<net::Response> response;
    routeRuntimeApi(
        std::move(request), [&](net::Response r) { response = std::move(r); }, instance);
    QVERIFY(response.has_value());
    QCOMPARE(int(response->result_int()), status);
    QCOMPARE(instance.calls.isEmpty() ? QString() : instance.calls.first(), call);
}

QTEST_APPLESS_MAIN(TestRuntimeApi)
#include "tst_runtimeapi.moc"
