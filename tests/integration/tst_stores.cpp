// The stores that buffer what functions produce (logs, metrics records, spans), written by
// the background writer: on its own thread and connection to a real SQLite file, read back
// in order on the event loop's connection, trimmed, drained when the writer goes, still
// running after a failed job, and with a write-ahead log that stays bounded under a stream
// of writes.
#include "store/backgroundwriter.h"
#include "store/logstore.h"
#include "store/metricsstore.h"
#include "store/spanstore.h"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

using namespace nimbus::sim;

namespace {

LogEvent line(const std::string &group, int n, std::size_t padding = 0) {
    return LogEvent{0, group, "2026/11/27/[$LATEST]abc", 1764201600000LL + n,
                    "line " + std::to_string(n) + std::string(padding, '.')};
}

} // namespace

class TestStores : public QObject {
    Q_OBJECT
private slots:
    void init();
    void logsAreWrittenOffTheLoopAndReadInOrder();
    void metricsAndSpansGoThroughTheWriterToo();
    void whatWasHandedOverIsWrittenBeforeTheWriterGoes();
    void aFailedJobLeavesTheWriterRunning();
    void theWriteAheadLogStaysBounded();

private:
    std::string path() const { return m_dir->filePath("nimbus.db").toStdString(); }
    std::unique_ptr<Database> openDatabase();
    std::unique_ptr<BackgroundWriter> openWriter();
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestStores::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

std::unique_ptr<Database> TestStores::openDatabase() {
    std::string error;
    auto db = Database::open(path(), error);
    if (!db)
        qFatal("%s", error.c_str());
    return db;
}

std::unique_ptr<BackgroundWriter> TestStores::openWriter() {
    std::string error;
    auto writer = BackgroundWriter::open(path(), error);
    if (!writer)
        qFatal("%s", error.c_str());
    return writer;
}

void TestStores::logsAreWrittenOffTheLoopAndReadInOrder() {
    auto db = openDatabase();
    auto writer = openWriter();
    LogStore logs(*db, 100);
    logs.migrate();
    logs.setWriter(writer.get());
    for (int n = 0; n < 300; ++n) {
        logs.append(line("/aws/lambda/a", n));
        if (n % 7 == 0)
            logs.append(line("/aws/lambda/b", n));
        if (n % 100 == 99)
            QVERIFY(!logs.flush(16)); // all of it is handed over, whatever the slice
    }
    // The last lines were never flushed: a read still sees them.
    logs.append(line("/aws/lambda/a", 300));
    const auto a = logs.filter("/aws/lambda/a", 0, 0, "", 0, 1000);
    // The group keeps its newest 100, trimmed every 64 lines: between 100 and 164 remain.
    QVERIFY2(a.size() >= 100 && a.size() <= 165, std::to_string(a.size()).c_str());
    QCOMPARE(QString::fromStdString(a.back().message), QString("line 300"));
    for (std::size_t i = 1; i < a.size(); ++i)
        QVERIFY(a[i].id > a[i - 1].id && a[i].timestampMs == a[i - 1].timestampMs + 1);
    const auto b = logs.filter("/aws/lambda/b", 0, 0, "", 0, 1000);
    QCOMPARE(b.size(), std::size_t(43)); // 0, 7, ..., 294: below the trim interval
    QCOMPARE(logs.groups("/aws/lambda/").size(), std::size_t(2));
    QCOMPARE(writer->failures(), 0LL);
}

void TestStores::metricsAndSpansGoThroughTheWriterToo() {
    auto db = openDatabase();
    auto writer = openWriter();
    MetricsStore metrics(*db);
    SpanStore spans(*db);
    metrics.migrate();
    spans.migrate();
    metrics.setWriter(writer.get());
    spans.setWriter(writer.get());
    const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    for (int n = 0; n < 20; ++n) {
        nimbus::metrics::Invocation invocation;
        invocation.function = n % 2 ? "odd" : "even";
        invocation.requestId = "r" + std::to_string(n);
        invocation.startMs = now + n;
        invocation.queuedMs = n;
        metrics.append(invocation);
        nimbus::tracing::Span span;
        span.traceId = std::string(31, '0') + std::to_string(n % 4);
        span.spanId = std::string(15, '0') + std::to_string(n % 10);
        span.name = "GET /";
        span.function = invocation.function;
        span.startUs = (now + n) * 1000;
        spans.append(span);
        if (n == 9) {
            metrics.flush();
            spans.flush();
        }
    }
    const auto odd = metrics.since(0, "odd");
    QCOMPARE(odd.size(), std::size_t(10));
    QCOMPARE(QString::fromStdString(odd.back().requestId), QString("r19"));
    QCOMPARE(odd.back().queuedMs, 19.0);
    QCOMPARE(spans.trace(std::string(31, '0') + "3").size(), std::size_t(5));
    QCOMPARE(spans.recent(0, "", "", 10).size(), std::size_t(4));
}

void TestStores::whatWasHandedOverIsWrittenBeforeTheWriterGoes() {
    {
        auto db = openDatabase();
        auto writer = openWriter();
        LogStore logs(*db);
        logs.migrate();
        logs.setWriter(writer.get());
        for (int n = 0; n < 5000; ++n)
            logs.append(line("/aws/lambda/a", n, 200));
        logs.flush();
        writer.reset(); // drains, then joins
    }
    auto db = openDatabase();
    LogStore logs(*db);
    const auto a = logs.filter("/aws/lambda/a", 0, 0, "", 0, 10000);
    QCOMPARE(a.size(), std::size_t(5000));
}

void TestStores::aFailedJobLeavesTheWriterRunning() {
    auto db = openDatabase();
    auto writer = openWriter();
    writer->post([](Database &own) { own.exec("INSERT INTO no_such_table VALUES (1)"); });
    MetricsStore metrics(*db);
    metrics.migrate();
    metrics.setWriter(writer.get());
    nimbus::metrics::Invocation invocation;
    invocation.function = "f";
    invocation.startMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    metrics.append(invocation);
    QCOMPARE(metrics.since(0, "f").size(), std::size_t(1));
    QCOMPARE(writer->failures(), 1LL);
    QVERIFY2(writer->lastError().find("no_such_table") != std::string::npos,
             writer->lastError().c_str());
}

void TestStores::theWriteAheadLogStaysBounded() {
    // 60 000 lines of about 230 bytes (14 MB) in 300 bursts, read now and then on the other
    // connection as the API does: the WAL is checkpointed as it goes and does not grow
    // past a few times SQLite's 1000-page autocheckpoint.
    auto db = openDatabase();
    db->exec("PRAGMA wal_autocheckpoint=10000"); // as the control plane sets its own
    auto writer = openWriter();
    LogStore logs(*db, 200000);
    logs.migrate();
    logs.setWriter(writer.get());
    std::uintmax_t largest = 0;
    for (int burst = 0; burst < 300; ++burst) {
        for (int n = 0; n < 200; ++n)
            logs.append(line("/aws/lambda/a", burst * 200 + n, 200));
        logs.flush();
        if (burst % 30 == 29) {
            QCOMPARE(logs.filter("/aws/lambda/a", 0, 0, "", burst * 200, 10).size(),
                     std::size_t(10));
            largest = std::max(largest, std::filesystem::file_size(path() + "-wal"));
        }
    }
    writer->sync();
    largest = std::max(largest, std::filesystem::file_size(path() + "-wal"));
    QVERIFY2(largest < 12u * 1024 * 1024, std::to_string(largest).c_str());
}

QTEST_GUILESS_MAIN(TestStores)
#include "tst_stores.moc"
