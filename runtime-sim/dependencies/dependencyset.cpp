#include "dependencyset.h"

#include "nimbus/packaging/packager.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace nimbus::sim {

namespace {

std::string readFile(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Whether a package.json declares any dependency that a function would load at run time.
bool declaresDependencies(const std::string &text) {
    const json document = json::parse(text, nullptr, false);
    if (!document.is_object())
        return true; // npm will say what is wrong with it
    for (const char *field : {"dependencies", "optionalDependencies"}) {
        const auto it = document.find(field);
        if (it != document.end() && it->is_object() && !it->empty())
            return true;
    }
    return false;
}

bool within(const fs::path &folder, const fs::path &root) {
    const auto relative = folder.lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
}

} // namespace

std::string DependencySet::importPath() const {
    return ecosystem == Ecosystem::Python ? folder : (fs::path(folder) / "node_modules").string();
}

std::string DependencySet::relativeFile(const std::string &projectDir) const {
    const fs::path relative = fs::path(file).lexically_relative(projectDir);
    return relative.empty() || *relative.begin() == ".." ? file : relative.generic_string();
}

std::optional<DependencySet> findDependencySet(const std::string &projectDir,
                                               const std::string &codeDir,
                                               const std::string &handler,
                                               DependencySet::Ecosystem ecosystem,
                                               const std::function<std::string()> &interpreter,
                                               const std::string &targetPythonVersion) {
    const fs::path project = fs::path(projectDir).lexically_normal();
    const fs::path code = fs::path(codeDir).lexically_normal();
    // "src/handlers/api.main": the module's folder is src/handlers.
    const std::string module = handler.substr(0, handler.rfind('.'));
    fs::path folder = (code / module).parent_path().lexically_normal();
    // Up to the project's root; a code folder outside it (SCF's CodeUri may be) up to itself.
    const fs::path top = within(code, project) || code == project ? project : code;
    const bool python = ecosystem == DependencySet::Ecosystem::Python;
    std::error_code ec;
    for (;;) {
        fs::path candidate = folder / (python ? "requirements.txt" : "package.json");
        std::vector<std::string> requirements;
        std::string problem, text;
        if (python && !fs::is_regular_file(candidate, ec) &&
            fs::is_regular_file(folder / "pyproject.toml", ec)) {
            // (One that lists no dependencies holds tools' settings: look further up.)
            text = readFile(folder / "pyproject.toml");
            if (auto listed = pyprojectDependencies(text, problem); listed || !problem.empty()) {
                candidate = folder / "pyproject.toml";
                requirements = listed.value_or(std::vector<std::string>{});
            }
        }
        if (fs::is_regular_file(candidate, ec)) {
            if (candidate.filename() != "pyproject.toml")
                text = readFile(candidate);
            if (ecosystem == DependencySet::Ecosystem::Node && !declaresDependencies(text))
                return std::nullopt; // the package the handler is in needs nothing installed
            DependencySet set;
            set.ecosystem = ecosystem;
            set.file = candidate.string();
            set.requirements = std::move(requirements);
            set.problem = std::move(problem);
            if (python)
                set.targetPythonVersion = targetPythonVersion;
            std::string lock;
            if (ecosystem == DependencySet::Ecosystem::Node &&
                fs::is_regular_file(folder / "package-lock.json", ec)) {
                set.lockFile = (folder / "package-lock.json").string();
                lock = readFile(set.lockFile);
            }
            // What decides the folder's contents: the files, where they are (their relative
            // paths point from there), and the interpreter (its path names its version; an
            // upgrade in place changes its time).
            std::string interpreterStamp = interpreter ? interpreter() : std::string();
            const auto written = fs::last_write_time(interpreterStamp, ec);
            if (!ec)
                interpreterStamp += "@" + std::to_string(written.time_since_epoch().count());
            const std::string digest = packaging::sha256Hex(
                std::string(set.tool()) + '\0' + set.file + '\0' + text + '\0' + lock + '\0' +
                interpreterStamp +
                (set.targetPythonVersion.empty()
                     ? std::string()
                     : '\0' + set.targetPythonVersion + '\0' + kLambdaWheelPlatform));
            set.key = digest.substr(0, 16);
            set.folder =
                (project / ".nimbus" / "deps" /
                 ((ecosystem == DependencySet::Ecosystem::Python ? "python-" : "node-") + set.key))
                    .string();
            return set;
        }
        if (folder == top || !within(folder, top))
            return std::nullopt;
        folder = folder.parent_path();
    }
}

std::optional<std::vector<std::string>> pyprojectDependencies(const std::string &text,
                                                              std::string &problem) {
    toml::table document;
    try {
        document = toml::parse(std::string_view(text), std::string_view("pyproject.toml"));
    } catch (const toml::parse_error &e) {
        problem = "line " + std::to_string(e.source().begin.line) + ", column " +
                  std::to_string(e.source().begin.column) + ": " + std::string(e.description()) +
                  " (it is not valid TOML)";
        return std::nullopt;
    }
    if (const toml::array *listed = document["project"]["dependencies"].as_array()) {
        std::vector<std::string> out;
        for (const auto &item : *listed) {
            const auto requirement = item.value<std::string>();
            if (!requirement) {
                problem = "[project] dependencies holds a value that is not a string; each is "
                          "a requirement such as \"requests>=2.31\"";
                return std::nullopt;
            }
            out.push_back(*requirement);
        }
        if (!out.empty())
            return out;
    }
    // Poetry's table: every entry but the Python version it runs on is a dependency.
    if (const toml::table *poetry = document["tool"]["poetry"]["dependencies"].as_table()) {
        for (const auto &[name, value] : *poetry) {
            if (name.str() != "python") {
                problem = "its dependencies are Poetry's ([tool.poetry.dependencies]), whose "
                          "version syntax pip does not read: list them under [project] "
                          "dependencies, or export a requirements.txt beside it (poetry export "
                          "-f requirements.txt -o requirements.txt)";
                return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

std::string installedRecordJson(const InstalledRecord &record) {
    return json{{"file", record.file}, {"installed", record.installed}, {"seconds", record.seconds}}
        .dump(2);
}

std::optional<InstalledRecord> readInstalledRecord(const std::string &folder) {
    const json document =
        json::parse(readFile(fs::path(folder) / kInstalledRecordName), nullptr, false);
    if (!document.is_object() || !document.contains("file"))
        return std::nullopt;
    InstalledRecord record;
    record.file = document.value("file", "");
    record.installed = document.value("installed", "");
    record.seconds = document.value("seconds", 0.0);
    return record;
}

InstallCommand installCommand(const DependencySet &set, const std::string &interpreter,
                              const std::string &npm, const std::string &target) {
    InstallCommand command;
    if (set.ecosystem == DependencySet::Ecosystem::Python) {
        // Relative paths in the file (-e ./lib, --find-links wheels) are the file's folder's.
        command.executable = interpreter;
        command.arguments = {"-m",
                             "pip",
                             "install",
                             "--disable-pip-version-check",
                             "--no-input",
                             "--no-warn-script-location",
                             "--progress-bar",
                             "off",
                             "--target",
                             target};
        if (!set.targetPythonVersion.empty())
            command.arguments.insert(command.arguments.end(),
                                     {"--platform", kLambdaWheelPlatform, "--implementation", "cp",
                                      "--python-version", set.targetPythonVersion,
                                      "--only-binary=:all:"});
        if (fs::path(set.file).filename() == "pyproject.toml")
            command.arguments.insert(command.arguments.end(), set.requirements.begin(),
                                     set.requirements.end());
        else
            command.arguments.insert(command.arguments.end(), {"-r", set.file});
        command.workingDirectory = fs::path(set.file).parent_path().string();
    } else {
        command.executable = npm;
        command.arguments = {set.lockFile.empty() ? "install" : "ci", "--omit=dev", "--no-audit",
                             "--no-fund", "--update-notifier=false"};
        command.workingDirectory = target;
    }
    return command;
}

bool packageJsonForTarget(const std::string &packageJsonText, const std::string &originalFolder,
                          bool withoutDevDependencies, std::string &out, std::string &error) {
    json document = json::parse(packageJsonText, nullptr, false);
    if (!document.is_object()) {
        error = "package.json is not a JSON object";
        return false;
    }
    if (withoutDevDependencies)
        document.erase("devDependencies");
    for (const char *field : {"dependencies", "optionalDependencies"}) {
        auto it = document.find(field);
        if (it == document.end() || !it->is_object())
            continue;
        for (auto &[name, spec] : it->items()) {
            if (!spec.is_string())
                continue;
            const std::string value = spec.get<std::string>();
            if (!value.starts_with("file:"))
                continue;
            const fs::path path(value.substr(5));
            if (path.is_relative())
                spec = "file:" + (fs::path(originalFolder) / path).lexically_normal().string();
        }
    }
    out = document.dump(2);
    return true;
}

std::string installFailureSummary(const std::string &output) {
    std::vector<std::string> lines;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            lines.push_back(line);
    }
    std::size_t from = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with("ERROR:") || lines[i].starts_with("npm ERR!") ||
            lines[i].starts_with("npm error") || lines[i].starts_with("error:")) {
            from = i;
            break;
        }
    }
    if (from == lines.size())
        from = lines.size() > 10 ? lines.size() - 10 : 0;
    const std::size_t to = std::min(lines.size(), from + 20);
    std::string summary;
    for (std::size_t i = from; i < to; ++i)
        summary += (summary.empty() ? "" : "\n") + lines[i];
    return summary;
}

} // namespace nimbus::sim
