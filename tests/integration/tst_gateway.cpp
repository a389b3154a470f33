#include "nimbus/net/base64.h"
#include "nimbus/net/httpclient.h"
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>
#include <arpa/inet.h>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nimbus;
using namespace nimbus::sim;
using nlohmann::json;

namespace {

// What the platform logs, collected from the simulator's thread.
struct LogRecorder : PoolObserver {
    std::mutex mutex;
    QStringList lines;
    QStringList logs; // each invocation's whole log
    int started = 0;
    int stopped = 0;
    void add(const std::string &function, const std::string &text) {
        std::lock_guard lock(mutex);
        for (const auto &line : QString::fromStdString(text).split('\n', Qt::SkipEmptyParts))
            lines << QString::fromStdString(function) + ": " + line;
    }
    void instanceStarted(const std::string &function, pid_t) override {
        std::lock_guard lock(mutex);
        ++started;
        lines << QString::fromStdString(function) + ": started";
    }
    void instanceStopped(const std::string &function, pid_t, const std::string &) override {
        std::lock_guard lock(mutex);
        ++stopped;
        lines << QString::fromStdString(function) + ": stopped";
    }
    void invocationLog(const std::string &function, const std::string &log) override {
        add(function, log);
        std::lock_guard lock(mutex);
        logs << QString::fromStdString(log);
    }
    void gatewayRequest(const std::string &function, const std::string &line) override {
        add(function, "request " + line);
    }
    void clear() {
        std::lock_guard lock(mutex);
        lines.clear();
        logs.clear();
        started = stopped = 0;
    }
    QString all() {
        std::lock_guard lock(mutex);
        return lines.join('\n');
    }
    int count(const QString &needle) {
        std::lock_guard lock(mutex);
        return static_cast<int>(lines.filter(needle).size());
    }
};

struct RawResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string header(const std::string &lowerName) const {
        for (const auto &[k, v] : headers)
            if (QString::fromStdString(k).toLower().toStdString() == lowerName)
                return v;
        return {};
    }
    int countHeader(const std::string &lowerName) const {
        int n = 0;
        for (const auto &[k, v] : headers)
            n += QString::fromStdString(k).toLower().toStdString() == lowerName;
        return n;
    }
};

int connectTo(unsigned short port, int timeoutMs) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void sendAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0)
            return;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Everything the server sends until it closes (or goes quiet for timeoutMs).
std::string readAll(int fd) {
    std::string out;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

RawResponse parse(const std::string &raw) {
    RawResponse r;
    const std::size_t end = raw.find("\r\n\r\n");
    if (raw.size() < 12 || end == std::string::npos)
        return r;
    r.status = std::stoi(raw.substr(9, 3));
    std::size_t at = raw.find("\r\n") + 2;
    while (at < end) {
        const std::size_t eol = raw.find("\r\n", at);
        const std::string line = raw.substr(at, eol - at);
        const std::size_t colon = line.find(':');
        r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
        at = eol + 2;
    }
    std::string body = raw.substr(end + 4);
    if (QString::fromStdString(r.header("transfer-encoding")).contains("chunked")) {
        std::string decoded;
        std::size_t p = 0;
        for (;;) {
            const std::size_t eol = body.find("\r\n", p);
            if (eol == std::string::npos)
                break;
            const std::size_t size = std::stoul(body.substr(p, eol - p), nullptr, 16);
            if (size == 0)
                break;
            decoded += body.substr(eol + 2, size);
            p = eol + 2 + size + 2;
        }
        body = decoded;
    }
    r.body = body;
    return r;
}

RawResponse exchange(unsigned short port, const std::string &request, int timeoutMs = 15000) {
    const int fd = connectTo(port, timeoutMs);
    if (fd < 0)
        return {};
    sendAll(fd, request);
    const std::string raw = readAll(fd);
    ::close(fd);
    return parse(raw);
}

std::string get(const std::string &path, const std::string &extra = {}) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
}

std::string post(const std::string &path, const std::string &body, const std::string &type) {
    return "POST " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

// The HTTP gateway with real requests on a real port: proxy events of both payload
// versions, binary bodies, handler results, http services (readiness, proxying, streaming,
// WebSockets, scaling up and to zero), hot reload, and every error.
class TestGateway : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void httpApiEventHasTheRequest();
    void restEventHasMultiValues();
    void binaryBodiesRoundTrip();
    void restEventCarriesBinaryBodiesAsBase64();
    void bytesThatAreNotUtf8AreServed();
    void handlerResultsBecomeResponses();
    void routesAreServedAsJson();
    void httpFunctionsTakeRequests_data();
    void httpFunctionsTakeRequests();
    void httpFunctionResponses();
    void nodeHttpFunctionTakesConcurrentRequestsInOneInstance();
    void unknownRouteIs404();
    void functionErrorIs502AndLogged();
    void timeoutIs504();
    void invalidResultIs502();
    void oversizedBodyIs413();
    void malformedRequestsDoNotTakeTheGatewayDown_data();
    void malformedRequestsDoNotTakeTheGatewayDown();
    void slowClientIsDropped();
    void keepAliveServesManyRequests();
    void serviceStartsOnFirstRequestAndProxies();
    void serviceListensOnLoopbackOnly();
    void serviceStreamsBothWays();
    void serviceUpgradesToWebSocket();
    void serviceScalesUpAndToZero();
    void serviceThatCannotStartIs502();
    void silentServiceIs504();
    void serviceWaitsForItsReadinessPath();
    void reloadReplacesChangedFunctions();
    void reloadLetsRequestsInFlightFinish();
    void reloadReplacesServiceInstances();

private:
    unsigned short port() const { return m_port; }
    void startSimulator();

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
    std::thread m_thread;
    LogRecorder m_log;
    unsigned short m_port = 0;
};

void TestGateway::init() {
    m_log.clear();
    m_project = std::make_unique<TempProject>();
    const QDir source(nimbusSourcePath("tests/integration/gateway"));
    for (const QString &name : source.entryList(QDir::Files)) {
        QFile file(source.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_project->write(name, file.readAll());
    }
    startSimulator();
}

void TestGateway::startSimulator() {
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveControlPlane = false;
    options.gateway.headerTimeout = std::chrono::milliseconds(500);
    m_simulator = std::make_unique<Simulator>(*m_io, options, &m_log);
    QVERIFY(m_simulator->load());
    m_simulator->start();
    m_port =
        static_cast<unsigned short>(QUrl(QString::fromStdString(m_simulator->gatewayUrl())).port());
    auto guard =
        std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            m_io->get_executor());
    m_thread = std::thread([this, guard] { m_io->run(); });
}

void TestGateway::cleanup() {
    boost::asio::post(*m_io, [this] { m_simulator->shutdown(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    m_io->stop();
    m_thread.join();
    m_simulator.reset();
    m_io.reset();
    m_project.reset();
}

void TestGateway::httpApiEventHasTheRequest() {
    const auto r = exchange(port(), "POST /echo/a%20b?x=1&x=2&y= HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    "Connection: close\r\nX-Twice: 1\r\nX-Twice: 2\r\n"
                                    "Cookie: s=1; t=2\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 7\r\n\r\n{\"a\":1}");
    QCOMPARE(r.status, 200);
    QVERIFY(!r.header("apigw-requestid").empty());
    const json e = json::parse(r.body);
    QCOMPARE(e["version"], "2.0");
    QCOMPARE(e["routeKey"], "POST /echo/{id}");
    QCOMPARE(e["rawPath"], "/echo/a%20b");
    QCOMPARE(e["rawQueryString"], "x=1&x=2&y=");
    QCOMPARE(e["pathParameters"]["id"], "a b");
    QCOMPARE(e["queryStringParameters"]["x"], "1,2");
    QCOMPARE(e["headers"]["x-twice"], "1,2");
    QCOMPARE(e["cookies"], json::array({"s=1", "t=2"}));
    QCOMPARE(e["body"], "{\"a\":1}");
    QCOMPARE(e["isBase64Encoded"], false);
    QCOMPARE(e["requestContext"]["http"]["method"], "POST");
    QCOMPARE(e["requestContext"]["http"]["sourceIp"], "127.0.0.1");
    QCOMPARE(e["requestContext"]["requestId"], r.header("apigw-requestid"));
    const auto epoch = e["requestContext"]["timeEpoch"].get<long long>();
    QVERIFY(std::abs(epoch - QDateTime::currentMSecsSinceEpoch()) < 60000);
}

void TestGateway::restEventHasMultiValues() {
    const auto r = exchange(port(), get("/v1/deep/path?k=1&k=2", "X-Twice: 1\r\nX-Twice: 2\r\n"));
    QCOMPARE(r.status, 200);
    QVERIFY(!r.header("x-amzn-requestid").empty());
    const json e = json::parse(r.body);
    QCOMPARE(e["resource"], "/v1/{proxy+}");
    QCOMPARE(e["httpMethod"], "GET");
    QCOMPARE(e["pathParameters"]["proxy"], "deep/path");
    QCOMPARE(e["multiValueHeaders"]["X-Twice"], json::array({"1", "2"}));
    QCOMPARE(e["multiValueQueryStringParameters"]["k"], json::array({"1", "2"}));
    QCOMPARE(e["queryStringParameters"]["k"], "2");
    QVERIFY(e["body"].is_null());
    QCOMPARE(e["requestContext"]["stage"], "dev");
}

void TestGateway::binaryBodiesRoundTrip() {
    std::string bytes;
    for (int i = 0; i < 4096; ++i)
        bytes.push_back(static_cast<char>(i * 7 % 256));
    const auto r = exchange(port(), post("/binary", bytes, "application/octet-stream"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-type"), std::string("application/octet-stream"));
    QCOMPARE(r.body.size(), bytes.size());
    QVERIFY(r.body == bytes);
    QCOMPARE(r.header("x-arrived-base64"), std::string("True"));
    // Text stays text.
    const auto text = exchange(port(), post("/binary", "plain words", "text/plain"));
    QCOMPARE(text.header("x-arrived-base64"), std::string("False"));
    QCOMPARE(text.body, std::string("plain words"));
}

void TestGateway::restEventCarriesBinaryBodiesAsBase64() {
    const std::string bytes("\x00\x01\xfe\xff binary", 11);
    const auto r = exchange(port(), post("/v1/upload", bytes, "application/octet-stream"));
    QCOMPARE(r.status, 200);
    const json e = json::parse(r.body);
    QCOMPARE(e["httpMethod"], "POST");
    QCOMPARE(e["isBase64Encoded"], true);
    QCOMPARE(e["body"], net::base64Encode(bytes));
    QCOMPARE(e["headers"]["Content-Type"], "application/octet-stream");
}

void TestGateway::bytesThatAreNotUtf8AreServed() {
    // A path, a query and a header that are not UTF-8 once decoded: the event still goes
    // (with U+FFFD in their place, as API Gateway does) and the client gets an answer.
    const auto r = exchange(port(), "GET /v1/caf%E9?q=%FF HTTP/1.1\r\nHost: h\r\n"
                                    "Connection: close\r\nX-Latin: caf\xe9\r\n\r\n");
    QCOMPARE(r.status, 200);
    const json e = json::parse(r.body);
    QCOMPARE(e["pathParameters"]["proxy"], "caf\xef\xbf\xbd");
    QCOMPARE(e["queryStringParameters"]["q"], "\xef\xbf\xbd");
    QCOMPARE(exchange(port(), get("/shortcut")).status, 200);
}

void TestGateway::handlerResultsBecomeResponses() {
    const auto shortcut = exchange(port(), get("/shortcut"));
    QCOMPARE(shortcut.status, 200);
    QCOMPARE(shortcut.header("content-type"), std::string("application/json"));
    QCOMPARE(json::parse(shortcut.body), json({{"plain", true}, {"path", "/shortcut"}}));
    const auto cookies = exchange(port(), get("/cookies"));
    QCOMPARE(cookies.countHeader("set-cookie"), 2);
    QCOMPARE(cookies.body, std::string("ok"));
    const auto legacy = exchange(port(), get("/legacy"));
    QCOMPARE(legacy.status, 201);
    QCOMPARE(legacy.countHeader("set-cookie"), 2);
    QCOMPARE(legacy.header("x-single"), std::string("1"));
    QCOMPARE(legacy.body, std::string("made"));
    // HEAD: the headers of GET, no body.
    const auto head =
        exchange(port(), "HEAD /v1/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    QCOMPARE(head.status, 200);
    QVERIFY(head.body.empty());
    QVERIFY(std::stoi(head.header("content-length")) > 0);
}

void TestGateway::routesAreServedAsJson() {
    const auto r = exchange(port(), get("/_nimbus/routes"));
    QCOMPARE(r.status, 200);
    const json routes = json::parse(r.body);
    QCOMPARE(routes.size(), std::size_t(14));
    for (const auto &route : routes) {
        for (const char *field : {"method", "path", "function", "kind", "url"})
            QVERIFY2(route.contains(field), route.dump().c_str());
    }
    QCOMPARE(routes[0]["url"], "http://127.0.0.1/echo/{id}");
    auto row = [&](const std::string &function) {
        for (const auto &route : routes)
            if (route["function"] == function)
                return route;
        return json();
    };
    QCOMPARE(row("svc")["kind"], "service");
    QCOMPARE(row("svc")["path"], "/svc");
    QCOMPARE(row("pyWeb")["kind"], "http");
    QCOMPARE(row("legacy")["kind"], "event");
    QCOMPARE(row("legacy")["method"], "GET");
    // The URL is the one the client used to reach the gateway.
    const std::string host = "127.0.0.1:" + std::to_string(port());
    const auto full = exchange(port(), "GET /_nimbus/routes HTTP/1.1\r\nHost: " + host +
                                           "\r\nConnection: close\r\n\r\n");
    QCOMPARE(json::parse(full.body)[0]["url"], "http://" + host + "/echo/{id}");
}

void TestGateway::httpFunctionsTakeRequests_data() {
    QTest::addColumn<QString>("mount");
    QTest::newRow("python") << "/py";
    QTest::newRow("node") << "/node";
}

void TestGateway::httpFunctionsTakeRequests() {
    QFETCH(QString, mount);
    const std::string m = mount.toStdString();
    const bool node = mount == "/node";
    // A JSON body, a repeated query parameter and a header, seen as the framework shows them.
    const auto r = exchange(port(), "POST " + m +
                                        "/json?tag=a&tag=b HTTP/1.1\r\nHost: h\r\n"
                                        "Connection: close\r\nX-Test: yes\r\nContent-Type: "
                                        "application/json\r\nContent-Length: 9\r\n\r\n{\"n\": 42}");
    QCOMPARE(r.status, 200);
    QVERIFY(!r.header("function-execution-id").empty());
    const json e = json::parse(r.body);
    QCOMPARE(e["method"], "POST");
    QCOMPARE(e["path"], "/json");
    QCOMPARE(e["header"], "yes");
    QCOMPARE(e[node ? "baseUrl" : "mount"], m);
    QCOMPARE(e[node ? "body" : "json"], json({{"n", 42}}));
    QCOMPARE(node ? e["query"]["tag"] : e["args"]["tag"], json::array({"a", "b"}));
    // Binary bodies go both ways untouched.
    std::string bytes;
    for (int i = 0; i < 70000; ++i)
        bytes.push_back(static_cast<char>((i * 31) % 256));
    const auto b = exchange(port(), post(m + "/bytes", bytes, "application/octet-stream"));
    QCOMPARE(b.status, 201);
    QCOMPARE(b.header("x-len"), std::to_string(bytes.size()));
    QVERIFY(b.body == bytes);
    // The default route, the mount itself.
    QCOMPARE(exchange(port(), get(m + "?name=nimbus")).body, std::string("hello nimbus"));
    // An exception is a 502, and its message is in the log.
    const auto fail = exchange(port(), get(m + "/fail"));
    QCOMPARE(fail.status, 502);
    QTRY_VERIFY_WITH_TIMEOUT(m_log.all().contains(node ? "node web failure" : "py web failure"),
                             5000);
}

void TestGateway::httpFunctionResponses() {
    // Python: (body, "201 CREATED"); form bodies; text by default.
    const auto tuple = exchange(port(), get("/py/tuple"));
    QCOMPARE(tuple.status, 201);
    QCOMPARE(tuple.header("content-type"), std::string("text/html; charset=utf-8"));
    const auto form =
        exchange(port(), post("/py/form", "a=1&b=two+words", "application/x-www-form-urlencoded"));
    QCOMPARE(json::parse(form.body), json({{"a", "1"}, {"b", "two words"}}));
    // Node: a response ended later, cookies and a redirect, async and sync failures, and a
    // body the JSON parser refuses (400, as the Functions Framework answers).
    const auto later = exchange(port(), get("/node/later"));
    QCOMPARE(later.status, 202);
    QCOMPARE(later.body, std::string("later"));
    const auto cookies = exchange(port(), get("/node/cookies"));
    QCOMPARE(cookies.status, 302);
    QCOMPARE(cookies.header("location"), std::string("/node/json"));
    QCOMPARE(cookies.countHeader("set-cookie"), 2);
    QCOMPARE(exchange(port(), get("/node/reject")).status, 502);
    const auto invalid = exchange(port(), post("/node/json", "{oops", "application/json"));
    QCOMPARE(invalid.status, 400);
    QCOMPARE(exchange(port(), get("/node")).body, std::string("hello world"));
}

void TestGateway::nodeHttpFunctionTakesConcurrentRequestsInOneInstance() {
    // Five at once: each waits in the handler until five are there together, which only
    // one instance taking them at once (Node's default concurrency, 80) can satisfy.
    constexpr int n = 5;
    std::vector<std::thread> clients;
    std::vector<RawResponse> responses(n);
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            responses[i] = exchange(port(), get("/node/together?n=5&tag=t" + std::to_string(i)));
        });
    for (auto &t : clients)
        t.join();
    std::set<int> pids;
    for (int i = 0; i < n; ++i) {
        QCOMPARE(responses[i].status, 200);
        const json body = json::parse(responses[i].body);
        QCOMPARE(body["seen"].get<int>(), n);
        pids.insert(body["pid"].get<int>());
    }
    QCOMPARE(pids.size(), std::size_t(1));
    QCOMPARE(m_log.count("nodeWeb: started"), 1);
    // Each invocation's log holds its own line, and no other's, though they ran together.
    QTRY_COMPARE_WITH_TIMEOUT(m_log.count("nodeWeb: END RequestId"), n, 5000);
    std::lock_guard lock(m_log.mutex);
    int mine = 0;
    for (const QString &log : m_log.logs) {
        if (!log.contains("together"))
            continue;
        ++mine;
        QCOMPARE(log.count("together t"), 1);
        // The line is Lambda's "<time>\t<request id>\tINFO\t…", under its own START.
        const QString id = log.section("START RequestId: ", 1).section(' ', 0, 0);
        QVERIFY2(log.contains("\t" + id + "\tINFO\ttogether"), qPrintable(log));
    }
    QCOMPARE(mine, n);
}

void TestGateway::unknownRouteIs404() {
    const auto r = exchange(port(), get("/nowhere"));
    QCOMPARE(r.status, 404);
    QCOMPARE(json::parse(r.body)["message"], "Not Found");
    QCOMPARE(exchange(port(), get("/echo/1")).status, 405); // the route takes POST
}

void TestGateway::functionErrorIs502AndLogged() {
    const auto r = exchange(port(), get("/fail"));
    QCOMPARE(r.status, 502);
    QCOMPARE(json::parse(r.body)["message"], "Internal Server Error");
    QTRY_VERIFY_WITH_TIMEOUT(m_log.all().contains("boom from the handler"), 5000);
    QVERIFY(m_log.all().contains("GET /fail 502"));
}

void TestGateway::timeoutIs504() {
    QElapsedTimer timer;
    timer.start();
    const auto r = exchange(port(), get("/slow"));
    QCOMPARE(r.status, 504);
    QVERIFY(timer.elapsed() < 2900);
}

void TestGateway::invalidResultIs502() {
    const auto r = exchange(port(), get("/bad"));
    QCOMPARE(r.status, 502);
    QTRY_VERIFY_WITH_TIMEOUT(m_log.all().contains("statusCode must be an HTTP status"), 5000);
}

void TestGateway::oversizedBodyIs413() {
    // Declared too large: refused before the body is read.
    const auto declared =
        exchange(port(), "POST /binary HTTP/1.1\r\nHost: h\r\nContent-Length: 7000000\r\n\r\nabc");
    QCOMPARE(declared.status, 413);
    // Chunked and too large: refused once the limit is crossed.
    const int fd = connectTo(port(), 15000);
    sendAll(fd, "POST /binary HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(1024 * 1024, 'x');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    for (int i = 0; i < 7; ++i)
        sendAll(fd, std::string(size) + chunk + "\r\n");
    const auto chunked = parse(readAll(fd));
    ::close(fd);
    QCOMPARE(chunked.status, 413);
    QCOMPARE(exchange(port(), get("/shortcut")).status, 200);
}

void TestGateway::malformedRequestsDoNotTakeTheGatewayDown_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status"); // 0: dropped without an answer
    QTest::newRow("garbage") << QByteArray("\x01\x02 nonsense\r\n\r\n") << 400;
    QTest::newRow("bad version") << QByteArray("GET / HTTX/9\r\n\r\n") << 400;
    QTest::newRow("conflicting framing")
        << QByteArray("POST /binary HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: "
                      "4\r\n\r\nabcd")
        << 400;
    QTest::newRow("huge headers") << QByteArray("GET /shortcut HTTP/1.1\r\nHost: h\r\nX-Big: ") +
                                         QByteArray(64 * 1024, 'a') + "\r\n\r\n"
                                  << 431;
    QTest::newRow("absolute URL target")
        << QByteArray("GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n") << 400;
    QTest::newRow("closed halfway") << QByteArray("GET /shortcut HTTP/1.1\r\nHos") << 0;
}

void TestGateway::malformedRequestsDoNotTakeTheGatewayDown() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const int fd = connectTo(port(), 5000);
    sendAll(fd, request.toStdString());
    ::shutdown(fd, SHUT_WR);
    const auto r = parse(readAll(fd));
    ::close(fd);
    QCOMPARE(r.status, status);
    QCOMPARE(exchange(port(), get("/shortcut")).status, 200);
}

void TestGateway::slowClientIsDropped() {
    // Headers trickle in slower than the header timeout (500 ms here): the connection goes.
    const int fd = connectTo(port(), 5000);
    QElapsedTimer timer;
    timer.start();
    sendAll(fd, "GET /shortcut HTTP/1.1\r\n");
    for (int i = 0; i < 10 && timer.elapsed() < 3000; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        sendAll(fd, "X-Slow: 1\r\n");
    }
    const std::string rest = readAll(fd);
    ::close(fd);
    QVERIFY(rest.empty());
    QVERIFY(timer.elapsed() < 3000);
    QCOMPARE(exchange(port(), get("/shortcut")).status, 200);
}

void TestGateway::keepAliveServesManyRequests() {
    const int fd = connectTo(port(), 15000);
    std::string pipeline;
    for (int i = 0; i < 5; ++i)
        pipeline += "GET /shortcut HTTP/1.1\r\nHost: h\r\n\r\n";
    pipeline += get("/shortcut");
    sendAll(fd, pipeline);
    const std::string raw = readAll(fd);
    ::close(fd);
    QCOMPARE(static_cast<int>(QString::fromStdString(raw).count("HTTP/1.1 200 OK")), 6);
}

void TestGateway::serviceStartsOnFirstRequestAndProxies() {
    const auto r = exchange(port(), get("/svc/items/1?q=2"));
    QCOMPARE(r.status, 200);
    const json body = json::parse(r.body);
    QCOMPARE(body["path"], "/items/1?q=2");
    QCOMPARE(body["prefix"], "/svc");
    QCOMPARE(body["forwardedFor"], "127.0.0.1");
    QCOMPARE(body["env"], "hello");
    QVERIFY(m_log.all().contains("svc: scaling from zero"));
    QVERIFY(m_log.all().contains("ready on port"));
    // The second request goes to the warm instance.
    const auto again = exchange(port(), get("/svc/"));
    QCOMPARE(json::parse(again.body)["pid"], body["pid"]);
}

// A service that asks to listen on every interface (0.0.0.0) listens on loopback: only the
// gateway reaches it, not another machine.
void TestGateway::serviceListensOnLoopbackOnly() {
    const auto r = exchange(port(), get("/everywhere/"));
    QCOMPARE(r.status, 200);
    QCOMPARE(json::parse(r.body)["bound"], "127.0.0.1");
}

void TestGateway::serviceStreamsBothWays() {
    // A chunked upload of 3 MB arrives whole, still chunked.
    const int fd = connectTo(port(), 15000);
    sendAll(fd, "POST /svc/upload HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
                "Transfer-Encoding: chunked\r\n\r\n");
    std::string all;
    for (int i = 0; i < 3; ++i) {
        const std::string chunk(1024 * 1024, static_cast<char>('a' + i));
        all += chunk;
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
        sendAll(fd, std::string(size) + chunk + "\r\n");
    }
    sendAll(fd, "0\r\n\r\n");
    const auto upload = parse(readAll(fd));
    ::close(fd);
    QCOMPARE(upload.status, 200);
    const json body = json::parse(upload.body);
    QCOMPARE(body["length"], 3 * 1024 * 1024);
    QCOMPARE(body["chunked"], true);
    QCOMPARE(
        QByteArray::fromStdString(body["sha1"].get<std::string>()),
        QCryptographicHash::hash(QByteArray::fromStdString(all), QCryptographicHash::Sha1).toHex());

    // A streamed answer arrives as it is written: the first word long before the last.
    const int s = connectTo(port(), 15000);
    sendAll(s, get("/svc/stream"));
    QElapsedTimer timer;
    timer.start();
    std::string received;
    qint64 firstWordAt = -1;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(s, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        received.append(buffer, static_cast<std::size_t>(n));
        if (firstWordAt < 0 && received.find("one\n") != std::string::npos)
            firstWordAt = timer.elapsed();
    }
    const qint64 total = timer.elapsed();
    ::close(s);
    QCOMPARE(parse(received).body, std::string("one\ntwo\nthree\n"));
    QVERIFY2(firstWordAt >= 0 && total - firstWordAt >= 300,
             qPrintable(QString("first word at %1 ms, end at %2 ms").arg(firstWordAt).arg(total)));
}

void TestGateway::serviceUpgradesToWebSocket() {
    const int fd = connectTo(port(), 15000);
    sendAll(fd, "GET /svc/ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string handshake;
    char c;
    while (handshake.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1)
        handshake.push_back(c);
    QVERIFY2(handshake.starts_with("HTTP/1.1 101"), handshake.c_str());
    QVERIFY(handshake.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos);
    const std::string payload = "hi there";
    const unsigned char mask[4] = {1, 2, 3, 4};
    std::string frame{static_cast<char>(0x81), static_cast<char>(0x80 | payload.size())};
    frame.append(reinterpret_cast<const char *>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    sendAll(fd, frame);
    const std::string answer = readAll(fd);
    ::close(fd);
    QVERIFY(answer.size() >= 2);
    QCOMPARE(static_cast<unsigned char>(answer[0]), 0x81);
    QCOMPARE(answer.substr(2), std::string("echo: hi there"));
}

void TestGateway::serviceScalesUpAndToZero() {
    // Concurrency 1 per instance: three requests at once need three instances.
    std::vector<std::thread> clients;
    std::vector<int> statuses(3);
    for (int i = 0; i < 3; ++i)
        clients.emplace_back([&, i] { statuses[i] = exchange(port(), get("/svc/slow")).status; });
    for (auto &t : clients)
        t.join();
    QCOMPARE(statuses, (std::vector<int>{200, 200, 200}));
    QCOMPARE(m_log.count("svc: started"), 3);
    QVERIFY(m_log.all().contains("scaling up to 3 instances"));
    // idleTimeout: 1 — then every instance stops.
    QTRY_COMPARE_WITH_TIMEOUT(m_log.count("svc: stopped"), 3, 5000);
    QVERIFY(m_log.all().contains("scaled to zero"));
    // And the next request starts one again.
    QCOMPARE(exchange(port(), get("/svc/again")).status, 200);
    QCOMPARE(m_log.count("svc: started"), 4);
}

void TestGateway::serviceThatCannotStartIs502() {
    m_project->write("service.py",
                     "import sys\nprint('missing dependency', flush=True)\nsys.exit(4)\n");
    const auto r = exchange(port(), get("/svc/"));
    QCOMPARE(r.status, 502);
    const QString message = QString::fromStdString(json::parse(r.body)["message"]);
    QVERIFY2(message.contains("exit status 4") && message.contains("missing dependency"),
             qPrintable(message));
    QCOMPARE(exchange(port(), get("/shortcut")).status, 200);
}

void TestGateway::silentServiceIs504() {
    // The service's timeout is 3 s; /hang answers after 8.
    QElapsedTimer timer;
    timer.start();
    const auto r = exchange(port(), get("/svc/hang"));
    QCOMPARE(r.status, 504);
    QVERIFY(timer.elapsed() < 7000);
    QVERIFY(QString::fromStdString(json::parse(r.body)["message"]).contains("timeout"));
    QTRY_VERIFY_WITH_TIMEOUT(m_log.all().contains("GET /svc/hang 504"), 5000);
    // The instance is still good for the next request.
    QCOMPARE(exchange(port(), get("/svc/next")).status, 200);
}

void TestGateway::serviceWaitsForItsReadinessPath() {
    // A service whose port opens at once but whose /healthz answers 503 for its first
    // 0.6 s: no request reaches it before it is ready.
    m_project->write("service.py", QByteArray(R"(
import json, os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
started = time.monotonic()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        ready = time.monotonic() - started > 0.6
        if self.path == "/healthz":
            status, body = (200 if ready else 503), b"{}"
            print("probe", status, flush=True)
        else:
            status, body = 200, json.dumps({"readyWhenServed": ready}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
)"));
    const auto r = exchange(port(), get("/svc/"));
    QCOMPARE(r.status, 200);
    QCOMPARE(json::parse(r.body)["readyWhenServed"], true);
    QVERIFY2(m_log.all().contains("probe 503") && m_log.all().contains("probe 200"),
             qPrintable(m_log.all()));
}

void TestGateway::reloadReplacesChangedFunctions() {
    QCOMPARE(json::parse(exchange(port(), get("/shortcut")).body)["plain"], true);
    // A handler edit: the reload (which the project watcher triggers) gives fresh instances.
    m_project->write("handlers.py", QByteArray(R"(
def shortcut(event, context):
    return {"plain": "edited"}
)"));
    std::promise<bool> reloaded;
    boost::asio::post(*m_io, [&] { reloaded.set_value(m_simulator->reload({"handlers.py"})); });
    QVERIFY(reloaded.get_future().get());
    QCOMPARE(json::parse(exchange(port(), get("/shortcut")).body)["plain"], "edited");
    // A manifest edit: new routes, and a removed one is gone.
    m_project->writeManifest(R"(service: gateway-test
provider: {name: aws, runtime: python3.11}
functions:
  shortcut:
    handler: handlers.shortcut
    events:
      - httpApi: GET /renamed
)");
    std::promise<bool> again;
    boost::asio::post(*m_io, [&] { again.set_value(m_simulator->reload({"serverless.yml"})); });
    QVERIFY(again.get_future().get());
    QCOMPARE(exchange(port(), get("/shortcut")).status, 404);
    QCOMPARE(exchange(port(), get("/renamed")).status, 200);
    // A broken manifest keeps the last good one running.
    m_project->writeManifest("service: [unclosed\n");
    std::promise<bool> broken;
    boost::asio::post(*m_io, [&] { broken.set_value(m_simulator->reload({"serverless.yml"})); });
    QVERIFY(!broken.get_future().get());
    QCOMPARE(exchange(port(), get("/renamed")).status, 200);
}

void TestGateway::reloadLetsRequestsInFlightFinish() {
    // /pause takes 1 s. An edit lands while it runs: that request finishes on the old code,
    // the next one runs the new. (The edit waits for the handler to run, not just for its
    // instance to start: on a loaded machine the module may not be imported yet.)
    QTemporaryDir marks;
    const std::string mark = marks.filePath("running").toStdString();
    auto inFlight = std::async(std::launch::async, [this, mark] {
        return exchange(port(), get("/pause?mark=" + mark));
    });
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(QString::fromStdString(mark)), 10000);
    QByteArray handlers = m_project->read("handlers.py");
    handlers.replace("\"generation\": 1", "\"generation\": 2");
    m_project->write("handlers.py", handlers);
    std::promise<bool> reloaded;
    boost::asio::post(*m_io, [&] { reloaded.set_value(m_simulator->reload({"handlers.py"})); });
    QVERIFY(reloaded.get_future().get());
    const auto first = inFlight.get();
    QCOMPARE(first.status, 200);
    QCOMPARE(json::parse(first.body)["generation"], 1);
    const auto second = exchange(port(), get("/pause"));
    QCOMPARE(json::parse(second.body)["generation"], 2);
    QCOMPARE(m_log.count("pause: started"), 2);
}

void TestGateway::reloadReplacesServiceInstances() {
    const auto before = json::parse(exchange(port(), get("/svc/")).body);
    QByteArray code = m_project->read("service.py");
    code.replace("\"env\": os.environ.get(\"GREETING\")", "\"env\": \"edited\"");
    m_project->write("service.py", code);
    std::promise<bool> reloaded;
    boost::asio::post(*m_io, [&] { reloaded.set_value(m_simulator->reload({"service.py"})); });
    QVERIFY(reloaded.get_future().get());
    const auto after = json::parse(exchange(port(), get("/svc/")).body);
    QCOMPARE(after["env"], "edited");
    QVERIFY(after["pid"] != before["pid"]);
    QTRY_VERIFY_WITH_TIMEOUT(m_log.all().contains("replaced by new code"), 5000);
}

QTEST_GUILESS_MAIN(TestGateway)
#include "tst_gateway.moc"
