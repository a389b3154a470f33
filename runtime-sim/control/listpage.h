#pragma once

#include "controlplane.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace nimbus::sim {

// One page of a list the control plane answers, by the request's MaxItems (default 50) and
// the Marker the previous page returned (an index): {key: [...], "NextMarker"?}. A Marker
// that is not one is Lambda's InvalidParameterValueException, thrown.
template <typename T>
nlohmann::json listPage(const std::vector<T> &items, const ApiRequest &request, const char *key,
                        const std::function<nlohmann::json(const T &)> &toJson) {
    std::size_t start = 0;
    if (const std::string marker = request.param("Marker"); !marker.empty()) {
        if (!std::all_of(marker.begin(), marker.end(), ::isdigit) || marker.size() > 9)
            throw lambda::ApiError(lambda::invalidParameter("Invalid Marker '" + marker +
                                                            "': use the NextMarker of a list"));
        start = static_cast<std::size_t>(std::atoll(marker.c_str()));
    }
    long long max = 50;
    if (const std::string m = request.param("MaxItems"); !m.empty())
        max = std::clamp(std::atoll(m.c_str()), 1LL, 10000LL);
    nlohmann::json list = nlohmann::json::array();
    std::size_t i = start;
    for (; i < items.size() && static_cast<long long>(list.size()) < max; ++i)
        list.push_back(toJson(items[i]));
    nlohmann::json out{{key, list}};
    if (i < items.size())
        out["NextMarker"] = std::to_string(i);
    return out;
}

} // namespace nimbus::sim
