#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// Where the cursor is in a YAML document, worked out from indentation alone so that it
// holds while the document is being typed and does not parse.
struct CursorContext {
    enum class Kind { Key, Value, Other };
    Kind kind = Kind::Other;
    // Mapping keys and "0" for list items, from the root to the mapping the cursor is in
    // (for Key) or to the key whose value is being typed (for Value).
    std::vector<std::string> path;
    std::string word;      // the key or value typed so far
    int wordStartByte = 0; // byte column where `word` starts
    int indent = 0;        // byte column of the key at the cursor's level
};

CursorContext cursorContext(const std::vector<std::string_view> &lines, int line, int byteColumn);

// The keys already present in the mapping at `indent` that contains `line`.
std::vector<std::string> siblingKeys(const std::vector<std::string_view> &lines, int line,
                                     int indent);

} // namespace nimbus::lsp
