#include "nimbus/manifest/suggest.h"

#include <algorithm>
#include <cctype>

namespace nimbus::manifest {

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
} // namespace

int editDistance(std::string_view a, std::string_view b) {
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
    for (size_t i = 0; i <= n; ++i)
        d[i][0] = static_cast<int>(i);
    for (size_t j = 0; j <= m; ++j)
        d[0][j] = static_cast<int>(j);
    for (size_t i = 1; i <= n; ++i) {
        for (size_t j = 1; j <= m; ++j) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string> &candidates) {
    const std::string lw = lower(word);
    std::optional<std::string> best;
    int bestDistance = 0;
    for (const auto &candidate : candidates) {
        // Case slips (memorysize) count as a single edit.
        int distance = lower(candidate) == lw ? 1 : editDistance(lw, lower(candidate));
        if (!best || distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    const int allowed = std::max<int>(1, static_cast<int>(word.size()) / 3);
    if (best && bestDistance <= allowed)
        return best;
    return std::nullopt;
}

} // namespace nimbus::manifest
