#pragma once

// Helpers the variable resolver's two files share (variableresolver.cpp: the syntax and
// resolution of variables; variablesources.cpp: the values that come from outside the
// manifest's text). Private to libs/manifest.

#include "nimbus/manifest/yamltree.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <string>
#include <string_view>

namespace nimbus::manifest::detail {

inline bool isDigits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Follows a dotted path of mapping keys and list indices from `node`. On failure `walked`
// is the part that exists and `missing` the key that does not. `resolveOnTheWay`, when
// given, resolves a value that is still a variable before the walk goes into it
// (custom.package: ${file(package.json)}, then ${self:custom.package.name}).
inline YamlNode *
walk(YamlNode *node, std::string_view path, std::string &walked, std::string &missing,
     const std::function<void(YamlNode &, const std::string &)> &resolveOnTheWay = {}) {
    size_t pos = 0;
    while (node && pos < path.size()) {
        if (resolveOnTheWay && node->isScalar() && node->scalar.find("${") != std::string::npos)
            resolveOnTheWay(*node, walked);
        size_t dot = path.find('.', pos);
        std::string part(
            path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
        pos = dot == std::string_view::npos ? path.size() : dot + 1;
        YamlNode *next = nullptr;
        if (node->isMapping()) {
            next = node->find(part);
        } else if (node->isSequence() && isDigits(part)) {
            size_t index = 0;
            const auto [end, error] =
                std::from_chars(part.data(), part.data() + part.size(), index);
            if (error == std::errc() && end == part.data() + part.size() &&
                index < node->items.size())
                next = &node->items[index];
        }
        if (!next) {
            missing = part;
            return nullptr;
        }
        walked += (walked.empty() ? "" : ".") + part;
        node = next;
    }
    return node;
}

// Gives a subtree read from another file the position of the place it is used, so that
// findings about it point into the manifest.
inline void relocate(YamlNode &node, const SourceRange &range) {
    node.range = range;
    for (auto &item : node.items)
        relocate(item, range);
    for (auto &entry : node.entries) {
        relocate(entry.key, range);
        relocate(entry.value, range);
    }
}

inline std::string scalarText(const YamlNode &node) {
    return node.isNull() ? std::string() : node.scalar;
}

} // namespace nimbus::manifest::detail
