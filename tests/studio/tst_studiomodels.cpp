// The Studio's models and helpers without a window or a server: what the panels show is
// decided here, so it is checked here, row by row.
#include "clients/simulatorconnection.h"
#include "editor/recoverystore.h"
#include "models/functionsmodel.h"
#include "models/instancesmodel.h"
#include "models/logmodel.h"
#include "models/problemsmodel.h"
#include "window/commandregistry.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace nimbus::studio;

namespace {

QJsonArray jsonArray(const char *text) {
    return QJsonDocument::fromJson(text).array();
}

} // namespace

class TestStudioModels : public QObject {
    Q_OBJECT

private slots:
    void functionsAreGroupedByKind();
    void functionsShowTheirPackagesAndLayers();
    void problemsAreSortedErrorsFirst();
    void instancesFollowTheStream_data();
    void instancesFollowTheStream();
    void logLinesAreClassified_data();
    void logLinesAreClassified();
    void theLogIsBoundedAndFiltered();
    void triggersShowEachSourceWithItsState();
    void routesShowTheirAuthorizer();
    void reportFiguresAreRead_data();
    void reportFiguresAreRead();
    void fuzzyMatching_data();
    void fuzzyMatching();
    void recoveryKeepsUnsavedText();
};

void TestStudioModels::functionsAreGroupedByKind() {
    FunctionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFunctions(jsonArray(R"j([
        {"name": "api", "kind": "http", "runtime": "nodejs20.x", "handler": "app.handle",
         "events": [], "routes": [{"type": "http", "method": "ANY", "path": "/api"}],
         "definition": {"file": "/p/app.js", "line": 4, "column": 0},
         "manifest": {"file": "/p/serverless.yml", "line": 9, "column": 2}},
        {"name": "hello", "kind": "event", "runtime": "python3.11", "handler": "handler.hello",
         "events": ["httpApi GET /hello", "schedule rate(1 hour)"], "routes": [],
         "manifest": {"file": "/p/serverless.yml", "line": 5, "column": 2}},
        {"name": "web", "kind": "service", "runtime": "python3.11", "handler": "python app.py",
         "events": [], "routes": []}
    ])j"));
    QCOMPARE(model.rowCount(), 3);
    // Event functions first, then http functions, then http services, whatever the order.
    QCOMPARE(model.index(0, 0).data().toString(), QString("Event functions (1)"));
    QCOMPARE(model.index(1, 0).data().toString(), QString("HTTP functions (1)"));
    QCOMPARE(model.index(2, 0).data().toString(), QString("HTTP services (1)"));
    const QModelIndex hello = model.indexOf("hello");
    QCOMPARE(hello.data().toString(), QString("hello"));
    QCOMPARE(model.rowCount(hello), 3);
    QCOMPARE(model.index(1, 0, hello).data().toString(), QString("event: httpApi GET /hello"));
    QCOMPARE(model.index(2, 0, hello).data(FunctionsModel::FunctionNameRole).toString(),
             QString("hello"));
    const QModelIndex api = model.indexOf("api");
    QCOMPARE(api.data(FunctionsModel::DefinitionFileRole).toString(), QString("/p/app.js"));
    QCOMPARE(api.data(FunctionsModel::DefinitionLineRole).toInt(), 4);
    QCOMPARE(api.data(FunctionsModel::ManifestLineRole).toInt(), 9);
    QCOMPARE(model.names("event"), QStringList{"hello"});
    QCOMPARE(model.function("web").value("handler").toString(), QString("python app.py"));
    model.setFunctions({});
    QCOMPARE(model.rowCount(), 0);
}

void TestStudioModels::functionsShowTheirPackagesAndLayers() {
    FunctionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFunctions(jsonArray(R"j([
        {"name": "hello", "kind": "event", "runtime": "python3.11", "handler": "handler.hello",
         "events": [], "routes": [],
         "dependencies": {"file": "requirements.txt", "tool": "pip", "state": "failed",
                          "message": "ERROR: No matching distribution found for nope==1"},
         "layers": [{"name": "common", "path": "/p/layers/common"},
                    {"arn": "arn:aws:lambda:us-east-1:000000000000:layer:tools:3"}]},
        {"name": "ok", "kind": "event", "runtime": "python3.11", "handler": "handler.ok",
         "events": [], "routes": [],
         "dependencies": {"file": "requirements.txt", "tool": "pip", "state": "installed",
                          "folder": "/p/.nimbus/deps/python-0123456789abcdef"}}
    ])j"));
    const QModelIndex hello = model.indexOf("hello");
    QCOMPARE(model.rowCount(hello), 4); // handler, dependencies, two layers
    const QModelIndex deps = model.index(1, 0, hello);
    QCOMPARE(deps.data().toString(), QString("dependencies: requirements.txt — install failed"));
    QCOMPARE(deps.data(FunctionsModel::DependencyStateRole).toString(), QString("failed"));
    // The tool's own words, where the pointer rests.
    QVERIFY(deps.data(Qt::ToolTipRole).toString().contains("No matching distribution"));
    QVERIFY(deps.data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(2, 0, hello).data().toString(), QString("layer: common"));
    QCOMPARE(model.index(2, 0, hello).data(Qt::ToolTipRole).toString(),
             QString("/p/layers/common"));
    QCOMPARE(model.index(3, 0, hello).data().toString(),
             QString("layer: arn:aws:lambda:us-east-1:000000000000:layer:tools:3"));
    const QModelIndex ok = model.index(1, 0, model.indexOf("ok"));
    QCOMPARE(ok.data().toString(), QString("dependencies: requirements.txt — installed"));
    QVERIFY(ok.data(Qt::ToolTipRole).toString().contains("python-0123456789abcdef"));
    QVERIFY(!ok.data(Qt::ForegroundRole).isValid());
}

void TestStudioModels::problemsAreSortedErrorsFirst() {
    ProblemsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setProjectDir("/p");
    model.setDiagnostics("/p/serverless.yml", jsonArray(R"j([
        {"range": {"start": {"line": 7, "character": 2}, "end": {"line": 7, "character": 9}},
         "severity": 2, "message": "unknown key 'memsize'"},
        {"range": {"start": {"line": 3, "character": 11}, "end": {"line": 3, "character": 20}},
         "severity": 1, "message": "runtime 'python2.1' is not supported"}
    ])j"));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, ProblemsModel::SeverityColumn).data().toString(), QString("Error"));
    QCOMPARE(model.index(0, ProblemsModel::LineColumn).data().toString(), QString("4:12"));
    QCOMPARE(model.index(0, ProblemsModel::FileColumn).data().toString(),
             QString("serverless.yml"));
    QCOMPARE(model.index(1, ProblemsModel::MessageColumn).data().toString(),
             QString("unknown key 'memsize'"));
    QCOMPARE(model.errorCount(), 1);
    QCOMPARE(model.warningCount(), 1);
    // A file's new diagnostics replace only its own.
    model.setDiagnostics("/p/other.yml",
                         jsonArray(R"j([{"range": {"start": {"line": 0, "character": 0},
        "end": {"line": 0, "character": 1}}, "severity": 1, "message": "x"}])j"));
    QCOMPARE(model.rowCount(), 3);
    model.setDiagnostics("/p/serverless.yml", {});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.problemsFor("/p/other.yml").size(), 1);
}

void TestStudioModels::instancesFollowTheStream_data() {
    QTest::addColumn<QByteArray>("events");
    QTest::addColumn<QString>("expected"); // "pid:state:memory" rows
    QTest::newRow("a started instance is starting")
        << QByteArray(R"j([{"type":"instance","function":"f","pid":10,"state":"starting"}])j")
        << "10:starting:—";
    QTest::newRow("it becomes idle with its memory")
        << QByteArray(R"j([{"type":"instance","function":"f","pid":10,"state":"starting"},
                          {"type":"instance","function":"f","pid":10,"state":"idle","memoryMb":21}])j")
        << "10:idle:21 MB";
    QTest::newRow("busy, then idle again")
        << QByteArray(R"j([{"type":"instance","function":"f","pid":10,"state":"idle","memoryMb":21},
                          {"type":"instance","function":"f","pid":10,"state":"busy","memoryMb":22},
                          {"type":"instance","function":"f","pid":10,"state":"idle","memoryMb":30}])j")
        << "10:idle:30 MB";
    QTest::newRow("a stopped instance leaves the list")
        << QByteArray(R"j([{"type":"instance","function":"f","pid":10,"state":"idle"},
                          {"type":"instance","function":"g","pid":11,"state":"busy"},
                          {"type":"instance","function":"f","pid":10,"state":"stopped","reason":"idle"}])j")
        << "11:busy:—";
    QTest::newRow("other events change nothing")
        << QByteArray(R"j([{"type":"log","function":"f","line":"START"},
                          {"type":"invocationEnd","function":"f","requestId":"r"}])j")
        << "";
}

void TestStudioModels::instancesFollowTheStream() {
    QFETCH(QByteArray, events);
    QFETCH(QString, expected);
    InstancesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (const auto &e : QJsonDocument::fromJson(events).array())
        model.applyEvent(e.toObject());
    QStringList rows;
    for (int r = 0; r < model.rowCount(); ++r)
        rows << QStringLiteral("%1:%2:%3")
                    .arg(model.index(r, InstancesModel::PidColumn).data().toString(),
                         model.index(r, InstancesModel::StateColumn).data().toString(),
                         model.index(r, InstancesModel::MemoryColumn).data().toString());
    QCOMPARE(rows.join(','), expected);
}

void TestStudioModels::logLinesAreClassified_data() {
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("shown"); // what the row says after its time
    using K = LogModel::Kind;
    QTest::newRow("a REPORT line")
        << QByteArray(
               R"j({"type":"log","function":"f","line":"REPORT RequestId: r\tDuration: 1.00 ms"})j")
        << int(K::Report) << "[f] REPORT RequestId: r  Duration: 1.00 ms";
    QTest::newRow("a START line is the platform's")
        << QByteArray(
               R"j({"type":"log","function":"f","line":"START RequestId: r Version: $LATEST"})j")
        << int(K::Platform) << "[f] START RequestId: r Version: $LATEST";
    QTest::newRow("SCF's Report line")
        << QByteArray(
               R"j({"type":"log","function":"f","line":"Report RequestId: r Duration:3ms Memory:128MB MemUsage:12MB"})j")
        << int(K::Report) << "[f] Report RequestId: r Duration:3ms Memory:128MB MemUsage:12MB";
    QTest::newRow("SCF's Init Report line")
        << QByteArray(
               R"j({"type":"log","function":"f","line":"Init Report RequestId: r Coldstart: 85ms"})j")
        << int(K::Report) << "[f] Init Report RequestId: r Coldstart: 85ms";
    QTest::newRow("SCF's Event line is the platform's")
        << QByteArray(R"j({"type":"log","function":"f","line":"Event RequestId: r"})j")
        << int(K::Platform) << "[f] Event RequestId: r";
    QTest::newRow("a traceback is an error")
        << QByteArray(
               R"j({"type":"log","function":"f","line":"Traceback (most recent call last):"})j")
        << int(K::Error) << "[f] Traceback (most recent call last):";
    QTest::newRow("a print is plain")
        << QByteArray(R"j({"type":"log","function":"f","line":"hello there"})j") << int(K::Plain)
        << "[f] hello there";
    QTest::newRow("a gateway request")
        << QByteArray(R"j({"type":"request","function":"f","line":"GET /hello 200 3 ms"})j")
        << int(K::Request) << "[f] → GET /hello 200 3 ms";
    QTest::newRow("the platform's news")
        << QByteArray(R"j({"type":"platform","message":"changed: handler.py — reloaded"})j")
        << int(K::Notice) << "[nimbus] changed: handler.py — reloaded";
    QTest::newRow("an instance stopping, with why")
        << QByteArray(
               R"j({"type":"instance","function":"f","pid":7,"state":"stopped","reason":"timed out"})j")
        << int(K::Platform) << "[f] instance 7 stopped: timed out";
}

void TestStudioModels::logLinesAreClassified() {
    QFETCH(QByteArray, event);
    QFETCH(int, kind);
    QFETCH(QString, shown);
    LogModel model;
    model.appendEvents(QJsonArray{QJsonDocument::fromJson(event).object()});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data(LogModel::KindRole).toInt(), kind);
    QCOMPARE(model.index(0).data().toString().section("  ", 1), shown);
}

void TestStudioModels::theLogIsBoundedAndFiltered() {
    LogModel model(nullptr, 100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QJsonArray batch;
    for (int i = 0; i < 250; ++i)
        batch.append(QJsonObject{{"type", "log"},
                                 {"function", i % 2 ? "odd" : "even"},
                                 {"line", QStringLiteral("line %1").arg(i)}});
    model.appendEvents(batch);
    // The newest 100 are kept.
    QCOMPARE(model.rowCount(), 100);
    QVERIFY(model.index(0).data().toString().endsWith("line 150"));
    QVERIFY(model.index(99).data().toString().endsWith("line 249"));
    QCOMPARE(model.functions(), QStringList({"even", "odd"}));
    LogFilterModel filter;
    filter.setSourceModel(&model);
    filter.setFunction("odd");
    QCOMPARE(filter.rowCount(), 50);
    filter.setText("line 24");
    QCOMPARE(filter.rowCount(), 5); // 241 243 245 247 249
    filter.setFunction({});
    QCOMPARE(filter.rowCount(), 10);
    model.clear();
    QCOMPARE(filter.rowCount(), 0);
}

void TestStudioModels::reportFiguresAreRead_data() {
    QTest::addColumn<QString>("log");
    QTest::addColumn<double>("duration");
    QTest::addColumn<double>("billed");
    QTest::addColumn<int>("maxMemory");
    QTest::addColumn<double>("init");
    QTest::newRow("a cold start has its init duration")
        << "START RequestId: a Version: $LATEST\nEND RequestId: a\nREPORT RequestId: a\tDuration: "
           "2.51 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 19 MB\tInit "
           "Duration: 41.07 ms\t\n"
        << 2.51 << 3.0 << 19 << 41.07;
    QTest::newRow("a warm start has none") << "REPORT RequestId: b\tDuration: 0.80 ms\tBilled "
                                              "Duration: 1 ms\tMemory Size: 128 MB\tMax "
                                              "Memory Used: 20 MB\t\n"
                                           << 0.80 << 1.0 << 20 << -1.0;
    QTest::newRow("the last REPORT is the invocation's")
        << "REPORT RequestId: old\tDuration: 9.00 ms\tBilled Duration: 9 ms\tMemory Size: 128 "
           "MB\tMax Memory Used: 9 MB\t\nREPORT RequestId: new\tDuration: 1.50 ms\tBilled "
           "Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n"
        << 1.50 << 2.0 << 21 << -1.0;
    QTest::newRow("SCF's Report, after a cold start's Init Report (no billed duration)")
        << "START RequestId: c\nEvent RequestId: c\nEND RequestId: c\nInit Report RequestId: c "
           "Coldstart: 85ms\nReport RequestId: c Duration:3ms Memory:128MB MemUsage:11.6MB\n"
        << 3.0 << -1.0 << 12 << 85.0;
    QTest::newRow("SCF's Report when warm")
        << "Report RequestId: d Duration:7ms Memory:256MB MemUsage:20MB\n"
        << 7.0 << -1.0 << 20 << -1.0;
}

void TestStudioModels::reportFiguresAreRead() {
    QFETCH(QString, log);
    QFETCH(double, duration);
    QFETCH(double, billed);
    QFETCH(int, maxMemory);
    QFETCH(double, init);
    const auto report = parseReport(log);
    QVERIFY(report);
    QCOMPARE(report->durationMs, duration);
    QCOMPARE(report->billedDurationMs, billed);
    QCOMPARE(report->maxMemoryUsedMb, maxMemory);
    QCOMPARE(report->initDurationMs, init);
    QVERIFY(!parseReport("START RequestId: x\nno report here\n"));
}

void TestStudioModels::fuzzyMatching_data() {
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QString>("better");
    QTest::addColumn<QString>("worse"); // empty: must not match at all
    QTest::newRow("word starts beat letters inside words") << "rs"
                                                           << "Run: Restart Simulator"
                                                           << "View: Problems";
    QTest::newRow("every typed letter must appear in order") << "xyz"
                                                             << ""
                                                             << "Run: Invoke Function";
    QTest::newRow("case does not matter") << "INVOKE"
                                          << "Run: Invoke Function"
                                          << "";
    QTest::newRow("adjacent letters beat scattered ones") << "out"
                                                          << "View: Output"
                                                          << "Go: Go to Definition";
}

void TestStudioModels::fuzzyMatching() {
    QFETCH(QString, typed);
    QFETCH(QString, better);
    QFETCH(QString, worse);
    if (better.isEmpty()) {
        QVERIFY(fuzzyScore(typed, worse) < 0);
        return;
    }
    QVERIFY(fuzzyScore(typed, better) >= 0);
    if (!worse.isEmpty())
        QVERIFY2(fuzzyScore(typed, better) > fuzzyScore(typed, worse),
                 qPrintable(QStringLiteral("%1 vs %2")
                                .arg(fuzzyScore(typed, better))
                                .arg(fuzzyScore(typed, worse))));
}

void TestStudioModels::recoveryKeepsUnsavedText() {
    QTemporaryDir root;
    RecoveryStore store("/projects/a", root.path());
    RecoveryStore other("/projects/b", root.path());
    store.write("/projects/a/handler.py", "print('unsaved')\n");
    store.write("/projects/a/serverless.yml", "service: x\n");
    QCOMPARE(store.entries().size(), 2);
    QCOMPARE(other.entries().size(), 0); // one folder per project
    store.write("/projects/a/handler.py", "print('newer')\n");
    QCOMPARE(store.entries().size(), 2);
    for (const auto &e : store.entries())
        if (e.path.endsWith("handler.py"))
            QCOMPARE(e.text, QString("print('newer')\n"));
    QCOMPARE(QFileInfo(store.folder()).exists(), true);
    store.remove("/projects/a/handler.py");
    QCOMPARE(store.entries().size(), 1);
    store.clear();
    QCOMPARE(store.entries().size(), 0);
}

void TestStudioModels::triggersShowEachSourceWithItsState() {
    TriggersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject snapshot = QJsonDocument::fromJson(R"json({
        "schedules": [{"function": "tick", "expression": "rate(5 minutes)", "enabled": true,
                       "next": "2026-11-26T10:00:00Z", "fired": 2},
                      {"function": "nightly", "expression": "cron(0 2 * * ? *)", "enabled": false}],
        "queueMappings": [{"function": "worker", "queue": "jobs", "enabled": true, "batchSize": 5,
                           "batches": 3, "deleted": 7, "failed": 1,
                           "lastResult": "1 of 3 messages reported failed"}],
        "queues": [{"name": "jobs", "visible": 4, "inFlight": 2}],
        "bucketNotifications": [{"function": "thumb", "bucket": "photos", "event": "s3:ObjectCreated:*",
                                 "prefixes": ["uploads/"], "suffixes": [".jpg"]}],
        "buckets": [{"name": "photos", "objects": 12}]})json")
                                       .object();
    model.setSnapshot(snapshot);
    QCOMPARE(model.rowCount(), 4);
    auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(0, TriggersModel::SourceColumn), QString("schedule"));
    QCOMPARE(cell(0, TriggersModel::StateColumn), QString("next 2026-11-26T10:00:00Z, fired 2 time(s)"));
    QCOMPARE(cell(1, TriggersModel::StateColumn), QString("disabled"));
    QCOMPARE(cell(2, TriggersModel::TriggerColumn), QString("jobs (batch 5)"));
    QCOMPARE(cell(2, TriggersModel::StateColumn),
             QString("4 waiting, 2 in flight · 3 batches, 7 done, 1 failed · 1 of 3 messages reported failed"));
    QCOMPARE(cell(3, TriggersModel::TriggerColumn), QString("photos (s3:ObjectCreated:*, prefix uploads/, suffix .jpg)"));
    QCOMPARE(cell(3, TriggersModel::FunctionColumn), QString("thumb"));
    QCOMPARE(cell(3, TriggersModel::StateColumn), QString("12 object(s)"));
    model.setSnapshot({});
    QCOMPARE(model.rowCount(), 0);
}

void TestStudioModels::routesShowTheirAuthorizer() {
    RoutesModel model;
    model.setRoutes(QJsonDocument::fromJson(R"json([
        {"method": "GET", "path": "/orders", "function": "orders", "kind": "event",
         "authorizer": {"name": "oidc", "type": "jwt"}, "url": "http:\/\/127.0.0.1:1\/orders"},
        {"method": "WS", "path": "$connect", "function": "connect", "kind": "websocket",
         "url": "ws:\/\/127.0.0.1:1\/dev"}])json")
                        .array());
    QCOMPARE(model.index(0, RoutesModel::KindColumn).data().toString(), QString("event · jwt authorizer oidc"));
    QCOMPARE(model.index(1, RoutesModel::KindColumn).data().toString(), QString("websocket"));
}

QTEST_MAIN(TestStudioModels)
#include "tst_studiomodels.moc"
