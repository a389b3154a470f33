#include "nimbus/tracing/tracecontext.h"

#include <QtTest>

using namespace nimbus::tracing;

// Trace context as W3C Trace Context and AWS X-Ray spell it: what is continued, what is
// refused (and so starts a new trace), and how it is handed on.
class TestTraceContext : public QObject {
    Q_OBJECT
private slots:
    void parses_data();
    void parses();
    void continuesTheFirstGoodHeaderElseStarts();
    void formatsBothSpellingsOfOneTrace();
};

void TestTraceContext::parses_data() {
    QTest::addColumn<QString>("spelling"); // traceparent or X-Amzn-Trace-Id
    QTest::addColumn<QString>("header");
    QTest::addColumn<QString>("traceId"); // "" when refused
    QTest::addColumn<QString>("parentId");
    QTest::addColumn<bool>("sampled");
    QTest::newRow("the spec's example (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        << "0af7651916cd43dd8448eb211c80319c"
        << "b7ad6b7169203331" << true;
    QTest::newRow("not sampled (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
        << "0af7651916cd43dd8448eb211c80319c"
        << "b7ad6b7169203331" << false;
    QTest::newRow("upper case is read (traceparent)")
        << QString("traceparent") << "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01"
        << "0af7651916cd43dd8448eb211c80319c"
        << "b7ad6b7169203331" << true;
    QTest::newRow("a later version with more fields (traceparent)")
        << QString("traceparent")
        << "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes"
        << "0af7651916cd43dd8448eb211c80319c"
        << "b7ad6b7169203331" << true;
    QTest::newRow("all-zero trace id (traceparent)")
        << QString("traceparent") << "00-00000000000000000000000000000000-b7ad6b7169203331-01"
        << ""
        << "" << false;
    QTest::newRow("all-zero parent (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"
        << ""
        << "" << false;
    QTest::newRow("version ff (traceparent)")
        << QString("traceparent") << "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        << ""
        << "" << false;
    QTest::newRow("version 00 with more (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x"
        << ""
        << "" << false;
    QTest::newRow("short trace id (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01"
        << ""
        << "" << false;
    QTest::newRow("not hex (traceparent)")
        << QString("traceparent") << "00-0af7651916cd43dd8448eb211c80319z-b7ad6b7169203331-01"
        << ""
        << "" << false;
    QTest::newRow("empty (traceparent)") << QString("traceparent") << ""
                                         << ""
                                         << "" << false;
    QTest::newRow("Lambda's (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id")
        << "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        << "5759e988bd862e3fe1be46a994272793"
        << "53995c3f42cd8ad8" << true;
    QTest::newRow("root only (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id") << "Root=1-5759e988-bd862e3fe1be46a994272793"
        << "5759e988bd862e3fe1be46a994272793"
        << "" << true;
    QTest::newRow("any order, spaces, not sampled (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id")
        << "Sampled=0; Parent=53995c3f42cd8ad8; Root=1-5759e988-bd862e3fe1be46a994272793"
        << "5759e988bd862e3fe1be46a994272793"
        << "53995c3f42cd8ad8" << false;
    QTest::newRow("a bad parent is dropped (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id") << "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz"
        << "5759e988bd862e3fe1be46a994272793"
        << "" << true;
    QTest::newRow("no root (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id") << "Parent=53995c3f42cd8ad8;Sampled=1"
        << ""
        << "" << false;
    QTest::newRow("bad root (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id") << "Root=2-5759e988-bd862e3fe1be46a994272793"
        << ""
        << "" << false;
    QTest::newRow("short root (X-Amzn-Trace-Id)")
        << QString("X-Amzn-Trace-Id") << "Root=1-5759e988-bd862e3f"
        << ""
        << "" << false;
}

void TestTraceContext::parses() {
    QFETCH(QString, spelling);
    QFETCH(QString, header);
    QFETCH(QString, traceId);
    QFETCH(QString, parentId);
    QFETCH(bool, sampled);
    const auto context = spelling == "traceparent" ? parseTraceparent(header.toStdString())
                                                   : parseAmznTraceId(header.toStdString());
    QCOMPARE(context.has_value(), !traceId.isEmpty());
    if (!context)
        return;
    QCOMPARE(QString::fromStdString(context->traceId), traceId);
    QCOMPARE(QString::fromStdString(context->parentId), parentId);
    QCOMPARE(context->sampled, sampled);
}

void TestTraceContext::continuesTheFirstGoodHeaderElseStarts() {
    const std::string w3c = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const std::string xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8";
    QCOMPARE(continueTrace(w3c, xray).traceId, std::string("0af7651916cd43dd8448eb211c80319c"));
    QCOMPARE(continueTrace("garbage", xray).traceId,
             std::string("5759e988bd862e3fe1be46a994272793"));
    const TraceContext fresh = continueTrace("", "");
    QCOMPARE(fresh.traceId.size(), std::size_t(32));
    QVERIFY(fresh.parentId.empty());
    QVERIFY(fresh.traceId != continueTrace("", "").traceId);
    // A new trace reads back through both spellings.
    QCOMPARE(parseTraceparent(formatTraceparent(fresh, newSpanId()))->traceId, fresh.traceId);
    QCOMPARE(parseAmznTraceId(formatAmznTraceId(fresh, newSpanId()))->traceId, fresh.traceId);
}

void TestTraceContext::formatsBothSpellingsOfOneTrace() {
    const TraceContext context{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true};
    QCOMPARE(
        formatAmznTraceId(context, "1111222233334444"),
        std::string("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=1111222233334444;Sampled=1"));
    QCOMPARE(formatTraceparent(context, "1111222233334444"),
             std::string("00-5759e988bd862e3fe1be46a994272793-1111222233334444-01"));
    const std::string span = newSpanId();
    QCOMPARE(span.size(), std::size_t(16));
    QVERIFY(span != newSpanId());
}

QTEST_GUILESS_MAIN(TestTraceContext)
#include "tst_tracecontext.moc"
