// The local SQS and its event source mappings, in-process: queues a manifest names exist at
// start (with the CloudFormation resource's attributes and its dead-letter queue), the API's
// rules (visibility, receipts, long polls, batches, redrive, FIFO), batches delivered to the
// function with partial failures, messages kept across a restart of the store, and a Tencent
// project's cmq trigger fed from the queue named by its topic.
#include "queues/queueservice.h"
#include "simulator/simulator.h"
#include "store/database.h"
#include "tempproject.h"
#include "testpaths.h"
#include "triggers/queuemappings.h"

#include "nimbus/manifest/manifestloader.h"

#include <QtTest>
#include <chrono>

using namespace nimbus::sim;
using nlohmann::json;

namespace {

const char *kManifest = R"(service: queues
provider:
  name: aws
  runtime: python3.11
functions:
  worker:
    handler: handler.main
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
          batchSize: 4
          functionResponseType: ReportBatchItemFailures
  plain:
    handler: handler.plain
    events:
      - sqs: arn:aws:sqs:us-east-1:000000000000:plain-queue
      - sqs:
          arn: arn:aws:sqs:us-east-1:000000000000:off-queue
          enabled: false
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: jobs-${sls:stage}
        VisibilityTimeout: 1
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt JobsDlq.Arn
          maxReceiveCount: 2
    JobsDlq:
      Type: AWS::SQS::Queue
      Properties:
        MessageRetentionPeriod: 1209600
)";

// Messages whose body says "fail" are reported failed; "crash" fails the whole batch.
const char *kHandler = R"(def main(event, context):
    failures = []
    for record in event["Records"]:
        if record["body"] == "crash":
            raise RuntimeError("crash")
        if record["body"].startswith("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}

def plain(event, context):
    return len(event["Records"])
)";

struct Finished : PoolObserver {
    std::vector<std::pair<std::string, InvocationResult>> results;
    void invocationFinished(const std::string &function, const InvocationResult &result) override {
        results.emplace_back(function, result);
    }
};

// Runs the loop until `done` says so (30 s at most). (A loop that ran out of work stops:
// it is restarted.)
template <typename Done> void runUntil(boost::asio::io_context &io, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        if (io.stopped())
            io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
}

// Runs a call to completion (a long poll included) and returns its answer.
json call(boost::asio::io_context &io, QueueService &service, const std::string &action,
          json params, std::optional<sqs::Error> *error = nullptr) {
    sqs::Call c;
    c.protocol = sqs::Protocol::Json;
    c.action = action;
    c.params = std::move(params);
    bool done = false;
    json answer;
    service.call(c, "http://127.0.0.1:1", [&](json result, std::optional<sqs::Error> e) {
        answer = std::move(result);
        if (error)
            *error = e;
        else if (e)
            qWarning("%s: %s", e->queryCode.c_str(), e->message.c_str());
        done = true;
    });
    runUntil(io, [&] { return done; });
    return answer;
}

const std::string kUrl = "http://127.0.0.1:1/000000000000/";

// A simulator of the project without the gateway, whose instances start when asked.
SimulatorOptions simulatorOptions(const TempProject &project) {
    SimulatorOptions options;
    options.projectDir = project.path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveGateway = false;
    options.prewarm = false;
    return options;
}

} // namespace

class TestQueues : public QObject {
    Q_OBJECT
private slots:
    void init();
    void mappingsAreReadFromTheManifest();
    void theApiKeepsSqsRules();
    void longPollsAnswerWhenAMessageComes();
    void fifoQueuesKeepOrderAndDeduplicate();
    void batchesReachTheFunctionAndFailuresComeBackThenRedrive();
    void messagesSurviveARestart();
    void cmqTriggersReadTheirTopicsQueue();

private:
    nimbus::manifest::Manifest load();
    std::unique_ptr<TempProject> m_project;
};

void TestQueues::init() {
    m_project = std::make_unique<TempProject>();
    m_project->writeManifest(kManifest);
    m_project->write("handler.py", kHandler);
}

nimbus::manifest::Manifest TestQueues::load() {
    auto result = nimbus::manifest::ManifestLoader().loadProject(m_project->path().toStdString());
    if (!result.manifest)
        qFatal("the manifest does not load");
    return *result.manifest;
}

void TestQueues::mappingsAreReadFromTheManifest() {
    const auto mappings = queueMappingsOf(load());
    QCOMPARE(mappings.size(), std::size_t(3));
    QCOMPARE(QString::fromStdString(mappings[0].queue), QString("jobs-dev"));
    QCOMPARE(mappings[0].batchSize, 4);
    QVERIFY(mappings[0].reportBatchItemFailures);
    QCOMPARE(QString::fromStdString(mappings[0].queueAttributes.at("VisibilityTimeout")), QString("1"));
    const json redrive = json::parse(mappings[0].queueAttributes.at("RedrivePolicy"));
    QCOMPARE(redrive["maxReceiveCount"].get<int>(), 2);
    QCOMPARE(QString::fromStdString(redrive["deadLetterTargetArn"].get<std::string>()),
             QString("arn:aws:sqs:us-east-1:000000000000:JobsDlq"));
    QCOMPARE(mappings[0].relatedQueues.count("JobsDlq"), std::size_t(1));
    QCOMPARE(QString::fromStdString(mappings[1].queue), QString("plain-queue"));
    QCOMPARE(mappings[1].batchSize, 10);
    QVERIFY(!mappings[1].reportBatchItemFailures);
    QVERIFY(!mappings[2].enabled);
}

void TestQueues::theApiKeepsSqsRules() {
    boost::asio::io_context io;
    std::string error;
    auto db = Database::open(m_project->path().toStdString() + "/q.db", error);
    QVERIFY(db);
    QueueService service(io, *db, "us-east-1", "000000000000");
    service.migrate();
    std::optional<sqs::Error> failure;
    call(io, service, "SendMessage", {{"QueueUrl", kUrl + "nope"}, {"MessageBody", "x"}}, &failure);
    QVERIFY(failure);
    QCOMPARE(QString::fromStdString(failure->queryCode), QString("AWS.SimpleQueueService.NonExistentQueue"));
    QCOMPARE(call(io, service, "CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "30"}}}})["QueueUrl"],
             json(kUrl + "q"));
    // The same again is fine; a different value is not.
    call(io, service, "CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "30"}}}}, &failure);
    QVERIFY(!failure);
    call(io, service, "CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "31"}}}}, &failure);
    QVERIFY(failure && failure->queryCode == "QueueAlreadyExists");
    call(io, service, "SetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"Attributes", {{"VisibilityTimeout", "99999"}}}}, &failure);
    QVERIFY(failure && failure->queryCode == "InvalidAttributeValue");
    call(io, service, "SetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"Attributes", {{"Colour", "red"}}}}, &failure);
    QVERIFY(failure && failure->queryCode == "InvalidAttributeName");

    const json sent = call(io, service, "SendMessage", {{"QueueUrl", kUrl + "q"}, {"MessageBody", "hello"}});
    QCOMPARE(sent["MD5OfMessageBody"], json("5d41402abc4b2a76b9719d911017c592"));
    call(io, service, "SendMessage", {{"QueueUrl", kUrl + "q"}, {"MessageBody", "later"}, {"DelaySeconds", 60}});
    json attributes = call(io, service, "GetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"AttributeNames", {"All"}}})["Attributes"];
    QCOMPARE(attributes["ApproximateNumberOfMessages"], json("1"));
    QCOMPARE(attributes["ApproximateNumberOfMessagesDelayed"], json("1"));

    json received = call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "q"}, {"MaxNumberOfMessages", 10}, {"AttributeNames", {"ApproximateReceiveCount"}}});
    QCOMPARE(received["Messages"].size(), std::size_t(1));
    const std::string receipt = received["Messages"][0]["ReceiptHandle"];
    QCOMPARE(received["Messages"][0]["Attributes"]["ApproximateReceiveCount"], json("1"));
    // In flight: not received again.
    QVERIFY(!call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "q"}}).contains("Messages"));
    // Made visible at once, it comes back under a new receipt; the old one no longer deletes.
    call(io, service, "ChangeMessageVisibility", {{"QueueUrl", kUrl + "q"}, {"ReceiptHandle", receipt}, {"VisibilityTimeout", 0}});
    received = call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "q"}, {"AttributeNames", {"All"}}});
    QCOMPARE(received["Messages"][0]["Attributes"]["ApproximateReceiveCount"], json("2"));
    const std::string second = received["Messages"][0]["ReceiptHandle"];
    QVERIFY(second != receipt);
    call(io, service, "DeleteMessage", {{"QueueUrl", kUrl + "q"}, {"ReceiptHandle", receipt}}, &failure);
    QVERIFY(!failure); // SQS accepts a stale handle, and deletes nothing
    attributes = call(io, service, "GetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"AttributeNames", {"ApproximateNumberOfMessagesNotVisible"}}})["Attributes"];
    QCOMPARE(attributes["ApproximateNumberOfMessagesNotVisible"], json("1"));
    call(io, service, "DeleteMessage", {{"QueueUrl", kUrl + "q"}, {"ReceiptHandle", "not-a-handle"}}, &failure);
    QVERIFY(failure && failure->queryCode == "ReceiptHandleIsInvalid");
    call(io, service, "DeleteMessage", {{"QueueUrl", kUrl + "q"}, {"ReceiptHandle", second}}, &failure);
    QVERIFY(!failure);
    attributes = call(io, service, "GetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"AttributeNames", {"All"}}})["Attributes"];
    QCOMPARE(attributes["ApproximateNumberOfMessagesNotVisible"], json("0"));

    // Batches: ids distinct, at most ten, failures reported per entry.
    call(io, service, "SendMessageBatch", {{"QueueUrl", kUrl + "q"}, {"Entries", {{{"Id", "a"}, {"MessageBody", "1"}}, {{"Id", "a"}, {"MessageBody", "2"}}}}}, &failure);
    QVERIFY(failure && failure->queryCode == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    const json batch = call(io, service, "SendMessageBatch", {{"QueueUrl", kUrl + "q"}, {"Entries", {{{"Id", "a"}, {"MessageBody", "1"}}, {{"Id", "b"}, {"MessageBody", ""}}}}});
    QCOMPARE(batch["Successful"].size(), std::size_t(1));
    QCOMPARE(batch["Failed"][0]["Id"], json("b"));
    call(io, service, "PurgeQueue", {{"QueueUrl", kUrl + "q"}});
    attributes = call(io, service, "GetQueueAttributes", {{"QueueUrl", kUrl + "q"}, {"AttributeNames", {"All"}}})["Attributes"];
    QCOMPARE(attributes["ApproximateNumberOfMessages"], json("0"));
    QCOMPARE(attributes["ApproximateNumberOfMessagesDelayed"], json("0"));
    QCOMPARE(call(io, service, "ListQueues", {{"QueueNamePrefix", "q"}})["QueueUrls"].size(), std::size_t(1));
    call(io, service, "DeleteQueue", {{"QueueUrl", kUrl + "q"}});
    QVERIFY(!call(io, service, "ListQueues", json::object()).contains("QueueUrls"));
}

void TestQueues::longPollsAnswerWhenAMessageComes() {
    boost::asio::io_context io;
    std::string error;
    auto db = Database::open(m_project->path().toStdString() + "/q.db", error);
    QueueService service(io, *db, "us-east-1", "000000000000");
    service.migrate();
    service.ensure("q", {});
    sqs::Call receive;
    receive.protocol = sqs::Protocol::Json;
    receive.action = "ReceiveMessage";
    receive.params = {{"QueueUrl", kUrl + "q"}, {"WaitTimeSeconds", 20}};
    json answer;
    bool done = false;
    const auto start = std::chrono::steady_clock::now();
    service.call(receive, "http://x", [&](json result, std::optional<sqs::Error>) {
        answer = result;
        done = true;
    });
    io.run_for(std::chrono::milliseconds(200));
    QVERIFY(!done); // waiting
    call(io, service, "SendMessage", {{"QueueUrl", kUrl + "q"}, {"MessageBody", "now"}});
    runUntil(io, [&] { return done; });
    QVERIFY(done);
    QCOMPARE(answer["Messages"][0]["Body"], json("now"));
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    // A short wait with nothing to take ends empty, on time.
    const auto before = std::chrono::steady_clock::now();
    QVERIFY(!call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "q"}, {"WaitTimeSeconds", 1}}).contains("Messages"));
    QVERIFY(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(900));
}

void TestQueues::fifoQueuesKeepOrderAndDeduplicate() {
    boost::asio::io_context io;
    std::string error;
    auto db = Database::open(m_project->path().toStdString() + "/q.db", error);
    QueueService service(io, *db, "us-east-1", "000000000000");
    service.migrate();
    std::optional<sqs::Error> failure;
    call(io, service, "CreateQueue", {{"QueueName", "f.fifo"}}, &failure);
    QVERIFY(failure); // FifoQueue=true is required for a .fifo name
    call(io, service, "CreateQueue", {{"QueueName", "f.fifo"}, {"Attributes", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}}});
    const std::string url = kUrl + "f.fifo";
    call(io, service, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "1"}}, &failure);
    QVERIFY(failure && failure->queryCode == "MissingParameter");
    const json first = call(io, service, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "1"}, {"MessageGroupId", "g"}});
    const json again = call(io, service, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "1"}, {"MessageGroupId", "g"}});
    QCOMPARE(again["MessageId"], first["MessageId"]); // deduplicated
    call(io, service, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "2"}, {"MessageGroupId", "g"}});
    call(io, service, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "3"}, {"MessageGroupId", "h"}});
    json got = call(io, service, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 1}});
    QCOMPARE(got["Messages"][0]["Body"], json("1"));
    // While "1" is in flight, its group waits: only the other group's message comes.
    got = call(io, service, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
    QCOMPARE(got["Messages"].size(), std::size_t(1));
    QCOMPARE(got["Messages"][0]["Body"], json("3"));
}

void TestQueues::batchesReachTheFunctionAndFailuresComeBackThenRedrive() {
    boost::asio::io_context io;
    Finished finished;
    Simulator simulator(io, simulatorOptions(*m_project), &finished);
    QVERIFY(simulator.load());
    simulator.start();
    QueueService &service = *simulator.controlPlane()->queues();
    QVERIFY(service.exists("jobs-dev"));
    QVERIFY(service.exists("JobsDlq"));
    QVERIFY(service.exists("plain-queue"));
    QCOMPARE(service.visibilityTimeout("jobs-dev"), 1);
    // A warm instance first: a cold start on a loaded machine can outlast the one-second
    // visibility timeout, and the batch would then come back before it was answered.
    {
        bool warm = false;
        std::string error;
        InvocationRequest request;
        request.payload = R"({"Records": []})";
        QVERIFY(simulator.invoke("worker", request, [&](InvocationResult) { warm = true; }, error));
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!warm && std::chrono::steady_clock::now() < until)
            io.run_for(std::chrono::milliseconds(20));
        QVERIFY(warm);
        finished.results.clear();
    }
    call(io, service, "SendMessageBatch",
         {{"QueueUrl", kUrl + "jobs-dev"},
          {"Entries", {{{"Id", "a"}, {"MessageBody", "ok-1"}}, {{"Id", "b"}, {"MessageBody", "fail-1"}}, {{"Id", "c"}, {"MessageBody", "ok-2"}}}}});
    // The function sees them (in one batch or more); the failed one comes back once after the
    // visibility timeout (second receipt), then goes to the dead-letter queue.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        io.run_for(std::chrono::milliseconds(50));
        if (service.counts("JobsDlq").visible == 1 && service.counts("jobs-dev").visible +
                                                              service.counts("jobs-dev").inFlight == 0)
            break;
    }
    QCOMPARE(service.counts("JobsDlq").visible, 1LL);
    QCOMPARE(service.counts("jobs-dev").visible + service.counts("jobs-dev").inFlight, 0LL);
    int records = 0;
    for (const auto &[function, result] : finished.results) {
        QCOMPARE(QString::fromStdString(function), QString("worker"));
        QCOMPARE(QString::fromStdString(result.trigger), QString("sqs"));
        QVERIFY2(!result.functionError, result.payload.c_str());
        records += static_cast<int>(json::parse(result.payload)["batchItemFailures"].size());
    }
    QCOMPARE(records, 2); // fail-1 reported failed on each of its two receipts
    const json dead = call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "JobsDlq"}, {"AttributeNames", {"All"}}});
    QCOMPARE(dead["Messages"][0]["Body"], json("fail-1"));
    QCOMPARE(dead["Messages"][0]["Attributes"]["DeadLetterQueueSourceArn"],
             json("arn:aws:sqs:us-east-1:000000000000:jobs-dev"));
    const auto states = simulator.queueMappings();
    QCOMPARE(states.size(), std::size_t(3));
    QCOMPARE(states[0].deleted, 2LL);

    // A function error leaves the whole batch to come back.
    finished.results.clear();
    call(io, service, "SendMessage", {{"QueueUrl", kUrl + "jobs-dev"}, {"MessageBody", "crash"}});
    while (finished.results.size() < 2 && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(10))
        io.run_for(std::chrono::milliseconds(50));
    QCOMPARE(finished.results.size(), std::size_t(2));
    QVERIFY(finished.results[0].second.functionError);
    simulator.shutdown();
    io.run_for(std::chrono::milliseconds(100));
}

void TestQueues::messagesSurviveARestart() {
    const std::string path = m_project->path().toStdString() + "/q.db";
    {
        boost::asio::io_context io;
        std::string error;
        auto db = Database::open(path, error);
        QueueService service(io, *db, "us-east-1", "000000000000");
        service.migrate();
        service.ensure("kept", {{"VisibilityTimeout", "5"}});
        call(io, service, "SendMessage", {{"QueueUrl", kUrl + "kept"}, {"MessageBody", "durable"},
                                          {"MessageAttributes", {{"k", {{"DataType", "Number"}, {"StringValue", "1"}}}}}});
    }
    boost::asio::io_context io;
    std::string error;
    auto db = Database::open(path, error);
    QueueService service(io, *db, "us-east-1", "000000000000");
    service.migrate();
    QCOMPARE(service.visibilityTimeout("kept"), 5);
    const json got = call(io, service, "ReceiveMessage", {{"QueueUrl", kUrl + "kept"}, {"MessageAttributeNames", {"All"}}});
    QCOMPARE(got["Messages"][0]["Body"], json("durable"));
    QCOMPARE(got["Messages"][0]["MessageAttributes"]["k"]["StringValue"], json("1"));
    QVERIFY(got["Messages"][0].contains("MD5OfMessageAttributes"));
}

// An SCF component's cmq trigger: the local queue named by its topic stands for the topic;
// each message reaches the function alone in CMQ's topic event, and one without the
// trigger's tags (filterType 1) is dropped, as the subscription would never see it.
void TestQueues::cmqTriggersReadTheirTopicsQueue() {
    TempProject project;
    project.writeManifest(R"(component: scf
name: orders
app: shop
stage: dev
inputs:
  src: ./src
  handler: index.main_handler
  runtime: Python3.9
  region: ap-guangzhou
  events:
    - cmq:
        name: paid-orders
        parameters:
          name: orders-topic
          filterType: 1
          filterKey:
            - paid
    - cmq:
        parameters:
          name: quiet-topic
          enable: false
)");
    project.write("src/index.py", R"(def main_handler(event, context):
    return event["Records"][0]["CMQ"]
)");
    auto loaded = nimbus::manifest::ManifestLoader().loadProject(project.path().toStdString());
    QVERIFY(loaded.manifest);
    const auto mappings = queueMappingsOf(*loaded.manifest);
    QCOMPARE(mappings.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(mappings[0].queue), QString("orders-topic"));
    QVERIFY(mappings[0].cmq);
    QCOMPARE(QString::fromStdString(mappings[0].cmq->subscription), QString("paid-orders"));
    QCOMPARE(mappings[0].batchSize, 1);
    QVERIFY(mappings[0].enabled);
    QVERIFY(!mappings[1].enabled);

    boost::asio::io_context io;
    Finished finished;
    Simulator simulator(io, simulatorOptions(project), &finished);
    QVERIFY(simulator.load());
    simulator.start();
    QueueService &service = *simulator.controlPlane()->queues();
    QVERIFY(service.exists("orders-topic"));
    const json tagged = {{"msgTag", {{"DataType", "String"}, {"StringValue", "paid,eu"}}}};
    call(io, service, "SendMessage",
         {{"QueueUrl", kUrl + "orders-topic"}, {"MessageBody", "untagged"}});
    call(io, service, "SendMessage",
         {{"QueueUrl", kUrl + "orders-topic"},
          {"MessageBody", R"({"order": 7})"},
          {"MessageAttributes", tagged}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline &&
           (finished.results.empty() ||
            service.counts("orders-topic").visible + service.counts("orders-topic").inFlight > 0))
        io.run_for(std::chrono::milliseconds(50));
    io.run_for(std::chrono::milliseconds(200));
    QCOMPARE(finished.results.size(), std::size_t(1));
    const InvocationResult &result = finished.results[0].second;
    QCOMPARE(QString::fromStdString(result.trigger), QString("cmq"));
    QVERIFY2(!result.functionError, result.payload.c_str());
    const json cmq = json::parse(result.payload);
    QCOMPARE(cmq["type"], json("topic"));
    QCOMPARE(cmq["topicName"], json("orders-topic"));
    QCOMPARE(cmq["subscriptionName"], json("paid-orders"));
    QCOMPARE(cmq["msgBody"], json(R"({"order": 7})"));
    QCOMPARE(cmq["msgTag"], json("paid,eu"));
    QCOMPARE(cmq["topicOwner"], json(1250000000));
    QVERIFY(cmq["publishTime"].get<std::string>().ends_with("Z"));
    QCOMPARE(service.counts("orders-topic").visible + service.counts("orders-topic").inFlight, 0LL);
    simulator.shutdown();
    io.run_for(std::chrono::milliseconds(100));
}

QTEST_GUILESS_MAIN(TestQueues)
#include "tst_queues.moc"
