#include "pool/scalepolicy.h"

#include <QtTest>

using namespace nimbus::sim;
using namespace std::chrono_literals;
using std::chrono::microseconds;

// The scale-up policy on its own, with the time it knows given to it: bursts that start
// no instance, one, or several; the cores that bound it; a queue that fills and refuses;
// an arrival that would outwait its timeout; measurements that change its mind; a backlog
// that lasts (load, not a burst); and
// --strict-concurrency's one instance per invocation.
class TestScalePolicy : public QObject {
    Q_OBJECT
private slots:
    void nothingRunningStartsOne();
    void aFastBurstWaitsForTheBusyInstance();
    void aBurstOfSlowInvocationsStartsOne();
    void aLongBurstStartsSeveralUpToTheCores();
    void theLimitBoundsItToo();
    void startingInstancesCount();
    void aFullQueueRefuses();
    void anArrivalThatWouldOutwaitItsTimeoutIsRefused();
    void measurementsMoveTheDecision();
    void strictStartsOnePerInvocation();
    void anInstanceWithRoomTakesTheBurst();
    void instancesThatWaitOnIOMayOutnumberTheCores();
    void aLongRunningInvocationIsNotWaitedFor();
    void aBacklogThatOutlastsAColdStartIsLoad();
};

namespace {
ScalePolicy policy(std::size_t cores, microseconds cold, microseconds service, bool strict = false,
                   std::size_t queueLimit = 1000) {
    ScalePolicy::Options options;
    options.cores = cores;
    options.coldStart = cold;
    options.service = service;
    options.strict = strict;
    options.queueLimit = queueLimit;
    return ScalePolicy(options);
}
ScaleState state(std::size_t waiting, std::size_t idle, std::size_t starting, std::size_t busy,
                 std::size_t limit = 1000) {
    ScaleState s;
    s.waiting = waiting;
    s.idle = idle;
    s.starting = starting;
    s.busy = busy;
    s.working = busy; // one invocation per instance
    s.limit = limit;
    return s;
}
} // namespace

void TestScalePolicy::nothingRunningStartsOne() {
    const auto p = policy(2, 300ms, 20ms);
    QCOMPARE(p.toStart(state(1, 0, 0, 0)), std::size_t(1));
    QCOMPARE(p.toStart(state(0, 0, 0, 0)), std::size_t(0));
}

void TestScalePolicy::aFastBurstWaitsForTheBusyInstance() {
    // Five 20 ms invocations behind one busy instance: the last starts after ~90 ms, far
    // sooner than a 300 ms cold start would let it.
    const auto p = policy(8, 300ms, 20ms);
    QCOMPARE(p.toStart(state(5, 0, 0, 1)), std::size_t(0));
    QCOMPARE(p.expectedWait(state(5, 0, 0, 1), 5), microseconds(90ms));
}

void TestScalePolicy::aBurstOfSlowInvocationsStartsOne() {
    // 200 ms each: the fifth would wait 900 ms for the busy one; a second instance brings it
    // to 500 ms (a cold start and a service time), and a third would not help enough.
    const auto p = policy(8, 300ms, 200ms);
    QCOMPARE(p.toStart(state(5, 0, 0, 1)), std::size_t(1));
    QCOMPARE(p.expectedWait(state(5, 0, 0, 1), 5, 1), microseconds(500ms));
}

void TestScalePolicy::aLongBurstStartsSeveralUpToTheCores() {
    const auto wide = policy(16, 300ms, 1s);
    const std::size_t started = wide.toStart(state(12, 0, 0, 1));
    QVERIFY2(started >= 4, qPrintable(QString::number(started)));
    // On two cores, one is busy: one more at most.
    QCOMPARE(policy(2, 300ms, 1s).toStart(state(12, 0, 0, 1)), std::size_t(1));
    QCOMPARE(policy(2, 300ms, 1s).toStart(state(12, 0, 0, 2)), std::size_t(0));
}

void TestScalePolicy::theLimitBoundsItToo() {
    QCOMPARE(policy(16, 300ms, 1s).toStart(state(12, 0, 0, 1, 3)), std::size_t(2));
    QCOMPARE(policy(16, 300ms, 1s).capacity(state(0, 0, 0, 0, 3)), std::size_t(3));
}

void TestScalePolicy::startingInstancesCount() {
    // Two waiting, two already starting: they will take them.
    QCOMPARE(policy(8, 300ms, 20ms).toStart(state(2, 0, 2, 0)), std::size_t(0));
    // An idle instance takes the first at once.
    QCOMPARE(policy(8, 300ms, 20ms).expectedWait(state(1, 1, 0, 0), 1), microseconds(0));
}

void TestScalePolicy::aFullQueueRefuses() {
    const auto p = policy(2, 300ms, 1ms, false, 100);
    const char *why = nullptr;
    QVERIFY(p.admit(state(99, 0, 0, 2), 60s, &why));
    QVERIFY(!p.admit(state(100, 0, 0, 2), 60s, &why));
    QCOMPARE(QString(why), QString("the queue is full"));
}

void TestScalePolicy::anArrivalThatWouldOutwaitItsTimeoutIsRefused() {
    // Two cores, both busy with 1 s invocations, a 3 s timeout: the queue takes what can
    // start within 3 s (about six), and refuses the rest.
    const auto p = policy(2, 300ms, 1s);
    const char *why = nullptr;
    QVERIFY(p.admit(state(4, 0, 0, 2), 3s, &why));
    QVERIFY(!p.admit(state(6, 0, 0, 2), 3s, &why));
    QCOMPARE(QString(why), QString("it would wait longer than the function's timeout"));
}

void TestScalePolicy::measurementsMoveTheDecision() {
    auto p = policy(8, 300ms, 20ms);
    QCOMPARE(p.toStart(state(5, 0, 0, 1)), std::size_t(0));
    // The function turns out to be slow: the same burst now warrants another instance.
    for (int i = 0; i < 30; ++i)
        p.serviceMeasured(400ms);
    QVERIFY(p.service() > 350ms);
    QVERIFY(p.toStart(state(5, 0, 0, 1)) >= 1);
    // And cold starts turn out to be slow: starting one no longer pays for a short wait.
    auto q = policy(8, 300ms, 100ms);
    QCOMPARE(q.toStart(state(5, 0, 0, 1)), std::size_t(1));
    for (int i = 0; i < 30; ++i)
        q.coldStartMeasured(2s);
    QCOMPARE(q.toStart(state(5, 0, 0, 1)), std::size_t(0));
}

void TestScalePolicy::strictStartsOnePerInvocation() {
    const auto p = policy(2, 300ms, 20ms, true);
    QCOMPARE(p.toStart(state(10, 0, 0, 1, 1000)), std::size_t(10));
    QCOMPARE(p.toStart(state(10, 1, 2, 1, 1000)), std::size_t(7));
    QCOMPARE(p.toStart(state(10, 0, 0, 1, 4)), std::size_t(3));
    // Lambda's throttling is the limit's, not a queue's.
    QVERIFY(p.admit(state(5000, 0, 0, 2), 1ms));
}

void TestScalePolicy::anInstanceWithRoomTakesTheBurst() {
    // An http function's instance takes 80 at once: 40 arrivals with 20 running start
    // nothing; past its room, the rest wait or another instance starts.
    const auto p = policy(8, 300ms, 20ms);
    ScaleState s = state(40, 0, 0, 20);
    s.working = 1;
    s.perInstance = 80;
    QCOMPARE(p.toStart(s), std::size_t(0));
    QCOMPARE(p.expectedWait(s, 40), microseconds(0));
    s.waiting = 200; // 140 more than it has room for, at 20 ms each: under 50 ms, far less than a
                     // cold start
    QCOMPARE(p.toStart(s), std::size_t(0));
    const auto slow = policy(8, 300ms, 1s);
    QCOMPARE(slow.toStart(s), std::size_t(1)); // at 1 s each, 140 would wait 1.5 s: start one
    // Strict: one instance per 80 unserved.
    const auto strict = policy(8, 300ms, 20ms, true);
    QCOMPARE(strict.toStart(s), std::size_t(2));
}

void TestScalePolicy::instancesThatWaitOnIOMayOutnumberTheCores() {
    // Invocations of 1 s on two cores: two instances at most while each computes all the
    // time; once they are measured to compute a tenth of it, twenty.
    auto p = policy(2, 300ms, 1s);
    QCOMPARE(p.capacity(state(0, 0, 0, 0)), std::size_t(2));
    for (int i = 0; i < 40; ++i)
        p.cpuShareMeasured(0.1);
    QCOMPARE(p.capacity(state(0, 0, 0, 0)), std::size_t(20));
    QCOMPARE(p.capacity(state(0, 0, 0, 0, 10)), std::size_t(10)); // the limit still bounds it
    QVERIFY(p.toStart(state(12, 0, 0, 2)) >= 5);
}

void TestScalePolicy::aLongRunningInvocationIsNotWaitedFor() {
    // Invocations usually take 20 ms, but the one running has run 2 s: the next arrival
    // does not wait for it (it may run as long again); a new instance starts.
    const auto p = policy(2, 300ms, 20ms);
    ScaleState s = state(1, 0, 0, 1);
    QCOMPARE(p.toStart(s), std::size_t(0)); // halfway through 20 ms, as far as it knows
    s.elapsed = {2s};
    QCOMPARE(p.expectedWait(s, 1), microseconds(2s));
    QCOMPARE(p.toStart(s), std::size_t(1));
    s.elapsed = {5ms};
    QCOMPARE(p.expectedWait(s, 1), microseconds(15ms));
    QCOMPARE(p.toStart(s), std::size_t(0));
}

void TestScalePolicy::aBacklogThatOutlastsAColdStartIsLoad() {
    // Nine 1 ms invocations behind one busy instance: each waits under 10 ms, far less than
    // a 300 ms cold start, so a burst starts nothing.
    const auto p = policy(2, 300ms, 1ms);
    ScaleState s = state(9, 0, 0, 1);
    s.backlog = 50ms;
    QCOMPARE(p.toStart(s), std::size_t(0));
    // The same queue, never empty for longer than a cold start and a service time: load.
    // One more instance starts, then none while it starts.
    s.backlog = 302ms;
    QCOMPARE(p.toStart(s), std::size_t(1));
    ScaleState withOneStarting = state(9, 0, 1, 1);
    withOneStarting.backlog = 2s;
    QCOMPARE(p.toStart(withOneStarting), std::size_t(0));
    // Never past the cores this way, even for instances measured to wait on I/O most of
    // their time (that is what the expected wait weighs, and it says no here).
    auto waiting = policy(2, 300ms, 1ms);
    for (int i = 0; i < 40; ++i)
        waiting.cpuShareMeasured(0.1);
    ScaleState two = state(9, 0, 0, 2);
    two.backlog = 2s;
    QCOMPARE(waiting.toStart(two), std::size_t(0));
    QCOMPARE(p.toStart(two), std::size_t(0));
    // Nor past the function's limit.
    ScaleState limited = state(9, 0, 0, 1, 1);
    limited.backlog = 2s;
    QCOMPARE(p.toStart(limited), std::size_t(0));
}

QTEST_APPLESS_MAIN(TestScalePolicy)
#include "tst_scalepolicy.moc"
