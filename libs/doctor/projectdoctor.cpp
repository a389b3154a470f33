#include "nimbus/doctor/projectdoctor.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/resources/programlocator.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::doctor {

using namespace nimbus::manifest;

namespace {

// What to do about each kind of error, in one sentence.
const std::map<std::string, std::string> &fixes() {
    static const std::map<std::string, std::string> table{
        {"yaml-syntax", "correct the YAML at that position (indentation, quotes, a missing ':')"},
        {"duplicate-key", "remove one of the two keys"},
        {"handler-not-found",
         "create that module and function, or point 'handler' at the right file as "
         "path/module.function"},
        {"missing-handler", "add 'handler: module.function' (or httpHandler / httpService)"},
        {"conflicting-kind", "keep one of handler, httpHandler and httpService"},
        {"unresolved-variable",
         "define what it refers to, add a fallback such as ${env:NAME, 'value'}, or give it a "
         "local value in .nimbus/variables.yml"},
        {"unsupported-runtime",
         "set 'runtime' to a python3.x, nodejsNN.x, go1.x or provided.al2 runtime (with a "
         "'bootstrap' executable)"},
        {"bootstrap-not-found", "add an executable file named 'bootstrap' to the project folder"},
        {"bootstrap-not-executable", "run: chmod +x bootstrap"},
        {"events-on-http-kind",
         "remove 'events', or name the code with 'handler' to make it an event function"},
        {"empty-manifest", "start from a template: nimbus init DIR --template python-event"},
    };
    return table;
}

bool isSchemaCode(const std::string &code) {
    return code == "unknown-key" || code == "wrong-type" || code == "invalid-value" ||
           code == "out-of-range" || code == "missing-key" || code == "too-few-keys" ||
           code == "too-many-keys" || code == "invalid-key";
}

std::string relativeTo(const std::string &file, const std::string &projectDir) {
    std::error_code ec;
    const fs::path relative = fs::relative(file, projectDir, ec);
    return ec || relative.empty() || relative.native().starts_with("..") ? file : relative.string();
}

std::string locationOf(const Diagnostic &d, const std::string &projectDir) {
    std::string where = relativeTo(d.file, projectDir);
    if (d.hasPosition)
        where += ':' + std::to_string(d.range.start.line + 1) + ':' +
                 std::to_string(d.range.start.column + 1);
    return where;
}

Finding fromDiagnostic(const Diagnostic &d, const std::string &projectDir, Finding::Level level) {
    Finding f;
    f.level = level;
    f.subject = d.function.empty() ? "project" : "function '" + d.function + "'";
    f.location = locationOf(d, projectDir);
    f.problem = d.message;
    if (auto it = fixes().find(d.code); it != fixes().end()) {
        f.fix = it->second;
        // The message's own advice, after "; ", says the same as the fix: keep one.
        if (auto semicolon = f.problem.find("; ");
            semicolon != std::string::npos && d.code != "unresolved-variable")
            f.problem.erase(semicolon);
    } else if (isSchemaCode(d.code)) {
        f.fix = "correct it, or remove 'configValidationMode: error' so that schema problems "
                "are warnings, as the framework's default has them";
    } else if (auto semicolon = f.problem.find("; "); semicolon != std::string::npos) {
        f.fix = f.problem.substr(semicolon + 2);
        f.problem.erase(semicolon);
    }
    return f;
}

// The folder of a package.json that lists dependencies with no node_modules between it
// and the module, if there is one.
std::optional<fs::path> missingNodeModules(const fs::path &moduleFile, const fs::path &projectDir) {
    std::error_code ec;
    for (fs::path dir = moduleFile.parent_path();; dir = dir.parent_path()) {
        if (fs::is_directory(dir / "node_modules", ec))
            return std::nullopt;
        if (fs::is_regular_file(dir / "package.json", ec)) {
            std::ifstream in(dir / "package.json");
            const auto json = nlohmann::json::parse(in, nullptr, false);
            if (json.is_object() && json.contains("dependencies") &&
                json["dependencies"].is_object() && !json["dependencies"].empty())
                return dir;
        }
        if (dir == projectDir || dir == dir.parent_path() ||
            dir.string().size() < projectDir.string().size())
            return std::nullopt;
    }
}

// One line per cause: the same problem of several functions is said once, naming them all.
void mergeSameCause(std::vector<Finding> &findings) {
    std::vector<Finding> merged;
    for (auto &f : findings) {
        auto same = std::find_if(merged.begin(), merged.end(), [&](const Finding &m) {
            return m.problem == f.problem && m.fix == f.fix && m.location == f.location &&
                   m.level == f.level;
        });
        if (same == merged.end()) {
            merged.push_back(std::move(f));
            continue;
        }
        const size_t quote = f.subject.find('\'');
        if (quote == std::string::npos) // "project" twice: one line says it
            continue;
        const std::string name = f.subject.substr(quote);
        if (same->subject.rfind("function '", 0) == 0)
            same->subject.replace(0, 8, "functions");
        same->subject += ", " + name;
    }
    findings = std::move(merged);
}

void examineFunction(const Manifest &manifest, const Function &fn, const Machine &machine,
                     Examination &out) {
    const std::string subject = "function '" + fn.name + "'";
    auto block = [&](std::string problem, std::string fix,
                     Finding::Level level = Finding::Level::Blocks) {
        out.findings.push_back({level, subject, {}, std::move(problem), std::move(fix)});
    };
    const RuntimeFamily family = runtimeFamily(fn.runtime.value);
    if (fn.kind == FunctionKind::HttpService) {
        std::istringstream words(fn.service ? fn.service->command : std::string());
        std::string program;
        words >> program;
        std::error_code ec;
        if (!program.empty() && program.find('/') == std::string::npos &&
            !machine.findProgram(program))
            block("its command runs '" + program + "', which is not installed (not on PATH)",
                  "install " + program + ", or change httpService.command");
        else if (!program.empty() && program.find('/') != std::string::npos &&
                 !fs::exists(fs::path(manifest.projectDir) / program, ec) &&
                 !fs::exists(program, ec))
            block("its command runs '" + program + "', which does not exist",
                  "build it, or change httpService.command");
        return;
    }
    if (fn.runtime.value == "go1.x" && fn.handler.value.ends_with(".go") &&
        !machine.findProgram("go"))
        block(
            "its handler is Go source (" + fn.handler.value +
                "), which is compiled at each cold start, and the Go toolchain is not installed",
            "install it (apt-get install golang-go), or build a binary and point 'handler' at it");
    if (family == RuntimeFamily::Python && !machine.findProgram("python3"))
        block("runtime " + fn.runtime.value + " needs python3, which is not installed",
              "install it: apt-get install python3");
    if (family != RuntimeFamily::Node)
        return;
    if (!machine.findProgram("node")) {
        block("runtime " + fn.runtime.value + " needs node, which is not installed",
              "install it: apt-get install nodejs");
        return;
    }
    const HandlerLookup lookup = locateHandler(manifest.projectDir, fn.handler.value, family);
    if (!lookup.definition)
        return;
    const fs::path file = lookup.definition->file;
    const std::string ext = file.extension().string();
    if (ext == ".ts" || ext == ".mts" || ext == ".cts") {
        const fs::path compiler = fs::path(machine.resourcesDir) / "runtimes" / "node" /
                                  "typescript" / "node_modules" / "esbuild" / "package.json";
        std::error_code ec;
        if (!fs::exists(compiler, ec))
            block("its handler is TypeScript (" + file.filename().string() +
                      "), and esbuild, which compiles it, is not installed",
                  "run scripts/dev build, or npm ci in " +
                      (fs::path(machine.resourcesDir) / "runtimes/node/typescript").string());
    }
    if (auto dir = missingNodeModules(file, manifest.projectDir)) {
        const std::string where = relativeTo(dir->string(), manifest.projectDir);
        block((where == "." ? std::string("package.json") : where + "/package.json") +
                  " lists dependencies, and they are not installed (no node_modules); a "
                  "require() of one fails",
              "run npm install" + (where == "." ? std::string() : " in " + where),
              Finding::Level::Degrades);
    }
}

} // namespace

Machine currentMachine(std::string resourcesDir) {
    Machine machine;
    machine.resourcesDir = std::move(resourcesDir);
    machine.findProgram = resources::findProgram;
    return machine;
}

Examination examine(const std::string &projectDir, const LoadOptions &options,
                    const Machine &machine) {
    Examination out;
    const LoadResult result = ManifestLoader(options).loadProject(projectDir);
    out.manifestLoaded = result.manifest.has_value();
    std::error_code ec;
    const std::string base = result.manifest ? result.manifest->projectDir : projectDir;
    for (const auto &d : result.diagnostics) {
        if (d.severity == Severity::Error)
            out.findings.push_back(fromDiagnostic(d, base, Finding::Level::Blocks));
        else if (d.severity == Severity::Warning && d.code == "placeholder-variable")
            out.findings.push_back(fromDiagnostic(d, base, Finding::Level::Degrades));
        else if (d.severity == Severity::Warning)
            ++out.warnings;
    }
    if (!result.manifest || result.blocksEverything())
        return out;
    out.functionCount = static_cast<int>(result.manifest->functions.size());
    for (const auto &fn : result.manifest->functions) {
        if (!result.canRun(fn.name))
            continue;
        const size_t before = out.findings.size();
        examineFunction(*result.manifest, fn, machine, out);
        bool blocked = false;
        for (size_t i = before; i < out.findings.size(); ++i)
            blocked = blocked || out.findings[i].level == Finding::Level::Blocks;
        if (!blocked)
            out.runnable.push_back(fn.name);
    }
    mergeSameCause(out.findings);
    return out;
}

} // namespace nimbus::doctor
