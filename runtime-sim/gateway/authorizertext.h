#pragma once

// The small text and JSON helpers both authorizer files use (authorizers.cpp, jwtverifier.cpp).

#include "authorizerspec.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::sim::authorizertext {

inline std::string trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return {};
    const auto end = s.find_last_not_of(" \t");
    return std::string(s.substr(begin, end - begin + 1));
}

// Items of a separated list, trimmed, empty ones dropped.
inline std::vector<std::string> splitList(std::string_view text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(separator, start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string item = trim(text.substr(start, end - start));
        if (!item.empty())
            out.push_back(std::move(item));
        start = end + 1;
    }
    return out;
}

inline std::string joined(const std::vector<std::string> &items, std::string_view separator) {
    std::string out;
    for (const auto &item : items) {
        if (!out.empty())
            out += separator;
        out += item;
    }
    return out;
}

inline std::string stringOf(const nlohmann::json &object, const char *key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_string())
        return {};
    return object[key].get<std::string>();
}

// One string or a list of them.
inline std::vector<std::string> stringsOf(const nlohmann::json &value) {
    std::vector<std::string> out;
    if (value.is_string())
        out.push_back(value.get<std::string>());
    else if (value.is_array())
        for (const auto &item : value)
            if (item.is_string())
                out.push_back(item.get<std::string>());
    return out;
}

inline AuthorizerVerdict verdict(AuthorizerVerdict::Outcome outcome, std::string message) {
    AuthorizerVerdict out;
    out.outcome = outcome;
    out.message = std::move(message);
    return out;
}

} // namespace nimbus::sim::authorizertext
