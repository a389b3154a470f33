#include "nimbus/jsonrpc/framing.h"

#include <QtTest>

using namespace nimbus::jsonrpc;

class TestFraming : public QObject {
    Q_OBJECT
private slots:
    void reads_data();
    void reads();
    void byteByByte();
    void oversizedBodyIsSkipped();
};

void TestFraming::reads_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("bodies"); // "!" + text = an error containing text
    QTest::addColumn<int>("leftOver");

    QTest::newRow("one whole message")
        << QByteArray("Content-Length: 2\r\n\r\n{}") << QStringList{"{}"} << 0;
    QTest::newRow("two messages in one chunk")
        << QByteArray("Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull")
        << QStringList{"{}", "null"} << 0;
    QTest::newRow("message with incomplete content")
        << QByteArray("Content-Length: 10\r\n\r\n{\"a\":") << QStringList{} << 27;
    QTest::newRow("message with incomplete header")
        << QByteArray("Content-Length: 10\r\n") << QStringList{} << 20;
    QTest::newRow("content type header is accepted")
        << QByteArray("Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; "
                      "charset=utf-8\r\n\r\n[]")
        << QStringList{"[]"} << 0;
    QTest::newRow("header names are case-insensitive")
        << QByteArray("content-length: 2\r\n\r\n{}") << QStringList{"{}"} << 0;
    QTest::newRow("missing Content-Length is reported and skipped")
        << QByteArray("Content-Type: x\r\n\r\nContent-Length: 2\r\n\r\n{}")
        << QStringList{"!no Content-Length", "{}"} << 0;
    QTest::newRow("non-numeric length is reported")
        << QByteArray("Content-Length: abc\r\n\r\nContent-Length: 2\r\n\r\n{}")
        << QStringList{"!not a non-negative number", "{}"} << 0;
    QTest::newRow("negative length is reported") << QByteArray("Content-Length: -5\r\n\r\n")
                                                 << QStringList{"!not a non-negative number"} << 0;
    QTest::newRow("header line without a colon")
        << QByteArray("garbage\r\n\r\n") << QStringList{"!without ':'"} << 0;
    QTest::newRow("multi-byte UTF-8 counts bytes")
        << QByteArray("Content-Length: 4\r\n\r\n\"\xc3\xa9\"")
        << QStringList{QString::fromUtf8("\"\xc3\xa9\"")} << 0;
    QTest::newRow("empty body") << QByteArray("Content-Length: 0\r\n\r\n") << QStringList{""} << 0;
}

void TestFraming::reads() {
    QFETCH(QByteArray, input);
    QFETCH(QStringList, bodies);
    QFETCH(int, leftOver);
    MessageReader reader;
    const auto frames = reader.feed(std::string_view(input.constData(), size_t(input.size())));
    QStringList got;
    for (const auto &f : frames)
        got << (f.error.empty() ? QString::fromStdString(f.body)
                                : "!" + QString::fromStdString(f.error));
    QCOMPARE(got.size(), bodies.size());
    for (int i = 0; i < bodies.size(); ++i) {
        if (bodies[i].startsWith('!'))
            QVERIFY2(got[i].startsWith('!') && got[i].contains(bodies[i].mid(1)),
                     qPrintable(got[i]));
        else
            QCOMPARE(got[i], bodies[i]);
    }
    QCOMPARE(int(reader.buffered()), leftOver);
}

void TestFraming::byteByByte() {
    const std::string stream = frame(R"({"a":1})") + frame(R"({"b":2})");
    MessageReader reader;
    std::vector<std::string> bodies;
    for (char c : stream) {
        for (auto &f : reader.feed(std::string_view(&c, 1)))
            bodies.push_back(f.body);
    }
    QCOMPARE(bodies.size(), size_t(2));
    QCOMPARE(bodies[1], std::string(R"({"b":2})"));
}

void TestFraming::oversizedBodyIsSkipped() {
    MessageReader reader(16);
    auto frames = reader.feed("Content-Length: 40\r\n\r\n0123456789");
    QCOMPARE(frames.size(), size_t(1));
    QVERIFY(frames[0].error.find("over the limit") != std::string::npos);
    // The rest of the big body arrives later and is dropped; the next message is read.
    frames = reader.feed(std::string(30, 'x') + frame("{}"));
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].body, std::string("{}"));
}

QTEST_APPLESS_MAIN(TestFraming)
#include "tst_framing.moc"
