// When schedule expressions fire: EventBridge's rate and cron semantics and SCF's seven-field
// timer crons, one row per form; and SCF crons that are refused.
#include "nimbus/manifest/scheduleexpression.h"

#include <QDateTime>
#include <QtTest>

using nimbus::manifest::ScheduleExpression;

namespace {

qint64 at(const char *iso) {
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toSecsSinceEpoch();
}

QString iso(std::optional<std::int64_t> seconds) {
    if (!seconds)
        return "never";
    return QDateTime::fromSecsSinceEpoch(*seconds, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

class TestScheduleExpression : public QObject {
    Q_OBJECT
private slots:
    void nextFiring_data();
    void nextFiring();
    void invalidScfCron_data();
    void invalidScfCron();
};

void TestScheduleExpression::nextFiring_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("after");
    QTest::addColumn<QString>("next");
    // 2026-11-26 is a Thursday.
    QTest::newRow("rate: the next multiple from the schedule's creation")
        << "rate(5 minutes)" << "2026-11-26T00:00:00Z" << "2026-11-26T00:07:00Z" << "2026-11-26T00:10:00Z";
    QTest::newRow("rate: exactly on a firing, the one after")
        << "rate(1 day)" << "2026-11-26T06:30:00Z" << "2026-11-27T06:30:00Z" << "2026-11-28T06:30:00Z";
    QTest::newRow("rate: before its creation, one period after it")
        << "rate(2 hours)" << "2026-11-26T10:00:00Z" << "2026-11-26T09:00:00Z" << "2026-11-26T12:00:00Z";
    QTest::newRow("cron: daily at noon, later today")
        << "cron(0 12 * * ? *)" << "" << "2026-11-26T11:59:30Z" << "2026-11-26T12:00:00Z";
    QTest::newRow("cron: daily at noon, exactly at noon: tomorrow")
        << "cron(0 12 * * ? *)" << "" << "2026-11-26T12:00:00Z" << "2026-11-27T12:00:00Z";
    QTest::newRow("cron: every 15 minutes")
        << "cron(0/15 * * * ? *)" << "" << "2026-11-26T10:07:00Z" << "2026-11-26T10:15:00Z";
    QTest::newRow("cron: weekdays, Friday evening to Monday")
        << "cron(0 18 ? * MON-FRI *)" << "" << "2026-11-27T18:00:00Z" << "2026-11-30T18:00:00Z";
    QTest::newRow("cron: a weekday range that wraps (FRI-MON)")
        << "cron(0 10 ? * FRI-MON *)" << "" << "2026-11-28T10:00:00Z" << "2026-11-29T10:00:00Z";
    QTest::newRow("cron: the first of the month")
        << "cron(0 8 1 * ? *)" << "" << "2026-11-26T00:00:00Z" << "2026-12-01T08:00:00Z";
    QTest::newRow("cron: L, the last day of the month")
        << "cron(0 0 L * ? *)" << "" << "2027-02-01T00:00:00Z" << "2027-02-28T00:00:00Z";
    QTest::newRow("cron: LW, the last weekday of the month")
        << "cron(0 9 LW * ? *)" << "" << "2026-11-26T00:00:00Z" << "2026-11-30T09:00:00Z";
    QTest::newRow("cron: 15W, the weekday nearest the 15th (a Sunday: Monday)")
        << "cron(0 9 15W * ? *)" << "" << "2026-11-01T00:00:00Z" << "2026-11-16T09:00:00Z";
    QTest::newRow("cron: 1W on a Saturday moves forward, within the month")
        << "cron(0 9 1W * ? *)" << "" << "2027-04-25T00:00:00Z" << "2027-05-03T09:00:00Z";
    QTest::newRow("cron: 6L, the last Friday of the month")
        << "cron(15 10 ? * 6L 2026)" << "" << "2026-11-26T00:00:00Z" << "2026-11-27T10:15:00Z";
    QTest::newRow("cron: 2#1, the first Monday")
        << "cron(0 9 ? * 2#1 *)" << "" << "2026-11-26T00:00:00Z" << "2026-12-07T09:00:00Z";
    QTest::newRow("cron: L in day-of-week, Saturdays")
        << "cron(0 0 ? * L *)" << "" << "2026-11-26T00:00:00Z" << "2026-11-28T00:00:00Z";
    QTest::newRow("cron: February 29th, the next leap year")
        << "cron(30 2 29 2 ? *)" << "" << "2026-11-26T00:00:00Z" << "2028-02-29T02:30:00Z";
    QTest::newRow("cron: names and lists")
        << "cron(0,30 9 ? JAN,DEC SUN *)" << "" << "2026-11-26T00:00:00Z" << "2026-12-06T09:00:00Z";
    QTest::newRow("cron: a year that is past never fires")
        << "cron(0 0 1 1 ? 2020)" << "" << "2026-11-26T00:00:00Z" << "never";
    QTest::newRow("cron: a year ahead")
        << "cron(0 0 1 1 ? 2030-2031)" << "" << "2026-11-26T00:00:00Z" << "2030-01-01T00:00:00Z";
    // SCF timers: seven fields, seconds first, day-of-week 0-6 from Sunday.
    QTest::newRow("scf: every 5 seconds")
        << "*/5 * * * * * *" << "" << "2026-11-26T10:07:03Z" << "2026-11-26T10:07:05Z";
    QTest::newRow("scf: every 5 minutes, on the minute")
        << "0 */5 * * * * *" << "" << "2026-11-26T10:07:03Z" << "2026-11-26T10:10:00Z";
    QTest::newRow("scf: daily at 02:30:15")
        << "15 30 2 * * * *" << "" << "2026-11-26T02:30:15Z" << "2026-11-27T02:30:15Z";
    QTest::newRow("scf: Mondays to Fridays at 09:00 (1-5), Friday to Monday")
        << "0 0 9 * * 1-5 *" << "" << "2026-11-27T09:00:00Z" << "2026-11-30T09:00:00Z";
    QTest::newRow("scf: Sunday is 0 and SUN")
        << "0 0 12 * * SUN *" << "" << "2026-11-26T00:00:00Z" << "2026-11-29T12:00:00Z";
    QTest::newRow("scf: both day fields restricted: either fires")
        << "0 0 0 1 * 1 *" << "" << "2026-11-26T00:00:00Z" << "2026-11-30T00:00:00Z";
    QTest::newRow("scf: names and lists")
        << "0 0,30 9 * JAN,DEC * *" << "" << "2026-11-26T00:00:00Z" << "2026-12-01T09:00:00Z";
    QTest::newRow("scf: a year ahead")
        << "0 0 0 1 1 * 2030" << "" << "2026-11-26T00:00:00Z" << "2030-01-01T00:00:00Z";
    QTest::newRow("scf: ? in day-of-week, the 1st of the month")
        << "0 0 8 1 * ? *" << "" << "2026-11-26T00:00:00Z" << "2026-12-01T08:00:00Z";
    QTest::newRow("scf: L, the last day of the month")
        << "0 0 0 L * ? *" << "" << "2027-02-01T00:00:00Z" << "2027-02-28T00:00:00Z";
    QTest::newRow("scf: 5L, the last Friday (0 is Sunday)")
        << "0 15 10 ? * 5L *" << "" << "2026-11-26T00:00:00Z" << "2026-11-27T10:15:00Z";
    QTest::newRow("scf: 1#1, the first Monday")
        << "0 0 9 ? * 1#1 *" << "" << "2026-11-26T00:00:00Z" << "2026-12-07T09:00:00Z";
    QTest::newRow("scf: L in day-of-week, Saturdays")
        << "0 0 0 ? * L *" << "" << "2026-11-26T00:00:00Z" << "2026-11-28T00:00:00Z";
    QTest::newRow("scf: the older five fields, every 5 minutes")
        << "*/5 * * * *" << "" << "2026-11-26T10:07:03Z" << "2026-11-26T10:10:00Z";
    QTest::newRow("scf: a year that is past never fires")
        << "0 0 0 1 1 * 2020" << "" << "2026-11-26T00:00:00Z" << "never";
}

void TestScheduleExpression::invalidScfCron_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("six fields, AWS-style") << "0 12 * * ? *" << "has 6 fields; an SCF timer's";
    QTest::newRow("seconds out of range") << "60 * * * * * *" << "the seconds field '60'";
    QTest::newRow("? in hours") << "0 0 ? * * * *" << "the hours field '?'";
    QTest::newRow("weekday 7") << "0 0 12 * * 7 *" << "allowed 0-6 or SUN-SAT";
    QTest::newRow("year past 2099") << "0 0 0 1 1 * 2100" << "the year field '2100'";
    QTest::newRow("# in day-of-month") << "0 0 0 1#2 * * *" << "allowed 1-31, ?, LW";
}

void TestScheduleExpression::invalidScfCron() {
    QFETCH(QString, expression);
    QFETCH(QString, messagePart);
    std::string error;
    QVERIFY(!ScheduleExpression::parseScf(expression.toStdString(), error));
    QVERIFY2(QString::fromStdString(error).contains(messagePart), error.c_str());
}

void TestScheduleExpression::nextFiring() {
    QFETCH(QString, expression);
    QFETCH(QString, origin);
    QFETCH(QString, after);
    QFETCH(QString, next);
    std::string error;
    const auto parsed = ScheduleExpression::parse(expression.toStdString(), error);
    QVERIFY2(parsed, error.c_str());
    const qint64 originSeconds = origin.isEmpty() ? 0 : at(origin.toLatin1().constData());
    QCOMPARE(iso(parsed->nextAfter(at(after.toLatin1().constData()), originSeconds)), next);
}

QTEST_GUILESS_MAIN(TestScheduleExpression)
#include "tst_scheduleexpression.moc"
