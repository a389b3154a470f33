// What a loaded manifest lets run: the errors that stop everything or one function.
#include "nimbus/manifest/manifestloader.h"

#include <algorithm>
#include <set>

namespace nimbus::manifest {

namespace {

// Whether an error keeps `fn` from running: it names it, or it is about the runtime `fn`
// shares with others (the provider's), which is reported once.
bool blocks(const Diagnostic &d, const Function &fn) {
    if (d.severity != Severity::Error)
        return false;
    if (d.function == fn.name)
        return true;
    static const std::set<std::string> runtimeCodes{"unsupported-runtime", "bootstrap-not-found",
                                                    "bootstrap-not-executable",
                                                    "unresolved-runtime"};
    return runtimeCodes.count(d.code) && d.range.start == fn.runtime.range.start;
}

} // namespace

bool LoadResult::blocksEverything() const {
    return !manifest || std::any_of(diagnostics.begin(), diagnostics.end(), [](const auto &d) {
        return d.severity == Severity::Error && d.function.empty();
    });
}

bool LoadResult::canRun(const std::string &function) const {
    if (blocksEverything())
        return false;
    const Function *fn = manifest->function(function);
    return fn && runsInSimulator(*fn) && blocking(function).empty();
}

std::vector<Diagnostic> LoadResult::blocking(const std::string &function) const {
    std::vector<Diagnostic> errors;
    const Function *fn = manifest ? manifest->function(function) : nullptr;
    for (const auto &d : diagnostics) {
        if (d.severity == Severity::Error &&
            (d.function.empty() || d.function == function || (fn && blocks(d, *fn))))
            errors.push_back(d);
    }
    return errors;
}

std::vector<std::string> LoadResult::dropUnrunnable() {
    std::vector<std::string> dropped;
    if (!manifest)
        return dropped;
    std::erase_if(manifest->functions, [&](const Function &fn) {
        const bool blocked =
            !runsInSimulator(fn) || std::any_of(diagnostics.begin(), diagnostics.end(),
                                                [&](const auto &d) { return blocks(d, fn); });
        if (blocked)
            dropped.push_back(fn.name);
        return blocked;
    });
    return dropped;
}

} // namespace nimbus::manifest
