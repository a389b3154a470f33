#pragma once

#include "nimbus/packaging/ziparchive.h"

#include <string>
#include <vector>

namespace nimbus::packaging {

// Whether a project-relative path (with '/') matches a glob: '*' and '?' within one step,
// '**' across steps, [abc] classes and {a,b} alternatives.
bool globMatch(std::string_view pattern, std::string_view path);

// The Serverless Framework's package rules: every file of the project, less the default
// exclusions, then each pattern in order — "glob" adds what it matches back, "!glob" takes
// it out. (package.include / package.exclude, the older form, are turned into patterns.)
class PackageRules {
public:
    PackageRules();
    void addPattern(const std::string &pattern) { m_patterns.push_back(pattern); }
    void addPatterns(const std::vector<std::string> &patterns);
    bool includes(const std::string &relativePath) const;

    // The files (project-relative, sorted) of the project these rules take.
    std::vector<std::string> select(const std::string &projectDir) const;

private:
    std::vector<std::string> m_patterns;
};

// A folder of installed third-party packages that goes into a package under `prefix`: ""
// for Python's (pip --target lays them out for the package's root, which is on sys.path),
// "node_modules/" (or "web/node_modules/", beside its package.json) for Node's.
struct DependencyTree {
    std::string folder; // absolute
    std::string prefix;
};

// A built package: the zip's bytes and what is in it.
struct Package {
    std::string zip;
    std::vector<std::string> files;
    std::string sha256Base64; // as CodeSha256 reports it
    std::string sha256Hex;
    std::size_t unzippedBytes = 0;
    // The installed packages it holds, by top-level name (a Python distribution's module or
    // folder, a Node package), with their unzipped size, largest first.
    std::vector<std::pair<std::string, std::size_t>> dependencies;
};

// Zips the selected files of a project, and the packages installed in `dependencies` (a
// project file of the same path wins; caches and compiled files stay out). Returns false with
// `error` set.
bool buildPackage(const std::string &projectDir, const PackageRules &rules, Package &out,
                  std::string &error, const std::vector<DependencyTree> &dependencies = {});

// Lambda's limits on a package uploaded with the function (CreateFunction's ZipFile): 50 MB
// zipped, 250 MB unzipped. Empty when it fits; else what is over, and its largest packages.
std::string lambdaSizeProblem(const Package &package);

// "12 files, 1.2 MB zipped, 4.0 MB unzipped; largest dependencies: numpy 3.1 MB, …"
std::string packageSummary(const Package &package);

// SHA-256 of bytes, as base64 (CodeSha256) and as hex (file names in the code store).
std::string sha256Base64(std::string_view data);
std::string sha256Hex(std::string_view data);

} // namespace nimbus::packaging
