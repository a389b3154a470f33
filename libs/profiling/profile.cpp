#include "nimbus/profiling/profile.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace nimbus::profiling {

using nlohmann::json;

SampledProfile readRuntimeProfile(const json &in, const std::string &name) {
    if (!in.is_object())
        throw std::invalid_argument("a profile is a JSON object");
    SampledProfile profile;
    profile.name = name;
    profile.runtime = in.value("runtime", "");
    profile.startUs = in.value("startUs", std::int64_t{0});
    profile.endUs = in.value("endUs", std::int64_t{0});
    const json frames = in.value("frames", json::array());
    const json samples = in.value("samples", json::array());
    const json weights = in.value("weights", json::array());
    if (!frames.is_array() || !samples.is_array() || !weights.is_array())
        throw std::invalid_argument("\"frames\", \"samples\" and \"weights\" must be arrays");
    if (samples.size() != weights.size())
        throw std::invalid_argument("\"samples\" and \"weights\" differ in length (" +
                                    std::to_string(samples.size()) + " and " +
                                    std::to_string(weights.size()) + ")");
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const json &f = frames[i];
        if (!f.is_object() || !f.contains("name") || !f["name"].is_string())
            throw std::invalid_argument("frames[" + std::to_string(i) + "] has no name");
        Frame frame;
        frame.name = f["name"].get<std::string>();
        if (f.contains("file") && f["file"].is_string())
            frame.file = f["file"].get<std::string>();
        if (f.contains("line") && f["line"].is_number_integer())
            frame.line = f["line"].get<int>();
        profile.frames.push_back(std::move(frame));
    }
    for (std::size_t i = 0; i < samples.size(); ++i) {
        if (!samples[i].is_array() || !weights[i].is_number())
            throw std::invalid_argument("samples[" + std::to_string(i) + "] is malformed");
        std::vector<int> stack;
        for (const json &index : samples[i]) {
            if (!index.is_number_integer() || index.get<long long>() < 0 ||
                index.get<long long>() >= static_cast<long long>(profile.frames.size()))
                throw std::invalid_argument("samples[" + std::to_string(i) +
                                            "] names a frame that is not in \"frames\"");
            stack.push_back(index.get<int>());
        }
        profile.samples.push_back(std::move(stack));
        profile.weightsUs.push_back(std::max(0.0, weights[i].get<double>()));
    }
    return profile;
}

namespace {

struct FrameKey {
    std::string name, file;
    int line;
    auto operator<=>(const FrameKey &) const = default;
};

} // namespace

json speedscope(const std::vector<SampledProfile> &profiles, const std::string &name) {
    std::map<FrameKey, int> shared;
    json frames = json::array();
    auto sharedIndex = [&](const Frame &frame) {
        const FrameKey key{frame.name, frame.file, frame.line};
        auto [it, added] = shared.emplace(key, static_cast<int>(frames.size()));
        if (added) {
            json f{{"name", frame.name}};
            if (!frame.file.empty())
                f["file"] = frame.file;
            if (frame.line > 0)
                f["line"] = frame.line;
            frames.push_back(std::move(f));
        }
        return it->second;
    };
    json out = json::array();
    for (const SampledProfile &profile : profiles) {
        std::vector<int> map;
        for (const Frame &frame : profile.frames)
            map.push_back(sharedIndex(frame));
        json samples = json::array();
        double total = 0;
        for (const auto &stack : profile.samples) {
            json s = json::array();
            for (int i : stack)
                s.push_back(map[static_cast<std::size_t>(i)]);
            samples.push_back(std::move(s));
        }
        for (double w : profile.weightsUs)
            total += w;
        out.push_back({{"type", "sampled"},
                       {"name", profile.name},
                       {"unit", "microseconds"},
                       {"startValue", 0},
                       {"endValue", total},
                       {"samples", std::move(samples)},
                       {"weights", profile.weightsUs}});
    }
    return json{{"$schema", "https://www.speedscope.app/file-format-schema.json"},
                {"shared", {{"frames", std::move(frames)}}},
                {"profiles", std::move(out)},
                {"name", name},
                {"activeProfileIndex", 0},
                {"exporter", "nimbus"}};
}

Summary summarize(const std::vector<SampledProfile> &profiles) {
    std::map<FrameKey, HotFrame> byFrame;
    Summary summary;
    for (const SampledProfile &profile : profiles) {
        for (std::size_t i = 0; i < profile.samples.size(); ++i) {
            const auto &stack = profile.samples[i];
            const double weight = profile.weightsUs[i];
            summary.totalUs += weight;
            std::set<FrameKey> seen; // recursion counts once toward total
            for (std::size_t depth = 0; depth < stack.size(); ++depth) {
                const Frame &frame = profile.frames[static_cast<std::size_t>(stack[depth])];
                const FrameKey key{frame.name, frame.file, frame.line};
                HotFrame &hot = byFrame[key];
                hot.frame = frame;
                if (seen.insert(key).second)
                    hot.totalUs += weight;
                if (depth + 1 == stack.size())
                    hot.selfUs += weight;
            }
        }
    }
    for (auto &[key, hot] : byFrame)
        summary.frames.push_back(std::move(hot));
    std::sort(summary.frames.begin(), summary.frames.end(),
              [](const HotFrame &a, const HotFrame &b) {
                  return a.selfUs != b.selfUs ? a.selfUs > b.selfUs : a.totalUs > b.totalUs;
              });
    return summary;
}

std::string topTable(const Summary &summary, std::size_t count, const std::string &projectDir) {
    std::ostringstream out;
    char line[512];
    std::snprintf(line, sizeof line, "%10s %7s %10s %7s  %s\n", "SELF ms", "SELF %", "TOTAL ms",
                  "TOTAL %", "FUNCTION (FILE:LINE)");
    out << line;
    const double total = summary.totalUs > 0 ? summary.totalUs : 1;
    std::string prefix = projectDir;
    if (!prefix.empty() && prefix.back() != '/')
        prefix += '/';
    for (std::size_t i = 0; i < summary.frames.size() && i < count; ++i) {
        const HotFrame &hot = summary.frames[i];
        std::string where = hot.frame.file;
        if (!prefix.empty() && where.rfind(prefix, 0) == 0)
            where = where.substr(prefix.size());
        if (!where.empty() && hot.frame.line > 0)
            where += ":" + std::to_string(hot.frame.line);
        std::snprintf(line, sizeof line, "%10.2f %6.1f%% %10.2f %6.1f%%  %s%s\n",
                      hot.selfUs / 1000.0, 100.0 * hot.selfUs / total, hot.totalUs / 1000.0,
                      100.0 * hot.totalUs / total, hot.frame.name.c_str(),
                      where.empty() ? "" : ("  (" + where + ")").c_str());
        out << line;
    }
    return out.str();
}

} // namespace nimbus::profiling
