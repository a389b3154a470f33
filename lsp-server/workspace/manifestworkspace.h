#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/manifestloader.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

using manifest::SourcePosition;
using manifest::SourceRange;

// What the editor features return, in the engine's terms (byte columns); the server
// converts to the protocol.
struct CompletionItem {
    enum class Kind {
        Property = 10,
        Value = 12,
        Module = 9,
        Function = 3,
        Snippet = 15,
        Variable = 6
    };
    std::string label;
    Kind kind = Kind::Property;
    std::string detail;
    std::string documentation;
    std::string insertText;
    bool snippet = false;
    SourceRange replace; // the text the item replaces
};

struct HoverInfo {
    std::string markdown;
    SourceRange range;
};

struct FileLocation {
    std::string path;
    SourceRange range;
};

struct DocumentSymbol {
    std::string name;
    std::string detail;
    int kind = 0; // LSP SymbolKind
    SourceRange range;
    SourceRange selectionRange;
    std::vector<DocumentSymbol> children;
};

struct CodeLens {
    SourceRange range;
    std::string title;
    std::string command;
    nlohmann::json arguments;
};

// The language engine for manifests: works on a document's text and path, knows the
// schema and the project's files, and nothing of LSP.
class ManifestWorkspace {
public:
    // The document loaded as a check: its diagnostics (and the manifest they are about).
    // With `state` (kept between checks of one document), only what changed since is parsed
    // and validated again.
    manifest::LoadResult check(std::string_view text, const std::string &path,
                               manifest::IncrementalLoad *state = nullptr) const;
    std::vector<CompletionItem> complete(std::string_view text, const std::string &path,
                                         SourcePosition at) const;
    std::optional<HoverInfo> hover(std::string_view text, const std::string &path,
                                   SourcePosition at) const;
    std::optional<FileLocation> definition(std::string_view text, const std::string &path,
                                           SourcePosition at) const;
    // Manifest places whose handler names the function defined at `at` in a source file.
    // The identifier (letters, digits, '_' and '$') at a position, if there is one.
    std::optional<SourceRange> wordAt(std::string_view text, SourcePosition at) const;
    std::vector<FileLocation>
    references(const std::string &sourcePath, std::string_view sourceText, SourcePosition at,
               const std::map<std::string, std::string> &openManifests) const;
    std::vector<DocumentSymbol> symbols(std::string_view text, const std::string &path) const;
    std::vector<std::pair<int, int>> foldingRanges(std::string_view text,
                                                   const std::string &path) const;
    std::vector<CodeLens> codeLenses(std::string_view text, const std::string &path) const;

    // workspace/executeCommand
    // Each function: where it is defined, its kind, runtime, routes, its layers and where
    // its third-party packages stand ("dependencies": file, tool, state, message, folder).
    nlohmann::json listFunctions(const std::string &projectDir) const;
    // Where a function's third-party packages stand (null when it declares none).
    nlohmann::json dependencies(const std::string &projectDir, const std::string &function) const;
    nlohmann::json invoke(const std::string &projectDir, const std::string &function,
                          const nlohmann::json &event) const;
};

} // namespace nimbus::lsp
