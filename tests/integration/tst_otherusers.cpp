#include "nimbus/net/httpserver.h"
#include "nimbus/net/peeruser.h"
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nimbus;
using tcp = boost::asio::ip::tcp;

// Every server listens on loopback, where any user of the machine can connect: a
// connection from another user is closed unanswered (the kernel's socket table says whose it
// is), and the state that holds the simulator's keys is readable by its owner only.
namespace {

// Connects to 127.0.0.1:port as `uid` (a forked child that gives up root), sends a request
// and returns what came back ("" when the server closed the connection unanswered).
std::string requestAs(uid_t uid, unsigned short port, const std::string &request) {
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        return "pipe failed";
    const pid_t child = ::fork();
    if (child == 0) {
        // The child holds a copy of every descriptor the process had at the fork, the write
        // end of a pipe another thread is reading included (the simulator asking a pyenv shim
        // which python3 it runs): that read would not end before this child did, and the
        // simulator's thread would serve nothing meanwhile. Only its own pipe is kept.
        const int keep = pipeFds[1];
        ::close_range(3, static_cast<unsigned>(keep) - 1, 0);
        ::close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
        if (uid != ::geteuid() && (::setgid(uid) != 0 || ::setuid(uid) != 0))
            ::_exit(2);
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            ::_exit(3);
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        if (::write(fd, request.data(), request.size()) < 0) {
            // (closed before the request went: the same answer as none)
        }
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
            if (::write(pipeFds[1], buffer, static_cast<std::size_t>(n)) != n)
                break;
        ::_exit(0);
    }
    ::close(pipeFds[1]);
    std::string answer;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0)
        answer.append(buffer, static_cast<std::size_t>(n));
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    // (A child that could not become the user or connect says so: never an empty answer.)
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "the connecting child failed: status " + std::to_string(status);
    return answer;
}

const uid_t kNobody = 65534;

std::string mode(const QString &path) {
    struct stat st {};
    if (::lstat(path.toLocal8Bit().constData(), &st) != 0)
        return "missing";
    char text[8];
    std::snprintf(text, sizeof text, "%o", st.st_mode & 0777);
    return text;
}

} // namespace

class TestOtherUsers : public QObject {
    Q_OBJECT
private slots:
    void theKernelsSocketTableIsRead();
    void anotherUsersConnectionIsClosedUnanswered();
    void theGatewayServesItsOwnerOnly();
    void anHttpServiceServesItsOwnerOnly();
    void theStateIsTheOwnersAlone();
};

void TestOtherUsers::theKernelsSocketTableIsRead() {
    // Rows as /proc/net/tcp has them: 127.0.0.1:40000 -> 127.0.0.1:8080 owned by uid 1000.
    const std::string table =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
        "      0 1111 1 0000000000000000 100 0 0 10 0\n"
        "   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000  "
        "      0 2222 1 0000000000000000 20 4 30 10 -1\n";
    const tcp::endpoint server(boost::asio::ip::make_address("127.0.0.1"), 8080);
    const tcp::endpoint client(boost::asio::ip::make_address("127.0.0.1"), 40000);
    QCOMPARE(net::procNetAddress(server), std::string("0100007F:1F90"));
    QCOMPARE(net::ownerInTable(table, server, client), std::optional<uid_t>(1000));
    // The other direction is the server's own row, never taken for the peer's.
    QCOMPARE(net::ownerInTable(table, client, server), std::optional<uid_t>());
    const tcp::endpoint v6(boost::asio::ip::make_address("::1"), 8080);
    QCOMPARE(net::procNetAddress(v6), std::string("00000000000000000000000001000000:1F90"));
}

void TestOtherUsers::anotherUsersConnectionIsClosedUnanswered() {
    boost::asio::io_context io;
    auto server = net::HttpServer::create(io, [](net::Request, net::Responder responder) {
        responder(net::makeResponse(200, "served"));
    });
    server->listen(0);
    std::thread loop([&] { io.run_for(std::chrono::seconds(15)); });
    auto stop = qScopeGuard([&] {
        io.stop();
        loop.join();
    });
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const std::string mine = requestAs(::geteuid(), server->port(), request);
    QVERIFY2(mine.find("200 OK") != std::string::npos && mine.find("served") != std::string::npos,
             mine.c_str());
    if (::geteuid() != 0)
        QSKIP("only root can connect as another user here");
    QCOMPARE(requestAs(kNobody, server->port(), request), std::string());
}

void TestOtherUsers::theGatewayServesItsOwnerOnly() {
    if (::geteuid() != 0)
        QSKIP("only root can connect as another user here");
    TempProject project;
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: h.main\n    events:\n"
                          "      - httpApi: GET /hello\n");
    project.write("h.py", "def main(event, context):\n    return {'statusCode': 200, "
                          "'body': 'hello'}\n");
    boost::asio::io_context io;
    sim::SimulatorOptions options;
    options.projectDir = project.path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    sim::Simulator simulator(io, options);
    QVERIFY(simulator.load());
    simulator.start();
    const auto port =
        static_cast<unsigned short>(QUrl(QString::fromStdString(simulator.gatewayUrl())).port());
    const auto control = static_cast<unsigned short>(
        QUrl(QString::fromStdString(simulator.controlPlaneUrl())).port());
    std::thread loop([&] { io.run_for(std::chrono::seconds(30)); });
    auto stop = qScopeGuard([&] {
        io.stop();
        loop.join();
        simulator.shutdown();
    });
    const std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const std::string mine = requestAs(::geteuid(), port, request);
    QVERIFY2(mine.find("hello") != std::string::npos, mine.c_str());
    QCOMPARE(requestAs(kNobody, port, request), std::string());
    // Nor can they reach the control plane, signed or not.
    const std::string list =
        "GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    QVERIFY(!requestAs(::geteuid(), control, list).empty());
    QCOMPARE(requestAs(kNobody, control, list), std::string());
}

void TestOtherUsers::anHttpServiceServesItsOwnerOnly() {
    if (::geteuid() != 0)
        QSKIP("only root can connect as another user here");
    // A server of the developer's own, which asks for every interface: the preloaded
    // libnimbus-portmap keeps it on loopback and closes other users' connections there.
    TempProject project;
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  svc:\n    httpService:\n      command: python3 -u "
                          "service.py\n      readinessPath: /healthz\n    path: /svc\n");
    project.write("service.py",
                  "import json, os\n"
                  "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer\n"
                  "class Handler(BaseHTTPRequestHandler):\n"
                  "    def do_GET(self):\n"
                  "        body = json.dumps({'port': int(os.environ['PORT'])}).encode()\n"
                  "        self.send_response(200)\n"
                  "        self.send_header('Content-Length', str(len(body)))\n"
                  "        self.end_headers()\n"
                  "        self.wfile.write(body)\n"
                  "ThreadingHTTPServer(('0.0.0.0', int(os.environ['PORT'])), "
                  "Handler).serve_forever()\n");
    boost::asio::io_context io;
    sim::SimulatorOptions options;
    options.projectDir = project.path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.prewarm = false;
    sim::Simulator simulator(io, options);
    QVERIFY(simulator.load());
    simulator.start();
    const auto gateway =
        static_cast<unsigned short>(QUrl(QString::fromStdString(simulator.gatewayUrl())).port());
    std::thread loop([&] { io.run_for(std::chrono::seconds(40)); });
    auto stop = qScopeGuard([&] {
        io.stop();
        loop.join();
        simulator.shutdown();
    });
    const auto bodyOf = [](const std::string &answer) {
        const auto start = answer.find("\r\n\r\n");
        return start == std::string::npos ? std::string() : answer.substr(start + 4);
    };
    const std::string request = "GET /svc/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const std::string throughGateway = requestAs(::geteuid(), gateway, request);
    const QJsonObject served =
        QJsonDocument::fromJson(QByteArray::fromStdString(bodyOf(throughGateway))).object();
    QVERIFY2(served.contains("port"), throughGateway.c_str());
    const auto port = static_cast<unsigned short>(served["port"].toInt());
    const std::string direct = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    QCOMPARE(requestAs(kNobody, port, direct), std::string());
    // The instance went on serving: its owner still reaches it, directly too.
    const std::string mine = requestAs(::geteuid(), port, direct);
    QVERIFY2(mine.find("\"port\"") != std::string::npos, mine.c_str());
}

void TestOtherUsers::theStateIsTheOwnersAlone() {
    TempProject project;
    project.writeManifest("service: s\nprovider:\n  name: aws\n  runtime: python3.11\n"
                          "functions:\n  hello:\n    handler: h.main\n");
    project.write("h.py", "def main(event, context):\n    return 1\n");
    boost::asio::io_context io;
    sim::SimulatorOptions options;
    options.projectDir = project.path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveGateway = false;
    sim::Simulator simulator(io, options);
    QVERIFY(simulator.load());
    simulator.start();
    QCOMPARE(mode(project.filePath(".nimbus")), std::string("700"));
    QCOMPARE(mode(project.filePath(".nimbus/credentials.json")), std::string("600"));
    QCOMPARE(mode(project.filePath(".nimbus/nimbus.db")), std::string("600"));
    simulator.shutdown();
}

QTEST_GUILESS_MAIN(TestOtherUsers)
#include "tst_otherusers.moc"
