#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::manifest {

// Edit distance with transpositions (optimal string alignment): "memroySize" is one edit
// from "memorySize".
int editDistance(std::string_view a, std::string_view b);

// The candidate a misspelt word most likely meant, if any is close enough to suggest.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string> &candidates);

} // namespace nimbus::manifest
