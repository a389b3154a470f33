#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nimbus::profiling {

struct Frame {
    std::string name;
    std::string file; // "" for the runtime's own entries ("(program)", "(garbage collector)")
    int line = 0;
    bool operator==(const Frame &other) const = default;
};

// One invocation's samples, as a runtime's profiler writes them (resources/runtimes: a
// stack per sample, root first, as indices into `frames`, and the time it stands for).
struct SampledProfile {
    std::string name; // "checkout #1"
    std::string runtime;
    std::int64_t startUs = 0, endUs = 0;
    std::vector<Frame> frames;
    std::vector<std::vector<int>> samples;
    std::vector<double> weightsUs;
};

// Reads what a bootstrap wrote ({"runtime", "intervalUs", "startUs", "endUs", "frames",
// "samples", "weights"}); throws std::invalid_argument saying what is wrong.
SampledProfile readRuntimeProfile(const nlohmann::json &json, const std::string &name);

// The profiles in speedscope's file format (https://www.speedscope.app/file-format-schema.json):
// frames shared between the profiles, one "sampled" profile per invocation, in microseconds.
nlohmann::json speedscope(const std::vector<SampledProfile> &profiles, const std::string &name);

// Where the time went, over all the profiles: per frame, the time at the top of the stack
// (self) and on the stack at all (total, counted once per sample), heaviest self first.
struct HotFrame {
    Frame frame;
    double selfUs = 0;
    double totalUs = 0;
};
struct Summary {
    double totalUs = 0; // all samples' time
    std::vector<HotFrame> frames;
};
Summary summarize(const std::vector<SampledProfile> &profiles);

// The top `count` frames as a table for the terminal; files under `projectDir` are shown
// relative to it.
std::string topTable(const Summary &summary, std::size_t count, const std::string &projectDir);

} // namespace nimbus::profiling
