#include "nimbus/profiling/profile.h"

#include <QtTest>

using namespace nimbus::profiling;
using nlohmann::json;

// Sampled profiles as the runtimes write them: read defensively, turned into speedscope's
// format, and summed into "where the time went".
class TestProfiles : public QObject {
    Q_OBJECT
private slots:
    void readsARuntimeProfile();
    void malformedProfilesSayWhatIsWrong();
    void speedscopeSharesFramesAcrossInvocations();
    void summaryCountsSelfAndTotalTime();
    void tableShowsProjectRelativeFiles();
};

namespace {

// handler -> busy_loop (3 samples of 1 ms), handler -> helper (1 sample), handler (1 sample).
json runtimeProfile() {
    return json{{"runtime", "python"},
                {"intervalUs", 1000},
                {"startUs", 100},
                {"endUs", 5100},
                {"frames",
                 {{{"name", "handler"}, {"file", "/p/handler.py"}, {"line", 10}},
                  {{"name", "busy_loop"}, {"file", "/p/handler.py"}, {"line", 3}},
                  {{"name", "helper"}, {"file", "/p/util.py"}, {"line", 1}}}},
                {"samples", {{0, 1}, {0, 1}, {0, 2}, {0}, {0, 1}}},
                {"weights", {1000, 1000, 1000, 1000, 1000}}};
}

} // namespace

void TestProfiles::readsARuntimeProfile() {
    const SampledProfile p = readRuntimeProfile(runtimeProfile(), "fn #1");
    QCOMPARE(p.name, std::string("fn #1"));
    QCOMPARE(p.runtime, std::string("python"));
    QCOMPARE(p.frames.size(), std::size_t(3));
    QCOMPARE(p.samples.size(), std::size_t(5));
    QCOMPARE(p.samples[2], (std::vector<int>{0, 2}));
    QCOMPARE(p.weightsUs[0], 1000.0);
}

void TestProfiles::malformedProfilesSayWhatIsWrong() {
    auto expectError = [](json j, const std::string &part) {
        try {
            readRuntimeProfile(j, "x");
            QFAIL("a malformed profile was read");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(std::string(e.what()).find(part) != std::string::npos, e.what());
        }
    };
    json j = runtimeProfile();
    j["weights"].erase(0);
    expectError(j, "differ in length");
    j = runtimeProfile();
    j["samples"][0] = {0, 9};
    expectError(j, "samples[0]");
    j = runtimeProfile();
    j["frames"][1].erase("name");
    expectError(j, "frames[1]");
    expectError(json::array(), "object");
}

void TestProfiles::speedscopeSharesFramesAcrossInvocations() {
    const SampledProfile a = readRuntimeProfile(runtimeProfile(), "fn #1");
    // The second invocation's runtime numbered its frames differently.
    json other = runtimeProfile();
    other["frames"] = {{{"name", "busy_loop"}, {"file", "/p/handler.py"}, {"line", 3}},
                       {{"name", "handler"}, {"file", "/p/handler.py"}, {"line", 10}}};
    other["samples"] = {{1, 0}};
    other["weights"] = {2000};
    const SampledProfile b = readRuntimeProfile(other, "fn #2");
    const json doc = speedscope({a, b}, "fn");
    QCOMPARE(doc["$schema"].get<std::string>(),
             std::string("https://www.speedscope.app/file-format-schema.json"));
    QCOMPARE(doc["shared"]["frames"].size(), std::size_t(3)); // handler, busy_loop, helper once
    QCOMPARE(doc["profiles"].size(), std::size_t(2));
    const json &second = doc["profiles"][1];
    QCOMPARE(second["type"].get<std::string>(), std::string("sampled"));
    QCOMPARE(second["unit"].get<std::string>(), std::string("microseconds"));
    QCOMPARE(second["endValue"].get<double>(), 2000.0);
    // Its one stack, handler -> busy_loop, in the shared numbering.
    const json &frames = doc["shared"]["frames"];
    const json &stack = second["samples"][0];
    QCOMPARE(frames[stack[0].get<std::size_t>()]["name"].get<std::string>(), std::string("handler"));
    QCOMPARE(frames[stack[1].get<std::size_t>()]["name"].get<std::string>(),
             std::string("busy_loop"));
    QCOMPARE(frames[stack[1].get<std::size_t>()]["line"].get<int>(), 3);
}

void TestProfiles::summaryCountsSelfAndTotalTime() {
    // Recursion: a frame twice in one stack counts once toward its total.
    json recursive = runtimeProfile();
    recursive["samples"] = {{0, 1, 1}};
    recursive["weights"] = {500};
    const Summary s = summarize({readRuntimeProfile(runtimeProfile(), "a"),
                                 readRuntimeProfile(recursive, "b")});
    QCOMPARE(s.totalUs, 5500.0);
    QCOMPARE(s.frames.front().frame.name, std::string("busy_loop")); // the heaviest self time
    QCOMPARE(s.frames.front().selfUs, 3500.0);
    QCOMPARE(s.frames.front().totalUs, 3500.0);
    const auto handler = std::find_if(s.frames.begin(), s.frames.end(),
                                      [](const HotFrame &f) { return f.frame.name == "handler"; });
    QVERIFY(handler != s.frames.end());
    QCOMPARE(handler->selfUs, 1000.0);
    QCOMPARE(handler->totalUs, 5500.0);
}

void TestProfiles::tableShowsProjectRelativeFiles() {
    const Summary s = summarize({readRuntimeProfile(runtimeProfile(), "a")});
    const std::string table = topTable(s, 2, "/p");
    QVERIFY2(table.find("busy_loop  (handler.py:3)") != std::string::npos, table.c_str());
    QVERIFY2(table.find("60.0%") != std::string::npos, table.c_str());
    QVERIFY(table.find("helper") == std::string::npos); // only the top two rows
}

QTEST_APPLESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
