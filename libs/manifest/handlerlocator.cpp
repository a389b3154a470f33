#include "nimbus/manifest/handlerlocator.h"

#include "nimbus/manifest/moduleindex.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::manifest {

std::vector<std::string> definedFunctions(const std::string &file, RuntimeFamily family) {
    std::vector<std::string> names;
    const auto index = ModuleIndex::ofFile(file, family);
    if (!index)
        return names;
    for (const auto &entry : index->names) {
        if (entry.callable && entry.name.front() != '_' &&
            std::find(names.begin(), names.end(), entry.name) == names.end())
            names.push_back(entry.name);
    }
    return names;
}

std::optional<HandlerReference> parseHandler(const std::string &handler, RuntimeFamily family) {
    if (handler.empty())
        return std::nullopt;
    HandlerReference ref;
    const size_t slash = handler.rfind('/');
    const size_t base = slash == std::string::npos ? 0 : slash + 1;
    if (family == RuntimeFamily::Node) {
        // Node: the module ends at the first dot of the last path segment; the rest may
        // name a nested property (module.a.b), of which the first is the export.
        const size_t dot = handler.find('.', base);
        if (dot == std::string::npos || dot + 1 >= handler.size() || dot == base)
            return std::nullopt;
        ref.modulePath = handler.substr(0, dot);
        const std::string rest = handler.substr(dot + 1);
        ref.function = rest.substr(0, rest.find('.'));
    } else {
        // Python: module and function split at the last dot; dots in the module are packages.
        const size_t dot = handler.rfind('.');
        if (dot == std::string::npos || dot < base || dot + 1 >= handler.size() || dot == base)
            return std::nullopt;
        ref.modulePath = handler.substr(0, dot);
        ref.function = handler.substr(dot + 1);
        for (size_t i = base; i < ref.modulePath.size(); ++i) {
            if (ref.modulePath[i] == '.')
                ref.modulePath[i] = '/';
        }
    }
    if (ref.function.empty() || ref.modulePath.empty() || ref.modulePath.front() == '/')
        return std::nullopt;
    return ref;
}

std::vector<std::string> moduleCandidates(const HandlerReference &ref, RuntimeFamily family) {
    if (family == RuntimeFamily::Python)
        return {ref.modulePath + ".py", ref.modulePath + "/__init__.py"};
    if (family == RuntimeFamily::Node)
        return {ref.modulePath + ".js", ref.modulePath + ".mjs", ref.modulePath + ".cjs",
                ref.modulePath + ".ts", ref.modulePath + ".mts", ref.modulePath + ".cts"};
    return {};
}

const ModuleFiles::File &ModuleFiles::at(const std::string &path, RuntimeFamily family) {
    const std::string key = std::to_string(static_cast<int>(family)) + ':' + path;
    if (const auto it = m_files.find(key); it != m_files.end())
        return it->second;
    File file;
    std::error_code ec;
    file.exists = fs::is_regular_file(path, ec);
    if (file.exists) {
        file.index = ModuleIndex::ofFile(path, family);
        const fs::path canonical = fs::weakly_canonical(path, ec);
        file.canonical = (ec ? fs::path(path) : canonical).string();
    }
    return m_files.emplace(key, std::move(file)).first->second;
}

namespace {

// A name a Node module passes on from another (module.exports = require('./x'), export *
// from './x'), followed a few modules deep; `file` becomes the module that defines it.
std::optional<ModuleIndex::Name> findReexported(const fs::path &module, const ModuleIndex &index,
                                                const std::string &name, RuntimeFamily family,
                                                ModuleFiles &files, std::string &file,
                                                int depth = 0) {
    if (family != RuntimeFamily::Node || depth > 4)
        return std::nullopt;
    for (const auto &target : index.reexports) {
        const fs::path base = module.parent_path() / target;
        HandlerReference ref{base.string(), name};
        std::vector<std::string> candidates{base.string()};
        for (const auto &c : moduleCandidates(ref, family))
            candidates.push_back(c);
        for (const auto &c : moduleCandidates({(base / "index").string(), name}, family))
            candidates.push_back(c);
        for (const auto &candidate : candidates) {
            const ModuleFiles::File &next = files.at(candidate, family);
            if (!next.exists)
                continue;
            if (!next.index)
                break;
            if (const ModuleIndex::Name *found = next.index->find(name)) {
                file = candidate;
                return *found;
            }
            if (auto found =
                    findReexported(candidate, *next.index, name, family, files, file, depth + 1))
                return found;
            break;
        }
    }
    return std::nullopt;
}

} // namespace

HandlerLookup locateHandler(const std::string &projectDir, const std::string &handler,
                            RuntimeFamily family, ModuleFiles *files) {
    ModuleFiles once;
    ModuleFiles &known = files ? *files : once;
    HandlerLookup lookup;
    auto ref = parseHandler(handler, family);
    if (!ref) {
        lookup.error = "handler '" + handler + "' is not of the form module.function (e.g. " +
                       (family == RuntimeFamily::Node ? "'src/handler.main')" : "'handler.main')");
        return lookup;
    }
    const auto candidates = moduleCandidates(*ref, family);
    for (const auto &candidate : candidates) {
        const fs::path path = fs::path(projectDir) / candidate;
        const ModuleFiles::File &module = known.at(path.string(), family);
        if (!module.exists)
            continue;
        if (!module.index) {
            lookup.error = "cannot read handler module '" + candidate + "'";
            return lookup;
        }
        std::optional<ModuleIndex::Name> found;
        if (const ModuleIndex::Name *name = module.index->find(ref->function))
            found = *name;
        std::string definedIn = path.string();
        if (!found)
            found = findReexported(path, *module.index, ref->function, family, known, definedIn);
        if (!found) {
            lookup.error =
                "'" + candidate + "' does not define '" + ref->function + "'" +
                (family == RuntimeFamily::Python
                     ? " (expected a top-level 'def " + ref->function + "(event, context):')"
                     : " (expected 'exports." + ref->function + " = ...' or 'export function " +
                           ref->function + "')");
            return lookup;
        }
        lookup.definition = HandlerDefinition{known.at(definedIn, family).canonical, found->line,
                                              found->column, found->signature};
        return lookup;
    }
    std::string tried;
    for (size_t i = 0; i < candidates.size(); ++i)
        tried += (i ? ", " : "") + candidates[i];
    lookup.error = "handler module for '" + handler + "' not found (looked for " + tried +
                   " in the project folder)";
    return lookup;
}

} // namespace nimbus::manifest
