#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/manifest/manifestschema.h"
#include "nimbus/manifest/yamlblocks.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::manifest {

struct LoadOptions {
    // Command-line options visible as ${opt:NAME}; "stage" and "region" also override the
    // provider's.
    std::map<std::string, std::string> options;
    // Environment for ${env:NAME}; empty means the process environment.
    std::function<std::optional<std::string>(const std::string &)> environment;
    // Look for each handler's module and function in the project folder.
    bool checkHandlers = true;
    // For a deployment to the cloud: .nimbus/variables.yml is not read, and a variable that
    // does not resolve is an error instead of a warning and a placeholder.
    bool forDeployment = false;
};

struct LoadResult {
    std::optional<Manifest> manifest; // present whenever the text was YAML, even with errors
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return manifest.has_value() && !hasErrors(diagnostics); }

    // Whether an error keeps every function from running (no manifest, YAML syntax, ...).
    bool blocksEverything() const;
    // Whether `function` can run: nothing blocks everything, and no error is about it.
    // Warnings never stop a function.
    bool canRun(const std::string &function) const;
    // The errors that keep `function` (or, with an empty name, everything) from running.
    std::vector<Diagnostic> blocking(const std::string &function) const;
    // Removes the functions that cannot run from the manifest, so a simulator can serve the
    // others; returns their names.
    std::vector<std::string> dropUnrunnable();
};

// What loads of one document keep from one to the next (see loadText). One per document;
// not thread-safe.
struct IncrementalLoad {
    YamlBlockParser parser;
    ValidationMemo validation;
};

// Reads a project manifest: YAML -> variables -> schema validation -> model with provider
// defaults -> checks that need the project's files (handlers, bootstrap). Never throws.
class ManifestLoader {
public:
    explicit ManifestLoader(LoadOptions options = {});

    // The manifest file in a project folder: serverless.yml, else serverless.yaml, else an
    // SCF template.yaml (scfcli's; not AWS SAM's).
    static std::optional<std::string> findManifestFile(const std::string &projectDir);
    // Whether a file name is one a manifest may have (an editor's question: which files
    // to check). A template.yaml is one only when isScfTemplate says so.
    static bool isManifestFileName(std::string_view fileName);
    // Whether a file is scfcli's template (it names TencentCloud::Serverless:: types).
    static bool isScfTemplate(const std::string &file);

    // Loads the manifest of a project folder, or a manifest file given directly.
    LoadResult loadProject(const std::string &dirOrFile) const;

    // Loads manifest text as if read from `filePath` (used by the language server for
    // unsaved documents); handler checks look in the file's folder.
    LoadResult loadText(std::string_view text, const std::string &filePath) const;
    // The same for text edited since the last load with `state` (an editor's buffer): only
    // the blocks the edits changed are parsed again, and only the entries they changed in
    // `functions` and `resources` are validated again.
    LoadResult loadText(std::string_view text, const std::string &filePath,
                        IncrementalLoad &state) const;

private:
    LoadResult loadParsed(YamlParseResult parsed, const std::string &filePath,
                          ValidationMemo *memo) const;

    LoadOptions m_options;
};

} // namespace nimbus::manifest
