// The manifest loader on text as an editor hands it over (ManifestLoader::loadText): YAML,
// ${...} variables (self, opt, env, sls, file, cf/ssm placeholders), schema validation of
// serverless.yml and SCF's formats, the model and the project checks. A NUL splits the input
// into a document and an edit of it, which is loaded incrementally (as the language server
// does after each keystroke) and must give exactly what a load from scratch gives.
#include "fuzzinput.h"
#include "nimbus/manifest/manifestloader.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace nimbus::manifest;

namespace {

// A project folder that does not exist: ${file(...)} and the handler checks look there and
// find nothing, at the cost of a stat, so no input depends on this machine's files.
const std::string kFile = "/nonexistent/nimbus-fuzz/serverless.yml";

ManifestLoader makeLoader() {
    LoadOptions options;
    options.options = {{"stage", "qa"}, {"region", "eu-west-1"}, {"flag", "on"}};
    options.environment = [](const std::string &name) -> std::optional<std::string> {
        if (name == "FUZZ_VAR")
            return std::string("value");
        return std::nullopt;
    };
    return ManifestLoader(std::move(options));
}

// The findings as lines, in one order (findings at one position may come in either).
std::string describe(const std::vector<Diagnostic> &diagnostics) {
    std::vector<std::string> lines;
    for (const auto &d : diagnostics)
        lines.push_back(formatDiagnostic(d) + " [" + d.code + "] " + d.function + "\n");
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto &line : lines)
        out += line;
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const ManifestLoader loader = makeLoader();
    const auto [document, edit] =
        nimbus::fuzz::splitAt(nimbus::fuzz::asText(data, size), std::string_view("\0", 1));
    IncrementalLoad state;
    const LoadResult first = loader.loadText(document, kFile, state);
    (void)first.blocksEverything();
    if (first.manifest)
        for (const auto &fn : first.manifest->functions)
            (void)first.canRun(fn.name);
    if (edit.empty())
        return 0;
    const LoadResult incremental = loader.loadText(edit, kFile, state);
    const LoadResult scratch = loader.loadText(edit, kFile);
    const std::string a = describe(incremental.diagnostics);
    const std::string b = describe(scratch.diagnostics);
    if (a != b) {
        std::fprintf(stderr,
                     "incremental load differs from a load from scratch\n--- incremental\n"
                     "%s--- from scratch\n%s",
                     a.c_str(), b.c_str());
        std::abort();
    }
    return 0;
}
