#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/yamltree.h"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace nimbus::manifest {

// What the variable sources ${opt:...}, ${env:...} and ${sls:...} read from.
struct VariableContext {
    std::map<std::string, std::string> options; // command-line options: stage, region
    // Reads an environment variable; the default reads the process environment.
    std::function<std::optional<std::string>(const std::string &)> environment;
};

// Resolves Serverless Framework variables in a manifest tree:
//   ${self:path.to.key}  ${env:NAME}  ${opt:stage}  ${sls:stage}  ${sls:instanceId}
// with fallbacks (${env:X, 'default'}, ${env:X, ${self:custom.y}}) and nesting
// (${self:custom.${opt:stage}}). A value that is exactly one variable takes the type of
// what it refers to; a variable inside a longer string is spliced in as text.
class VariableResolver {
public:
    VariableResolver(std::string fileName, VariableContext context);

    // Resolves every variable in `root` in place; problems become diagnostics on the
    // exact ${...} token, and the unresolved text is left as it was.
    void resolve(YamlNode &root);

    const std::vector<Diagnostic> &diagnostics() const { return m_diagnostics; }

    // The stage ${sls:stage} denotes: --stage, else provider.stage, else "dev".
    static std::string effectiveStage(const YamlNode &root, const VariableContext &context);

private:
    struct Failure {
        std::string message;
        int offset = 0; // byte offset of the failing variable in the scalar text
    };
    struct Value {
        std::optional<YamlNode> node; // the whole-value result, if any
        std::string text;             // the textual result
    };

    void resolveNode(YamlNode &node, const std::string &path);
    bool resolveScalar(YamlNode &node, const std::string &path);
    std::optional<Value> evaluate(std::string_view expression, const YamlNode &site, int offset,
                                  Failure &failure);
    std::optional<Value> lookup(std::string_view reference, const YamlNode &site, int offset,
                                Failure &failure);
    std::optional<Value> lookupSelf(std::string_view path, Failure &failure, int offset);
    void report(const YamlNode &site, const Failure &failure);

    std::string m_fileName;
    VariableContext m_context;
    YamlNode *m_root = nullptr;
    std::vector<std::string> m_resolving; // self paths being resolved, to catch cycles
    std::vector<Diagnostic> m_diagnostics;
};

} // namespace nimbus::manifest
