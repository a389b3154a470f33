#include "nimbus/net/httpclient.h"
#include "tempproject.h"

#include <QProcess>
#include <QTcpServer>
#include <QtTest>

// The client under the CLI's requests to control planes: https with the system's trust
// store and the server's name checked, against a real TLS server (openssl s_server).
class TestHttpClient : public QObject {
    Q_OBJECT
private slots:
    void urlsAreChecked_data();
    void urlsAreChecked();
    void httpsVerifiesTheServer();
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

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
