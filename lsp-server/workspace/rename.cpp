#include "rename.h"

#include "nimbus/manifest/handlerlocator.h"
#include "nimbus/manifest/yamltree.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

namespace fs = std::filesystem;

namespace nimbus::lsp {

using manifest::SourcePosition;
using manifest::SourceRange;
using manifest::YamlNode;

namespace {

bool inside(const SourceRange &range, SourcePosition at) {
    return range.start.line == at.line && range.end.line == at.line &&
           at.column >= range.start.column && at.column <= range.end.column;
}

// The handler value's function part ("mod.fn" -> "fn"), where it is in the text.
std::optional<SourceRange> handlerNameRange(const YamlNode &value) {
    if (!value.isScalar() || value.range.start.line != value.range.end.line)
        return std::nullopt;
    const auto dot = value.scalar.rfind('.');
    if (dot == std::string::npos || dot + 1 >= value.scalar.size())
        return std::nullopt;
    const int quote = value.style == YamlNode::Style::Quoted ? 1 : 0;
    const int start = value.range.start.column + quote + static_cast<int>(dot) + 1;
    return SourceRange{{value.range.start.line, start},
                       {value.range.start.line,
                        start + static_cast<int>(value.scalar.size() - dot - 1)}};
}

std::vector<std::string> splitLines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find('\n', start);
        lines.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return lines;
}

bool wordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

} // namespace

std::string functionLogicalId(const std::string &name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c == '-')
            out += "Dash";
        else if (c == '_')
            out += "Underscore";
        else
            out.push_back(i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    }
    return out + "LambdaFunction";
}

std::optional<RenameTarget> renameTarget(std::string_view text, const std::string &path,
                                         SourcePosition at) {
    const auto parsed = manifest::parseYaml(text, path);
    if (!(parsed.ok || parsed.recovered))
        return std::nullopt;
    const YamlNode *functions = parsed.root.find("functions");
    if (!functions || !functions->isMapping())
        return std::nullopt;
    for (const auto &entry : functions->entries) {
        if (inside(entry.key.range, at))
            return RenameTarget{RenameTarget::Kind::Function, entry.key.range, entry.key.scalar,
                                entry.key.scalar};
        for (const char *key : {"handler", "httpHandler"}) {
            const YamlNode *handler = entry.value.isMapping() ? entry.value.find(key) : nullptr;
            if (!handler)
                continue;
            const auto range = handlerNameRange(*handler);
            if (range && inside(*range, at))
                return RenameTarget{RenameTarget::Kind::Handler, *range,
                                    handler->scalar.substr(handler->scalar.rfind('.') + 1),
                                    entry.key.scalar};
        }
    }
    return std::nullopt;
}

std::vector<TextEdit> renameEdits(std::string_view text, const std::string &path,
                                  SourcePosition at, const std::string &newName,
                                  std::string &error) {
    const auto target = renameTarget(text, path, at);
    if (!target) {
        error = "there is nothing to rename here: a function's key or a handler's function name";
        return {};
    }
    if (newName == target->name)
        return {};
    const auto parsed = manifest::parseYaml(text, path);
    const YamlNode &functions = *parsed.root.find("functions");
    std::vector<TextEdit> edits;
    if (target->kind == RenameTarget::Kind::Function) {
        static const std::regex valid("^[A-Za-z0-9_-]+$");
        if (!std::regex_match(newName, valid)) {
            error = "'" + newName + "' is not a function name: letters, digits, '-' and '_'";
            return {};
        }
        if (functions.find(newName)) {
            error = "there is a function '" + newName + "' already";
            return {};
        }
        edits.push_back({path, target->range, newName});
        // ${self:functions.OLD...} and the logical id, wherever they are written.
        const auto lines = splitLines(text);
        const std::string reference = "functions." + target->name;
        const std::string oldId = functionLogicalId(target->name);
        const std::string newId = functionLogicalId(newName);
        for (int n = 0; n < static_cast<int>(lines.size()); ++n) {
            const std::string &line = lines[static_cast<std::size_t>(n)];
            for (auto at2 = line.find("${self:"); at2 != std::string::npos;
                 at2 = line.find("${self:", at2 + 1)) {
                const auto close = line.find('}', at2);
                const auto ref = line.find(reference, at2 + 7);
                if (ref != at2 + 7 || (close != std::string::npos && ref > close))
                    continue;
                const auto after = ref + reference.size();
                if (after < line.size() && wordChar(line[after]))
                    continue; // functions.OLDER is another function
                const int start = static_cast<int>(ref + 10);
                edits.push_back({path, {{n, start}, {n, start + static_cast<int>(target->name.size())}},
                                 newName});
            }
            for (auto id = line.find(oldId); id != std::string::npos; id = line.find(oldId, id + 1)) {
                if ((id > 0 && wordChar(line[id - 1])) ||
                    (id + oldId.size() < line.size() && wordChar(line[id + oldId.size()])))
                    continue;
                const int start = static_cast<int>(id);
                edits.push_back({path, {{n, start}, {n, start + static_cast<int>(oldId.size())}}, newId});
            }
        }
        return edits;
    }
    // A handler function: in the manifest, and where the module defines it.
    static const std::regex identifier("^[A-Za-z_$][A-Za-z0-9_$]*$");
    if (!std::regex_match(newName, identifier)) {
        error = "'" + newName + "' is not a function name in Python or JavaScript";
        return {};
    }
    const YamlNode &function = *functions.find(target->function);
    const YamlNode *handler = function.find("handler") ? function.find("handler") : function.find("httpHandler");
    const auto family = manifest::runtimeFamilyOf(parsed.root, function);
    const fs::path projectDir = fs::path(path).parent_path();
    const auto lookup = manifest::locateHandler(projectDir.string(), handler->scalar, family);
    edits.push_back({path, target->range, newName});
    if (lookup.definition) {
        const auto &d = *lookup.definition;
        edits.push_back({d.file,
                         {{d.line, d.column}, {d.line, d.column + static_cast<int>(target->name.size())}},
                         newName});
    }
    // Other functions whose handler names the same module function follow.
    for (const auto &entry : functions.entries) {
        if (entry.key.scalar == target->function || !entry.value.isMapping())
            continue;
        for (const char *key : {"handler", "httpHandler"}) {
            const YamlNode *other = entry.value.find(key);
            if (other && other->isScalar() && other->scalar == handler->scalar)
                if (const auto range = handlerNameRange(*other))
                    edits.push_back({path, *range, newName});
        }
    }
    return edits;
}

} // namespace nimbus::lsp
