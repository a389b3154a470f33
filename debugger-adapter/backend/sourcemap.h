#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nimbus::dap {

// A source map (version 3, as tsc, esbuild and bundlers write them): where a position of the
// generated JavaScript came from, and where a line of an original file (a .ts) ended up. No
// I/O: the caller reads the map and says where it lives (to resolve `sources`).
class SourceMap {
public:
    struct Position {
        int line = 0; // 0-based, as V8 counts
        int column = 0;
    };
    struct Original {
        std::string path; // absolute
        Position position;
    };

    // `text` is the map's JSON; `baseDir` the folder its relative sources are resolved
    // against (the map's own, or the script's for an inline map).
    static std::optional<SourceMap> parse(const std::string &text, const std::string &baseDir,
                                          std::string &error);

    const std::vector<std::string> &sources() const { return m_sources; }
    // A source's text as the map carries it (`sourcesContent`), when it does.
    const std::string *content(const std::string &path) const;
    bool hasSource(const std::string &path) const;
    // The original position of a generated one (nullopt: code the compiler added).
    std::optional<Original> original(Position generated) const;
    // Where a line of `path` runs: the first generated position of that line or, when the
    // line has no code, of the next one that has. `boundLine` is the original line chosen.
    std::optional<Position> generated(const std::string &path, int line, int *boundLine) const;

private:
    struct Segment {
        int generatedLine;
        int generatedColumn;
        int source; // -1: no original
        int line;
        int column;
    };
    std::vector<std::string> m_sources;
    std::vector<std::optional<std::string>> m_contents; // by source
    std::vector<Segment> m_segments;                    // by generated position
};

// The text of a `sourceMappingURL`: an inline data: URL decoded, or a file read relative to
// the script; nullopt with `error` when there is none to read.
std::optional<std::string> readSourceMap(const std::string &url, const std::string &scriptPath,
                                         std::string &baseDir, std::string &error);

} // namespace nimbus::dap
