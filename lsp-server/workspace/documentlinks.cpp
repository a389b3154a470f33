#include "documentlinks.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/yamltree.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::lsp {

using manifest::SourceRange;
using manifest::YamlNode;

namespace {

// ${file(PATH)} and ${file(PATH):selector} in every one-line scalar.
void fileReferences(const YamlNode &node, const fs::path &projectDir,
                    std::vector<DocumentLink> &links) {
    if (node.isScalar()) {
        if (node.range.start.line != node.range.end.line)
            return;
        const int quote = node.style == YamlNode::Style::Quoted ? 1 : 0;
        for (auto at = node.scalar.find("${file("); at != std::string::npos;
             at = node.scalar.find("${file(", at + 1)) {
            const auto start = at + 7;
            const auto close = node.scalar.find(')', start);
            if (close == std::string::npos || close == start)
                continue;
            const std::string relative = node.scalar.substr(start, close - start);
            if (relative.find("${") != std::string::npos)
                continue; // a path made of variables is known only once they resolve
            const int column = node.range.start.column + quote + static_cast<int>(start);
            links.push_back({{{node.range.start.line, column},
                              {node.range.start.line, column + static_cast<int>(relative.size())}},
                             (projectDir / relative).lexically_normal().string(),
                             -1,
                             "Open " + relative});
        }
        return;
    }
    for (const auto &item : node.items)
        fileReferences(item, projectDir, links);
    for (const auto &entry : node.entries)
        fileReferences(entry.value, projectDir, links);
}

} // namespace

std::vector<DocumentLink> documentLinks(std::string_view text, const std::string &path) {
    std::vector<DocumentLink> links;
    const auto parsed = manifest::parseYaml(text, path);
    if (!(parsed.ok || parsed.recovered))
        return links;
    const fs::path projectDir = fs::path(path).parent_path();
    fileReferences(parsed.root, projectDir, links);
    const YamlNode *functions = parsed.root.find("functions");
    if (!functions || !functions->isMapping())
        return links;
    for (const auto &entry : functions->entries) {
        if (!entry.value.isMapping())
            continue;
        for (const char *key : {"handler", "httpHandler"}) {
            const YamlNode *handler = entry.value.find(key);
            if (!handler || !handler->isScalar() || handler->range.start.line != handler->range.end.line ||
                handler->scalar.find("${") != std::string::npos)
                continue;
            const auto lookup = manifest::locateHandler(projectDir.string(), handler->scalar,
                                                        manifest::runtimeFamilyOf(parsed.root, entry.value));
            if (!lookup.definition)
                continue;
            // The module part links to the file, at the function's definition.
            const auto dot = handler->scalar.rfind('.');
            const int quote = handler->style == YamlNode::Style::Quoted ? 1 : 0;
            const int start = handler->range.start.column + quote;
            const int end = start + static_cast<int>(dot == std::string::npos ? handler->scalar.size() : dot);
            links.push_back({{{handler->range.start.line, start}, {handler->range.start.line, end}},
                             lookup.definition->file,
                             lookup.definition->line,
                             "Open " + fs::path(lookup.definition->file).filename().string() +
                                 " at " + handler->scalar.substr(dot == std::string::npos ? 0 : dot + 1)});
        }
    }
    return links;
}

} // namespace nimbus::lsp
