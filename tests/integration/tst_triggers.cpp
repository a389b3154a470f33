// Event sources that fire locally: a manifest's schedules (read, their EventBridge event, fired
// on time by the scheduler, queued for the function as a schedule), and `nimbus trigger`.
#include "simulator/simulator.h"
#include "tempproject.h"
#include "testpaths.h"
#include "triggers/scheduler.h"
#include "triggers/schedules.h"

#include "nimbus/manifest/manifestloader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <chrono>

using namespace nimbus::sim;

namespace {

const char *kManifest = R"(service: triggers
provider:
  name: aws
  runtime: python3.11
  region: eu-west-1
functions:
  tick:
    handler: handler.echo
    events:
      - schedule: rate(5 minutes)
      - schedule:
          name: nightly
          rate:
            - cron(0 2 * * ? *)
            - cron(30 2 * * ? *)
          enabled: false
  constant:
    handler: handler.echo
    events:
      - schedule:
          rate: rate(1 hour)
          input:
            kind: constant
            count: 3
  text:
    handler: handler.echo
    events:
      - schedule:
          rate: rate(1 hour)
          input: '{"from": "a string"}'
  detail:
    handler: handler.echo
    events:
      - schedule:
          rate: rate(1 hour)
          inputPath: $.resources[0]
  plain:
    handler: handler.echo
  worker:
    handler: handler.echo
    events:
      - sqs: arn:aws:sqs:eu-west-1:000000000000:jobs
  thumb:
    handler: handler.echo
    events:
      - s3:
          bucket: photos
          rules:
            - prefix: uploads/
            - suffix: .csv
)";

const char *kHandler = R"(def echo(event, context):
    return event
)";

QJsonObject object(const std::string &text) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
}

std::int64_t systemNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Finished : PoolObserver {
    std::vector<std::pair<std::string, InvocationResult>> results;
    void invocationFinished(const std::string &function, const InvocationResult &result) override {
        results.emplace_back(function, result);
    }
};

} // namespace

class TestTriggers : public QObject {
    Q_OBJECT
private slots:
    void init();
    void schedulesAreReadFromTheManifest();
    void theScheduledEventIsEventBridges();
    void inputAndInputPathReplaceTheEvent();
    void theSchedulerFiresOnTime();
    void anUnchangedScheduleKeepsItsOrigin();
    void aFiredScheduleRunsTheFunctionAsASchedule();
    void nimbusTriggerFiresTheScheduleNow();
    void nimbusTriggerSaysWhatItCannotFire();
    void nimbusTriggerSendsQueueAndBucketEvents();

private:
    nimbus::manifest::Manifest load();
    std::unique_ptr<TempProject> m_project;
};

void TestTriggers::init() {
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("handler.py", kHandler);
}

nimbus::manifest::Manifest TestTriggers::load() {
    auto result = nimbus::manifest::ManifestLoader().loadProject(m_project->path().toStdString());
    if (!result.manifest)
        qFatal("the manifest does not load");
    return *result.manifest;
}

void TestTriggers::schedulesAreReadFromTheManifest() {
    const auto schedules = schedulesOf(load());
    QCOMPARE(schedules.size(), std::size_t(6));
    QCOMPARE(QString::fromStdString(schedules[0].function), QString("tick"));
    QCOMPARE(QString::fromStdString(schedules[0].rule), QString("triggers-dev-tick-schedule-1"));
    QCOMPARE(QString::fromStdString(schedules[0].expression), QString("rate(5 minutes)"));
    QVERIFY(schedules[0].enabled);
    // A named event with two expressions: a rule each; `enabled: false` on both.
    QCOMPARE(QString::fromStdString(schedules[1].rule), QString("nightly-1"));
    QCOMPARE(QString::fromStdString(schedules[2].rule), QString("nightly-2"));
    QCOMPARE(QString::fromStdString(schedules[2].expression), QString("cron(30 2 * * ? *)"));
    QVERIFY(!schedules[1].enabled && !schedules[2].enabled);
    QCOMPARE(QString::fromStdString(schedules[5].inputPath), QString("$.resources[0]"));
}

void TestTriggers::theScheduledEventIsEventBridges() {
    const auto schedules = schedulesOf(load());
    const std::int64_t time = 1795662000; // 2026-11-26T03:00:00Z
    const QJsonObject event = object(scheduledEventPayload(schedules[0], "eu-west-1", time));
    QCOMPARE(event["version"].toString(), QString("0"));
    QCOMPARE(event["detail-type"].toString(), QString("Scheduled Event"));
    QCOMPARE(event["source"].toString(), QString("aws.events"));
    QCOMPARE(event["account"].toString(), QString("000000000000"));
    QCOMPARE(event["time"].toString(), QString("2026-11-26T03:00:00Z"));
    QCOMPARE(event["region"].toString(), QString("eu-west-1"));
    QCOMPARE(event["resources"].toArray().first().toString(),
             QString("arn:aws:events:eu-west-1:000000000000:rule/triggers-dev-tick-schedule-1"));
    QVERIFY(event["detail"].isObject() && event["detail"].toObject().isEmpty());
    QVERIFY(QRegularExpression("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
                .match(event["id"].toString())
                .hasMatch());
    // Every firing is an event of its own.
    QVERIFY(object(scheduledEventPayload(schedules[0], "eu-west-1", time))["id"] != event["id"]);
}

void TestTriggers::inputAndInputPathReplaceTheEvent() {
    const auto schedules = schedulesOf(load());
    QCOMPARE(object(scheduledEventPayload(schedules[3], "eu-west-1", 0)),
             QJsonObject({{"kind", "constant"}, {"count", 3}}));
    QCOMPARE(object(scheduledEventPayload(schedules[4], "eu-west-1", 0)),
             QJsonObject({{"from", "a string"}}));
    QCOMPARE(QString::fromStdString(scheduledEventPayload(schedules[5], "eu-west-1", 0)),
             QString("\"arn:aws:events:eu-west-1:000000000000:rule/triggers-dev-detail-schedule-1\""));
}

void TestTriggers::theSchedulerFiresOnTime() {
    boost::asio::io_context io;
    // A clock one second short of a minute: an every-minute cron fires a second from now.
    const std::int64_t start = systemNow();
    const std::int64_t offset = (start / 60 + 1) * 60 - 1 - start;
    std::vector<std::pair<std::string, std::string>> fired;
    Scheduler scheduler(
        io, "eu-west-1",
        [&](const Schedule &s, std::string payload) { fired.emplace_back(s.rule, payload); },
        [offset] { return systemNow() + offset; });
    std::string error;
    Schedule every;
    every.function = "tick";
    every.rule = "every-minute";
    every.expression = "cron(* * * * ? *)";
    every.parsed = *nimbus::manifest::ScheduleExpression::parse(every.expression, error);
    Schedule off = every;
    off.rule = "off";
    off.enabled = false;
    scheduler.set({every, off});
    const auto states = scheduler.states();
    QCOMPARE(states.size(), std::size_t(2));
    QCOMPARE(*states[0].nextFire, (start / 60 + 1) * 60);
    QVERIFY(!states[1].nextFire); // disabled: never armed
    io.run_for(std::chrono::milliseconds(2500));
    QCOMPARE(fired.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(fired[0].first), QString("every-minute"));
    QCOMPARE(object(fired[0].second)["time"].toString(),
             QString::fromStdString(isoSeconds((start / 60 + 1) * 60)));
    // Armed again for the minute after.
    QCOMPARE(*scheduler.states()[0].nextFire, (start / 60 + 2) * 60);
    QCOMPARE(scheduler.states()[0].fired, 1);
}

void TestTriggers::anUnchangedScheduleKeepsItsOrigin() {
    boost::asio::io_context io;
    std::int64_t now = 1795674000;
    Scheduler scheduler(io, "eu-west-1", [](const Schedule &, std::string) {}, [&] { return now; });
    auto schedules = schedulesOf(load());
    scheduler.set(schedules);
    const auto before = *scheduler.states()[0].nextFire; // rate(5 minutes) from `now`
    QCOMPARE(before, now + 300);
    now += 120; // a reload two minutes later, the schedule as it was
    scheduler.set(schedules);
    QCOMPARE(*scheduler.states()[0].nextFire, before);
    // A changed expression is a new rule: counted from now.
    schedules[0].expression = "rate(10 minutes)";
    std::string error;
    schedules[0].parsed = *nimbus::manifest::ScheduleExpression::parse("rate(10 minutes)", error);
    scheduler.set(schedules);
    QCOMPARE(*scheduler.states()[0].nextFire, now + 600);
}

void TestTriggers::aFiredScheduleRunsTheFunctionAsASchedule() {
    boost::asio::io_context io;
    Finished finished;
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveGateway = false;
    options.prewarm = false;
    Simulator simulator(io, options, &finished);
    QVERIFY(simulator.load());
    simulator.start();
    // The schedules are armed once it serves.
    QCOMPARE(simulator.schedules().size(), std::size_t(6));
    const auto schedules = schedulesOf(simulator.manifest());
    simulator.fireEvent("constant", scheduledEventPayload(schedules[3], "eu-west-1", systemNow()),
                        "schedule");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (finished.results.empty() && std::chrono::steady_clock::now() < deadline)
        io.run_for(std::chrono::milliseconds(20));
    QCOMPARE(finished.results.size(), std::size_t(1));
    const auto &[function, result] = finished.results.front();
    QCOMPARE(QString::fromStdString(function), QString("constant"));
    QCOMPARE(QString::fromStdString(result.trigger), QString("schedule")); // through the queue
    QVERIFY2(!result.functionError, result.payload.c_str());
    QCOMPARE(object(result.payload), QJsonObject({{"kind", "constant"}, {"count", 3}}));
    simulator.shutdown();
    io.run_for(std::chrono::milliseconds(100));
}

void TestTriggers::nimbusTriggerFiresTheScheduleNow() {
    QProcess nimbus;
    nimbus.start(nimbusBinary("nimbus"), {"trigger", "tick", "--project", m_project->path()});
    QVERIFY(nimbus.waitForFinished(60000));
    const QString err = QString::fromUtf8(nimbus.readAllStandardError());
    QCOMPARE(nimbus.exitCode(), 0);
    QVERIFY2(err.contains("tick's schedule rate(5 minutes) (rule triggers-dev-tick-schedule-1)"),
             qPrintable(err));
    const QJsonObject event = QJsonDocument::fromJson(nimbus.readAllStandardOutput()).object();
    QCOMPARE(event["detail-type"].toString(), QString("Scheduled Event"));
    QCOMPARE(event["resources"].toArray().first().toString(),
             QString("arn:aws:events:eu-west-1:000000000000:rule/triggers-dev-tick-schedule-1"));
}

void TestTriggers::nimbusTriggerSaysWhatItCannotFire() {
    QProcess nimbus;
    nimbus.start(nimbusBinary("nimbus"), {"trigger", "plain", "--project", m_project->path()});
    QVERIFY(nimbus.waitForFinished(60000));
    QCOMPARE(nimbus.exitCode(), 1);
    const QString err = QString::fromUtf8(nimbus.readAllStandardError());
    QVERIFY2(err.contains("function 'plain' has no schedule, sqs, s3 or websocket event"),
             qPrintable(err));
    QVERIFY2(err.contains("nimbus invoke plain --data"), qPrintable(err));
}

void TestTriggers::nimbusTriggerSendsQueueAndBucketEvents() {
    QProcess nimbus;
    nimbus.start(nimbusBinary("nimbus"),
                 {"trigger", "worker", "--project", m_project->path(), "--body", "job 7"});
    QVERIFY(nimbus.waitForFinished(60000));
    QCOMPARE(nimbus.exitCode(), 0);
    const QJsonObject batch = QJsonDocument::fromJson(nimbus.readAllStandardOutput()).object();
    const QJsonObject record = batch["Records"].toArray().first().toObject();
    QCOMPARE(record["body"].toString(), QString("job 7"));
    QCOMPARE(record["eventSource"].toString(), QString("aws:sqs"));
    QCOMPARE(record["eventSourceARN"].toString(), QString("arn:aws:sqs:eu-west-1:000000000000:jobs"));
    QCOMPARE(record["md5OfBody"].toString().size(), 32);

    nimbus.start(nimbusBinary("nimbus"), {"trigger", "thumb", "--project", m_project->path()});
    QVERIFY(nimbus.waitForFinished(60000));
    QCOMPARE(nimbus.exitCode(), 0);
    const QJsonObject notification = QJsonDocument::fromJson(nimbus.readAllStandardOutput()).object();
    const QJsonObject s3 = notification["Records"].toArray().first().toObject()["s3"].toObject();
    QCOMPARE(s3["bucket"].toObject()["name"].toString(), QString("photos"));
    // A key the rules take.
    QCOMPARE(s3["object"].toObject()["key"].toString(), QString("uploads/example.csv"));
}

QTEST_GUILESS_MAIN(TestTriggers)
#include "tst_triggers.moc"
