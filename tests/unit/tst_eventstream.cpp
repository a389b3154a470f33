#include "events/eventstream.h"

#include <QElapsedTimer>
#include <QtTest>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

using namespace nimbus::sim;
using nlohmann::json;
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Runs the I/O context until `done` or `limit` passes, whichever comes first.
template <typename Done>
bool runUntil(asio::io_context &io, Done done, milliseconds limit = milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        if (io.run_for(milliseconds(10)) == 0)
            std::this_thread::sleep_for(milliseconds(1));
    }
    return done();
}

// Runs what is ready, and what becomes ready within `limit` (a cancelled timer's handler).
void drain(asio::io_context &io, milliseconds limit = milliseconds(100)) {
    io.restart();
    io.run_for(limit);
}

// A poll that does not wait, answered: null when it was not.
json pollNow(asio::io_context &io, EventStream &stream, long long after, std::size_t limit = 1000) {
    std::optional<json> answer;
    stream.poll(after, milliseconds(0), limit, [&](json a) { answer = std::move(a); });
    runUntil(io, [&] { return answer.has_value(); });
    return answer.value_or(json());
}

QString seqs(const json &events) {
    QStringList out;
    for (const auto &event : events)
        out << QString::number(event["seq"].get<long long>());
    return out.join(' ');
}

QString range(int first, int last) {
    QStringList out;
    for (int seq = first; seq <= last; ++seq)
        out << QString::number(seq);
    return out.join(' ');
}

void appendPlatformEvents(EventStream &stream, int count) {
    for (int i = 0; i < count; ++i)
        stream.platformEvent("event " + std::to_string(stream.lastSequence() + 1));
}

// Plays observer calls: "start f 10", "state f 10 idle 2048" (peak KB), "stop f 10".
void play(EventStream &stream, const QString &script) {
    for (const QString &step : script.split(';', Qt::SkipEmptyParts)) {
        const QStringList words = step.trimmed().split(' ');
        const std::string function = words.value(1).toStdString();
        const auto pid = static_cast<pid_t>(words.value(2).toInt());
        if (words[0] == "start")
            stream.instanceStarted(function, pid);
        else if (words[0] == "state")
            stream.instanceState(function, pid, words.value(3).toStdString(),
                                 words.value(4).toLongLong());
        else if (words[0] == "stop")
            stream.instanceStopped(function, pid, "idle too long");
        else
            qFatal("unknown step: %s", qPrintable(step));
    }
}

// "f 10 idle 2MB, g 12 starting 0MB"
QString describe(const json &instances) {
    QStringList out;
    for (const auto &instance : instances)
        out << QString::fromStdString(instance["function"].get<std::string>() + " " +
                                      std::to_string(instance["pid"].get<int>()) + " " +
                                      instance["state"].get<std::string>() + " " +
                                      std::to_string(instance["memoryMb"].get<int>()) + "MB");
    return out.join(", ");
}

long long nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

// The simulator's event stream in-process, on an I/O context the test runs: numbering,
// long polls that answer at once, wait, time out or are woken, a bounded backlog that tells
// a slow client what it missed, the instance snapshot, and the events each observer call
// becomes.
class TestEventStream : public QObject {
    Q_OBJECT
private slots:
    void numbering();
    void poll_data();
    void poll();
    void everyWaitingPollIsWoken();
    void closeAnswersWaitingPolls();
    void snapshot_data();
    void snapshot();
    void logLines_data();
    void logLines();
    void invocationEnd_data();
    void invocationEnd();
};

void TestEventStream::numbering() {
    asio::io_context io;
    EventStream stream(io);
    QCOMPARE(stream.lastSequence(), 0LL);
    QCOMPARE(stream.snapshot()["next"].get<long long>(), 0LL);

    const long long before = nowMs();
    stream.instanceStarted("f", 10);
    stream.invocationStarted("f", "req-1");
    stream.invocationLog("f", "one\ntwo\n");
    stream.gatewayRequest("f", "GET /items 200 3 ms");
    stream.platformEvent("reloaded");
    const long long after = nowMs();
    QCOMPARE(stream.lastSequence(), 6LL);
    QCOMPARE(stream.snapshot()["next"].get<long long>(), 6LL);

    json answer = pollNow(io, stream, 0);
    QVERIFY(answer.is_object());
    QCOMPARE(seqs(answer["events"]), range(1, 6));
    QCOMPARE(answer["next"].get<long long>(), 6LL);
    QCOMPARE(answer["dropped"].get<long long>(), 0LL);
    QVERIFY(!answer.contains("reset"));
    QStringList types;
    for (const auto &event : answer["events"]) {
        types << QString::fromStdString(event["type"].get<std::string>());
        const long long time = event["time"].get<long long>();
        QVERIFY(time >= before && time <= after);
    }
    QCOMPARE(types.join(' '), QString("instance invocationStart log log request platform"));
    QCOMPARE(answer["events"][4]["line"].get<std::string>(), std::string("GET /items 200 3 ms"));
    QCOMPARE(answer["events"][5]["message"].get<std::string>(), std::string("reloaded"));

    // `next` is the following poll's `after`: nothing new there.
    json again = pollNow(io, stream, answer["next"].get<long long>());
    QVERIFY(again.is_object());
    QCOMPARE(again["events"].size(), std::size_t(0));
    QCOMPARE(again["next"].get<long long>(), 6LL);
    QCOMPARE(again["dropped"].get<long long>(), 0LL);
    QVERIFY(!again.contains("reset"));
}

void TestEventStream::poll_data() {
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("before"); // events appended before the poll
    QTest::addColumn<int>("after");
    QTest::addColumn<int>("waitMs");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("during");  // events appended while the poll waits
    QTest::addColumn<bool>("atOnce"); // answered without waiting
    QTest::addColumn<QString>("events");
    QTest::addColumn<int>("next");
    QTest::addColumn<int>("dropped");
    QTest::addColumn<bool>("reset");

    QTest::newRow("new events answer at once, however long the poll would wait")
        << 100 << 3 << 0 << 5000 << 1000 << 0 << true << range(1, 3) << 3 << 0 << false;
    QTest::newRow("a client that read some gets the rest")
        << 100 << 5 << 2 << 5000 << 1000 << 0 << true << range(3, 5) << 5 << 0 << false;
    QTest::newRow("limit caps an answer and next says where it stopped")
        << 100 << 5 << 0 << 5000 << 2 << 0 << true << range(1, 2) << 2 << 0 << false;
    QTest::newRow("limit from the middle")
        << 100 << 5 << 1 << 0 << 3 << 0 << true << range(2, 4) << 4 << 0 << false;
    QTest::newRow("a limit of zero is read as one")
        << 100 << 3 << 0 << 0 << 0 << 0 << true << range(1, 1) << 1 << 0 << false;
    QTest::newRow("nothing new and no wait answers empty at once")
        << 100 << 3 << 3 << 0 << 1000 << 0 << true << QString() << 3 << 0 << false;
    QTest::newRow("an empty stream with no wait answers empty at once")
        << 100 << 0 << 0 << 0 << 1000 << 0 << true << QString() << 0 << 0 << false;
    QTest::newRow("a waiting poll that times out answers with no events")
        << 100 << 3 << 3 << 150 << 1000 << 0 << false << QString() << 3 << 0 << false;
    QTest::newRow("a waiting poll is woken by an appended event")
        << 100 << 3 << 3 << 5000 << 1000 << 1 << false << range(4, 4) << 4 << 0 << false;
    QTest::newRow("a poll on an empty stream is woken by the first event")
        << 100 << 0 << 0 << 5000 << 1000 << 1 << false << range(1, 1) << 1 << 0 << false;
    QTest::newRow("a woken poll keeps its limit")
        << 100 << 3 << 3 << 5000 << 2 << 3 << false << range(4, 5) << 5 << 0 << false;
    QTest::newRow("an overflowed backlog says how many events the client missed")
        << 16 << 20 << 0 << 5000 << 1000 << 0 << true << range(5, 20) << 20 << 4 << false;
    QTest::newRow("a client that read some before the overflow missed fewer")
        << 16 << 20 << 2 << 5000 << 1000 << 0 << true << range(5, 20) << 20 << 2 << false;
    QTest::newRow("a client that kept up with the backlog missed nothing")
        << 16 << 20 << 4 << 5000 << 1000 << 0 << true << range(5, 20) << 20 << 0 << false;
    QTest::newRow("a limit on an overflowed backlog reads from the oldest kept")
        << 16 << 20 << 0 << 5000 << 3 << 0 << true << range(5, 7) << 7 << 4 << false;
    QTest::newRow("a client beyond the end is told to reset and reads from the start")
        << 100 << 3 << 10 << 5000 << 1000 << 0 << true << range(1, 3) << 3 << 0 << true;
    QTest::newRow("a client one beyond the end is told to reset too")
        << 100 << 3 << 4 << 5000 << 1000 << 0 << true << range(1, 3) << 3 << 0 << true;
    QTest::newRow("a reset after an overflow reads from the oldest kept")
        << 16 << 20 << 50 << 5000 << 1000 << 0 << true << range(5, 20) << 20 << 4 << true;
}

void TestEventStream::poll() {
    QFETCH(int, capacity);
    QFETCH(int, before);
    QFETCH(int, after);
    QFETCH(int, waitMs);
    QFETCH(int, limit);
    QFETCH(int, during);
    QFETCH(bool, atOnce);
    QFETCH(QString, events);
    QFETCH(int, next);
    QFETCH(int, dropped);
    QFETCH(bool, reset);

    asio::io_context io;
    std::vector<json> answers;
    EventStream stream(io, static_cast<std::size_t>(capacity));
    appendPlatformEvents(stream, before);

    QElapsedTimer clock;
    clock.start();
    stream.poll(after, milliseconds(waitMs), static_cast<std::size_t>(limit),
                [&](json answer) { answers.push_back(std::move(answer)); });
    io.restart();
    io.poll();
    QCOMPARE(answers.size(), std::size_t(atOnce ? 1 : 0));
    if (during > 0) {
        io.restart();
        io.run_for(milliseconds(50));
        QCOMPARE(answers.size(), std::size_t(0));
        appendPlatformEvents(stream, during);
        // Answered from the I/O context, never inside the observer call that appended.
        QCOMPARE(answers.size(), std::size_t(0));
    }
    QVERIFY(runUntil(io, [&] { return !answers.empty(); }));
    if (!atOnce && during == 0)
        QVERIFY2(clock.elapsed() >= waitMs - 10, qPrintable(QString::number(clock.elapsed())));
    if (during > 0)
        QVERIFY2(clock.elapsed() < waitMs, qPrintable(QString::number(clock.elapsed())));
    drain(io);
    QCOMPARE(answers.size(), std::size_t(1)); // once, even when its timer was cancelled

    json &answer = answers.front();
    QCOMPARE(seqs(answer["events"]), events);
    QCOMPARE(answer["next"].get<long long>(), static_cast<long long>(next));
    QCOMPARE(answer["dropped"].get<long long>(), static_cast<long long>(dropped));
    QCOMPARE(answer.value("reset", false), reset);
}

void TestEventStream::everyWaitingPollIsWoken() {
    asio::io_context io;
    std::vector<json> first, second;
    EventStream stream(io);
    appendPlatformEvents(stream, 2);
    stream.poll(2, milliseconds(5000), 1000, [&](json a) { first.push_back(std::move(a)); });
    stream.poll(1, milliseconds(5000), 1000, [&](json a) { second.push_back(std::move(a)); });
    io.restart();
    io.poll();
    QCOMPARE(first.size(), std::size_t(0));
    QCOMPARE(second.size(), std::size_t(1)); // it had event 2 to read
    stream.poll(2, milliseconds(5000), 1000, [&](json a) { second.push_back(std::move(a)); });
    drain(io, milliseconds(30));
    QCOMPARE(second.size(), std::size_t(1));

    stream.platformEvent("news");
    QVERIFY(runUntil(io, [&] { return first.size() == 1 && second.size() == 2; }));
    drain(io);
    QCOMPARE(first.size(), std::size_t(1));
    QCOMPARE(second.size(), std::size_t(2));
    QCOMPARE(seqs(first[0]["events"]), QString("3"));
    QCOMPARE(seqs(second[1]["events"]), QString("3"));
    QCOMPARE(second[1]["events"][0]["message"].get<std::string>(), std::string("news"));
}

void TestEventStream::closeAnswersWaitingPolls() {
    asio::io_context io;
    std::vector<json> answers;
    EventStream stream(io);
    appendPlatformEvents(stream, 2);
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 2; ++i)
        stream.poll(2, milliseconds(5000), 1000,
                    [&](json answer) { answers.push_back(std::move(answer)); });
    io.restart();
    io.poll();
    QCOMPARE(answers.size(), std::size_t(0));

    stream.close();
    QVERIFY(runUntil(io, [&] { return answers.size() == 2; }));
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    drain(io);
    QCOMPARE(answers.size(), std::size_t(2));
    for (auto &answer : answers) {
        QCOMPARE(answer["events"].size(), std::size_t(0));
        QCOMPARE(answer["next"].get<long long>(), 2LL);
    }

    // A stopping stream keeps no one waiting.
    clock.restart();
    stream.poll(2, milliseconds(5000), 1000,
                [&](json answer) { answers.push_back(std::move(answer)); });
    QVERIFY(runUntil(io, [&] { return answers.size() == 3; }));
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(answers[2]["events"].size(), std::size_t(0));
}

void TestEventStream::snapshot_data() {
    QTest::addColumn<QString>("script");
    QTest::addColumn<QString>("instances");
    QTest::addColumn<QString>("states"); // of the events the script appended

    QTest::newRow("a started instance is starting") << "start f 10"
                                                    << "f 10 starting 0MB"
                                                    << "starting";
    QTest::newRow("an instance that became idle shows its memory")
        << "start f 10; state f 10 idle 2048"
        << "f 10 idle 2MB"
        << "starting idle";
    QTest::newRow("memory rounds up to whole megabytes")
        << "start f 10; state f 10 idle 1000; state f 10 busy 1025"
        << "f 10 busy 2MB"
        << "starting idle busy";
    QTest::newRow("an instance back to idle after its invocation")
        << "start f 10; state f 10 idle 512; state f 10 busy 4096; state f 10 idle 5120"
        << "f 10 idle 5MB"
        << "starting idle busy idle";
    QTest::newRow("a stopped instance leaves the snapshot")
        << "start f 10; state f 10 idle 100; stop f 10"
        << ""
        << "starting idle stopped";
    QTest::newRow("other instances stay when one stops")
        << "start g 12; start f 11; start f 10; stop f 10"
        << "f 11 starting 0MB, g 12 starting 0MB"
        << "starting starting starting stopped";
    QTest::newRow("stopping an unknown instance changes nothing")
        << "start f 10; stop f 99; stop g 1"
        << "f 10 starting 0MB"
        << "starting stopped stopped";
    QTest::newRow("nothing started, nothing runs") << ""
                                                   << ""
                                                   << "";
}

void TestEventStream::snapshot() {
    QFETCH(QString, script);
    QFETCH(QString, instances);
    QFETCH(QString, states);
    asio::io_context io;
    EventStream stream(io);
    const long long before = nowMs();
    play(stream, script);
    json running = stream.snapshot();
    QCOMPARE(describe(running["instances"]), instances);
    QCOMPARE(running["next"].get<long long>(), stream.lastSequence());
    for (const auto &instance : running["instances"])
        QVERIFY(instance["since"].get<long long>() >= before);

    json answer = pollNow(io, stream, 0);
    QVERIFY(answer.is_object());
    QStringList seen;
    for (const auto &event : answer["events"]) {
        QCOMPARE(event["type"].get<std::string>(), std::string("instance"));
        seen << QString::fromStdString(event["state"].get<std::string>());
        if (event["state"] == "stopped")
            QCOMPARE(event["reason"].get<std::string>(), std::string("idle too long"));
    }
    QCOMPARE(seen.join(' '), states);
}

void TestEventStream::logLines_data() {
    QTest::addColumn<QString>("log");
    QTest::addColumn<QStringList>("lines");

    QTest::newRow("an invocation's log is one event per line")
        << "START RequestId: r Version: $LATEST\nhello\nEND RequestId: r\n"
           "REPORT RequestId: r\tDuration: 1.00 ms\t\n"
        << QStringList{"START RequestId: r Version: $LATEST", "hello", "END RequestId: r",
                       "REPORT RequestId: r\tDuration: 1.00 ms\t"};
    QTest::newRow("a last line without a newline is kept") << "a\nb" << QStringList{"a", "b"};
    QTest::newRow("an empty line in the middle is kept") << "a\n\nb\n" << QStringList{"a", "", "b"};
    QTest::newRow("an empty log appends nothing") << "" << QStringList();
}

void TestEventStream::logLines() {
    QFETCH(QString, log);
    QFETCH(QStringList, lines);
    asio::io_context io;
    EventStream stream(io);
    stream.invocationLog("f", log.toStdString());
    QCOMPARE(stream.lastSequence(), static_cast<long long>(lines.size()));
    json answer = pollNow(io, stream, 0);
    QVERIFY(answer.is_object());
    QStringList seen;
    for (const auto &event : answer["events"]) {
        QCOMPARE(event["type"].get<std::string>(), std::string("log"));
        QCOMPARE(event["function"].get<std::string>(), std::string("f"));
        seen << QString::fromStdString(event["line"].get<std::string>());
    }
    QCOMPARE(seen, lines);
}

void TestEventStream::invocationEnd_data() {
    QTest::addColumn<double>("durationMs");
    QTest::addColumn<int>("billedMs");
    QTest::addColumn<int>("maxMemoryMb");
    QTest::addColumn<double>("initMs");     // negative: a warm start, no init duration
    QTest::addColumn<QString>("errorType"); // empty: it succeeded
    QTest::addColumn<bool>("throttled");

    QTest::newRow("a warm invocation has no init duration")
        << 12.5 << 13 << 40 << -1.0 << QString() << false;
    QTest::newRow("a cold start carries its init duration")
        << 3.25 << 4 << 38 << 250.75 << QString() << false;
    QTest::newRow("a cold start that took no time still reports it")
        << 1.0 << 1 << 30 << 0.0 << QString() << false;
    QTest::newRow("a failed invocation names its error type")
        << 7.5 << 8 << 41 << -1.0 << "ValueError" << false;
    QTest::newRow("a timeout is an error with the runtime's type")
        << 6000.0 << 6000 << 64 << 120.0 << "Sandbox.Timedout" << false;
    QTest::newRow("a throttled invocation says so") << 0.0 << 0 << 0 << -1.0 << QString() << true;
}

void TestEventStream::invocationEnd() {
    QFETCH(double, durationMs);
    QFETCH(int, billedMs);
    QFETCH(int, maxMemoryMb);
    QFETCH(double, initMs);
    QFETCH(QString, errorType);
    QFETCH(bool, throttled);
    asio::io_context io;
    EventStream stream(io);
    InvocationResult result;
    result.requestId = "req-1";
    result.durationMs = durationMs;
    result.billedDurationMs = billedMs;
    result.memorySizeMb = 128;
    result.maxMemoryUsedMb = maxMemoryMb;
    if (initMs >= 0)
        result.initDurationMs = initMs;
    result.functionError = !errorType.isEmpty();
    result.errorType = errorType.toStdString();
    result.throttled = throttled;
    stream.invocationStarted("f", "req-1");
    stream.invocationFinished("f", result);

    json answer = pollNow(io, stream, 0);
    QVERIFY(answer.is_object());
    QCOMPARE(answer["events"].size(), std::size_t(2));
    json &start = answer["events"][0];
    QCOMPARE(start["type"].get<std::string>(), std::string("invocationStart"));
    QCOMPARE(start["function"].get<std::string>(), std::string("f"));
    QCOMPARE(start["requestId"].get<std::string>(), std::string("req-1"));

    json &end = answer["events"][1];
    QCOMPARE(end["type"].get<std::string>(), std::string("invocationEnd"));
    QCOMPARE(end["function"].get<std::string>(), std::string("f"));
    QCOMPARE(end["requestId"].get<std::string>(), std::string("req-1"));
    QCOMPARE(end["durationMs"].get<double>(), durationMs);
    QCOMPARE(end["billedDurationMs"].get<long long>(), static_cast<long long>(billedMs));
    QCOMPARE(end["memorySizeMb"].get<int>(), 128);
    QCOMPARE(end["maxMemoryUsedMb"].get<int>(), maxMemoryMb);
    QCOMPARE(end.contains("initDurationMs"), initMs >= 0);
    if (initMs >= 0)
        QCOMPARE(end["initDurationMs"].get<double>(), initMs);
    QVERIFY(end.contains("error"));
    if (errorType.isEmpty())
        QVERIFY(end["error"].is_null());
    else
        QCOMPARE(QString::fromStdString(end["error"].get<std::string>()), errorType);
    QCOMPARE(end.value("throttled", false), throttled);
}

QTEST_APPLESS_MAIN(TestEventStream)
#include "tst_eventstream.moc"
