#pragma once

// Small readers of manifest values that the dialects' model builders share.

#include "nimbus/manifest/manifest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace nimbus::manifest {

// A scalar's text, or `fallback` when the node is missing, null or not a scalar.
inline std::string scalarOr(const YamlNode *node, const std::string &fallback) {
    return node && node->isScalar() && node->scalarType() != "null" ? node->scalar : fallback;
}

// An integer value and where it was written, when the node holds one.
template <typename T> void readInt(const YamlNode *node, Located<T> &target) {
    if (!node)
        return;
    if (auto value = node->toInteger()) {
        target.value = static_cast<T>(*value);
        target.range = node->range;
    }
}

// A mapping of environment variables into `target` (a null value is the empty string).
inline void readEnvironment(const YamlNode *node, std::map<std::string, std::string> &target) {
    if (!node || !node->isMapping())
        return;
    for (const auto &entry : node->entries) {
        if (entry.value.isScalar())
            target[entry.key.scalar] = entry.value.scalar;
        else if (entry.value.isNull())
            target[entry.key.scalar] = "";
    }
}

// A route path with its leading '/' ("*", the catch-all, stays as it is).
inline std::string normalisePath(std::string path) {
    if (path != "*" && (path.empty() || path.front() != '/'))
        path.insert(path.begin(), '/');
    return path;
}

inline std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

} // namespace nimbus::manifest
