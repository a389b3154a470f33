#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/yamltree.h"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::manifest {

// What the variable sources read from.
struct VariableContext {
    std::map<std::string, std::string> options; // command-line options: stage, region, ...
    // Reads an environment variable; the default reads the process environment.
    std::function<std::optional<std::string>(const std::string &)> environment;
    // The project folder: ${file(...)} paths and the local override file
    // (.nimbus/variables.yml) are relative to it. Empty: neither is read.
    std::string projectDir;
    // For a deployment: no local values and no placeholders, and every value that does
    // not resolve is an error.
    bool forDeployment = false;
    // Bare ${NAME} variables a dialect defines (Serverless Components: ${name}, ${app},
    // ${stage}, ${org}); other bare names are left as they are.
    std::map<std::string, std::string> names;
};

// Resolves Serverless Framework variables in a manifest tree, with the framework's sources:
//   ${self:path.to.key}  ${env:NAME}  ${opt:stage}  ${sls:stage}  ${sls:instanceId}
//   ${file(./config.yml)}  ${file(./config.json):path.to.key}  ${param:NAME}  (params:)
//   ${aws:region}  ${aws:accountId}  ${strToBool(value)}
// with fallbacks (${env:X, 'default'}, ${opt:stage, self:provider.stage}) and nesting
// (${self:custom.${opt:stage}}). A value that is exactly one variable takes the type of
// what it refers to; a variable inside a longer string is spliced in as text.
//
// Defaults are the framework's: the stage is 'dev' and the region 'us-east-1' unless the
// manifest or the command line say otherwise, so ${opt:stage} and ${self:provider.stage}
// always resolve. Sources that live in the cloud (ssm, s3, cf, secretsmanager, construct,
// and params the manifest does not define) are read from .nimbus/variables.yml, whose keys
// are the variables as written, e.g. `ssm:/shop/db-url: postgres://localhost/shop`;
// without an entry they become a warning and a placeholder ("<ssm:/shop/db-url>").
//
// A variable that does not resolve is a warning and the text stays as it was (the loader
// makes it an error where a function cannot run without it).
class VariableResolver {
public:
    // The account id ${aws:accountId} and local ARNs use.
    static constexpr const char *kLocalAccountId = "000000000000";
    // The override file, relative to the project folder.
    static constexpr const char *kOverrideFile = ".nimbus/variables.yml";

    VariableResolver(std::string fileName, VariableContext context);

    // Resolves every variable in `root` in place; problems become diagnostics on the
    // exact ${...} token.
    void resolve(YamlNode &root);

    const std::vector<Diagnostic> &diagnostics() const { return m_diagnostics; }

    // The stage ${sls:stage} denotes: --stage, else provider.stage, else "dev".
    static std::string effectiveStage(const YamlNode &root, const VariableContext &context);
    // The region ${aws:region} denotes: --region, else provider.region, else "us-east-1".
    static std::string effectiveRegion(const YamlNode &root, const VariableContext &context);

private:
    struct Value {
        std::optional<YamlNode> node; // the whole-value result, if any
        std::string text;             // the textual result
    };
    struct Failure {
        Failure() = default;
        Failure(std::string why, int at)
            : message(std::move(why))
            , offset(at) {}

        std::string message;
        int offset = 0; // byte offset of the failing variable in the scalar text
        // What the variable stands for when no alternative resolves (a default or a
        // placeholder), and whether using it deserves a warning.
        std::optional<Value> standIn;
        bool quiet = false;
        bool reported = false; // its cause has a diagnostic already
    };

    void resolveNode(YamlNode &node, const std::string &path);
    bool resolveScalar(YamlNode &node, const std::string &path);
    std::optional<Value> evaluate(std::string_view expression, const YamlNode &site, int offset,
                                  Failure &failure);
    std::optional<Value> lookup(std::string_view reference, const YamlNode &site, int offset,
                                Failure &failure);
    std::optional<Value> lookupSource(const std::string &address, const YamlNode &site, int offset,
                                      Failure &failure);
    // The node at a dotted path of the manifest, resolving values on the way into them.
    YamlNode *findInManifest(std::string_view path, std::string &walked, std::string &missing);
    std::optional<Value> lookupSelf(std::string_view path, const YamlNode &site, Failure &failure,
                                    int offset);
    std::optional<Value> lookupFile(const std::string &file, const std::string &subPath,
                                    const YamlNode &site, Failure &failure, int offset);
    std::optional<Value> lookupParam(const std::string &name, const std::string &address,
                                     const YamlNode &site, Failure &failure, int offset);
    std::optional<Value> lookupOverride(const std::string &address, const YamlNode &site);
    Failure cloudFailure(const std::string &address, const std::string &why, const YamlNode &site,
                         int offset);
    bool withinBudget(const YamlNode &value, Failure &failure, int offset);
    void report(const YamlNode &site, const Failure &failure,
                const char *code = "unresolved-variable");
    void mergeRepeatedWarnings();

    std::string m_fileName;
    VariableContext m_context;
    YamlNode *m_root = nullptr;
    std::vector<std::string> m_resolving; // self paths and files being resolved (cycles)
    std::set<std::string> m_failed;       // paths whose value failed (and was reported)
    std::size_t m_copied = 0;             // nodes copied by variables so far
    std::map<std::string, std::optional<YamlNode>> m_files; // ${file(...)} contents by path
    std::optional<YamlNode> m_overrides;                    // .nimbus/variables.yml
    bool m_overridesRead = false;
    std::vector<Diagnostic> m_diagnostics;
};

} // namespace nimbus::manifest
