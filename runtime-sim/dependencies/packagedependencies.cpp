#include "packagedependencies.h"

#include "functiondependencies.h"

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace nimbus::sim {

deploy::DependencyStep packageDependencies(std::function<void(const std::string &)> progress) {
    return [progress = std::move(progress)](const manifest::Manifest &m, deploy::PackagePlan &plan,
                                            std::string &error) {
        RuntimeLauncher launcher{std::string()};
        const DependencyInstaller::Tools tools = installerTools(launcher);
        const fs::path root = plan.root.empty() ? fs::path(m.projectDir) : fs::path(plan.root);
        std::set<std::string> added;
        for (const auto &name : plan.functions) {
            const manifest::Function *fn = m.function(name);
            const auto set = fn ? dependencySetOf(m, *fn, launcher, true) : std::nullopt;
            if (!set || !added.insert(set->key).second)
                continue;
            if (!readInstalledRecord(set->folder)) {
                if (progress)
                    progress("installing dependencies from " + set->relativeFile(m.projectDir) +
                             " (" + set->tool() +
                             (set->targetPythonVersion.empty()
                                  ? std::string()
                                  : std::string(", wheels for Python ") + set->targetPythonVersion +
                                        " on " + kLambdaWheelPlatform) +
                             ")");
                const auto result = DependencyInstaller::installNow(*set, m.projectDir, tools);
                if (!result.ok) {
                    error = result.error;
                    return false;
                }
            }
            if (set->ecosystem == DependencySet::Ecosystem::Python) {
                plan.dependencies.push_back({set->folder, ""});
                continue;
            }
            // Beside the package.json, where Node looks from the handler's folder.
            const std::string folder =
                fs::path(set->file).parent_path().lexically_relative(root).generic_string();
            const std::string prefix = folder.empty() || folder == "." ? "" : folder + "/";
            plan.rules.addPattern("!" + prefix + "node_modules/**");
            plan.dependencies.push_back({set->importPath(), prefix + "node_modules/"});
        }
        return true;
    };
}

} // namespace nimbus::sim
