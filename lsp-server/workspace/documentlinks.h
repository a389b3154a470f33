#pragma once

#include "nimbus/manifest/diagnostic.h"

#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// A span of the manifest that names a file: a handler's module (opening at the function's
// definition) or a ${file(...)} reference.
struct DocumentLink {
    manifest::SourceRange range;
    std::string file; // absolute
    int line = -1;    // zero-based line to open at, when known
    std::string tooltip;
};

std::vector<DocumentLink> documentLinks(std::string_view text, const std::string &path);

} // namespace nimbus::lsp
