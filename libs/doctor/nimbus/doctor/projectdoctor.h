#pragma once

#include "nimbus/manifest/manifestloader.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::doctor {

// One reason a project (or one of its functions) does not run as it should, and what to do.
struct Finding {
    enum class Level { Blocks, Degrades }; // keeps it from running / runs, but differently
    Level level = Level::Blocks;
    std::string subject;  // "project" or "function 'hello'"
    std::string location; // "serverless.yml:12:14", or empty
    std::string problem;
    std::string fix;
};

struct Examination {
    std::vector<Finding> findings;
    std::vector<std::string> runnable; // functions that can run
    int functionCount = 0;
    int warnings = 0; // warnings that change nothing at run time (nimbus validate lists them)
    bool manifestLoaded = false;

    bool healthy() const {
        for (const auto &f : findings) {
            if (f.level == Finding::Level::Blocks)
                return false;
        }
        return true;
    }
};

// What the doctor may ask of the machine; tests replace it.
struct Machine {
    // The absolute path of a program on PATH, if there is one.
    std::function<std::optional<std::string>(const std::string &)> findProgram;
    // Where the runtimes' data files are (resources/ in the source tree, or installed).
    std::string resourcesDir;
};

// The default machine: programs on PATH (resources::findProgram).
Machine currentMachine(std::string resourcesDir);

// Examines a project folder: loads its manifest, then checks what each runnable function
// needs from the machine and the project (interpreter, TypeScript compiler, node_modules).
Examination examine(const std::string &projectDir, const manifest::LoadOptions &options,
                    const Machine &machine);

} // namespace nimbus::doctor
