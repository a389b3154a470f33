#include "workspace/cursorcontext.h"

#include <QtTest>

using namespace nimbus::lsp;

// Finds the cursor, marked "|", and returns the lines without it.
static std::vector<std::string> withCursor(const QString &text, int &line, int &column) {
    std::vector<std::string> lines;
    const QStringList rows = text.split('\n');
    for (int i = 0; i < rows.size(); ++i) {
        QString row = rows[i];
        if (int at = row.indexOf('|'); at >= 0) {
            line = i;
            column = at;
            row.remove(at, 1);
        }
        lines.push_back(row.toStdString());
    }
    return lines;
}

class TestCursorContext : public QObject {
    Q_OBJECT
private slots:
    void context_data();
    void context();
    void siblings_data();
    void siblings();
};

void TestCursorContext::context_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("word");
    QTest::newRow("top-level key being typed") << "service: a\npro|"
                                               << "key"
                                               << ""
                                               << "pro";
    QTest::newRow("key under provider") << "provider:\n  name: aws\n  run|"
                                        << "key"
                                        << "provider"
                                        << "run";
    QTest::newRow("value of a provider key") << "provider:\n  runtime: pyt|"
                                             << "value"
                                             << "provider.runtime"
                                             << "pyt";
    QTest::newRow("key of a function in an unfinished document")
        << "functions:\n  hello:\n    handler: h.x\n    mem|\n  other: ["
        << "key"
        << "functions.hello"
        << "mem";
    QTest::newRow("new list item in events") << "functions:\n  f:\n    events:\n      - |"
                                             << "key"
                                             << "functions.f.events.0"
                                             << "";
    QTest::newRow("key inside an event's mapping")
        << "functions:\n  f:\n    events:\n      - http:\n          path: /x\n          me|"
        << "key"
        << "functions.f.events.0.http"
        << "me";
    QTest::newRow("value inside an event's mapping")
        << "functions:\n  f:\n    events:\n      - http:\n          method: po|"
        << "value"
        << "functions.f.events.0.http.method"
        << "po";
    QTest::newRow("second key of a list item mapping")
        << "functions:\n  f:\n    events:\n      - sqs: arn\n        bat|"
        << "key"
        << "functions.f.events.0"
        << "bat";
    QTest::newRow("blank and comment lines are skipped") << "provider:\n\n  # a comment\n  ti|"
                                                         << "key"
                                                         << "provider"
                                                         << "ti";
    QTest::newRow("variable being typed in a value") << "custom:\n  a: 1\nservice: ${self:cu|"
                                                     << "value"
                                                     << "service"
                                                     << "${self:cu";
}

void TestCursorContext::context() {
    QFETCH(QString, text);
    QFETCH(QString, kind);
    QFETCH(QString, path);
    QFETCH(QString, word);
    int line = 0, column = 0;
    const auto lines = withCursor(text, line, column);
    std::vector<std::string_view> views(lines.begin(), lines.end());
    const CursorContext ctx = cursorContext(views, line, column);
    QCOMPARE(QString(ctx.kind == CursorContext::Kind::Key     ? "key"
                     : ctx.kind == CursorContext::Kind::Value ? "value"
                                                              : "other"),
             kind);
    QStringList steps;
    for (const auto &s : ctx.path)
        steps << QString::fromStdString(s);
    QCOMPARE(steps.join('.'), path);
    QCOMPARE(QString::fromStdString(ctx.word), word);
}

void TestCursorContext::siblings_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("indent");
    QTest::addColumn<QString>("keys");
    QTest::newRow("keys above and below in a mapping") << "f:\n  handler: h.x\n  |\n  timeout: 3"
                                                       << "2"
                                                       << "handler,timeout";
    QTest::newRow("continuation of a list item sees the item's first key")
        << "events:\n  - sqs: arn\n    batchSize: 1\n    |"
        << "4"
        << "batchSize,sqs";
    // A new "- " item is a new mapping: the item above is not a sibling.
    QTest::newRow("a new list item between two others has no siblings")
        << "events:\n  - httpApi: GET /a\n  - |\n  - schedule: rate(1 minute)"
        << "4"
        << "";
    QTest::newRow("a new list item sees the keys that follow in its own mapping")
        << "events:\n  - httpApi: GET /a\n  - |\n    batchSize: 1"
        << "4"
        << "batchSize";
}

void TestCursorContext::siblings() {
    QFETCH(QString, text);
    QFETCH(QString, indent);
    QFETCH(QString, keys);
    int line = 0, column = 0;
    const auto lines = withCursor(text, line, column);
    std::vector<std::string_view> views(lines.begin(), lines.end());
    QStringList found;
    for (const auto &key : siblingKeys(views, line, indent.toInt()))
        found << QString::fromStdString(key);
    QCOMPARE(found.join(','), keys);
}

QTEST_APPLESS_MAIN(TestCursorContext)
#include "tst_cursorcontext.moc"
