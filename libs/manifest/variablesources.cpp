// Where the values of variables come from outside the manifest's text: ${file(...)},
// ${param:...} with params:, the local override file (.nimbus/variables.yml), and the
// placeholders that stand for values that live in the cloud.
#include "nimbus/manifest/textfile.h"
#include "nimbus/manifest/variableresolver.h"
#include "variablepaths.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace nimbus::manifest {

using detail::relocate;
using detail::scalarText;
using detail::walk;

namespace {} // namespace

// A variable Nimbus cannot resolve locally: a warning and a placeholder that names it.
VariableResolver::Failure VariableResolver::cloudFailure(const std::string &address,
                                                         const std::string &why,
                                                         const YamlNode &site, int offset) {
    Failure failure;
    failure.offset = offset;
    failure.message = "'${" + address + "}' " + why + "; give it a local value in " +
                      kOverrideFile + " (\"" + address + "\": value)";
    if (m_context.forDeployment)
        return failure; // a placeholder must not reach the cloud
    YamlNode placeholder =
        YamlNode::makeScalar("<" + address + ">", YamlNode::Style::Quoted, site.range);
    placeholder.placeholder = true;
    failure.standIn = Value{placeholder, placeholder.scalar};
    return failure;
}

std::optional<VariableResolver::Value> VariableResolver::lookupOverride(const std::string &address,
                                                                        const YamlNode &site) {
    if (!m_overridesRead) {
        m_overridesRead = true;
        // Local values are for running locally; a deployment resolves from the cloud.
        if (!m_context.projectDir.empty() && !m_context.forDeployment) {
            const auto path = std::filesystem::path(m_context.projectDir) / kOverrideFile;
            if (auto text = readTextFile(path.string())) {
                YamlParseResult parsed = parseYaml(*text, path.string());
                if (parsed.ok && parsed.root.isMapping())
                    m_overrides = std::move(parsed.root);
                else
                    m_diagnostics.push_back({Severity::Warning,
                                             path.string(),
                                             {},
                                             false,
                                             "invalid-overrides",
                                             "is not a YAML mapping of variables to values; it "
                                             "is ignored",
                                             {},
                                             {}});
            }
        }
    }
    if (!m_overrides)
        return std::nullopt;
    const YamlNode *value = m_overrides->find(address);
    if (!value)
        return std::nullopt;
    YamlNode node = *value;
    relocate(node, site.range);
    return Value{node, scalarText(node)};
}

std::optional<VariableResolver::Value> VariableResolver::lookupParam(const std::string &name,
                                                                     const std::string &address,
                                                                     const YamlNode &site,
                                                                     Failure &failure, int offset) {
    // params: {<stage>: {...}, default: {...}}: the stage's value wins over the default.
    for (const std::string &group : {effectiveStage(*m_root, m_context), std::string("default")}) {
        std::string walked, missing;
        const std::string path = "params." + group + "." + name;
        YamlNode *value = findInManifest(path, walked, missing);
        if (!value)
            continue;
        if (value->isScalar() && value->scalar.find("${") != std::string::npos &&
            !resolveScalar(*value, path)) {
            failure = {"'${param:" + name + "}' refers to a value that does not resolve", offset};
            failure.reported = true;
            return std::nullopt;
        }
        return Value{*value, scalarText(*value)};
    }
    if (auto overridden = lookupOverride(address, site))
        return overridden;
    failure =
        cloudFailure(address,
                     "is not under 'params' for stage '" + effectiveStage(*m_root, m_context) +
                         "' or 'default' (Dashboard parameters are not read)",
                     site, offset);
    return std::nullopt;
}

std::optional<VariableResolver::Value> VariableResolver::lookupFile(const std::string &file,
                                                                    const std::string &subPath,
                                                                    const YamlNode &site,
                                                                    Failure &failure, int offset) {
    namespace fs = std::filesystem;
    const std::string written =
        "${file(" + file + ")" + (subPath.empty() ? "" : ":" + subPath) + "}";
    if (m_context.projectDir.empty()) {
        failure = {"'" + written + "': files are read only for a project on disk", offset};
        return std::nullopt;
    }
    const fs::path path = (fs::path(m_context.projectDir) / file).lexically_normal();
    const std::string ext = path.extension().string();
    if (ext != ".yml" && ext != ".yaml" && ext != ".json") {
        if (auto overridden = lookupOverride(written.substr(2, written.size() - 3), site))
            return overridden;
        failure = cloudFailure(written.substr(2, written.size() - 3),
                               "is computed by code in '" + file + "', which Nimbus does not run",
                               site, offset);
        return std::nullopt;
    }
    const std::string key = path.string();
    auto cached = m_files.find(key);
    if (cached == m_files.end()) {
        std::optional<YamlNode> content;
        if (auto text = readTextFile(key)) {
            YamlParseResult parsed = parseYaml(*text, key);
            if (!parsed.ok || hasErrors(parsed.diagnostics)) {
                failure = {"'" + written + "': " + file + " is not valid " +
                               (ext == ".json" ? "JSON" : "YAML") +
                               (parsed.diagnostics.empty()
                                    ? std::string()
                                    : " (" + formatDiagnostic(parsed.diagnostics.front()) + ")"),
                           offset};
                return std::nullopt;
            }
            content = std::move(parsed.root);
            // Findings about it, and the values it gives, point at where it is included.
            relocate(*content, site.range);
        }
        cached = m_files.emplace(key, std::move(content)).first;
        if (cached->second) {
            // Variables in the file resolve against this manifest, as the framework does.
            const std::string marker = "file:" + key;
            if (std::find(m_resolving.begin(), m_resolving.end(), marker) == m_resolving.end()) {
                m_resolving.push_back(marker);
                resolveNode(*cached->second, marker);
                m_resolving.pop_back();
            }
        }
    }
    if (!cached->second) {
        failure = {"'" + written + "': there is no file " + path.string() +
                       "; create it or add a fallback: ${file(" + file + "), 'value'}",
                   offset};
        return std::nullopt;
    }
    std::string walked, missing;
    YamlNode *node = walk(&*cached->second, subPath, walked, missing);
    if (!node) {
        failure = {"'" + written + "' does not resolve: " +
                       (walked.empty() ? file : "'" + walked + "' in " + file) + " has no key '" +
                       missing + "'",
                   offset};
        return std::nullopt;
    }
    if (!withinBudget(*node, failure, offset))
        return std::nullopt;
    return Value{*node, scalarText(*node)};
}

} // namespace nimbus::manifest
