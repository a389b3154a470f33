#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// What an editor colours beyond YAML's own syntax: variables (${...}), function names (the
// keys under `functions`) and handler references (handler values).
enum class SemanticType { Variable = 0, Function = 1, Method = 2 };
// The legend, in SemanticType's order, as the server announces it.
inline const char *const kSemanticTypes[] = {"variable", "function", "method"};

struct SemanticToken {
    int line = 0;
    int column = 0; // bytes
    int length = 0; // bytes; a token stays on one line
    SemanticType type = SemanticType::Variable;
};

// The tokens of a manifest, in document order.
std::vector<SemanticToken> semanticTokens(std::string_view text, const std::string &path);

} // namespace nimbus::lsp
