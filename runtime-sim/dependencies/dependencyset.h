#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// A function's third-party packages: the file that declares them (requirements.txt for
// Python, package.json for Node), and the folder of the project's build area they are
// installed into. The folder is named by a hash of what decides its contents (the files, the
// interpreter that installs and runs them), so an unchanged set is never installed twice and
// functions that declare the same set share one folder.
struct DependencySet {
    enum class Ecosystem { Python, Node };
    Ecosystem ecosystem = Ecosystem::Python;
    std::string file;     // absolute: the requirements.txt or package.json
    std::string lockFile; // absolute: package-lock.json beside package.json, when there is one
    std::string key;      // 16 hex digits
    std::string folder;   // absolute: <project>/.nimbus/deps/<python|node>-<key>
    // A pyproject.toml's [project] dependencies (PEP 508 strings), installed as pip takes
    // them on its command line; empty for a requirements.txt, which pip reads itself.
    std::vector<std::string> requirements;
    // For a package whose runtime is not the local interpreter's version (python3.12,
    // packaged where python3 is 3.11): the Python version pip chooses Lambda's Linux x86-64
    // wheels for (--platform, --only-binary) rather than building for this machine. Empty:
    // installed for the local interpreter, as the simulator runs it.
    std::string targetPythonVersion;
    // Why the file cannot be installed as it is (a TOML error with its position, Poetry's
    // own table): the installation fails with this, naming the file.
    std::string problem;

    // What instances import from: PYTHONPATH for Python (the folder, as pip --target fills
    // it), NODE_PATH for Node (its node_modules).
    std::string importPath() const;
    // "requirements.txt" or "src/package.json": the file as the project names it.
    std::string relativeFile(const std::string &projectDir) const;
    const char *tool() const { return ecosystem == Ecosystem::Python ? "pip" : "npm"; }

    bool operator==(const DependencySet &other) const { return key == other.key; }
};

// Where a function's dependencies are declared: the folder of its handler's module first,
// then each folder above it up to the project's root (for Python, a requirements.txt, else a
// pyproject.toml that lists dependencies) (as serverless-python-requirements and
// `sam build` look, and as Node resolves modules). A package.json without dependencies
// declares none. `interpreter` gives the executable that will install and run them (its path
// and modification time enter the key); it is asked only when there is a file (finding a
// pyenv shim's interpreter runs it). Nothing when the function declares none.
std::optional<DependencySet> findDependencySet(const std::string &projectDir,
                                               const std::string &codeDir,
                                               const std::string &handler,
                                               DependencySet::Ecosystem ecosystem,
                                               const std::function<std::string()> &interpreter,
                                               const std::string &targetPythonVersion = {});

// The platform Lambda's (and SCF's) Python runtimes run on, as pip names its wheels.
inline constexpr const char *kLambdaWheelPlatform = "manylinux2014_x86_64";

// What a finished installation left beside its packages (deps.json in the folder): written
// last, so a folder without it is never used.
struct InstalledRecord {
    std::string file;      // as the project names it
    std::string installed; // ISO 8601
    double seconds = 0;    // how long the installation took
};
std::string installedRecordJson(const InstalledRecord &record);
std::optional<InstalledRecord> readInstalledRecord(const std::string &folder);
inline constexpr const char *kInstalledRecordName = ".nimbus-deps.json";
// What a failed installation leaves beside the folder (<folder>.failed): the tool's own
// words, until an installation of the same set succeeds. Read by those that only look at
// the disk (the language server) to tell a failed set from one not installed yet.
inline constexpr const char *kFailedRecordSuffix = ".failed";

// The command that installs a set into `target` (an empty folder): pip's `install --target`
// with the interpreter that runs the functions (never into that interpreter's own
// site-packages), or npm's `ci` (with a lock file) / `install` without dev dependencies.
struct InstallCommand {
    std::string executable;
    std::vector<std::string> arguments;
    std::string workingDirectory;
};
InstallCommand installCommand(const DependencySet &set, const std::string &interpreter,
                              const std::string &npm, const std::string &target);

// Node installs in the target folder from a copy of package.json (and its lock file):
// `file:` dependencies that name a relative path are made absolute, as they were relative to
// the original's folder. Without a lock file the copy has no devDependencies either: `npm
// install --omit=dev` would still resolve them (against the registry) to write a lock file.
// (With one, `npm ci --omit=dev` needs the two to agree, and fetches no omitted package.)
// Returns the copy's text; false with `error` when it is not a JSON object.
bool packageJsonForTarget(const std::string &packageJsonText, const std::string &originalFolder,
                          bool withoutDevDependencies, std::string &out, std::string &error);

// The dependencies a pyproject.toml lists for pip: [project] dependencies (PEP 621). Nothing
// when it lists none (a file of tools' settings); `problem` set when it cannot be read, or
// lists them only for Poetry ([tool.poetry.dependencies]), whose syntax pip does not take.
std::optional<std::vector<std::string>> pyprojectDependencies(const std::string &text,
                                                              std::string &problem);

// The last lines of an installer's output that say what went wrong (pip's "ERROR:" lines and
// what follows them, npm's "npm ERR!" lines), else its last lines.
std::string installFailureSummary(const std::string &output);

} // namespace nimbus::sim
