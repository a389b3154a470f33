#pragma once

#include "rename.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// Formats a manifest as the framework's own examples are written: `indent` spaces per level
// of nesting (a list indented under its key), one space after a key's ':', no trailing
// whitespace, no run of blank lines longer than one. Only whitespace changes: comments stay
// (indented with what follows them), quoting, block scalars and flow collections are kept
// as written, and the result must parse to the same document, or nothing is changed. Edits
// replace whole lines; `firstLine`..`lastLine` (inclusive) limit them (rangeFormatting).
// Empty when the text is not valid YAML or is formatted already.
std::vector<TextEdit> formatManifest(std::string_view text, const std::string &path,
                                     int indent = 2,
                                     std::optional<std::pair<int, int>> lines = std::nullopt);

} // namespace nimbus::lsp
