#include "nimbus/scf/scfapi.h"

#include <QtTest>

using namespace nimbus::scf;
using nlohmann::json;

// SCF API 3.0's request reading, data-driven: a valid request of each action, then one
// mistake per row and the one error code (and field) SCF answers it with; the envelope,
// and Invoke's Result for a success, an exception and a timeout.
class TestScfApi : public QObject {
    Q_OBJECT
private slots:
    void validCreateFunction();
    void createFunctionMistakes_data();
    void createFunctionMistakes();
    void otherActionsMistakes_data();
    void otherActionsMistakes();
    void aliasWeights();
    void invokeReadsEachAction();
    void envelopes();
    void invokeResults();
    void helpers();
};

namespace {

Limits limits() {
    return Limits{{"Python3.9", "Python3.10", "Nodejs16.13", "CustomRuntime"}};
}

json validCreate() {
    return json::parse(R"json({
        "FunctionName": "hello-world", "Runtime": "Python3.9", "Handler": "index.main_handler",
        "MemorySize": 256, "Timeout": 30, "InitTimeout": 60, "Description": "greets",
        "Type": "Event", "Namespace": "default", "CodeSource": "ZipFile",
        "Environment": {"Variables": [{"Key": "GREETING", "Value": "hi"}]},
        "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})json");
}

} // namespace

void TestScfApi::validCreateFunction() {
    CreateFunctionRequest request;
    const auto problem = parse(validCreate(), request, limits());
    QVERIFY2(!problem, problem ? problem->message.c_str() : "");
    QCOMPARE(request.functionName, std::string("hello-world"));
    QCOMPARE(request.namespaceName, std::string("default"));
    QCOMPARE(*request.settings.memorySize, 256);
    QCOMPARE(*request.settings.timeout, 30);
    QCOMPARE(*request.settings.initTimeout, 60);
    QCOMPARE(request.settings.environment->at("GREETING"), std::string("hi"));
    QCOMPARE(request.zipFile, std::string("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="));
    // 64 MB is one of SCF's sizes; a custom runtime needs no handler.
    json small = validCreate();
    small["MemorySize"] = 64;
    small["Runtime"] = "CustomRuntime";
    small.erase("Handler");
    QVERIFY(!parse(small, request, limits()));
}

void TestScfApi::createFunctionMistakes_data() {
    QTest::addColumn<QString>("patch");  // a JSON object merged into the valid request
    QTest::addColumn<QString>("remove"); // a parameter taken out
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("no name") << "{}"
                             << "FunctionName"
                             << "MissingParameter"
                             << "FunctionName";
    QTest::newRow("name starts with a digit") << R"({"FunctionName": "1hello"})"
                                              << ""
                                              << "InvalidParameterValue.FunctionName"
                                              << "1hello";
    QTest::newRow("name ends with -") << R"({"FunctionName": "hello-"})"
                                      << ""
                                      << "InvalidParameterValue.FunctionName"
                                      << "hello-";
    QTest::newRow("name too short") << R"({"FunctionName": "h"})"
                                    << ""
                                    << "InvalidParameterValue.FunctionName"
                                    << "2 to 60";
    QTest::newRow("name a number") << R"({"FunctionName": 7})"
                                   << ""
                                   << "InvalidParameter"
                                   << "must be a string";
    QTest::newRow("memory not a size") << R"({"MemorySize": 200})"
                                       << ""
                                       << "InvalidParameterValue.MemorySize"
                                       << "nearest: 256";
    QTest::newRow("memory too large") << R"({"MemorySize": 4096})"
                                      << ""
                                      << "InvalidParameterValue.MemorySize"
                                      << "nearest: 3072";
    QTest::newRow("memory a word") << R"({"MemorySize": "lots"})"
                                   << ""
                                   << "InvalidParameter"
                                   << "an integer";
    QTest::newRow("timeout too long") << R"({"Timeout": 901})"
                                      << ""
                                      << "InvalidParameterValue.Timeout"
                                      << "1 to 900";
    QTest::newRow("timeout zero") << R"({"Timeout": 0})"
                                  << ""
                                  << "InvalidParameterValue.Timeout"
                                  << "1 to 900";
    QTest::newRow("init timeout too long") << R"({"InitTimeout": 301})"
                                           << ""
                                           << "InvalidParameterValue.InitTimeout"
                                           << "1 to 300";
    QTest::newRow("runtime unknown") << R"({"Runtime": "Python9.9"})"
                                     << ""
                                     << "InvalidParameterValue.Runtime"
                                     << "Python3.9";
    QTest::newRow("runtime lower case (AWS's name)") << R"({"Runtime": "python3.9"})"
                                                     << ""
                                                     << "InvalidParameterValue.Runtime"
                                                     << "python3.9";
    QTest::newRow("handler without a dot") << R"({"Handler": "main_handler"})"
                                           << ""
                                           << "InvalidParameterValue.Handler"
                                           << "FILE.FUNCTION";
    QTest::newRow("no handler") << "{}"
                                << "Handler"
                                << "MissingParameter"
                                << "Handler";
    QTest::newRow("variables not an array") << R"({"Environment": {"Variables": {"A": "b"}}})"
                                            << ""
                                            << "InvalidParameterValue.Environment"
                                            << "array";
    QTest::newRow("variable without a key") << R"({"Environment": {"Variables": [{"Value": "b"}]}})"
                                            << ""
                                            << "InvalidParameterValue.Environment"
                                            << "Variables[0]";
    QTest::newRow("variable key with a dash")
        << R"({"Environment": {"Variables": [{"Key": "MY-VAR", "Value": "b"}]}})"
        << ""
        << "InvalidParameterValue.Environment"
        << "MY-VAR";
    QTest::newRow("type unknown") << R"({"Type": "Web"})"
                                  << ""
                                  << "InvalidParameterValue.Type"
                                  << "Event or HTTP";
    QTest::newRow("no code") << "{}"
                             << "Code"
                             << "MissingParameter"
                             << "Code";
    QTest::newRow("code from COS")
        << R"({"Code": {"ZipFile": null, "CosBucketName": "b", "CosObjectName": "c.zip"}})"
        << ""
        << "InvalidParameterValue.Code"
        << "base64";
    QTest::newRow("namespace with a space") << R"({"Namespace": "my space"})"
                                            << ""
                                            << "InvalidParameterValue.Namespace"
                                            << "my space";
    QTest::newRow("a parameter SCF does not take") << R"({"Memory": 128})"
                                                   << ""
                                                   << "UnknownParameter"
                                                   << "`Memory`";
    QTest::newRow("description too long")
        << QString(R"({"Description": "%1"})").arg(QString(1001, 'x')) << ""
        << "InvalidParameterValue.Description"
        << "1000";
}

void TestScfApi::createFunctionMistakes() {
    QFETCH(QString, patch);
    QFETCH(QString, remove);
    QFETCH(QString, code);
    QFETCH(QString, mentions);
    json body = validCreate();
    body.merge_patch(json::parse(patch.toStdString()));
    if (!remove.isEmpty())
        body.erase(remove.toStdString());
    CreateFunctionRequest request;
    const auto problem = parse(body, request, limits());
    QVERIFY2(problem, "accepted");
    QCOMPARE(QString::fromStdString(problem->code), code);
    QVERIFY2(problem->message.find(mentions.toStdString()) != std::string::npos,
             problem->message.c_str());
}

void TestScfApi::otherActionsMistakes_data() {
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("code"); // "" when valid
    QTest::newRow("GetFunction") << "GetFunction"
                                 << R"({"FunctionName": "f1", "Qualifier": "$LATEST"})"
                                 << "";
    QTest::newRow("GetFunction alias") << "GetFunction"
                                       << R"({"FunctionName": "f1", "Qualifier": "live"})"
                                       << "";
    QTest::newRow("GetFunction bad qualifier") << "GetFunction"
                                               << R"({"FunctionName": "f1", "Qualifier": "v 1"})"
                                               << "InvalidParameterValue.Qualifier";
    QTest::newRow("GetFunction no name") << "GetFunction"
                                         << R"({})"
                                         << "MissingParameter";
    QTest::newRow("DeleteFunction takes no Description")
        << "DeleteFunction"
        << R"({"FunctionName": "f1", "Description": "x"})"
        << "UnknownParameter";
    QTest::newRow("ListVersionByFunction bad order") << "ListVersionByFunction"
                                                     << R"({"FunctionName": "f1", "Order": "UP"})"
                                                     << "InvalidParameterValue.Order";
    QTest::newRow("ListAliases string limit")
        << "ListAliases"
        << R"({"FunctionName": "f1", "Limit": "10", "Offset": "0"})"
        << "";
    QTest::newRow("ListAliases limit too large") << "ListAliases"
                                                 << R"({"FunctionName": "f1", "Limit": 1000})"
                                                 << "InvalidParameterValue.Limit";
    QTest::newRow("GetFunctionLogs without a name") << "GetFunctionLogs"
                                                    << R"({})"
                                                    << "";
    QTest::newRow("GetFunctionLogs bad filter") << "GetFunctionLogs"
                                                << R"({"Filter": {"RetCode": "ok"}})"
                                                << "InvalidParameterValue.Filter";
    QTest::newRow("body not an object") << "GetFunction"
                                        << R"([1])"
                                        << "InvalidParameter";
}

void TestScfApi::otherActionsMistakes() {
    QFETCH(QString, action);
    QFETCH(QString, body);
    QFETCH(QString, code);
    FunctionRequest request;
    const auto problem = parse(json::parse(body.toStdString()), action.toStdString(), request);
    if (code.isEmpty()) {
        QVERIFY2(!problem, problem ? problem->message.c_str() : "");
        return;
    }
    QVERIFY2(problem, "accepted");
    QCOMPARE(QString::fromStdString(problem->code), code);
}

void TestScfApi::aliasWeights() {
    AliasRequest request;
    const json weighted = json::parse(
        R"json({"FunctionName": "f1", "Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "2", "Weight": 0.25}]}})json");
    QVERIFY(!parse(weighted, "CreateAlias", request));
    QCOMPARE(request.weights->at("2"), 0.25);
    QCOMPARE(*request.functionVersion, std::string("1"));
    auto codeOf = [](const char *text) {
        AliasRequest r;
        const auto problem = parse(json::parse(text), "CreateAlias", r);
        return problem ? problem->code : std::string();
    };
    QCOMPARE(codeOf(R"({"FunctionName": "f1", "Name": "live"})"), std::string("MissingParameter"));
    QCOMPARE(codeOf(R"({"FunctionName": "f1", "Name": "1live", "FunctionVersion": "1"})"),
             std::string("InvalidParameterValue.Name"));
    const std::string tooHeavy = codeOf(
        R"json({"FunctionName": "f1", "Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "2", "Weight": 1.5}]}})json");
    QCOMPARE(tooHeavy, std::string("InvalidParameterValue.RoutingConfig"));
    const std::string twoExtra = codeOf(
        R"json({"FunctionName": "f1", "Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "2", "Weight": 0.1}, {"Version": "3", "Weight": 0.1}]}})json");
    QCOMPARE(twoExtra, std::string("InvalidParameterValue.RoutingConfig"));
    QCOMPARE(codeOf(R"({"FunctionName": "f1", "Name": "live", "FunctionVersion": "latest"})"),
             std::string("InvalidParameterValue.FunctionVersion"));
}

void TestScfApi::invokeReadsEachAction() {
    InvokeRequest invoke;
    const json asyncTail = json::parse(
        R"({"FunctionName": "f1", "InvocationType": "Event", "ClientContext": "{\"a\": 1}", "LogType": "Tail", "Qualifier": "$DEFAULT"})");
    QVERIFY(!parse(asyncTail, "Invoke", invoke));
    QVERIFY(invoke.async);
    QVERIFY(invoke.tail);
    QCOMPARE(invoke.event, std::string(R"({"a": 1})"));
    QCOMPARE(invoke.qualifier, std::string()); // $DEFAULT runs $LATEST
    InvokeRequest function;
    QVERIFY(!parse(json::parse(R"({"FunctionName": "f1", "Event": "{\"b\": 2}"})"),
                   "InvokeFunction", function));
    QVERIFY(!function.async);
    QCOMPARE(function.event, std::string(R"({"b": 2})"));
    // InvokeFunction has no InvocationType; Invoke's event must be JSON.
    QCOMPARE(parse(json::parse(R"({"FunctionName": "f1", "InvocationType": "Event"})"),
                   "InvokeFunction", function)
                 ->code,
             std::string("UnknownParameter"));
    QCOMPARE(
        parse(json::parse(R"({"FunctionName": "f1", "ClientContext": "{oops"})"), "Invoke", invoke)
            ->code,
        std::string("InvalidParameterValue.ClientContext"));
    QCOMPARE(
        parse(json::parse(R"({"FunctionName": "f1", "LogType": "All"})"), "Invoke", invoke)->code,
        std::string("InvalidParameterValue.LogType"));
    json large{{"FunctionName", "f1"},
               {"InvocationType", "Event"},
               {"ClientContext", "\"" + std::string(130 * 1024, 'x') + "\""}};
    QCOMPARE(parse(large, "Invoke", invoke)->code, std::string("InvalidParameterValue.Param"));
}

void TestScfApi::envelopes() {
    const json ok = response({{"TotalCount", 0}}, "req-1");
    QCOMPARE(ok["Response"]["TotalCount"].get<int>(), 0);
    QCOMPARE(ok["Response"]["RequestId"].get<std::string>(), std::string("req-1"));
    const json error = errorResponse({"ResourceNotFound.Function", "gone"}, "req-2");
    QCOMPARE(error["Response"]["Error"]["Code"].get<std::string>(),
             std::string("ResourceNotFound.Function"));
    QCOMPARE(error["Response"]["Error"]["Message"].get<std::string>(), std::string("gone"));
    QCOMPARE(error["Response"]["RequestId"].get<std::string>(), std::string("req-2"));
    QVERIFY(isKnownAction("InvokeFunction"));
    QVERIFY(!isKnownAction("CreateTrigger"));
}

void TestScfApi::invokeResults() {
    Outcome success;
    success.requestId = "r1";
    success.payload = R"({"ok":true})";
    success.durationMs = 12.3456;
    success.billedDurationMs = 13;
    success.memUsageBytes = 31 * 1024 * 1024;
    success.log = std::string(5000, 'a') + "END";
    json result = invokeResult(success, 4096);
    QCOMPARE(result["RetMsg"].get<std::string>(), success.payload);
    QCOMPARE(result["InvokeResult"].get<int>(), 0);
    QCOMPARE(result["ErrMsg"].get<std::string>(), std::string());
    QCOMPARE(result["Duration"].get<double>(), 12.346);
    QCOMPARE(result["Log"].get<std::string>().size(), std::size_t(4096));
    QVERIFY(result["Log"].get<std::string>().ends_with("END"));
    QCOMPARE(invokeResult(success, 0)["Log"].get<std::string>(), std::string());

    Outcome thrown = success;
    thrown.functionError = true;
    thrown.errorType = "ValueError";
    thrown.payload = R"({"errorMessage":"bad input","errorType":"ValueError",)"
                     R"("stackTrace":["  File \"index.py\", line 3"]})";
    result = invokeResult(thrown, 0);
    QCOMPARE(result["InvokeResult"].get<int>(), -1);
    QCOMPARE(result["RetMsg"].get<std::string>(), std::string());
    const json document = json::parse(result["ErrMsg"].get<std::string>());
    QCOMPARE(document["statusCode"].get<int>(), 430);
    QCOMPARE(document["errorMessage"].get<std::string>(), std::string("bad input"));
    QVERIFY(document["stackTrace"].get<std::string>().find("index.py") != std::string::npos);

    Outcome timedOut = thrown;
    timedOut.errorType = "Sandbox.Timedout";
    QCOMPARE(statusCode(timedOut), 433);
    QCOMPARE(json::parse(invokeResult(timedOut, 0)["ErrMsg"].get<std::string>())["statusCode"]
                 .get<int>(),
             433);
    timedOut.errorType = "Runtime.OutOfMemory";
    QCOMPARE(statusCode(timedOut), 434);
}

void TestScfApi::helpers() {
    QCOMPARE(scfTime("2024-01-31T12:34:56.000+0000"), std::string("2024-01-31 12:34:56"));
    const auto id = functionId("default", "hello");
    QCOMPARE(id.size(), std::size_t(12));
    QVERIFY(id.starts_with("lam-"));
    QCOMPARE(id, functionId("default", "hello")); // stable
    QVERIFY(id != functionId("prod", "hello"));
    QCOMPARE(variablesJson({{"A", "1"}}).dump(), std::string(R"([{"Key":"A","Value":"1"}])"));
}

QTEST_APPLESS_MAIN(TestScfApi)
#include "tst_scfapi.moc"
