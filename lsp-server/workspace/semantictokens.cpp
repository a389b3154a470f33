#include "semantictokens.h"

#include "nimbus/manifest/yamltree.h"

#include <algorithm>

namespace nimbus::lsp {

using manifest::YamlNode;

namespace {

// ${...} spans of one-line scalars (nested ones inside the outer span are part of it).
void variables(const YamlNode &node, std::vector<SemanticToken> &tokens) {
    if (node.isScalar()) {
        if (node.range.start.line != node.range.end.line)
            return;
        const int quote = node.style == YamlNode::Style::Quoted ? 1 : 0;
        std::size_t at = 0;
        while ((at = node.scalar.find("${", at)) != std::string::npos) {
            int depth = 0;
            std::size_t end = at;
            for (; end < node.scalar.size(); ++end) {
                if (node.scalar.compare(end, 2, "${") == 0) {
                    ++depth;
                    ++end;
                } else if (node.scalar[end] == '}' && --depth == 0) {
                    break;
                }
            }
            if (end >= node.scalar.size())
                break; // unclosed: not a variable yet
            tokens.push_back({node.range.start.line, node.range.start.column + quote + static_cast<int>(at),
                              static_cast<int>(end - at + 1), SemanticType::Variable});
            at = end + 1;
        }
        return;
    }
    for (const auto &item : node.items)
        variables(item, tokens);
    for (const auto &entry : node.entries)
        variables(entry.value, tokens);
}

} // namespace

std::vector<SemanticToken> semanticTokens(std::string_view text, const std::string &path) {
    std::vector<SemanticToken> tokens;
    const auto parsed = manifest::parseYaml(text, path);
    if (!(parsed.ok || parsed.recovered))
        return tokens;
    variables(parsed.root, tokens);
    if (const YamlNode *functions = parsed.root.find("functions"); functions && functions->isMapping()) {
        for (const auto &entry : functions->entries) {
            const auto &key = entry.key.range;
            if (key.start.line == key.end.line)
                tokens.push_back({key.start.line, key.start.column, key.end.column - key.start.column,
                                  SemanticType::Function});
            if (!entry.value.isMapping())
                continue;
            for (const char *name : {"handler", "httpHandler"}) {
                const YamlNode *handler = entry.value.find(name);
                if (!handler || !handler->isScalar() || handler->range.start.line != handler->range.end.line ||
                    handler->scalar.find("${") != std::string::npos)
                    continue;
                const int quote = handler->style == YamlNode::Style::Quoted ? 1 : 0;
                tokens.push_back({handler->range.start.line, handler->range.start.column + quote,
                                  static_cast<int>(handler->scalar.size()), SemanticType::Method});
            }
        }
    }
    std::sort(tokens.begin(), tokens.end(), [](const SemanticToken &a, const SemanticToken &b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    // Tokens may not overlap: a later one that starts inside an earlier one goes.
    std::vector<SemanticToken> out;
    for (const auto &t : tokens)
        if (out.empty() || out.back().line != t.line || t.column >= out.back().column + out.back().length)
            out.push_back(t);
    return out;
}

} // namespace nimbus::lsp
