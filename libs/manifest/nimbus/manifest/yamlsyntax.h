#pragma once

#include "nimbus/manifest/diagnostic.h"

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::manifest {

// Where a YAML syntax error comes from. A parser reports where it gave up, which is often
// lines after the mistake (an unfinished key is "illegal map value" at the next key); this
// looks at the text for the usual mistakes, in the words a user understands: a tab in the
// indentation, a bracket or quote never closed, a line that is not a key, a key indented
// out of line with its neighbours.
struct SyntaxCause {
    SourceRange range; // the token that caused it
    std::string code;  // yaml-tab, yaml-unclosed-bracket, yaml-unclosed-quote, yaml-not-a-key,
                       // yaml-indentation
    std::string message;
    // The lines to leave out for the rest of the document to parse (0-based, inclusive).
    int firstLine = 0;
    int lastLine = 0;
};

// The cause of an error the parser reported at `reported`, when one of the usual mistakes
// explains it; nullopt when none does.
std::optional<SyntaxCause> findSyntaxCause(std::string_view text, SourcePosition reported);

// The text with lines first..last blanked (spaces), so that positions elsewhere stay.
std::string blankLines(std::string_view text, int firstLine, int lastLine);

} // namespace nimbus::manifest
