#include "nimbus/lambda/lambdatypes.h"
#include "nimbus/lambda/layertypes.h"

#include <QtTest>

using namespace nimbus::lambda;
using nlohmann::json;

// The Lambda API's request shapes read as the service reads them: what is accepted, and
// for each mistake the error type and the words that name the field.
class TestLambdaTypes : public QObject {
    Q_OBJECT
private slots:
    void createFunctionIsRead();
    void createFunctionMistakes_data();
    void createFunctionMistakes();
    void aliasMistakes_data();
    void aliasMistakes();
    void functionRefs_data();
    void functionRefs();
    void configurationRoundTrips();
    void publishLayerVersionIsRead();
    void publishLayerVersionMistakes_data();
    void publishLayerVersionMistakes();
    void layerNamesAndArns_data();
    void layerNamesAndArns();
    void layerVersionRoundTrips();
};

namespace {
const Limits kLimits{{"python3.11", "nodejs20.x", "provided.al2"}};

json validCreate() {
    return {{"FunctionName", "shop-dev-hello"},
            {"Runtime", "python3.11"},
            {"Role", "arn:aws:iam::000000000000:role/x"},
            {"Handler", "handler.hello"},
            {"Code", {{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}},
            {"MemorySize", 256},
            {"Timeout", 10},
            {"Environment", {{"Variables", {{"STAGE", "dev"}}}}},
            {"Tags", {{"team", "web"}}},
            {"TracingConfig", {{"Mode", "PassThrough"}}},
            {"Architectures", {"x86_64"}}};
}
} // namespace

void TestLambdaTypes::createFunctionIsRead() {
    CreateFunctionRequest request;
    const auto error = parse(validCreate(), request, kLimits);
    QVERIFY2(!error, error ? error->message.c_str() : "");
    QCOMPARE(request.functionName, std::string("shop-dev-hello"));
    QCOMPARE(*request.settings.memorySize, 256);
    QCOMPARE(request.settings.environment->at("STAGE"), std::string("dev"));
    QCOMPARE(request.tags.at("team"), std::string("web"));
    QVERIFY(!request.publish);
}

void TestLambdaTypes::createFunctionMistakes_data() {
    QTest::addColumn<QString>("field"); // JSON pointer to change
    QTest::addColumn<QString>("value"); // new JSON value; "DELETE" removes it
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("message");
    QTest::newRow("an unknown field")
        << "/Handlr" << "\"x.y\"" << "InvalidRequestContentException"
        << "Unrecognized field \"Handlr\" (class com.amazonaws.lambda.model.CreateFunctionRequest)";
    QTest::newRow("an unknown field inside Code")
        << "/Code/Zip" << "\"x\"" << "InvalidRequestContentException"
        << "Unrecognized field \"Code.Zip\"";
    QTest::newRow("memory as a string")
        << "/MemorySize" << "\"lots\"" << "InvalidRequestContentException"
        << "field 'MemorySize' must be an integer, not a string";
    QTest::newRow("an environment value that is not a string")
        << "/Environment/Variables/COUNT" << "3" << "InvalidRequestContentException"
        << "field 'Environment.Variables.COUNT' must be a string";
    QTest::newRow("memory below the minimum")
        << "/MemorySize" << "64" << "ValidationException"
        << "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value "
           "greater than or equal to 128";
    QTest::newRow("timeout above the maximum")
        << "/Timeout" << "901" << "ValidationException"
        << "Member must have value less than or equal to 900";
    QTest::newRow("a runtime this platform does not run")
        << "/Runtime" << "\"python2.7\"" << "ValidationException"
        << "Value 'python2.7' at 'runtime' failed to satisfy constraint: Member must satisfy enum "
           "value set: [python3.11, nodejs20.x, provided.al2]";
    QTest::newRow("a name with a space")
        << "/FunctionName" << "\"my function\"" << "ValidationException"
        << "at 'functionName' failed to satisfy constraint";
    QTest::newRow("no role") << "/Role" << "DELETE" << "ValidationException"
                             << "Value null at 'role'";
    QTest::newRow("no code") << "/Code/ZipFile" << "DELETE" << "InvalidParameterValueException"
                             << "Code.ZipFile is required";
    QTest::newRow("code from S3") << "/Code/S3Bucket" << "\"b\""
                                  << "InvalidParameterValueException"
                                  << "upload the package as Code.ZipFile";
    QTest::newRow("an environment name that is not one")
        << "/Environment/Variables/1ST" << "\"x\"" << "ValidationException"
        << "Map keys must satisfy constraint";
    QTest::newRow("six layers")
        << "/Layers"
        << R"(["arn:aws:lambda:us-east-1:000000000000:layer:a:1", "arn:aws:lambda:us-east-1:000000000000:layer:b:1", "arn:aws:lambda:us-east-1:000000000000:layer:c:1", "arn:aws:lambda:us-east-1:000000000000:layer:d:1", "arn:aws:lambda:us-east-1:000000000000:layer:e:1", "arn:aws:lambda:us-east-1:000000000000:layer:f:1"])"
        << "InvalidParameterValueException"
        << "Cannot reference more than 5 layers.";
    QTest::newRow("a layer without its version")
        << "/Layers"
        << R"(["arn:aws:lambda:us-east-1:000000000000:layer:shared"])"
        << "ValidationException"
        << "Value '[arn:aws:lambda:us-east-1:000000000000:layer:shared]' at 'layers' failed to "
           "satisfy constraint";
    QTest::newRow("a layer by name rather than ARN") << "/Layers"
                                                     << R"(["shared:1"])"
                                                     << "ValidationException"
                                                     << "at 'layers'";
    QTest::newRow("layers that are not a list")
        << "/Layers"
        << R"("arn:aws:lambda:us-east-1:000000000000:layer:shared:1")"
        << "InvalidRequestContentException"
        << "field 'Layers' must be an array, not a string";
    QTest::newRow("a layer that is not a string")
        << "/Layers"
        << "[1]"
        << "InvalidRequestContentException"
        << "field 'Layers[0]' must be a string, not an integer";
    QTest::newRow("a body that is not an object")
        << "" << "[1, 2]" << "InvalidRequestContentException" << "must be a JSON object";
}

void TestLambdaTypes::createFunctionMistakes() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, type);
    QFETCH(QString, message);
    json body = validCreate();
    if (field.isEmpty())
        body = json::parse(value.toStdString());
    else if (value == "DELETE")
        body[json::json_pointer(field.section('/', 0, -2).toStdString())].erase(
            field.section('/', -1).toStdString());
    else
        body[json::json_pointer(field.toStdString())] = json::parse(value.toStdString());
    CreateFunctionRequest request;
    const auto error = parse(body, request, kLimits);
    QVERIFY(error.has_value());
    QCOMPARE(QString::fromStdString(error->type), type);
    QCOMPARE(error->status, 400);
    QVERIFY2(QString::fromStdString(error->message).contains(message), error->message.c_str());
}

void TestLambdaTypes::aliasMistakes_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("message");
    QTest::newRow("a name of digits only")
        << R"({"Name": "12", "FunctionVersion": "1"})" << "ValidationException"
        << "Value '12' at 'name'";
    QTest::newRow("no version") << R"({"Name": "live"})" << "ValidationException"
                                << "Value null at 'functionVersion'";
    QTest::newRow("two additional versions")
        << R"({"Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}})"
        << "InvalidParameterValueException" << "cannot be greater than 1";
    QTest::newRow("a weight above 1")
        << R"({"Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 1.5}}})"
        << "ValidationException" << "Member must have value less than or equal to 1.0";
    QTest::newRow("$LATEST as an additional version")
        << R"({"Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.5}}})"
        << "InvalidParameterValueException" << "is not a published version";
    QTest::newRow("a weight that is not a number")
        << R"({"Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": "half"}}})"
        << "InvalidRequestContentException" << "RoutingConfig.AdditionalVersionWeights.2";
}

void TestLambdaTypes::aliasMistakes() {
    QFETCH(QString, body);
    QFETCH(QString, type);
    QFETCH(QString, message);
    AliasRequest request;
    const auto error = parse(json::parse(body.toStdString()), request, true);
    QVERIFY(error.has_value());
    QCOMPARE(QString::fromStdString(error->type), type);
    QVERIFY2(QString::fromStdString(error->message).contains(message), error->message.c_str());
}

void TestLambdaTypes::functionRefs_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name"); // empty: not a function reference
    QTest::addColumn<QString>("qualifier");
    QTest::newRow("a name") << "hello" << "hello" << "";
    QTest::newRow("a name with a version") << "hello:3" << "hello" << "3";
    QTest::newRow("a partial ARN") << "000000000000:function:hello" << "hello" << "";
    QTest::newRow("a full ARN") << "arn:aws:lambda:eu-west-1:000000000000:function:hello"
                                << "hello" << "";
    QTest::newRow("a full ARN with an alias")
        << "arn:aws:lambda:eu-west-1:000000000000:function:hello:live" << "hello" << "live";
    QTest::newRow("too many parts") << "arn:aws:lambda:r:1:function:a:b:c" << "" << "";
    QTest::newRow("an empty qualifier") << "hello:" << "" << "";
}

void TestLambdaTypes::functionRefs() {
    QFETCH(QString, text);
    QFETCH(QString, name);
    QFETCH(QString, qualifier);
    const auto ref = parseFunctionRef(text.toStdString());
    if (name.isEmpty()) {
        QVERIFY(!ref);
        return;
    }
    QVERIFY(ref);
    QCOMPARE(QString::fromStdString(ref->name), name);
    QCOMPARE(QString::fromStdString(ref->qualifier), qualifier);
}

void TestLambdaTypes::configurationRoundTrips() {
    FunctionConfiguration c;
    c.functionName = "f";
    c.functionArn = functionArn("us-east-1", "000000000000", "f", "2");
    c.runtime = "python3.11";
    c.version = "2";
    c.environment = {{"A", "1"}};
    c.deadLetterTarget = "arn:aws:sqs:us-east-1:000000000000:q";
    c.lastModified = lastModifiedNow();
    const json j = toJson(c);
    QCOMPARE(j["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:f:2");
    QCOMPARE(j["Environment"]["Variables"]["A"], "1");
    QCOMPARE(j["DeadLetterConfig"]["TargetArn"], "arn:aws:sqs:us-east-1:000000000000:q");
    QVERIFY(QRegularExpression(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$)")
                .match(QString::fromStdString(c.lastModified))
                .hasMatch());
    const FunctionConfiguration back = configurationFromJson(j);
    QCOMPARE(back.environment, c.environment);
    QCOMPARE(back.deadLetterTarget, c.deadLetterTarget);
    QCOMPARE(back.version, std::string("2"));
    QVERIFY(!j.contains("Layers")); // none: not shown, as on Lambda

    // Layers: the API shows each one's ARN and size; a record also keeps its package.
    c.layers = {{"arn:aws:lambda:us-east-1:000000000000:layer:shared:3", 1234, "abc123"}};
    const json shown = toJson(c);
    QCOMPARE(shown["Layers"],
             json::parse(R"([{"Arn": "arn:aws:lambda:us-east-1:000000000000:layer:shared:3",
                              "CodeSize": 1234}])"));
    QCOMPARE(configurationFromJson(shown).layers.at(0).codeHex, std::string());
    QCOMPARE(configurationFromJson(toRecordJson(c)).layers, c.layers);
}

void TestLambdaTypes::publishLayerVersionIsRead() {
    PublishLayerVersionRequest request;
    const json body{{"Content", {{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}},
                    {"Description", "shared code"},
                    {"CompatibleRuntimes", {"python3.11"}},
                    {"CompatibleArchitectures", {"x86_64", "arm64"}},
                    {"LicenseInfo", "MIT"}};
    const auto error = parse(body, request, kLimits);
    QVERIFY2(!error, error ? error->message.c_str() : "");
    QCOMPARE(request.zipFileBase64, std::string("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="));
    QCOMPARE(request.description, std::string("shared code"));
    QCOMPARE(request.compatibleRuntimes, std::vector<std::string>{"python3.11"});
    QCOMPARE(request.compatibleArchitectures.size(), std::size_t(2));
    QCOMPARE(request.licenseInfo, std::string("MIT"));
}

void TestLambdaTypes::publishLayerVersionMistakes_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("message");
    QTest::newRow("no content") << R"({"Description": "x"})"
                                << "ValidationException"
                                << "Value null at 'content'";
    QTest::newRow("content without a zip") << R"({"Content": {}})"
                                           << "InvalidParameterValueException"
                                           << "Content.ZipFile is required";
    QTest::newRow("content from S3") << R"({"Content": {"S3Bucket": "b", "S3Key": "k"}})"
                                     << "InvalidParameterValueException"
                                     << "upload the package as Content.ZipFile";
    QTest::newRow("an unknown field inside Content")
        << R"({"Content": {"ZipFile": "UEs=", "Zip": "x"}})"
        << "InvalidRequestContentException"
        << "Unrecognized field \"Content.Zip\" (class "
           "com.amazonaws.lambda.model.LayerVersionContentInput)";
    QTest::newRow("an unknown field")
        << R"({"Content": {"ZipFile": "UEs="}, "Runtime": "python3.11"})"
        << "InvalidRequestContentException"
        << "Unrecognized field \"Runtime\"";
    QTest::newRow("runtimes that are not a list")
        << R"({"Content": {"ZipFile": "UEs="}, "CompatibleRuntimes": "python3.11"})"
        << "InvalidRequestContentException"
        << "field 'CompatibleRuntimes' must be an array";
    QTest::newRow("a runtime this platform does not run")
        << R"({"Content": {"ZipFile": "UEs="}, "CompatibleRuntimes": ["python3.11", "cobol85"]})"
        << "ValidationException"
        << "Value '[python3.11, cobol85]' at 'compatibleRuntimes' failed to satisfy constraint";
    QTest::newRow("sixteen runtimes")
        << QString::fromStdString(
               json{{"Content", {{"ZipFile", "UEs="}}},
                    {"CompatibleRuntimes", std::vector<std::string>(16, "python3.11")}}
                   .dump())
        << "ValidationException"
        << "Member must have length less than or equal to 15";
    QTest::newRow("an unknown architecture")
        << R"({"Content": {"ZipFile": "UEs="}, "CompatibleArchitectures": ["sparc"]})"
        << "ValidationException"
        << "at 'compatibleArchitectures'";
    QTest::newRow("three architectures")
        << R"({"Content": {"ZipFile": "UEs="}, "CompatibleArchitectures": ["x86_64", "arm64", "arm64"]})"
        << "ValidationException"
        << "Member must have length less than or equal to 2";
    QTest::newRow("a description over 256 characters")
        << QString::fromStdString(
               json{{"Content", {{"ZipFile", "UEs="}}}, {"Description", std::string(257, 'd')}}
                   .dump())
        << "ValidationException"
        << "at 'description'";
    QTest::newRow("a licence over 512 characters")
        << QString::fromStdString(
               json{{"Content", {{"ZipFile", "UEs="}}}, {"LicenseInfo", std::string(513, 'l')}}
                   .dump())
        << "ValidationException"
        << "at 'licenseInfo'";
}

void TestLambdaTypes::publishLayerVersionMistakes() {
    QFETCH(QString, body);
    QFETCH(QString, type);
    QFETCH(QString, message);
    PublishLayerVersionRequest request;
    const auto error = parse(json::parse(body.toStdString()), request, kLimits);
    QVERIFY(error.has_value());
    QCOMPARE(QString::fromStdString(error->type), type);
    QVERIFY2(QString::fromStdString(error->message).contains(message), error->message.c_str());
}

void TestLambdaTypes::layerNamesAndArns_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("versionArn"); // read as a version ARN rather than a LayerName
    QTest::addColumn<QString>("name");    // empty: refused
    QTest::addColumn<QString>("region");
    QTest::addColumn<qlonglong>("version");
    QTest::newRow("a name") << "shared-code_2" << false << "shared-code_2"
                            << "" << 0LL;
    QTest::newRow("a layer ARN") << "arn:aws:lambda:eu-west-1:000000000000:layer:shared" << false
                                 << "shared"
                                 << "eu-west-1" << 0LL;
    QTest::newRow("a name with a dot") << "shared.code" << false << ""
                                       << "" << 0LL;
    QTest::newRow("a name of 141 characters") << QString(141, 'n') << false << ""
                                              << "" << 0LL;
    QTest::newRow("a version ARN as a name")
        << "arn:aws:lambda:eu-west-1:000000000000:layer:shared:3" << false << ""
        << "" << 0LL;
    QTest::newRow("a version ARN")
        << "arn:aws:lambda:eu-west-1:000000000000:layer:shared:3" << true << "shared"
        << "eu-west-1" << 3LL;
    QTest::newRow("a version ARN in China")
        << "arn:aws-cn:lambda:cn-north-1:000000000000:layer:shared:12" << true << "shared"
        << "cn-north-1" << 12LL;
    QTest::newRow("a layer ARN as a version ARN")
        << "arn:aws:lambda:eu-west-1:000000000000:layer:shared" << true << ""
        << "" << 0LL;
    QTest::newRow("a short account") << "arn:aws:lambda:eu-west-1:000:layer:shared:1" << true << ""
                                     << "" << 0LL;
    QTest::newRow("a version past 64 bits")
        << "arn:aws:lambda:eu-west-1:000000000000:layer:shared:99999999999999999999" << true << ""
        << "" << 0LL;
}

void TestLambdaTypes::layerNamesAndArns() {
    QFETCH(QString, text);
    QFETCH(bool, versionArn);
    QFETCH(QString, name);
    QFETCH(QString, region);
    QFETCH(qlonglong, version);
    ApiError error;
    const auto ref = versionArn ? parseLayerVersionArn(text.toStdString(), error)
                                : parseLayerName(text.toStdString(), error);
    if (name.isEmpty()) {
        QVERIFY(!ref);
        QCOMPARE(error.type, std::string("ValidationException"));
        return;
    }
    QVERIFY2(ref, error.message.c_str());
    QCOMPARE(QString::fromStdString(ref->name), name);
    QCOMPARE(QString::fromStdString(ref->region), region);
    QCOMPARE(ref->version, version);
}

void TestLambdaTypes::layerVersionRoundTrips() {
    LayerVersion v;
    v.layerName = "shared";
    v.layerArn = layerArn("us-east-1", "000000000000", "shared");
    v.layerVersionArn = v.layerArn + ":2";
    v.version = 2;
    v.createdDate = lastModifiedNow();
    v.compatibleRuntimes = {"python3.11"};
    v.codeSha256 = "c2hh";
    v.codeSize = 99;
    const json shown = toJson(v, "http://127.0.0.1:1/_nimbus/code/x");
    QCOMPARE(shown["Content"]["Location"], "http://127.0.0.1:1/_nimbus/code/x");
    QCOMPARE(shown["Content"]["CodeSize"], 99);
    QCOMPARE(shown["LayerVersionArn"], "arn:aws:lambda:us-east-1:000000000000:layer:shared:2");
    QCOMPARE(shown["Description"], "");
    QVERIFY(!shown.contains("LicenseInfo") && !shown.contains("CompatibleArchitectures"));
    const json item = toLayersListItemJson(v);
    QCOMPARE(item["LayerName"], "shared");
    QCOMPARE(item["LatestMatchingVersion"]["Version"], 2);
    QVERIFY(!item["LatestMatchingVersion"].contains("Content"));
    const LayerVersion back = layerVersionFromJson(toRecordJson(v));
    QCOMPARE(back.layerName, v.layerName);
    QCOMPARE(back.layerVersionArn, v.layerVersionArn);
    QCOMPARE(back.compatibleRuntimes, v.compatibleRuntimes);
    QCOMPARE(back.codeSize, v.codeSize);
    QVERIFY(compatibleWith(back, "python3.11", ""));
    QVERIFY(!compatibleWith(back, "nodejs20.x", ""));
    QVERIFY(!compatibleWith(back, "", "arm64")); // no architectures stated: matches none
}

QTEST_APPLESS_MAIN(TestLambdaTypes)
#include "tst_lambdatypes.moc"
