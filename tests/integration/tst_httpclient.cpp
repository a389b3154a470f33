#include "nimbus/net/httpclient.h"
#include "tempproject.h"

#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>
#include <algorithm>
#include <future>

// The client under the CLI's requests to control planes: https with the system's trust
// store and the server's name checked, against a real TLS server (openssl s_server).
class TestHttpClient : public QObject {
    Q_OBJECT
private slots:
    void urlsAreChecked_data();
    void urlsAreChecked();
    void httpsVerifiesTheServer();
    void uploadProgressCanCancel();
    void uploadProgressReachesTheEnd();
};

void TestHttpClient::urlsAreChecked_data() {
    QTest::addColumn<QString>("url");
    QTest::newRow("no scheme") << "127.0.0.1:80/x";
    QTest::newRow("another scheme") << "ftp://example.com/";
    QTest::newRow("no host") << "http:///path";
    QTest::newRow("a port that is not a number") << "http://localhost:http/";
}

void TestHttpClient::urlsAreChecked() {
    QFETCH(QString, url);
    nimbus::net::HttpRequestSpec spec;
    spec.url = url.toStdString();
    const auto result = nimbus::net::httpRequest(spec);
    QCOMPARE(result.status, 0);
    QVERIFY(QString::fromStdString(result.error).contains("not an http:// or https:// URL"));
}

void TestHttpClient::httpsVerifiesTheServer() {
    TempProject dir;
    QProcess openssl;
    openssl.setWorkingDirectory(dir.path());
    openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem",
                              "-out", "cert.pem", "-days", "1", "-subj", "/CN=localhost",
                              "-addext", "subjectAltName=DNS:localhost"});
    QVERIFY(openssl.waitForFinished(30000) && openssl.exitCode() == 0);
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    QProcess server;
    server.setWorkingDirectory(dir.path());
    server.start("openssl", {"s_server", "-accept", QString("127.0.0.1:%1").arg(port), "-cert",
                             "cert.pem", "-key", "key.pem", "-www", "-quiet"});
    QVERIFY(server.waitForStarted());
    nimbus::net::HttpRequestSpec spec;
    spec.url = QString("https://localhost:%1/").arg(port).toStdString();
    spec.timeout = std::chrono::seconds(5);
    nimbus::net::HttpResult result;
    QTRY_VERIFY_WITH_TIMEOUT(!(result = nimbus::net::httpRequest(spec)).error.starts_with("Connection refused"),
                             5000);
    // A certificate nobody trusts is refused...
    QCOMPARE(result.status, 0);
    QVERIFY2(QString::fromStdString(result.error).contains("certificate verify failed"),
             result.error.c_str());
    // ...and accepted once it is trusted.
    qputenv("SSL_CERT_FILE", dir.filePath("cert.pem").toUtf8());
    result = nimbus::net::httpRequest(spec);
    qunsetenv("SSL_CERT_FILE");
    QCOMPARE(result.status, 200);
    QVERIFY(!result.body.empty());
    server.kill();
    server.waitForFinished();
}

// A server that accepts and never reads: the upload fills the socket's buffers, the progress
// stops there, and the caller's "no more" ends the request as cancelled.
void TestHttpClient::uploadProgressCanCancel() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    nimbus::net::HttpRequestSpec spec;
    spec.method = "PUT";
    spec.url = QString("http://127.0.0.1:%1/upload").arg(server.serverPort()).toStdString();
    spec.body.assign(8 * 1024 * 1024, 'z');
    spec.timeout = std::chrono::seconds(10);
    std::vector<std::size_t> reports;
    spec.uploadProgress = [&](std::size_t sent, std::size_t total) {
        reports.push_back(sent);
        return total == spec.body.size() && sent < 256 * 1024;
    };
    const auto result = nimbus::net::httpRequest(spec);
    QCOMPARE(result.status, 0);
    QCOMPARE(QString::fromStdString(result.error), QString("cancelled"));
    QVERIFY(reports.size() >= 2);
    QVERIFY(std::is_sorted(reports.begin(), reports.end()));
    QVERIFY(reports.back() < spec.body.size());
}

// A server that reads the whole body, then answers: the last report is the whole body.
void TestHttpClient::uploadProgressReachesTheEnd() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QByteArray received;
    QTcpSocket *peer = nullptr;
    const qsizetype bodySize = 1024 * 1024;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        peer = server.nextPendingConnection();
        connect(peer, &QTcpSocket::readyRead, this, [&] {
            received += peer->readAll();
            const qsizetype headerEnd = received.indexOf("\r\n\r\n");
            if (headerEnd >= 0 && received.size() - headerEnd - 4 >= bodySize)
                peer->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        });
    });
    nimbus::net::HttpRequestSpec spec;
    spec.method = "PUT";
    spec.url = QString("http://127.0.0.1:%1/upload").arg(server.serverPort()).toStdString();
    spec.body.assign(static_cast<std::size_t>(bodySize), 'z');
    spec.timeout = std::chrono::seconds(10);
    std::vector<std::size_t> reports;
    spec.uploadProgress = [&](std::size_t sent, std::size_t) {
        reports.push_back(sent);
        return true;
    };
    auto pending = std::async(std::launch::async, [&] { return nimbus::net::httpRequest(spec); });
    QTRY_VERIFY_WITH_TIMEOUT(pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                             10000);
    const auto result = pending.get();
    QCOMPARE(result.status, 200);
    QCOMPARE(QString::fromStdString(result.body), QString("ok"));
    QVERIFY(reports.size() >= 2); // in slices, not one write
    QCOMPARE(reports.back(), spec.body.size());
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
