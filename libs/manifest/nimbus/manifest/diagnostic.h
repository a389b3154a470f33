#pragma once

#include <string>
#include <vector>

namespace nimbus::manifest {

// A position in a source file: zero-based line, zero-based byte column (as yaml-cpp counts).
// Printing adds one to both; the language server converts columns to UTF-16 at its boundary.
struct SourcePosition {
    int line = 0;
    int column = 0;

    friend bool operator==(const SourcePosition &, const SourcePosition &) = default;
    friend auto operator<=>(const SourcePosition &, const SourcePosition &) = default;
};

struct SourceRange {
    SourcePosition start;
    SourcePosition end;

    friend bool operator==(const SourceRange &, const SourceRange &) = default;
};

enum class Severity { Error, Warning, Information };

// An edit that fixes a diagnostic: `newText` in place of `range` of `file` (an insertion
// when the range is empty); with `createFile`, the file is created with `newText`.
struct Fix {
    std::string title; // "Change to 'timeout'", "Create function hello in handler.py"
    std::string file;
    SourceRange range;
    std::string newText;
    bool createFile = false;
};

// One finding about a manifest, tied to the token it is about.
struct Diagnostic {
    Severity severity = Severity::Error;
    std::string file; // path of the file the range refers to
    SourceRange range;
    bool hasPosition = true; // false for whole-file problems (missing, unreadable)
    std::string code;        // stable identifier, e.g. "unknown-key", "yaml-syntax"
    std::string message;
    // The function an error keeps from running; empty when it concerns the whole manifest
    // (or is not about running at all). Lets a tool run the functions that are fine.
    std::string function;
    std::vector<Fix> fixes; // what an editor can offer as quick fixes
};

const char *severityName(Severity severity);

// "file:line:col: severity: message" with one-based line and column, as compilers print.
std::string formatDiagnostic(const Diagnostic &diagnostic);

bool hasErrors(const std::vector<Diagnostic> &diagnostics);

// The diagnostic (and its fixes) `delta` lines further down, for findings remembered from a
// block of text that has moved.
void shiftLines(Diagnostic &diagnostic, int delta);

// A diagnostic on a token.
Diagnostic diagnosticAt(const std::string &file, SourceRange range, std::string code,
                        std::string message, Severity severity = Severity::Error);

} // namespace nimbus::manifest
