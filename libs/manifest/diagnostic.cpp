#include "nimbus/manifest/diagnostic.h"

#include <algorithm>

namespace nimbus::manifest {

const char *severityName(Severity severity) {
    switch (severity) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Information:
        return "note";
    }
    return "error";
}

std::string formatDiagnostic(const Diagnostic &diagnostic) {
    std::string text = diagnostic.file;
    if (diagnostic.hasPosition) {
        text += ':' + std::to_string(diagnostic.range.start.line + 1) + ':' +
                std::to_string(diagnostic.range.start.column + 1);
    }
    text += ": ";
    text += severityName(diagnostic.severity);
    text += ": ";
    text += diagnostic.message;
    return text;
}

bool hasErrors(const std::vector<Diagnostic> &diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

void shiftLines(Diagnostic &diagnostic, int delta) {
    diagnostic.range.start.line += delta;
    diagnostic.range.end.line += delta;
    for (auto &fix : diagnostic.fixes) {
        fix.range.start.line += delta;
        fix.range.end.line += delta;
    }
}

Diagnostic diagnosticAt(const std::string &file, SourceRange range, std::string code,
                        std::string message, Severity severity) {
    Diagnostic d;
    d.severity = severity;
    d.file = file;
    d.range = range;
    d.code = std::move(code);
    d.message = std::move(message);
    return d;
}

} // namespace nimbus::manifest
