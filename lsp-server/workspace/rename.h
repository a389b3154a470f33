#pragma once

#include "nimbus/manifest/diagnostic.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::lsp {

// What can be renamed from a manifest: a function (its key under `functions`), or the
// handler function a handler value names (its last part).
struct RenameTarget {
    enum class Kind { Function, Handler };
    Kind kind = Kind::Function;
    manifest::SourceRange range; // the name in the manifest
    std::string name;
    std::string function; // the manifest function it belongs to
};

struct TextEdit {
    std::string file;
    manifest::SourceRange range;
    std::string newText;
};

// The renameable name at a position of a manifest, if there is one.
std::optional<RenameTarget> renameTarget(std::string_view text, const std::string &path,
                                         manifest::SourcePosition at);

// The edits that rename what is at `at` to `newName`: a function's key, its
// ${self:functions.NAME...} references and its CloudFormation logical id (NAMELambdaFunction);
// a handler function's name in the manifest and its definition in the module (Python, Node).
// Empty with `error` when it cannot be renamed so (an invalid or taken name).
std::vector<TextEdit> renameEdits(std::string_view text, const std::string &path,
                                  manifest::SourcePosition at, const std::string &newName,
                                  std::string &error);

// The CloudFormation logical id the framework gives a function's resource: hello-world ->
// HelloDashworldLambdaFunction.
std::string functionLogicalId(const std::string &name);

} // namespace nimbus::lsp
