#include "diagnosticprinter.h"

#include <fstream>
#include <map>

namespace nimbus::cli {

using manifest::Diagnostic;
using manifest::Severity;

namespace {

class SourceCache {
public:
    const std::vector<std::string> &lines(const std::string &file) {
        auto it = m_files.find(file);
        if (it != m_files.end())
            return it->second;
        std::vector<std::string> lines;
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);)
            lines.push_back(line);
        return m_files.emplace(file, std::move(lines)).first->second;
    }

private:
    std::map<std::string, std::vector<std::string>> m_files;
};

std::string plural(size_t n, const char *word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

void printDiagnostics(std::ostream &out, const std::vector<Diagnostic> &diagnostics,
                      bool showSource) {
    SourceCache cache;
    for (const auto &d : diagnostics) {
        out << manifest::formatDiagnostic(d) << '\n';
        if (!showSource || !d.hasPosition)
            continue;
        const auto &lines = cache.lines(d.file);
        const auto line = static_cast<size_t>(d.range.start.line);
        if (line >= lines.size())
            continue;
        const std::string &text = lines[line];
        out << "    " << text << '\n' << "    ";
        const auto column = std::min(static_cast<size_t>(d.range.start.column), text.size());
        for (size_t i = 0; i < column; ++i)
            out << (text[i] == '\t' ? '\t' : ' ');
        int width =
            d.range.end.line == d.range.start.line ? d.range.end.column - d.range.start.column : 1;
        width = std::max(1, std::min(width, static_cast<int>(text.size() - column)));
        out << '^' << std::string(static_cast<size_t>(width - 1), '~') << '\n';
    }
}

std::string countSummary(const std::vector<Diagnostic> &diagnostics) {
    size_t errors = 0, warnings = 0;
    for (const auto &d : diagnostics)
        (d.severity == Severity::Error ? errors : warnings)++;
    return plural(errors, "error") + ", " + plural(warnings, "warning");
}

} // namespace nimbus::cli
