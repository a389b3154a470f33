#include "server/diagnosticsworker.h"

#include <QtTest>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace nimbus::lsp;
using nlohmann::json;

// The worker that keeps diagnostics off the request loop: only the latest snapshot of a
// document is published, nothing is published after a close, and drain() waits for the end.
class TestDiagnosticsWorker : public QObject {
    Q_OBJECT
private slots:
    void publishesTheLatestSnapshot();
    void aCloseSuppressesTheResultInFlight();
    void documentsDoNotWaitForEachOther();
};

namespace {
struct Recorder {
    std::mutex mutex;
    std::vector<json> sent;
    std::atomic<int> computed{0};
    void add(const json &j) {
        std::lock_guard lock(mutex);
        sent.push_back(j);
    }
};
json notificationFor(const TextDocument &doc) {
    return {{"uri", doc.uri()}, {"version", doc.version()}};
}
} // namespace

void TestDiagnosticsWorker::publishesTheLatestSnapshot() {
    Recorder r;
    std::atomic<bool> started{false};
    std::atomic<bool> release{false};
    {
        DiagnosticsWorker worker(
            [&](const TextDocument &doc) {
                started = true;
                while (doc.version() == 1 && !release)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                ++r.computed;
                return notificationFor(doc);
            },
            [&](const json &j) { r.add(j); });
        worker.submit(TextDocument("file:///a.yml", "a", 1));
        QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
        // While version 1 is being computed, versions 2..4 arrive: 1 is stale, 2 and 3 are
        // superseded before they start, 4 is published.
        worker.submit(TextDocument("file:///a.yml", "a", 2));
        worker.submit(TextDocument("file:///a.yml", "a", 3));
        worker.submit(TextDocument("file:///a.yml", "a", 4));
        release = true;
        worker.drain();
    }
    QCOMPARE(r.sent.size(), std::size_t(1));
    QCOMPARE(r.sent[0]["version"].get<int>(), 4);
    QCOMPARE(r.computed.load(), 2);
}

void TestDiagnosticsWorker::aCloseSuppressesTheResultInFlight() {
    Recorder r;
    std::atomic<bool> started{false};
    std::atomic<bool> release{false};
    DiagnosticsWorker worker(
        [&](const TextDocument &doc) {
            started = true;
            while (!release)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return notificationFor(doc);
        },
        [&](const json &j) { r.add(j); });
    worker.submit(TextDocument("file:///a.yml", "a", 1));
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    worker.forget("file:///a.yml");
    release = true;
    worker.drain();
    QVERIFY(r.sent.empty());
}

void TestDiagnosticsWorker::documentsDoNotWaitForEachOther() {
    Recorder r;
    {
        DiagnosticsWorker worker([&](const TextDocument &doc) { return notificationFor(doc); },
                                 [&](const json &j) { r.add(j); });
        worker.submit(TextDocument("file:///a.yml", "a", 1));
        worker.submit(TextDocument("file:///b.yml", "b", 7));
        worker.drain();
    }
    QCOMPARE(r.sent.size(), std::size_t(2));
    QCOMPARE(r.sent[0]["uri"].get<std::string>(), std::string("file:///a.yml"));
    QCOMPARE(r.sent[1]["version"].get<int>(), 7);
}

QTEST_GUILESS_MAIN(TestDiagnosticsWorker)
#include "tst_diagnosticsworker.moc"
