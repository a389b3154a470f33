#pragma once

#include "nimbus/manifest/diagnostic.h"

#include <ostream>
#include <vector>

namespace nimbus::cli {

// Prints diagnostics one per line as "file:line:col: severity: message", with the source
// line and a caret under the token when the file can be read (as compilers do).
void printDiagnostics(std::ostream &out, const std::vector<manifest::Diagnostic> &diagnostics,
                      bool showSource = true);

// "2 errors, 1 warning"
std::string countSummary(const std::vector<manifest::Diagnostic> &diagnostics);

} // namespace nimbus::cli
