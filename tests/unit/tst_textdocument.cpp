#include "document/textdocument.h"

#include <QtTest>

using namespace nimbus::lsp;

Q_DECLARE_METATYPE(nimbus::lsp::Range)

class TestTextDocument : public QObject {
    Q_OBJECT
private slots:
    void utf16Columns_data();
    void utf16Columns();
    void incrementalChanges_data();
    void incrementalChanges();
    void uris();
};

void TestTextDocument::utf16Columns_data() {
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("byteColumn");
    QTest::addColumn<int>("utf16Column");
    QTest::newRow("ASCII is one unit per byte") << QByteArray("abc: d") << 5 << 5;
    QTest::newRow("two-byte character is one unit") << QByteArray("\xc3\xa9"
                                                                  "t\xc3\xa9"
                                                                  ": x")
                                                    << 6 << 4;
    QTest::newRow("three-byte character is one unit") << QByteArray("\xe2\x82\xac"
                                                                    "1: x")
                                                      << 4 << 2;
    QTest::newRow("emoji is a surrogate pair") << QByteArray("\xf0\x9f\x9a\x80 x") << 5 << 3;
    QTest::newRow("past the end clamps") << QByteArray("ab") << 10 << 2;
}

void TestTextDocument::utf16Columns() {
    QFETCH(QByteArray, line);
    QFETCH(int, byteColumn);
    QFETCH(int, utf16Column);
    TextDocument doc("file:///x.yml", line.toStdString() + "\nnext", 1);
    QCOMPARE(doc.utf16Column(0, byteColumn), utf16Column);
    if (byteColumn <= line.size())
        QCOMPARE(doc.byteColumn(0, utf16Column), byteColumn);
}

void TestTextDocument::incrementalChanges_data() {
    QTest::addColumn<QString>("before");
    QTest::addColumn<Range>("range");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("after");
    QTest::newRow("insert in the middle of a line") << "a: 1\nb: 2" << Range{{1, 3}, {1, 3}} << "4"
                                                    << "a: 1\nb: 42";
    QTest::newRow("replace across lines") << "a: 1\nb: 2\nc: 3" << Range{{0, 3}, {2, 1}} << "9\nz"
                                          << "a: 9\nz: 3";
    QTest::newRow("delete a whole line") << "a\nb\nc" << Range{{1, 0}, {2, 0}} << ""
                                         << "a\nc";
    QTest::newRow("append at the end") << "a" << Range{{0, 1}, {0, 1}} << "\nb"
                                       << "a\nb";
    QTest::newRow("edit after an emoji uses UTF-16")
        << QString::fromUtf8("x: \xf0\x9f\x9a\x80y") << Range{{0, 5}, {0, 6}} << "z"
        << QString::fromUtf8("x: \xf0\x9f\x9a\x80z");
}

void TestTextDocument::incrementalChanges() {
    QFETCH(QString, before);
    QFETCH(Range, range);
    QFETCH(QString, text);
    QFETCH(QString, after);
    TextDocument doc("file:///x.yml", before.toStdString(), 1);
    QVERIFY(doc.applyChange(range, text.toStdString(), 2));
    QCOMPARE(QString::fromStdString(doc.text()), after);
    QCOMPARE(doc.version(), 2);
}

void TestTextDocument::uris() {
    QCOMPARE(QString::fromStdString(uriToPath("file:///tmp/my%20app/serverless.yml")),
             QString("/tmp/my app/serverless.yml"));
    QCOMPARE(QString::fromStdString(pathToUri("/tmp/my app/s.yml")),
             QString("file:///tmp/my%20app/s.yml"));
}

QTEST_APPLESS_MAIN(TestTextDocument)
#include "tst_textdocument.moc"
