// The SQS wire protocols: query requests decoded into the JSON protocol's terms, answers
// encoded as the SDKs parse them, and SQS's MD5 digests.
#include "queues/sqsprotocol.h"

#include <QtTest>

using nlohmann::json;
using namespace nimbus::sim;

class TstSqsProtocol : public QObject {
    Q_OBJECT
private slots:
    void decodesQueryRequests_data();
    void decodesQueryRequests();
    void decodesJsonRequests();
    void refusesMalformedRequests_data();
    void refusesMalformedRequests();
    void encodesQueryAnswers();
    void encodesErrors();
    void readsIntegersFromEitherProtocol();
    void computesDigestsAsSqsDoes();
};

void TstSqsProtocol::decodesQueryRequests_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("params");
    QTest::newRow("plain") << "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F0%2Fq&MessageBody=a+b%26c"
                           << "SendMessage"
                           << R"({"MessageBody":"a b&c","QueueUrl":"http://h/0/q"})";
    QTest::newRow("attribute map") << "Action=SetQueueAttributes&QueueUrl=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=1"
                                      "&Attribute.2.Name=RedrivePolicy&Attribute.2.Value=%7B%22maxReceiveCount%22%3A%222%22%7D"
                                   << "SetQueueAttributes"
                                   << R"({"Attributes":{"RedrivePolicy":"{\"maxReceiveCount\":\"2\"}","VisibilityTimeout":"1"},"QueueUrl":"q"})";
    QTest::newRow("name lists") << "Action=ReceiveMessage&QueueUrl=q&AttributeName.1=All&MessageAttributeName.2=b&MessageAttributeName.1=a"
                                << "ReceiveMessage"
                                << R"({"AttributeNames":["All"],"MessageAttributeNames":["a","b"],"QueueUrl":"q"})";
    QTest::newRow("batch entries with message attributes")
        << "Action=SendMessageBatch&QueueUrl=q&SendMessageBatchRequestEntry.1.Id=x&SendMessageBatchRequestEntry.1.MessageBody=one"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v&SendMessageBatchRequestEntry.2.Id=y"
           "&SendMessageBatchRequestEntry.2.MessageBody=two"
        << "SendMessageBatch"
        << R"({"Entries":[{"Id":"x","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}},"MessageBody":"one"},{"Id":"y","MessageBody":"two"}],"QueueUrl":"q"})";
    QTest::newRow("tags") << "Action=CreateQueue&QueueName=n&Tag.1.Key=team&Tag.1.Value=a"
                          << "CreateQueue" << R"({"QueueName":"n","Tags":{"team":"a"}})";
}

void TstSqsProtocol::decodesQueryRequests() {
    QFETCH(QString, body);
    QFETCH(QString, action);
    QFETCH(QString, params);
    sqs::Error error;
    const auto call = sqs::decode("", "application/x-www-form-urlencoded", body.toStdString(), error);
    QVERIFY2(call, error.message.c_str());
    QCOMPARE(call->protocol, sqs::Protocol::Query);
    QCOMPARE(QString::fromStdString(call->action), action);
    QCOMPARE(QString::fromStdString(call->params.dump()), params);
}

void TstSqsProtocol::decodesJsonRequests() {
    sqs::Error error;
    const auto call = sqs::decode("AmazonSQS.ReceiveMessage", "application/x-amz-json-1.0",
                                  R"({"QueueUrl":"q","MaxNumberOfMessages":3})", error);
    QVERIFY(call);
    QCOMPARE(call->protocol, sqs::Protocol::Json);
    QCOMPARE(call->action, std::string("ReceiveMessage"));
    QCOMPARE(sqs::intParam(call->params, "MaxNumberOfMessages").value_or(0), 3LL);
}

void TstSqsProtocol::refusesMalformedRequests_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("code");
    QTest::newRow("no action") << "" << "QueueUrl=q" << "MissingAction";
    QTest::newRow("name given twice") << "" << "Action=SendMessage&MessageBody=a&MessageBody=b" << "InvalidParameterValue";
    QTest::newRow("position zero") << "" << "Action=ReceiveMessage&AttributeName.0=All" << "InvalidParameterValue";
    QTest::newRow("empty step") << "" << "Action=ReceiveMessage&AttributeName..1=All" << "InvalidParameterValue";
    QTest::newRow("json not an object") << "AmazonSQS.SendMessage" << "[1]" << "SerializationException";
    QTest::newRow("json cut short") << "AmazonSQS.SendMessage" << "{\"QueueUrl\":" << "SerializationException";
}

void TstSqsProtocol::refusesMalformedRequests() {
    QFETCH(QString, target);
    QFETCH(QString, body);
    QFETCH(QString, code);
    sqs::Error error;
    QVERIFY(!sqs::decode(target.toStdString(), "", body.toStdString(), error));
    QCOMPARE(QString::fromStdString(error.queryCode), code);
    QVERIFY(!error.message.empty());
}

void TstSqsProtocol::encodesQueryAnswers() {
    sqs::Call call;
    call.action = "ReceiveMessage";
    const json result = {{"Messages",
                          {{{"MessageId", "m1"},
                            {"Body", "<x>&"},
                            {"Attributes", {{"SentTimestamp", "5"}}},
                            {"MessageAttributes", {{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}}}}}};
    const auto response = sqs::encode(call, result, "rid");
    QCOMPARE(response.result_int(), 200);
    const std::string xml = response.body();
    QVERIFY(xml.find("<ReceiveMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><ReceiveMessageResult><Message>") != std::string::npos);
    QVERIFY(xml.find("<Body>&lt;x&gt;&amp;</Body>") != std::string::npos);
    QVERIFY(xml.find("<Attribute><Name>SentTimestamp</Name><Value>5</Value></Attribute>") != std::string::npos);
    QVERIFY(xml.find("<MessageAttribute><Name>k</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute>") != std::string::npos);
    QVERIFY(xml.find("<RequestId>rid</RequestId>") != std::string::npos);
    // An empty answer still has its Result element (the SDKs look for it).
    const std::string empty = sqs::encode(call, json::object(), "rid").body();
    QVERIFY(empty.find("<ReceiveMessageResult></ReceiveMessageResult>") != std::string::npos);
    call.action = "SendMessageBatch";
    const std::string batch =
        sqs::encode(call, {{"Successful", {{{"Id", "a"}}}}, {"Failed", {{{"Id", "b"}, {"SenderFault", true}}}}}, "r").body();
    QVERIFY(batch.find("<SendMessageBatchResultEntry><Id>a</Id></SendMessageBatchResultEntry>") != std::string::npos);
    QVERIFY(batch.find("<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault></BatchResultErrorEntry>") != std::string::npos);
    call.action = "ListQueues";
    const std::string list = sqs::encode(call, {{"QueueUrls", {"u1", "u2"}}}, "r").body();
    QVERIFY(list.find("<QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl>") != std::string::npos);
}

void TstSqsProtocol::encodesErrors() {
    const auto error = sqs::queueDoesNotExist("jobs");
    const auto xml = sqs::encodeError(sqs::Protocol::Query, error, "r");
    QCOMPARE(xml.result_int(), 400);
    QVERIFY(xml.body().find("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>") != std::string::npos);
    QVERIFY(xml.body().find("<Type>Sender</Type>") != std::string::npos);
    const auto js = sqs::encodeError(sqs::Protocol::Json, error, "r");
    QCOMPARE(json::parse(js.body())["__type"].get<std::string>(), std::string("com.amazonaws.sqs#QueueDoesNotExist"));
    QCOMPARE(std::string(js["x-amzn-query-error"]), std::string("AWS.SimpleQueueService.NonExistentQueue;Sender"));
}

void TstSqsProtocol::readsIntegersFromEitherProtocol() {
    QCOMPARE(sqs::intParam(json{{"n", "12"}}, "n").value_or(0), 12LL);
    QCOMPARE(sqs::intParam(json{{"n", 7}}, "n").value_or(0), 7LL);
    QVERIFY(!sqs::intParam(json::object(), "n"));
    bool threw = false;
    try {
        sqs::intParam(json{{"n", "12x"}}, "n");
    } catch (const sqs::Error &e) {
        threw = e.queryCode == "InvalidParameterValue";
    }
    QVERIFY(threw);
}

void TstSqsProtocol::computesDigestsAsSqsDoes() {
    QCOMPARE(sqs::md5Hex("hello"), std::string("5d41402abc4b2a76b9719d911017c592"));
    // botocore checks this digest against its own computation of the same attributes.
    QCOMPARE(sqs::messageAttributesMd5({{"k", {{"DataType", "String"}, {"StringValue", "v"}}}}),
             std::string("0a77b0642718c3d9dd47090567d11e0d"));
    QCOMPARE(sqs::messageAttributesMd5(json::object()), std::string());
}

QTEST_APPLESS_MAIN(TstSqsProtocol)
#include "tst_sqsprotocol.moc"
