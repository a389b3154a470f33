#include "nimbus/lambdaclient/lambdaclient.h"
#include "nimbus/net/httpclient.h"
#include "nimbus/packaging/packager.h"
#include "simulator/simulator.h"
#include "store/database.h"
#include "store/eventqueue.h"
#include "tempproject.h"
#include "testpaths.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>
#include <future>
#include <random>
#include <thread>

using namespace nimbus;
using namespace nimbus::sim;
using nlohmann::json;

namespace {

std::string zipOf(std::vector<packaging::ZipEntry> entries) {
    std::string zip, error;
    if (!packaging::writeZip(std::move(entries), zip, error))
        qFatal("zip: %s", error.c_str());
    return zip;
}

std::string pythonPackage(const std::string &body) {
    return zipOf({{"app.py", body}});
}

// Bytes that do not compress, so that a package holding them is as large as they are.
std::string noise(std::size_t size) {
    std::mt19937 random(7);
    std::string out(size, '\0');
    for (auto &c : out)
        c = static_cast<char>(random() & 0xff);
    return out;
}

// A layer: python/layermod.py, which Lambda's Python runtime imports from /opt/python.
std::string pythonLayer(const std::string &value, std::vector<packaging::ZipEntry> more = {}) {
    more.push_back({"python/layermod.py", "VALUE = '" + value + "'\n"});
    return zipOf(std::move(more));
}

json layerBody(const std::string &zip, json extra = json::object()) {
    json body{{"Content", {{"ZipFile", lambdaclient::base64(zip)}}}};
    body.update(extra);
    return body;
}

const std::string kLayerArn = "arn:aws:lambda:us-east-1:000000000000:layer:";

json createBody(const std::string &name, const std::string &zip, json extra = json::object()) {
    json body{{"FunctionName", name},
              {"Runtime", "python3.11"},
              {"Role", "arn:aws:iam::000000000000:role/test"},
              {"Handler", "app.main"},
              {"Code", {{"ZipFile", lambdaclient::base64(zip)}}}};
    body.update(extra);
    return body;
}

} // namespace

// The control plane over real HTTP, in-process: every Lambda operation the issue lists with
// its status codes and error types, SigV4 refusals, bad input that leaves nothing behind,
// versions that keep their code, weighted aliases, concurrency, the durable asynchronous
// queue (retries, dead letters, a restart in between) and the logs API.
class TestControlPlane : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void createGetListDelete();
    void updatesAndRevisions();
    void versionsKeepTheirCode();
    void unusedCodeIsSweptAtStart();
    void largeRequests();
    void aliasesSplitTraffic();
    void concurrencyThrottles();
    void tags();
    void badInputIsRefusedAndLeavesNothing_data();
    void badInputIsRefusedAndLeavesNothing();
    void signaturesAreChecked();
    void devLoopFunctionsAreInvokable();
    void asyncRetriesThenDeadLetters();
    void eventInvokeConfigIsValidatedAndHonoured();
    void anEventPastItsMaximumAgeIsDropped();
    void queuedEventsSurviveARestart();
    void logsAreServed();
    void eventsFollowAnInvocation();
    void eventsNeedASignature();
    void layerVersionsArePublishedListedAndDeleted();
    void functionsRunWithTheirLayers();

private:
    void start(std::chrono::milliseconds retryDelay = std::chrono::milliseconds(50));
    void stop();
    lambdaclient::LambdaClient &client() { return *m_client; }
    lambdaclient::LambdaClient::Raw raw(const std::string &method, const std::string &path,
                                        const std::string &body = {},
                                        std::map<std::string, std::string> headers = {}) {
        // "path?a=b&c=d": the query goes as pairs, signed as sent.
        std::vector<std::pair<std::string, std::string>> query;
        const auto question = path.find('?');
        if (question != std::string::npos) {
            for (const auto &pair : QString::fromStdString(path.substr(question + 1)).split('&')) {
                const auto parts = pair.split('=');
                query.emplace_back(parts[0].toStdString(), parts.value(1).toStdString());
            }
        }
        return m_client->send(method, path.substr(0, question), query, body, std::move(headers));
    }
    std::string countFile() const { return m_project->filePath("runs.txt").toStdString(); }
    int runs() const {
        QFile file(QString::fromStdString(countFile()));
        return file.open(QIODevice::ReadOnly) ? static_cast<int>(file.readAll().count('\n')) : 0;
    }

    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<boost::asio::io_context> m_io;
    std::unique_ptr<Simulator> m_simulator;
    std::unique_ptr<lambdaclient::LambdaClient> m_client;
    std::thread m_thread;
};

void TestControlPlane::init() {
    m_project = std::make_unique<TempProject>();
    m_project->write("dev.py", "def main(event, context):\n    return {'dev': True}\n");
    m_project->writeManifest("service: cp\nprovider:\n  name: aws\n  runtime: python3.11\n"
                             "functions:\n  devfn:\n    handler: dev.main\n  web:\n"
                             "    httpHandler: dev.main\n");
    start();
}

void TestControlPlane::start(std::chrono::milliseconds retryDelay) {
    m_io = std::make_unique<boost::asio::io_context>();
    SimulatorOptions options;
    options.projectDir = m_project->path().toStdString();
    options.resourcesDir = nimbusSourcePath("resources").toStdString();
    options.serveGateway = false;
    options.control.retryDelay = retryDelay;
    m_simulator = std::make_unique<Simulator>(*m_io, options);
    QVERIFY(m_simulator->load());
    m_simulator->start();
    lambdaclient::Endpoint endpoint;
    endpoint.url = m_simulator->controlPlaneUrl();
    endpoint.credentials = m_simulator->controlPlane()->credentials();
    m_client = std::make_unique<lambdaclient::LambdaClient>(endpoint);
    auto guard =
        std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            m_io->get_executor());
    m_thread = std::thread([this, guard] { m_io->run(); });
}

void TestControlPlane::stop() {
    std::promise<void> stopped;
    boost::asio::post(*m_io, [&] {
        m_simulator->shutdown();
        stopped.set_value();
    });
    stopped.get_future().wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    m_io->stop();
    m_thread.join();
    m_simulator.reset();
    m_io.reset();
}

void TestControlPlane::cleanup() {
    stop();
    m_project.reset();
}

void TestControlPlane::createGetListDelete() {
    const std::string zip = pythonPackage("def main(event, context):\n    return {'got': event}\n");
    for (const char *name : {"alpha", "beta", "gamma"}) {
        const auto created = client().createFunction(createBody(name, zip, {{"MemorySize", 256}}));
        QVERIFY2(created.ok(), created.error.message.c_str());
        QCOMPARE(created->memorySize, 256);
        QCOMPARE(created->timeout, 3); // Lambda's default
        QCOMPARE(created->codeSha256, packaging::sha256Base64(zip));
        QCOMPARE(created->codeSize, static_cast<long long>(zip.size()));
        QCOMPARE(created->state, std::string("Active"));
    }
    // A second create of a name is a conflict.
    const auto again = client().createFunction(createBody("alpha", zip));
    QCOMPARE(again.error.status, 409);
    QCOMPARE(again.error.type, std::string("ResourceConflictException"));
    // Pages of one follow NextMarker to the end.
    const auto page = raw("GET", "/2015-03-31/functions/?MaxItems=1");
    QCOMPARE(page.status, 200);
    const json first = json::parse(page.body);
    QCOMPARE(first["Functions"].size(), std::size_t(1));
    QVERIFY(first.contains("NextMarker"));
    const auto all = client().listFunctions();
    QCOMPARE(all->size(), std::size_t(3));
    // Invoke the deployed code.
    const auto result = client().invoke("beta", R"({"n": 1})");
    QCOMPARE(result.status, 200);
    QCOMPARE(json::parse(result.payload), json({{"got", {{"n", 1}}}}));
    QCOMPARE(result.executedVersion, std::string("$LATEST"));
    QVERIFY(result.log.find("REPORT RequestId: " + result.requestId) != std::string::npos);
    // GetFunction hands out a link to the package.
    const auto function = client().getFunction("beta");
    net::HttpRequestSpec download;
    download.url = (*function)["Code"]["Location"];
    const auto package = net::httpRequest(download);
    QCOMPARE(package.status, 200);
    QVERIFY(package.body == zip);
    // Delete, then it is gone.
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/beta").status, 204);
    const auto gone = client().getFunctionConfiguration("beta");
    QCOMPARE(gone.error.status, 404);
    QCOMPARE(gone.error.type, std::string("ResourceNotFoundException"));
    QVERIFY(QString::fromStdString(gone.error.message).contains("function:beta"));
    QCOMPARE(client().invoke("beta", "{}").status, 404);
}

void TestControlPlane::updatesAndRevisions() {
    QVERIFY(client().createFunction(createBody("f", pythonPackage(
                                                        "def main(e, c):\n    return 'one'\n")))
                .ok());
    QCOMPARE(client().invoke("f", "{}").payload, std::string("\"one\""));
    const auto updated =
        client().updateFunctionCode("f", pythonPackage("def main(e, c):\n    return 'two'\n"));
    QVERIFY(updated.ok());
    QCOMPARE(client().invoke("f", "{}").payload, std::string("\"two\""));
    const auto configured = client().updateFunctionConfiguration(
        "f", {{"Timeout", 30}, {"Environment", {{"Variables", {{"MODE", "x"}}}}}});
    QVERIFY(configured.ok());
    QCOMPARE(configured->timeout, 30);
    QVERIFY(configured->revisionId != updated->revisionId);
    // A stale revision is refused.
    const auto stale =
        raw("PUT", "/2015-03-31/functions/f/configuration",
            json{{"Timeout", 5}, {"RevisionId", updated->revisionId}}.dump());
    QCOMPARE(stale.status, 412);
    QCOMPARE(stale.headers.at("x-amzn-errortype"), std::string("PreconditionFailedException"));
}

void TestControlPlane::versionsKeepTheirCode() {
    QVERIFY(client().createFunction(createBody("v", pythonPackage(
                                                        "def main(e, c):\n    return 'v1'\n")))
                .ok());
    const auto one = client().publishVersion("v");
    QCOMPARE(one->version, std::string("1"));
    QCOMPARE(one->functionArn, std::string("arn:aws:lambda:us-east-1:000000000000:function:v:1"));
    // Nothing changed: the same version again.
    QCOMPARE(client().publishVersion("v")->version, std::string("1"));
    QVERIFY(client().updateFunctionCode("v", pythonPackage("def main(e, c):\n    return 'v2'\n"))
                .ok());
    QCOMPARE(client().publishVersion("v", "second")->version, std::string("2"));
    QVERIFY(client().updateFunctionCode("v", pythonPackage("def main(e, c):\n    return 'v3'\n"))
                .ok());
    QCOMPARE(client().invoke("v", "{}", "1").payload, std::string("\"v1\""));
    QCOMPARE(client().invoke("v", "{}", "2").payload, std::string("\"v2\""));
    QCOMPARE(client().invoke("v", "{}").payload, std::string("\"v3\""));
    QCOMPARE(client().invoke("v", "{}", "1").executedVersion, std::string("1"));
    const auto versions = client().listVersions("v");
    QCOMPARE(versions->size(), std::size_t(3));
    QCOMPARE((*versions)[2].description, std::string("second"));
    QCOMPARE(client().invoke("v", "{}", "9").status, 404);
    // Versions are immutable: deleting $LATEST alone is refused, a version goes.
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/v?Qualifier=$LATEST").status, 400);
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/v?Qualifier=1").status, 204);
    QCOMPARE(client().invoke("v", "{}", "1").status, 404);
}

// Packages no function or version uses any more, and what a crash cut short, are removed
// when the control plane starts; the code a function runs from is read-only to it.
void TestControlPlane::unusedCodeIsSweptAtStart() {
    const auto hexOf = [](const std::string &sha256Base64) {
        return QByteArray::fromBase64(QByteArray::fromStdString(sha256Base64)).toHex().toStdString();
    };
    const auto created = client().createFunction(
        createBody("s", pythonPackage("def main(e, c):\n    return 'a'\n")));
    QVERIFY(created.ok());
    const std::string a = hexOf(created->codeSha256);
    QCOMPARE(client().publishVersion("s")->version, std::string("1"));
    const auto second =
        client().updateFunctionCode("s", pythonPackage("def main(e, c):\n    return 'b'\n"));
    QCOMPARE(client().invoke("s", "{}").payload, std::string("\"b\""));
    const std::string b = hexOf(second->codeSha256);
    const auto third =
        client().updateFunctionCode("s", pythonPackage("def main(e, c):\n    return 'c'\n"));
    QCOMPARE(client().invoke("s", "{}").payload, std::string("\"c\""));
    const std::string c = hexOf(third->codeSha256);
    const auto doomed = client().createFunction(
        createBody("gone", pythonPackage("def main(e, c):\n    return 'd'\n")));
    QVERIFY(doomed.ok());
    const std::string d = hexOf(doomed->codeSha256);
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/gone").status, 204);

    const QString code = m_project->filePath(".nimbus/code");
    const auto file = QString::fromStdString(c) + "/app.py";
    QVERIFY(QFile::exists(code + "/" + file));
    QCOMPARE(QFile::permissions(code + "/" + file) &
                 (QFile::WriteOwner | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    // What a crash in the middle of a write or an unpacking leaves behind.
    m_project->write(".nimbus/code/" + QString::fromStdString(c) + ".zip.tmp-1234", "partial");
    m_project->write(".nimbus/code/.unpacking-" + QString::fromStdString(c) + "-99/app.py", "x");

    stop();
    start();
    QStringList entries = QDir(code).entryList(QDir::AllEntries | QDir::NoDotAndDotDot |
                                               QDir::Hidden);
    entries.sort();
    QStringList expected{QString::fromStdString(a) + ".zip", QString::fromStdString(c),
                         QString::fromStdString(c) + ".zip"};
    expected.sort();
    QCOMPARE(entries, expected);
    QVERIFY(b != a && b != c && d != a && d != c);
    QCOMPARE(client().invoke("s", "{}", "1").payload, std::string("\"a\""));
    QCOMPARE(client().invoke("s", "{}").payload, std::string("\"c\""));
}

// Requests over 1 MB take the other path through the control plane (prepared on a
// worker): packages, DryRun, payloads and signatures behave exactly as for small ones.
void TestControlPlane::largeRequests() {
    const std::string blob = noise(1536 * 1024);
    const std::string zip = zipOf({{"app.py", "def main(e, c):\n    return len(e['data'])\n"},
                                   {"blob", blob}});
    const auto created = client().createFunction(createBody("big", zip));
    QVERIFY2(created.ok(), created.error.message.c_str());
    QCOMPARE(created->codeSize, static_cast<long long>(zip.size()));
    QCOMPARE(created->codeSha256, packaging::sha256Base64(zip));
    // A 2 MB event arrives whole.
    const json event{{"data", std::string(2 << 20, 'x')}};
    QCOMPARE(client().invoke("big", event.dump()).payload, std::to_string(2 << 20));

    const QString code = m_project->filePath(".nimbus/code");
    const auto stored = [&] {
        return QDir(code).entryList({"*.zip*"}, QDir::Files | QDir::Hidden).size();
    };
    QCOMPARE(stored(), 1);
    const std::string second = zipOf(
        {{"app.py", "def main(e, c):\n    return 'second'\n"}, {"blob", blob + "2"}});
    const auto dry = raw("PUT", "/2015-03-31/functions/big/code",
                         json{{"ZipFile", lambdaclient::base64(second)}, {"DryRun", true}}.dump());
    QCOMPARE(dry.status, 200);
    QCOMPARE(json::parse(dry.body)["CodeSha256"].get<std::string>(),
             packaging::sha256Base64(second));
    QCOMPARE(stored(), 1); // a dry run stores nothing
    QCOMPARE(client().invoke("big", event.dump()).payload, std::to_string(2 << 20));
    const auto updated = client().updateFunctionCode("big", second);
    QVERIFY(updated.ok());
    QCOMPARE(stored(), 2);
    QCOMPARE(client().invoke("big", "{}").payload, std::string("\"second\""));

    // The signature is checked on that path too.
    lambdaclient::Endpoint wrongSecret = client().endpoint();
    wrongSecret.credentials.secretAccessKey = "not-the-secret-not-the-secret-not-the-sec";
    const auto refused = lambdaclient::LambdaClient(wrongSecret).updateFunctionCode("big", zip);
    QCOMPARE(refused.error.status, 403);
    QCOMPARE(refused.error.type, std::string("InvalidSignatureException"));
    QCOMPARE(stored(), 2);
}

void TestControlPlane::aliasesSplitTraffic() {
    QVERIFY(client().createFunction(createBody("a", pythonPackage(
                                                        "def main(e, c):\n    return 1\n")))
                .ok());
    client().publishVersion("a");
    client().updateFunctionCode("a", pythonPackage("def main(e, c):\n    return 2\n"));
    client().publishVersion("a");
    const auto alias = client().putAlias("a", "live", "1", {{"2", 0.5}}, true);
    QVERIFY2(alias.ok(), alias.error.message.c_str());
    QCOMPARE(alias->aliasArn, std::string("arn:aws:lambda:us-east-1:000000000000:function:a:live"));
    std::map<std::string, int> executed;
    for (int i = 0; i < 60; ++i) {
        const auto r = client().invoke("a", "{}", "live");
        QCOMPARE(r.payload, r.executedVersion); // each version answers its own number
        ++executed[r.executedVersion];
    }
    QVERIFY2(executed["1"] >= 10 && executed["2"] >= 10,
             qPrintable(QString("1: %1, 2: %2").arg(executed["1"]).arg(executed["2"])));
    // All traffic to version 2.
    QVERIFY(client().putAlias("a", "live", "2", {}, false).ok());
    for (int i = 0; i < 5; ++i)
        QCOMPARE(client().invoke("a", "{}", "live").executedVersion, std::string("2"));
    // A version an alias uses cannot be deleted.
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/a?Qualifier=2").status, 409);
    const auto missing = client().putAlias("a", "next", "7", {}, true);
    QCOMPARE(missing.error.status, 404);
    QCOMPARE(client().putAlias("a", "live", "1", {}, true).error.status, 409);
    QCOMPARE(client().listAliases("a")->size(), std::size_t(1));
    QCOMPARE(raw("DELETE", "/2015-03-31/functions/a/aliases/live").status, 204);
    QCOMPARE(client().getAlias("a", "live").error.status, 404);
}

void TestControlPlane::concurrencyThrottles() {
    QVERIFY(client().createFunction(createBody("c", pythonPackage(
                                                        "def main(e, c):\n    return 1\n")))
                .ok());
    QVERIFY(client().putConcurrency("c", 0).ok());
    const auto get = raw("GET", "/2019-09-30/functions/c/concurrency");
    QCOMPARE(json::parse(get.body)["ReservedConcurrentExecutions"], 0);
    const auto throttled = client().invoke("c", "{}");
    QCOMPARE(throttled.status, 429);
    QCOMPARE(throttled.error.type, std::string("TooManyRequestsException"));
    QVERIFY(client().putConcurrency("c", std::nullopt).ok());
    QCOMPARE(client().invoke("c", "{}").status, 200);
    QCOMPARE(json::parse(raw("GET", "/2019-09-30/functions/c/concurrency").body), json::object());
}

void TestControlPlane::tags() {
    QVERIFY(client()
                .createFunction(createBody("t", pythonPackage("def main(e, c):\n    return 1\n"),
                                           {{"Tags", {{"team", "web"}}}}))
                .ok());
    const std::string arn = "arn:aws:lambda:us-east-1:000000000000:function:t";
    QVERIFY(client().tagResource(arn, {{"stage", "dev"}}).ok());
    auto tags = json::parse(raw("GET", "/2017-03-31/tags/" + sigv4::uriEncode(arn)).body);
    QCOMPARE(tags["Tags"], json({{"team", "web"}, {"stage", "dev"}}));
    QCOMPARE(m_client->send("DELETE", "/2017-03-31/tags/" + sigv4::uriEncode(arn),
                            {{"tagKeys", "team"}}, "")
                 .status,
             204);
    tags = json::parse(raw("GET", "/2017-03-31/tags/" + sigv4::uriEncode(arn)).body);
    QCOMPARE(tags["Tags"], json({{"stage", "dev"}}));
}

void TestControlPlane::badInputIsRefusedAndLeavesNothing_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("message");
    auto zipBody = [](const std::string &zip) {
        return QByteArray::fromStdString(createBody("bad", zip).dump());
    };
    QTest::newRow("malformed JSON") << "POST" << "/2015-03-31/functions" << QByteArray("{\"Fun")
                                    << 400 << "InvalidRequestContentException" << "not valid JSON";
    QTest::newRow("an unknown field")
        << "POST" << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", zipOf({{"a.py", "x"}}), {{"Colour", "red"}}).dump())
        << 400 << "InvalidRequestContentException" << "Unrecognized field \"Colour\"";
    QTest::newRow("a zip with a path out of the package")
        << "POST" << "/2015-03-31/functions" << zipBody(zipOf({{"../evil.py", "x"}})) << 400
        << "InvalidParameterValueException" << "climbs out of the package";
    QTest::newRow("a zip with an absolute path")
        << "POST" << "/2015-03-31/functions" << zipBody(zipOf({{"/etc/evil", "x"}})) << 400
        << "InvalidParameterValueException" << "absolute path";
    QTest::newRow("a zip bomb (300 MB of zeros)")
        << "POST" << "/2015-03-31/functions"
        << zipBody(zipOf({{"zeros", std::string(300 * 1024 * 1024, '\0')}})) << 400
        << "InvalidParameterValueException" << "Unzipped size must be smaller than 262144000";
    // Over 1 MB, the slow part of a request is done away from the I/O thread: the same
    // answers, and the package staged for a request that then fails is removed.
    const std::string big = noise(1536 * 1024);
    QTest::newRow("large: malformed JSON")
        << "POST" << "/2015-03-31/functions"
        << QByteArray("{\"Code\": {\"ZipFile\": \"" + QByteArray(2 << 20, 'A')) << 400
        << "InvalidRequestContentException" << "not valid JSON";
    QTest::newRow("large: an unknown field beside a good package")
        << "POST" << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", zipOf({{"a.py", "x"}, {"blob", big}}), {{"Colour", "red"}}).dump())
        << 400 << "InvalidRequestContentException" << "Unrecognized field \"Colour\"";
    QTest::newRow("large: a zip with a path out of the package")
        << "POST" << "/2015-03-31/functions"
        << zipBody(zipOf({{"../evil.py", "x"}, {"blob", big}})) << 400
        << "InvalidParameterValueException" << "climbs out of the package";
    QTest::newRow("large: a zip bomb")
        << "POST" << "/2015-03-31/functions"
        << zipBody(zipOf({{"blob", big}, {"zeros", std::string(300 * 1024 * 1024, '\0')}}))
        << 400 << "InvalidParameterValueException"
        << "Unzipped size must be smaller than 262144000";
    QTest::newRow("bytes that are not a zip")
        << "POST" << "/2015-03-31/functions" << zipBody("certainly not a zip file") << 400
        << "InvalidParameterValueException" << "Could not unzip";
    QTest::newRow("an event over 1 MB")
        << "EVENT" << "/2015-03-31/functions/devfn/invocations"
        << QByteArray("\"" + QByteArray(1024 * 1024, 'x') + "\"") << 413
        << "RequestTooLargeException" << "1048576 bytes for the Event invocation type";
    QTest::newRow("a payload over 6 MB")
        << "POST" << "/2015-03-31/functions/devfn/invocations"
        << QByteArray("\"" + QByteArray(6 * 1024 * 1024 + 10, 'x') + "\"") << 413
        << "RequestTooLargeException" << "6291456 bytes for the RequestResponse invocation type";
    QTest::newRow("a payload that is not JSON")
        << "POST" << "/2015-03-31/functions/devfn/invocations" << QByteArray("{nope") << 400
        << "InvalidRequestContentException" << "not valid JSON";
    QTest::newRow("an unknown operation")
        << "GET" << "/2015-03-31/everything" << QByteArray() << 404 << "UnknownOperationException"
        << "Unknown operation";
    // Layers, and functions' Layers.
    auto layerRow = [](const json &body) { return QByteArray::fromStdString(body.dump()); };
    const std::string layerZip = pythonLayer("x");
    QTest::newRow("a layer name with a dot")
        << "POST"
        << "/2018-10-31/layers/bad.name/versions" << layerRow(layerBody(layerZip)) << 400
        << "ValidationException"
        << "Value 'bad.name' at 'layerName'";
    QTest::newRow("a layer without content")
        << "POST"
        << "/2018-10-31/layers/shared/versions" << layerRow({{"Description", "x"}}) << 400
        << "ValidationException"
        << "Value null at 'content'";
    QTest::newRow("a layer from S3") << "POST"
                                     << "/2018-10-31/layers/shared/versions"
                                     << layerRow({{"Content", {{"S3Bucket", "b"}, {"S3Key", "k"}}}})
                                     << 400 << "InvalidParameterValueException"
                                     << "upload the package as Content.ZipFile";
    QTest::newRow("a layer for a runtime this platform does not run")
        << "POST"
        << "/2018-10-31/layers/shared/versions"
        << layerRow(layerBody(layerZip, {{"CompatibleRuntimes", {"cobol85"}}})) << 400
        << "ValidationException"
        << "at 'compatibleRuntimes'";
    QTest::newRow("a layer of bytes that are not a zip")
        << "POST"
        << "/2018-10-31/layers/shared/versions" << layerRow(layerBody("not a zip")) << 400
        << "InvalidParameterValueException"
        << "Could not unzip";
    QTest::newRow("large: a layer with a path out of the package")
        << "POST"
        << "/2018-10-31/layers/shared/versions"
        << layerRow(layerBody(zipOf({{"../evil.py", "x"}, {"blob", big}}))) << 400
        << "InvalidParameterValueException"
        << "climbs out of the package";
    QTest::newRow("large: an unknown field beside a good layer")
        << "POST"
        << "/2018-10-31/layers/shared/versions"
        << layerRow(layerBody(zipOf({{"python/a.py", "x"}, {"blob", big}}), {{"Colour", "red"}}))
        << 400 << "InvalidRequestContentException"
        << "Unrecognized field \"Colour\"";
    QTest::newRow("a layer version that is not a number")
        << "GET"
        << "/2018-10-31/layers/shared/versions/latest" << QByteArray() << 400
        << "InvalidParameterValueException"
        << "Invalid VersionNumber 'latest'";
    QTest::newRow("a layer version ARN that is not one")
        << "GET"
        << "/2018-10-31/layers?find=LayerVersion&Arn=arn:aws:lambda:us-east-1:1:layer:x:1"
        << QByteArray() << 400 << "ValidationException"
        << "at 'arn' failed to satisfy constraint";
    QTest::newRow("layers listed for a runtime this platform does not run")
        << "GET"
        << "/2018-10-31/layers?CompatibleRuntime=cobol85" << QByteArray() << 400
        << "ValidationException"
        << "Value 'cobol85' at 'compatibleRuntime'";
    json sixLayers = json::array();
    for (const char *name : {"a", "b", "c", "d", "e", "f"})
        sixLayers.push_back(kLayerArn + name + ":1");
    QTest::newRow("a function with six layers")
        << "POST"
        << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", pythonPackage("x = 1\n"), {{"Layers", sixLayers}}).dump())
        << 400 << "InvalidParameterValueException"
        << "Cannot reference more than 5 layers.";
    QTest::newRow("a function with a layer that is not published")
        << "POST"
        << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", pythonPackage("x = 1\n"), {{"Layers", {kLayerArn + "nothing:1"}}})
                   .dump())
        << 400 << "InvalidParameterValueException"
        << "Layer version arn:aws:lambda:us-east-1:000000000000:layer:nothing:1 does not exist.";
    QTest::newRow("a function with a layer rather than a layer version")
        << "POST"
        << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", pythonPackage("x = 1\n"), {{"Layers", {kLayerArn + "shared"}}})
                   .dump())
        << 400 << "ValidationException"
        << "at 'layers' failed to satisfy constraint";
    QTest::newRow("a function with a layer of another region")
        << "POST"
        << "/2015-03-31/functions"
        << QByteArray::fromStdString(
               createBody("bad", pythonPackage("x = 1\n"),
                          {{"Layers", {"arn:aws:lambda:eu-west-1:000000000000:layer:shared:1"}}})
                   .dump())
        << 400 << "InvalidParameterValueException"
        << "Layers are expected to be in region us-east-1.";
    QTest::newRow("an http function is not invoked")
        << "POST" << "/2015-03-31/functions/web/invocations" << QByteArray("{}") << 400
        << "InvalidParameterValueException" << "reached over HTTP";
}

void TestControlPlane::badInputIsRefusedAndLeavesNothing() {
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, type);
    QFETCH(QString, message);
    std::map<std::string, std::string> headers;
    if (method == "EVENT") {
        method = "POST";
        headers["X-Amz-Invocation-Type"] = "Event";
    }
    const auto r = raw(method.toStdString(), path.toStdString(), body.toStdString(), headers);
    QCOMPARE(r.status, status);
    QCOMPARE(QString::fromStdString(r.headers.at("x-amzn-errortype")), type);
    QVERIFY2(QString::fromStdString(json::parse(r.body)["message"].get<std::string>())
                 .contains(message),
             r.body.c_str());
    // Nothing half-written: no function, no stored package, no queued event.
    QCOMPARE(client().listFunctions()->size(), std::size_t(0));
    QCOMPARE(QDir(m_project->filePath(".nimbus/code"))
                 .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden),
             QStringList());
    QCOMPARE(m_simulator->controlPlane()->queuedEvents(), std::size_t(0));
    QCOMPARE(json::parse(raw("GET", "/2018-10-31/layers").body)["Layers"], json::array());
}

void TestControlPlane::signaturesAreChecked() {
    net::HttpRequestSpec bare;
    bare.url = m_simulator->controlPlaneUrl() + "/2015-03-31/functions/";
    const auto unsignedAnswer = net::httpRequest(bare);
    QCOMPARE(unsignedAnswer.status, 403);
    QCOMPARE(unsignedAnswer.header("x-amzn-errortype"),
             std::string("MissingAuthenticationTokenException"));
    lambdaclient::Endpoint wrongSecret = client().endpoint();
    wrongSecret.credentials.secretAccessKey = "not-the-secret-not-the-secret-not-the-sec";
    const auto refused = lambdaclient::LambdaClient(wrongSecret).listFunctions();
    QCOMPARE(refused.error.status, 403);
    QCOMPARE(refused.error.type, std::string("InvalidSignatureException"));
    lambdaclient::Endpoint wrongKey = client().endpoint();
    wrongKey.credentials.accessKeyId = "AKIAIOSFODNN7EXAMPLE";
    const auto unknown = lambdaclient::LambdaClient(wrongKey).listFunctions();
    QCOMPARE(unknown.error.status, 403);
    QVERIFY2(QString::fromStdString(unknown.error.message).contains("sim.json"),
             unknown.error.message.c_str());
    // A body changed after signing is refused too.
    lambdaclient::LambdaClient::Raw tampered =
        m_client->send("POST", "/2015-03-31/functions/devfn/invocations", {}, "{}",
                       {{"X-Amz-Content-Sha256", "wrong"}});
    QCOMPARE(tampered.status, 200); // (Lambda signs the body itself, not this header)
}

void TestControlPlane::devLoopFunctionsAreInvokable() {
    // Never deployed: the manifest's function runs from the working tree, as $LATEST only.
    const auto result = client().invoke("devfn", "{}");
    QCOMPARE(result.status, 200);
    QCOMPARE(json::parse(result.payload), json({{"dev", true}}));
    QCOMPARE(client().invoke("cp-dev-devfn", "{}").status, 200); // by its deployed name
    QCOMPARE(client().invoke("devfn", "{}", "1").status, 404);
    // A deployed function of the same name runs its package, not the working tree.
    QVERIFY(client()
                .createFunction(createBody("cp-dev-devfn",
                                           zipOf({{"dev.py", "def main(e, c):\n    return 'pkg'\n"}}),
                                           {{"Handler", "dev.main"}}))
                .ok());
    m_project->write("dev.py", "def main(event, context):\n    return 'edited'\n");
    QCOMPARE(client().invoke("cp-dev-devfn", "{}").payload, std::string("\"pkg\""));
}

void TestControlPlane::asyncRetriesThenDeadLetters() {
    const std::string failing =
        "import os\n\ndef main(event, context):\n"
        "    open(os.environ['COUNT_FILE'], 'a').write('run\\n')\n"
        "    raise RuntimeError('always fails')\n";
    QVERIFY(client()
                .createFunction(createBody(
                    "flaky", pythonPackage(failing),
                    {{"Environment", {{"Variables", {{"COUNT_FILE", countFile()}}}}},
                     {"DeadLetterConfig",
                      {{"TargetArn", "arn:aws:sqs:us-east-1:000000000000:flaky-dlq"}}}}))
                .ok());
    const auto accepted = client().invoke("flaky", R"({"order": 7})", "", "Event");
    QCOMPARE(accepted.status, 202);
    QVERIFY(!accepted.requestId.empty());
    // One attempt and two retries, then the dead-letter queue.
    QTRY_COMPARE_WITH_TIMEOUT(runs(), 3, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(m_simulator->controlPlane()->queuedEvents(), std::size_t(0), 5000);
    const auto letters = client().deadLetters("flaky");
    QVERIFY(letters.ok());
    const json list = (*letters)["DeadLetters"];
    QCOMPARE(list.size(), std::size_t(1));
    QCOMPARE(list[0]["Queue"], "flaky-dlq");
    QCOMPARE(list[0]["RequestId"], accepted.requestId);
    QCOMPARE(json::parse(list[0]["Payload"].get<std::string>()), json({{"order", 7}}));
    QCOMPARE(list[0]["Attempts"], 3);
    QVERIFY(list[0]["Error"].get<std::string>().find("always fails") != std::string::npos);
    QTest::qWait(300);
    QCOMPARE(runs(), 3); // and no more
    // A success leaves nothing queued.
    QCOMPARE(client().invoke("devfn", "{}", "", "Event").status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_simulator->controlPlane()->queuedEvents(), std::size_t(0), 10000);
    QCOMPARE((*client().deadLetters("devfn"))["DeadLetters"].size(), std::size_t(0));
}

// Lambda's current asynchronous rules: events up to 1 MB; FunctionEventInvokeConfig validated
// as Lambda validates it, and honoured by the queue (no retries with 0; the record of a failure
// sent to an on-failure function); Get, Update, List and Delete.
void TestControlPlane::eventInvokeConfigIsValidatedAndHonoured() {
    const std::string failing = "import os\n\ndef main(event, context):\n"
                                "    open(os.environ['COUNT_FILE'], 'a').write('run\\n')\n"
                                "    raise ValueError('bad order')\n";
    const std::string sink = "import json, os\n\ndef main(event, context):\n"
                             "    open(os.environ['SINK_FILE'], 'w').write(json.dumps(event))\n";
    const std::string sinkFile = m_project->filePath("sink.json").toStdString();
    QVERIFY(client()
                .createFunction(createBody("once", pythonPackage(failing),
                                           {{"Environment",
                                             {{"Variables", {{"COUNT_FILE", countFile()}}}}}}))
                .ok());
    QVERIFY(client()
                .createFunction(createBody("sink", pythonPackage(sink),
                                           {{"Environment",
                                             {{"Variables", {{"SINK_FILE", sinkFile}}}}}}))
                .ok());
    const std::string path = "/2019-09-25/functions/once/event-invoke-config";
    auto expectRefused = [&](const json &body, int status, const std::string &type,
                             const std::string &words) {
        const auto answer = raw("PUT", path, body.dump());
        QCOMPARE(answer.status, status);
        const auto errorType = answer.headers.find("x-amzn-errortype");
        QVERIFY2(errorType != answer.headers.end() && errorType->second.starts_with(type) &&
                     answer.body.find(words) != std::string::npos,
                 answer.body.c_str());
    };
    expectRefused({{"MaximumRetryAttempts", 5}}, 400, "ValidationException",
                  "less than or equal to 2");
    expectRefused({{"MaximumEventAgeInSeconds", 30}}, 400, "ValidationException",
                  "greater than or equal to 60");
    expectRefused({{"DestinationConfig",
                    {{"OnSuccess", {{"Destination", "arn:aws:sqs:us-east-1:000000000000:q"}}}}}},
                  400, "InvalidParameterValueException", "not supported locally");
    expectRefused({{"DestinationConfig",
                    {{"OnFailure",
                      {{"Destination", "arn:aws:lambda:us-east-1:000000000000:function:nope"}}}}}},
                  400, "InvalidParameterValueException", "does not exist");
    QCOMPARE(raw("GET", path).status, 404);
    QCOMPARE(raw("POST", path, json{{"MaximumRetryAttempts", 1}}.dump()).status, 404);

    const std::string sinkArn = "arn:aws:lambda:us-east-1:000000000000:function:sink";
    auto put = raw("PUT", path,
                   json{{"MaximumRetryAttempts", 0},
                        {"DestinationConfig", {{"OnFailure", {{"Destination", sinkArn}}}}}}
                       .dump());
    QCOMPARE(put.status, 200);
    json config = json::parse(put.body);
    QCOMPARE(config["MaximumRetryAttempts"], 0);
    QVERIFY(config["FunctionArn"].get<std::string>().ends_with("function:once:$LATEST"));
    QCOMPARE(config["DestinationConfig"]["OnFailure"]["Destination"], sinkArn);
    // Update changes what it names and keeps the rest.
    config = json::parse(raw("POST", path, json{{"MaximumEventAgeInSeconds", 3600}}.dump()).body);
    QCOMPARE(config["MaximumRetryAttempts"], 0);
    QCOMPARE(config["MaximumEventAgeInSeconds"], 3600);
    QCOMPARE(json::parse(raw("GET", path).body)["MaximumEventAgeInSeconds"], 3600);
    const json listed = json::parse(raw("GET", path + "/list").body);
    QCOMPARE(listed["FunctionEventInvokeConfigs"].size(), std::size_t(1));

    // Honoured: one attempt, no retry; the dead letter says why; the sink gets the record.
    const auto accepted = client().invoke("once", R"({"order": 8})", "", "Event");
    QCOMPARE(accepted.status, 202);
    QTRY_VERIFY2_WITH_TIMEOUT(QFile::exists(QString::fromStdString(sinkFile)),
                              ((*client().deadLetters("once")).dump() +
                               (*client().deadLetters("sink")).dump())
                                  .c_str(),
                              15000);
    QTRY_COMPARE_WITH_TIMEOUT(m_simulator->controlPlane()->queuedEvents(), std::size_t(0), 5000);
    QTest::qWait(300);
    QCOMPARE(runs(), 1);
    const json letters = (*client().deadLetters("once"))["DeadLetters"];
    QCOMPARE(letters.size(), std::size_t(1));
    QCOMPARE(letters[0]["Attempts"], 1);
    QVERIFY2(letters[0]["Error"].get<std::string>().starts_with(
                 "RetriesExhausted after 1 attempt(s) (MaximumRetryAttempts 0): ValueError"),
             letters[0]["Error"].dump().c_str());
    QFile recordFile(QString::fromStdString(sinkFile));
    QVERIFY(recordFile.open(QIODevice::ReadOnly));
    const json record = json::parse(recordFile.readAll().toStdString());
    QCOMPARE(record["version"], "1.0");
    QCOMPARE(record["requestContext"]["condition"], "RetriesExhausted");
    QCOMPARE(record["requestContext"]["requestId"], accepted.requestId);
    QCOMPARE(record["requestContext"]["approximateInvokeCount"], 1);
    QCOMPARE(record["requestPayload"], json({{"order", 8}}));
    QCOMPARE(record["responseContext"]["functionError"], "Unhandled");
    QCOMPARE(record["responsePayload"]["errorType"], "ValueError");

    // A 1 MB event is taken (the limit was 256 KB).
    QCOMPARE(client().invoke("devfn", "\"" + std::string(1000 * 1000, 'x') + "\"", "", "Event").status,
             202);
    QCOMPARE(raw("DELETE", path).status, 204);
    QCOMPARE(raw("GET", path).status, 404);
}

// An event older than MaximumEventAgeInSeconds when its turn comes is not run: it goes to the
// dead letters with the reason.
void TestControlPlane::anEventPastItsMaximumAgeIsDropped() {
    QVERIFY(client()
                .createFunction(createBody(
                    "late", pythonPackage("import os\n\ndef main(event, context):\n"
                                          "    open(os.environ['COUNT_FILE'], 'a').write('run\\n')\n"),
                    {{"Environment", {{"Variables", {{"COUNT_FILE", countFile()}}}}}}))
                .ok());
    QCOMPARE(raw("PUT", "/2019-09-25/functions/late/event-invoke-config",
                 json{{"MaximumEventAgeInSeconds", 60}}.dump())
                 .status,
             200);
    stop();
    {
        // An event accepted two minutes ago, still waiting (as after a long stop).
        std::string error;
        auto db = Database::open(m_project->filePath(".nimbus/nimbus.db").toStdString(), error);
        QVERIFY2(db, error.c_str());
        EventQueue queue(*db);
        QueuedEvent event;
        event.requestId = "old-1";
        event.function = "late";
        event.payload = "{}";
        const long long now = QDateTime::currentMSecsSinceEpoch();
        event.createdMs = now - 120000;
        event.nextAttemptMs = now;
        queue.enqueue(event);
    }
    start();
    QTRY_COMPARE_WITH_TIMEOUT((*client().deadLetters("late"))["DeadLetters"].size(),
                              std::size_t(1), 10000);
    const json letter = (*client().deadLetters("late"))["DeadLetters"][0];
    QCOMPARE(letter["RequestId"], "old-1");
    QVERIFY2(letter["Error"].get<std::string>().starts_with(
                 "EventAgeExceeded: the event was older than 60 s"),
             letter["Error"].dump().c_str());
    QCOMPARE(runs(), 0);
}

void TestControlPlane::queuedEventsSurviveARestart() {
    // A slow function: the simulator stops while the attempt runs, before it is done.
    QVERIFY(client()
                .createFunction(createBody(
                    "slow",
                    pythonPackage("import os, time\n\ndef main(event, context):\n"
                                  "    time.sleep(float(os.environ.get('PAUSE', '0')))\n"
                                  "    open(os.environ['COUNT_FILE'], 'a').write('run\\n')\n"),
                    {{"Timeout", 10},
                     {"Environment",
                      {{"Variables", {{"COUNT_FILE", countFile()}, {"PAUSE", "3"}}}}}}))
                .ok());
    for (int i = 0; i < 3; ++i)
        QCOMPARE(client().invoke("slow", "{}", "", "Event").status, 202);
    QTest::qWait(300);
    QCOMPARE(m_simulator->controlPlane()->queuedEvents(), std::size_t(3));
    stop();
    QCOMPARE(runs(), 0);
    // The next simulator finds them and runs them (with the pause gone).
    start();
    QVERIFY(client()
                .updateFunctionConfiguration(
                    "slow", {{"Environment", {{"Variables", {{"COUNT_FILE", countFile()}}}}}})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(runs(), 3, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_simulator->controlPlane()->queuedEvents(), std::size_t(0), 5000);
    QCOMPARE(client().listFunctions()->size(), std::size_t(1));
}

void TestControlPlane::logsAreServed() {
    QVERIFY(client()
                .createFunction(createBody(
                    "talker", pythonPackage("def main(event, context):\n"
                                            "    print('said', event['word'])\n    return 1\n")))
                .ok());
    client().invoke("talker", R"({"word": "apple"})");
    client().invoke("talker", R"({"word": "pear"})");
    json events;
    QTRY_VERIFY_WITH_TIMEOUT(
        (events = (*client().filterLogEvents({{"logGroupName", "/aws/lambda/talker"},
                                              {"filterPattern", "said"}}))["events"])
                .size() == 2,
        5000);
    QCOMPARE(events[0]["message"], "said apple\n");
    QVERIFY(events[0]["logStreamName"].get<std::string>().find("[$LATEST]") != std::string::npos);
    const auto all = client().filterLogEvents({{"logGroupName", "/aws/lambda/talker"}, {"limit", 3}});
    QCOMPARE((*all)["events"].size(), std::size_t(3));
    QVERIFY((*all).contains("nextToken"));
    const auto missing = client().filterLogEvents({{"logGroupName", "/aws/lambda/nobody"}});
    QCOMPARE(missing.error.type, std::string("ResourceNotFoundException"));
}

// The live event stream, read as the Studio reads it: one signed long poll tells an
// invocation's whole story (its instance starting, the invocation starting, every log line
// with the REPORT, the end with its figures); the next poll from `next` waits and answers
// empty; the snapshot shows the instance idle afterwards.
void TestControlPlane::eventsFollowAnInvocation() {
    const auto result = client().invoke("devfn", "{}");
    QCOMPARE(result.status, 200);
    QVERIFY(!result.requestId.empty());

    // A client of its own, so that a poll that never answers fails the test in seconds.
    lambdaclient::LambdaClient poller(client().endpoint());
    poller.setTimeout(std::chrono::seconds(15));
    const auto first = poller.send("GET", "/_nimbus/events", {{"after", "0"}, {"wait", "5"}}, "");
    QVERIFY2(first.status == 200, (first.body + first.transportError).c_str());
    json answer = json::parse(first.body);
    QCOMPARE(answer["dropped"].get<long long>(), 0LL);
    long long starting = 0, started = 0, report = 0, ended = 0;
    pid_t pid = 0;
    json end;
    for (const auto &event : answer["events"]) {
        const std::string type = event.value("type", "");
        const long long seq = event["seq"].get<long long>();
        if (type == "instance" && event.value("function", "") == "devfn" &&
            event.value("state", "") == "starting" && !starting) {
            starting = seq;
            pid = event["pid"].get<pid_t>();
        } else if (type == "invocationStart" && event.value("requestId", "") == result.requestId) {
            QCOMPARE(event.value("function", ""), std::string("devfn"));
            started = seq;
        } else if (type == "log" &&
                   event.value("line", "").rfind("REPORT RequestId: " + result.requestId, 0) == 0) {
            report = seq;
        } else if (type == "invocationEnd" && event.value("requestId", "") == result.requestId) {
            ended = seq;
            end = event;
        }
    }
    QVERIFY2(starting > 0, first.body.c_str());
    QVERIFY2(started > 0, first.body.c_str());
    QVERIFY2(report > 0, first.body.c_str());
    QVERIFY2(ended > 0, first.body.c_str());
    QVERIFY(pid > 0);
    QVERIFY(starting < started && started < ended && report < ended);
    QCOMPARE(end.value("function", ""), std::string("devfn"));
    QVERIFY2(end["durationMs"].get<double>() > 0, end.dump().c_str());
    QVERIFY(end["billedDurationMs"].get<long long>() >= 1);
    QVERIFY(end["error"].is_null());
    const long long next = answer["next"].get<long long>();
    QVERIFY(next >= ended);

    // Nothing happens any more: the poll from `next` waits its 0.2 s and answers empty.
    QElapsedTimer clock;
    clock.start();
    const auto quiet = poller.send("GET", "/_nimbus/events",
                                   {{"after", std::to_string(next)}, {"wait", "0.2"}}, "");
    const qint64 took = clock.elapsed();
    QVERIFY2(quiet.status == 200, (quiet.body + quiet.transportError).c_str());
    const json empty = json::parse(quiet.body);
    QCOMPARE(empty["events"].size(), std::size_t(0));
    QCOMPARE(empty["next"].get<long long>(), next);
    QVERIFY2(took >= 150 && took < 5000, qPrintable(QString::number(took)));

    // The instance that ran it waits for more, idle.
    const auto instances = poller.send("GET", "/_nimbus/instances", {}, "");
    QVERIFY2(instances.status == 200, (instances.body + instances.transportError).c_str());
    const json snapshot = json::parse(instances.body);
    QVERIFY(snapshot.contains("routes"));
    // With the schedules that fire by themselves and the runtime templates kept ready.
    QVERIFY(snapshot["schedules"].is_array());
    QVERIFY(snapshot["templates"].is_array());
    for (const auto &t : snapshot["templates"])
        QVERIFY2(t.contains("runtime") && t.contains("pid") && t.contains("proportionalKb"),
                 t.dump().c_str());
    QCOMPARE(snapshot["next"].get<long long>(), next);
    int devInstances = 0;
    for (const auto &instance : snapshot["instances"]) {
        if (instance.value("function", "") != "devfn")
            continue;
        ++devInstances;
        QCOMPARE(instance["pid"].get<pid_t>(), pid);
        QCOMPARE(instance.value("state", ""), std::string("idle"));
    }
    QVERIFY2(devInstances == 1, instances.body.c_str());
}

// The event stream and the snapshot show what functions print: like every other request
// to the control plane, they are refused without a signature, or with a wrong one.
void TestControlPlane::eventsNeedASignature() {
    for (const char *path : {"/_nimbus/events?after=0&wait=5", "/_nimbus/instances"}) {
        net::HttpRequestSpec bare;
        bare.url = m_simulator->controlPlaneUrl() + path;
        bare.timeout = std::chrono::seconds(15);
        QElapsedTimer clock;
        clock.start();
        const auto refused = net::httpRequest(bare);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.header("x-amzn-errortype"),
                 std::string("MissingAuthenticationTokenException"));
        QVERIFY2(clock.elapsed() < 3000, path); // refused at once, not after the wait
    }
    lambdaclient::Endpoint wrongSecret = client().endpoint();
    wrongSecret.credentials.secretAccessKey = "not-the-secret-not-the-secret-not-the-sec";
    lambdaclient::LambdaClient stranger(wrongSecret);
    stranger.setTimeout(std::chrono::seconds(15));
    const auto refused =
        stranger.send("GET", "/_nimbus/events", {{"after", "0"}, {"wait", "5"}}, "");
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.headers.at("x-amzn-errortype"), std::string("InvalidSignatureException"));
}

// Layers as Lambda keeps them: versions numbered from 1 and never reused, each with its
// package (stored as functions' are, whatever its size), listed newest first and filtered by
// runtime, found by name, by layer ARN in the path or by version ARN, and deleted.
void TestControlPlane::layerVersionsArePublishedListedAndDeleted() {
    const std::string one = pythonLayer("one");
    const auto published = raw("POST", "/2018-10-31/layers/shared/versions",
                               layerBody(one, {{"Description", "first"},
                                               {"CompatibleRuntimes", {"python3.11"}},
                                               {"LicenseInfo", "MIT"}})
                                   .dump());
    QCOMPARE(published.status, 201);
    const json v1 = json::parse(published.body);
    QCOMPARE(v1["Version"], 1);
    QCOMPARE(v1["LayerArn"], kLayerArn + "shared");
    QCOMPARE(v1["LayerVersionArn"], kLayerArn + "shared:1");
    QCOMPARE(v1["Description"], "first");
    QCOMPARE(v1["LicenseInfo"], "MIT");
    QCOMPARE(v1["CompatibleRuntimes"], json({"python3.11"}));
    QCOMPARE(v1["Content"]["CodeSha256"], packaging::sha256Base64(one));
    QCOMPARE(v1["Content"]["CodeSize"], one.size());
    QCOMPARE(v1["CreatedDate"].get<std::string>().size(),
             std::string("2024-01-31T12:00:00.000+0000").size());
    net::HttpRequestSpec download;
    download.url = v1["Content"]["Location"];
    const auto package = net::httpRequest(download);
    QCOMPARE(package.status, 200);
    QVERIFY(package.body == one);

    // Version 2 is over 1 MB: prepared away from the I/O thread, like a large function.
    const std::string two = pythonLayer("two", {{"blob", noise(1536 * 1024)}});
    const auto second = raw("POST", "/2018-10-31/layers/shared/versions",
                            layerBody(two, {{"CompatibleRuntimes", {"nodejs20.x"}},
                                            {"CompatibleArchitectures", {"arm64"}}})
                                .dump());
    QCOMPARE(second.status, 201);
    QCOMPARE(json::parse(second.body)["Version"], 2);
    QCOMPARE(json::parse(second.body)["Content"]["CodeSize"], two.size());
    QCOMPARE(raw("POST", "/2018-10-31/layers/other/versions", layerBody(one).dump()).status, 201);

    const auto got = raw("GET", "/2018-10-31/layers/shared/versions/1");
    QCOMPARE(got.status, 200);
    QCOMPARE(json::parse(got.body)["LayerVersionArn"], kLayerArn + "shared:1");
    QCOMPARE(json::parse(got.body)["Content"]["CodeSha256"], packaging::sha256Base64(one));
    // The layer's ARN names it in the path as well as its name.
    const auto byLayerArn =
        raw("GET", "/2018-10-31/layers/" + sigv4::uriEncode(kLayerArn + "shared") + "/versions/2");
    QCOMPARE(byLayerArn.status, 200);
    QCOMPARE(json::parse(byLayerArn.body)["Version"], 2);

    // Each layer with its newest version, or the newest one compatible with a runtime.
    const json layers = json::parse(raw("GET", "/2018-10-31/layers").body)["Layers"];
    QCOMPARE(layers.size(), std::size_t(2));
    QCOMPARE(layers[0]["LayerName"], "other");
    QCOMPARE(layers[1]["LayerName"], "shared");
    QCOMPARE(layers[1]["LayerArn"], kLayerArn + "shared");
    QCOMPARE(layers[1]["LatestMatchingVersion"]["Version"], 2);
    QCOMPARE(layers[1]["LatestMatchingVersion"]["LayerVersionArn"], kLayerArn + "shared:2");
    QVERIFY(!layers[1]["LatestMatchingVersion"].contains("Content"));
    const json python =
        json::parse(raw("GET", "/2018-10-31/layers?CompatibleRuntime=python3.11").body)["Layers"];
    QCOMPARE(python.size(), std::size_t(1));
    QCOMPARE(python[0]["LatestMatchingVersion"]["Version"], 1);
    QCOMPARE(python[0]["LatestMatchingVersion"]["Description"], "first");
    const json arm =
        json::parse(raw("GET", "/2018-10-31/layers?CompatibleArchitecture=arm64").body)["Layers"];
    QCOMPARE(arm.size(), std::size_t(1));
    QCOMPARE(arm[0]["LatestMatchingVersion"]["Version"], 2);

    // Versions newest first, a page at a time.
    const json versions = json::parse(raw("GET", "/2018-10-31/layers/shared/versions").body);
    QCOMPARE(versions["LayerVersions"].size(), std::size_t(2));
    QCOMPARE(versions["LayerVersions"][0]["Version"], 2);
    QCOMPARE(versions["LayerVersions"][1]["Version"], 1);
    const json page = json::parse(raw("GET", "/2018-10-31/layers/shared/versions?MaxItems=1").body);
    QCOMPARE(page["LayerVersions"].size(), std::size_t(1));
    const json rest =
        json::parse(raw("GET", "/2018-10-31/layers/shared/versions?MaxItems=1&Marker=" +
                                   page["NextMarker"].get<std::string>())
                        .body);
    QCOMPARE(rest["LayerVersions"][0]["Version"], 1);
    QVERIFY(!rest.contains("NextMarker"));
    QCOMPARE(json::parse(raw("GET", "/2018-10-31/layers/nothing/versions").body)["LayerVersions"],
             json::array());

    const auto byArn =
        raw("GET", "/2018-10-31/layers?find=LayerVersion&Arn=" + kLayerArn + "shared:2");
    QCOMPARE(byArn.status, 200);
    QCOMPARE(json::parse(byArn.body)["CompatibleArchitectures"], json({"arm64"}));
    QCOMPARE(
        raw("GET", "/2018-10-31/layers?find=LayerVersion&Arn=" + kLayerArn + "shared:9").status,
        404);
    // Another account's layer is not published here.
    QCOMPARE(raw("GET", "/2018-10-31/layers?find=LayerVersion&Arn=arn:aws:lambda:us-east-1:"
                        "123456789012:layer:shared:1")
                 .status,
             404);

    // Deleted: gone (and deleting it again is no error); its number is not given again, even
    // after a restart.
    QCOMPARE(raw("DELETE", "/2018-10-31/layers/shared/versions/2").status, 204);
    const auto gone = raw("GET", "/2018-10-31/layers/shared/versions/2");
    QCOMPARE(gone.status, 404);
    QCOMPARE(gone.headers.at("x-amzn-errortype"), std::string("ResourceNotFoundException"));
    QCOMPARE(json::parse(gone.body)["message"], "The resource you requested does not exist.");
    QCOMPARE(raw("DELETE", "/2018-10-31/layers/shared/versions/2").status, 204);
    QCOMPARE(
        json::parse(
            raw("GET", "/2018-10-31/layers").body)["Layers"][1]["LatestMatchingVersion"]["Version"],
        1);
    stop();
    start();
    // Only layer versions use the first package: the code store's sweep at start kept it.
    download.url =
        json::parse(raw("GET", "/2018-10-31/layers/shared/versions/1").body)["Content"]["Location"];
    QVERIFY(net::httpRequest(download).body == one);
    const auto third = raw("POST", "/2018-10-31/layers/shared/versions", layerBody(one).dump());
    QCOMPARE(third.status, 201);
    QCOMPARE(json::parse(third.body)["Version"], 3);
    QCOMPARE(raw("DELETE", "/2018-10-31/layers/other/versions/1").status, 204);
    QCOMPARE(json::parse(raw("GET", "/2018-10-31/layers").body)["Layers"].size(), std::size_t(1));
    QCOMPARE(raw("POST", "/2018-10-31/layers/other/versions", layerBody(one).dump()).status, 201);
    QCOMPARE(
        json::parse(
            raw("GET", "/2018-10-31/layers/other/versions").body)["LayerVersions"][0]["Version"],
        2);
}

// A function lists layer versions in Layers: shown by the API with their sizes, snapshotted
// by a published version, and run from (Python imports from the layer's python/ folder). A
// function keeps running from a layer version deleted since, across a restart.
void TestControlPlane::functionsRunWithTheirLayers() {
    const std::string layer = pythonLayer("from the layer");
    const auto published =
        raw("POST", "/2018-10-31/layers/shared/versions", layerBody(layer).dump());
    QCOMPARE(published.status, 201);
    const std::string layerVersionArn = kLayerArn + "shared:1";
    const std::string handler = "def main(event, context):\n"
                                "    try:\n"
                                "        import layermod\n"
                                "    except ImportError:\n"
                                "        return 'no layer'\n"
                                "    return layermod.VALUE\n";
    const auto created = client().createFunction(
        createBody("layered", pythonPackage(handler), {{"Layers", {layerVersionArn}}}));
    QVERIFY2(created.ok(), created.error.message.c_str());
    QCOMPARE(created->layers.size(), std::size_t(1));
    QCOMPARE(created->layers[0].arn, layerVersionArn);
    QCOMPARE(created->layers[0].codeSize, static_cast<long long>(layer.size()));
    const json shown = json::parse(raw("GET", "/2015-03-31/functions/layered/configuration").body);
    const json expected = json::array({{{"Arn", layerVersionArn}, {"CodeSize", layer.size()}}});
    QCOMPARE(shown["Layers"], expected); // (where its package is stays in the store)
    QCOMPARE((*client().getFunction("layered"))["Configuration"]["Layers"], expected);
    QCOMPARE(json::parse(raw("GET", "/2015-03-31/functions/").body)["Functions"][0]["Layers"],
             expected);
    // A layer version of the same layer twice is refused.
    const auto twice = client().updateFunctionConfiguration(
        "layered", {{"Layers", {layerVersionArn, layerVersionArn}}});
    QCOMPARE(twice.error.type, std::string("InvalidParameterValueException"));

    const auto result = client().invoke("layered", "{}");
    QVERIFY2(result.status == 200, result.payload.c_str());
    QCOMPARE(result.payload, std::string("\"from the layer\""));

    // Version 1 keeps the layer; $LATEST without layers is reconfigured at once.
    const auto one = client().publishVersion("layered");
    QCOMPARE(one->layers.size(), std::size_t(1));
    const auto cleared =
        client().updateFunctionConfiguration("layered", {{"Layers", json::array()}});
    QVERIFY2(cleared.ok(), cleared.error.message.c_str());
    QVERIFY(cleared->layers.empty());
    QVERIFY(!json::parse(raw("GET", "/2015-03-31/functions/layered/configuration").body)
                 .contains("Layers"));
    QCOMPARE(client().invoke("layered", "{}").payload, std::string("\"no layer\""));
    QCOMPARE(client().invoke("layered", "{}", "1").payload, std::string("\"from the layer\""));
    QCOMPARE(client().publishVersion("layered")->version, std::string("2")); // layers changed

    // The layer version goes; version 1 still runs from its package after a restart (the
    // code store's sweep keeps it), though no new function can list it.
    QCOMPARE(raw("DELETE", "/2018-10-31/layers/shared/versions/1").status, 204);
    stop();
    start();
    QCOMPARE(client().invoke("layered", "{}", "1").payload, std::string("\"from the layer\""));
    const auto refused =
        client().updateFunctionConfiguration("layered", {{"Layers", {layerVersionArn}}});
    QCOMPARE(refused.error.type, std::string("InvalidParameterValueException"));
    QVERIFY2(QString::fromStdString(refused.error.message).contains("does not exist"),
             refused.error.message.c_str());

    // What the simulator runs manifest functions' layers from.
    const auto republished =
        raw("POST", "/2018-10-31/layers/shared/versions", layerBody(layer).dump());
    QCOMPARE(json::parse(republished.body)["Version"], 2);
    std::promise<std::pair<std::optional<std::string>, std::string>> dirs;
    boost::asio::post(*m_io, [&] {
        std::string error;
        auto dir = m_simulator->controlPlane()->layerVersionDir(kLayerArn + "shared:2", error);
        auto missing = m_simulator->controlPlane()->layerVersionDir(kLayerArn + "shared:1", error);
        dirs.set_value({missing ? std::optional<std::string>() : dir, error});
    });
    const auto [dir, error] = dirs.get_future().get();
    QVERIFY(dir.has_value());
    QVERIFY(QFile::exists(QString::fromStdString(*dir) + "/python/layermod.py"));
    QVERIFY2(
        QString::fromStdString(error).contains(QString::fromStdString(kLayerArn + "shared:1")) &&
            QString::fromStdString(error).contains("publish-layer-version"),
        error.c_str());
}

QTEST_GUILESS_MAIN(TestControlPlane)
#include "tst_controlplane.moc"
