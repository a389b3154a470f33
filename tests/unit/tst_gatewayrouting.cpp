#include "gateway/proxyevent.h"
#include "gateway/routetable.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/net/base64.h"
#include "nimbus/net/textformat.h"

#include <QtTest>

using namespace nimbus;
using namespace nimbus::sim;
using nlohmann::json;

// The gateway's pure logic: matching routes as API Gateway does, building proxy events of
// both payload versions, and turning handler results into HTTP responses.
class TestGatewayRouting : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void match_data();
    void match();
    void routesJson();
    void restEvent();
    void httpApiEvent();
    void binaryBodiesAreBase64();
    void httpFunctionEvent();
    void restResponse();
    void httpApiResponse_data();
    void httpApiResponse();
    void badResults_data();
    void badResults();
    void percentDecoding_data();
    void percentDecoding();
    void asciiLowerKeepsOtherBytes();

private:
    RouteTable m_table;
};

static const char *kManifest = R"(service: shop
provider:
  name: aws
  runtime: python3.11
functions:
  list:
    handler: h.list
    events:
      - httpApi: GET /items
      - httpApi: POST /items
  one:
    handler: h.one
    events:
      - httpApi: GET /items/{id}
      - http: ANY /legacy/{id}
  special:
    handler: h.special
    events:
      - httpApi: GET /items/special
  files:
    handler: h.files
    events:
      - httpApi: GET /files/{path+}
  anyItem:
    handler: h.any
    events:
      - httpApi: ANY /items/{id}
  fallback:
    handler: h.fallback
    events:
      - httpApi: '*'
  web:
    httpHandler: web.main
    path: /web
  app:
    httpService:
      command: python3 app.py
    path: /app
)";

void TestGatewayRouting::initTestCase() {
    manifest::LoadOptions options;
    options.checkHandlers = false;
    auto loaded = manifest::ManifestLoader(options).loadText(kManifest, "/p/serverless.yml");
    QVERIFY2(loaded.ok(), loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message.c_str());
    m_table = RouteTable(*loaded.manifest);
}

void TestGatewayRouting::match_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("function"); // empty: no match
    QTest::addColumn<QString>("parameters");
    QTest::addColumn<QString>("inner");
    QTest::newRow("literal path") << "GET" << "/items" << "list" << "" << "";
    QTest::newRow("method picks the route") << "POST" << "/items" << "list" << "" << "";
    QTest::newRow("unknown method falls to the catch-all")
        << "DELETE" << "/items" << "fallback" << "" << "";
    QTest::newRow("parameter") << "GET" << "/items/42" << "one" << "id=42" << "";
    QTest::newRow("literal beats parameter") << "GET" << "/items/special" << "special" << "" << "";
    QTest::newRow("exact method beats ANY") << "GET" << "/items/7" << "one" << "id=7" << "";
    QTest::newRow("ANY takes other methods") << "PUT" << "/items/7" << "anyItem" << "id=7" << "";
    QTest::newRow("parameters are decoded") << "GET" << "/items/a%20b" << "one" << "id=a b" << "";
    QTest::newRow("greedy takes the rest") << "GET" << "/files/a/b/c.txt" << "files"
                                           << "path=a/b/c.txt" << "";
    QTest::newRow("greedy needs one segment") << "GET" << "/files" << "fallback" << "" << "";
    QTest::newRow("rest api event") << "PATCH" << "/legacy/x" << "one" << "id=x" << "";
    QTest::newRow("http function at its path") << "GET" << "/web" << "web" << "" << "/";
    QTest::newRow("http function below its path")
        << "POST" << "/web/a/b?x" << "web" << "" << "/a/b?x";
    QTest::newRow("a longer name is not below the path") << "GET" << "/webby" << "fallback" << ""
                                                          << "";
    QTest::newRow("service keeps the trailing slash") << "GET" << "/app/x/" << "app" << "" << "/x/";
    QTest::newRow("catch-all") << "GET" << "/anything/else" << "fallback" << "" << "";
}

void TestGatewayRouting::match() {
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QString, function);
    QFETCH(QString, parameters);
    QFETCH(QString, inner);
    const auto m = m_table.match(method.toStdString(), path.toStdString());
    QCOMPARE(m.has_value(), !function.isEmpty());
    if (!m)
        return;
    QCOMPARE(QString::fromStdString(m->route->function), function);
    QStringList params;
    for (const auto &[k, v] : m->pathParameters)
        params << QString::fromStdString(k + "=" + v);
    QCOMPARE(params.join(','), parameters);
    QCOMPARE(QString::fromStdString(m->innerPath), inner);
}

void TestGatewayRouting::routesJson() {
    const json rows = m_table.toJson("http://127.0.0.1:9");
    QCOMPARE(rows.size(), std::size_t(10));
    const json &first = rows[0];
    QCOMPARE(first["method"], "GET");
    QCOMPARE(first["path"], "/items");
    QCOMPARE(first["function"], "list");
    QCOMPARE(first["kind"], "event");
    QCOMPARE(first["url"], "http://127.0.0.1:9/items");
    QCOMPARE(rows[8]["kind"], "http");
    QCOMPARE(rows[8]["url"], "http://127.0.0.1:9/web");
    QCOMPARE(rows[9]["kind"], "service");
}

static GatewayRequest request(std::string method, std::string path, std::string query,
                              std::string body = {}) {
    GatewayRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.rawQuery = std::move(query);
    r.body = std::move(body);
    r.headers = {{"Host", "127.0.0.1:9"},
                 {"User-Agent", "curl/8"},
                 {"X-Multi", "a"},
                 {"X-Multi", "b"},
                 {"Cookie", "s=1; theme=dark"}};
    r.requestId = "req-1";
    r.timeEpochMs = 1583348638390;
    return r;
}

void TestGatewayRouting::restEvent() {
    auto req = request("GET", "/legacy/x%20y", "a=1&a=2&b=");
    const auto m = m_table.match("GET", req.path);
    const json e = restProxyEvent(req, *m, ApiContext{"dev", "127.0.0.1:9"});
    QCOMPARE(e["resource"], "/legacy/{id}");
    QCOMPARE(e["path"], "/legacy/x y");
    QCOMPARE(e["httpMethod"], "GET");
    QCOMPARE(e["headers"]["X-Multi"], "b");
    QCOMPARE(e["multiValueHeaders"]["X-Multi"], json::array({"a", "b"}));
    QCOMPARE(e["queryStringParameters"]["a"], "2");
    QCOMPARE(e["multiValueQueryStringParameters"]["a"], json::array({"1", "2"}));
    QCOMPARE(e["queryStringParameters"]["b"], "");
    QCOMPARE(e["pathParameters"]["id"], "x y");
    QVERIFY(e["body"].is_null());
    QCOMPARE(e["isBase64Encoded"], false);
    const json &ctx = e["requestContext"];
    QCOMPARE(ctx["requestId"], "req-1");
    QCOMPARE(ctx["stage"], "dev");
    QCOMPARE(ctx["path"], "/dev/legacy/x y");
    QCOMPARE(ctx["requestTimeEpoch"], 1583348638390LL);
    QCOMPARE(ctx["requestTime"], "04/Mar/2020:19:03:58 +0000");
    QCOMPARE(ctx["identity"]["sourceIp"], "127.0.0.1");
    QCOMPARE(ctx["identity"]["userAgent"], "curl/8");
}

void TestGatewayRouting::httpApiEvent() {
    auto req = request("POST", "/items", "a=1&a=2", R"({"x":1})");
    req.headers.emplace_back("Content-Type", "application/json");
    const auto m = m_table.match("POST", req.path);
    const json e = sim::httpApiEvent(req, *m, ApiContext{"dev", "127.0.0.1:9"});
    QCOMPARE(e["version"], "2.0");
    QCOMPARE(e["routeKey"], "POST /items");
    QCOMPARE(e["rawPath"], "/items");
    QCOMPARE(e["rawQueryString"], "a=1&a=2");
    QCOMPARE(e["headers"]["x-multi"], "a,b");
    QVERIFY(!e["headers"].contains("cookie"));
    QCOMPARE(e["cookies"], json::array({"s=1", "theme=dark"}));
    QCOMPARE(e["queryStringParameters"]["a"], "1,2");
    QVERIFY(!e.contains("pathParameters"));
    QCOMPARE(e["body"], R"({"x":1})");
    QCOMPARE(e["isBase64Encoded"], false);
    const json &http = e["requestContext"]["http"];
    QCOMPARE(http["method"], "POST");
    QCOMPARE(http["path"], "/items");
    QCOMPARE(http["sourceIp"], "127.0.0.1");
    QCOMPARE(e["requestContext"]["timeEpoch"], 1583348638390LL);
    QCOMPARE(e["requestContext"]["stage"], "$default");
    const auto fallback = m_table.match("GET", "/zzz");
    QCOMPARE(sim::httpApiEvent(req, *fallback, {})["routeKey"], "$default");
}

void TestGatewayRouting::binaryBodiesAreBase64() {
    const std::string png("\x89PNG\r\n\x1a\n\0\xff", 10);
    auto req = request("POST", "/items", "", png);
    req.headers.emplace_back("Content-Type", "image/png");
    const auto m = m_table.match("POST", "/items");
    const json e = sim::httpApiEvent(req, *m, {});
    QCOMPARE(e["isBase64Encoded"], true);
    QCOMPARE(net::base64Decode(e["body"].get<std::string>()).value(), png);
    // Text types pass as they are, with or without a charset.
    req.body = "hé";
    req.headers.back().second = "text/plain; charset=utf-8";
    QCOMPARE(sim::httpApiEvent(req, *m, {})["body"], "hé");
    QVERIFY(isTextContentType("application/vnd.api+json"));
    QVERIFY(!isTextContentType("application/octet-stream"));
}

void TestGatewayRouting::httpFunctionEvent() {
    auto req = request("PUT", "/web/a%2Fb", "q=1", std::string("\0\1", 2));
    const auto m = m_table.match("PUT", req.path);
    const json e = sim::httpFunctionEvent(req, *m);
    QCOMPARE(e["method"], "PUT");
    QCOMPARE(e["path"], "/a%2Fb");
    QCOMPARE(e["mountPath"], "/web");
    QCOMPARE(e["query"], "q=1");
    QCOMPARE(e["headers"][2], json::array({"X-Multi", "a"}));
    QCOMPARE(net::base64Decode(e["body"].get<std::string>()).value(), std::string("\0\1", 2));
}

void TestGatewayRouting::restResponse() {
    std::string error;
    auto r = restProxyResponse(
        R"({"statusCode": 201, "headers": {"X-A": "1", "Set-Cookie": "x"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "aGk=", "isBase64Encoded": true})",
        error);
    QVERIFY2(r, error.c_str());
    QCOMPARE(r->status, 201);
    QCOMPARE(r->body, std::string("hi"));
    QCOMPARE(r->headers.size(), std::size_t(3));
    QCOMPARE(r->headers[1], (std::pair<std::string, std::string>("Set-Cookie", "a=1")));
    QCOMPARE(r->headers[2], (std::pair<std::string, std::string>("Set-Cookie", "b=2")));
}

void TestGatewayRouting::httpApiResponse_data() {
    QTest::addColumn<QString>("payload");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("contentType");
    QTest::newRow("full") << R"({"statusCode":404,"headers":{"content-type":"text/plain"},"body":"no"})"
                          << 404 << "no" << "text/plain";
    QTest::newRow("object without statusCode is a JSON body")
        << R"({"a":1})" << 200 << R"({"a":1})" << "application/json";
    QTest::newRow("a string result") << R"("hello")" << 200 << R"("hello")" << "application/json";
    QTest::newRow("statusCode as a string") << R"({"statusCode":"204"})" << 204 << "" << "";
}

void TestGatewayRouting::httpApiResponse() {
    QFETCH(QString, payload);
    QFETCH(int, status);
    QFETCH(QString, body);
    QFETCH(QString, contentType);
    std::string error;
    auto r = sim::httpApiResponse(payload.toStdString(), error);
    QVERIFY2(r, error.c_str());
    QCOMPARE(r->status, status);
    QCOMPARE(QString::fromStdString(r->body), body);
    QString type;
    for (const auto &[k, v] : r->headers)
        if (QString::fromStdString(k).toLower() == "content-type")
            type = QString::fromStdString(v);
    QCOMPARE(type, contentType);
    auto cookies = sim::httpApiResponse(R"({"statusCode":200,"cookies":["a=1","b=2"]})", error);
    QCOMPARE(cookies->headers.size(), std::size_t(2));
    QCOMPARE(cookies->headers[0].first, std::string("set-cookie"));
}

void TestGatewayRouting::badResults_data() {
    QTest::addColumn<QString>("payload");
    QTest::addColumn<bool>("rest");
    QTest::addColumn<QString>("error");
    QTest::newRow("rest result without statusCode") << R"({"body":"x"})" << true << "statusCode";
    QTest::newRow("status out of range") << R"({"statusCode":99})" << false << "100-599";
    QTest::newRow("not base64") << R"({"statusCode":200,"body":"%%%","isBase64Encoded":true})"
                                << true << "not base64";
    QTest::newRow("not JSON") << "{" << false << "not JSON";
}

void TestGatewayRouting::badResults() {
    QFETCH(QString, payload);
    QFETCH(bool, rest);
    QFETCH(QString, error);
    std::string why;
    auto r = rest ? restProxyResponse(payload.toStdString(), why)
                  : sim::httpApiResponse(payload.toStdString(), why);
    QVERIFY(!r);
    QVERIFY2(QString::fromStdString(why).contains(error), why.c_str());
}

// The one %XX decoder the gateway, the control plane, SQS and S3 share (libs/net/textformat).
void TestGatewayRouting::percentDecoding_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("plusIsSpace");
    QTest::addColumn<QByteArray>("decoded");
    QTest::newRow("escapes") << QByteArray("a%20b%2Fc%2f") << false << QByteArray("a b/c/");
    QTest::newRow("plus kept in a path") << QByteArray("a+b") << false << QByteArray("a+b");
    QTest::newRow("plus in a query") << QByteArray("a+b%2B") << true << QByteArray("a b+");
    QTest::newRow("at the very end") << QByteArray("x%41") << false << QByteArray("xA");
    QTest::newRow("cut short") << QByteArray("x%4") << false << QByteArray("x%4");
    QTest::newRow("not hex") << QByteArray("%zz%G1") << false << QByteArray("%zz%G1");
    QTest::newRow("a NUL byte") << QByteArray("a%00b") << false << QByteArray("a\0b", 3);
    QTest::newRow("UTF-8") << QByteArray("%C3%A9") << false << QByteArray("\xC3\xA9");
}

void TestGatewayRouting::percentDecoding() {
    QFETCH(QByteArray, text);
    QFETCH(bool, plusIsSpace);
    QFETCH(QByteArray, decoded);
    const std::string out = nimbus::net::percentDecode(text.toStdString(), plusIsSpace);
    QCOMPARE(QByteArray(out.data(), qsizetype(out.size())), decoded);
}

void TestGatewayRouting::asciiLowerKeepsOtherBytes() {
    QCOMPARE(QByteArray::fromStdString(nimbus::net::asciiLower("Content-TYPE: Text/HTML")),
             QByteArray("content-type: text/html"));
    // Bytes above 0x7F (UTF-8 here) are not letters to it, whatever the locale says.
    QCOMPARE(QByteArray::fromStdString(nimbus::net::asciiLower("\xC3\x89T\xC3\xA9")),
             QByteArray("\xC3\x89t\xC3\xA9"));
}

QTEST_APPLESS_MAIN(TestGatewayRouting)
#include "tst_gatewayrouting.moc"
