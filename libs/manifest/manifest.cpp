#include "nimbus/manifest/manifest.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace nimbus::manifest {

const char *functionKindName(FunctionKind kind) {
    switch (kind) {
    case FunctionKind::Event:
        return "event";
    case FunctionKind::HttpFunction:
        return "http";
    case FunctionKind::HttpService:
        return "service";
    }
    return "event";
}

Dialect dialectOf(const YamlNode &root) {
    if (!root.isMapping())
        return Dialect::Aws;
    if (root.find("component"))
        return Dialect::ScfComponent;
    if (const YamlNode *provider = root.find("provider")) {
        const YamlNode *name = provider->find("name");
        return name && name->isScalar() && name->scalar == "tencent" ? Dialect::ScfPlugin
                                                                     : Dialect::Aws;
    }
    // scfcli's template: Resources of namespaces, and no service.
    if (root.find("Resources") && !root.find("service"))
        return Dialect::ScfTemplate;
    return Dialect::Aws;
}

bool isScf(Dialect dialect) {
    return dialect != Dialect::Aws;
}

const char *dialectName(Dialect dialect) {
    switch (dialect) {
    case Dialect::Aws:
        return "aws";
    case Dialect::ScfComponent:
        return "scf-component";
    case Dialect::ScfPlugin:
        return "scf-plugin";
    case Dialect::ScfTemplate:
        return "scf-template";
    }
    return "aws";
}

RuntimeFamily runtimeFamily(const std::string &runtime) {
    if (runtime.rfind("python", 0) == 0 || runtime.rfind("Python", 0) == 0)
        return RuntimeFamily::Python;
    if (runtime.rfind("nodejs", 0) == 0 || runtime.rfind("Nodejs", 0) == 0)
        return RuntimeFamily::Node;
    // SCF's custom runtime runs the code's scf_bootstrap, which speaks SCF's runtime API.
    if (runtime == "CustomRuntime")
        return RuntimeFamily::Custom;
    // go1.x runs the compiled handler, which speaks the Runtime API (aws-lambda-go does
    // when AWS_LAMBDA_RUNTIME_API is set), as provided* runs 'bootstrap'.
    if (runtime.rfind("provided", 0) == 0 || runtime == "go1.x")
        return RuntimeFamily::Custom;
    return RuntimeFamily::Unknown;
}

RuntimeFamily runtimeFamilyOf(const YamlNode &root, const YamlNode &function) {
    std::string runtime = Provider{}.runtime;
    if (const YamlNode *provider = root.find("provider"))
        if (const YamlNode *r = provider->find("runtime"); r && r->isScalar())
            runtime = r->scalar;
    if (const YamlNode *r = function.find("runtime"); r && r->isScalar())
        runtime = r->scalar;
    return runtimeFamily(runtime);
}

bool runsInSimulator(const Function &fn) {
    return fn.kind == FunctionKind::HttpService || fn.handler.value.empty() ||
           runtimeFamily(fn.runtime.value) != RuntimeFamily::Unknown;
}

const Function *Manifest::function(const std::string &name) const {
    for (const auto &f : functions) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

const Layer *Manifest::layer(const std::string &name) const {
    for (const auto &l : layers) {
        if (l.name == name)
            return &l;
    }
    return nullptr;
}

std::string layerLogicalId(const std::string &layer) {
    std::string id;
    for (char c : layer)
        id += c == '-'   ? std::string("Dash")
              : c == '_' ? std::string("Underscore")
                         : std::string(1, c);
    if (!id.empty())
        id[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(id[0])));
    return id + "LambdaLayer";
}

std::string Manifest::codeDirOf(const Function &fn) const {
    return fn.codeDir.empty() ? projectDir : fn.codeDir;
}

std::string Manifest::customBootstrapOf(const Function &fn) const {
    namespace fs = std::filesystem;
    const fs::path dir = codeDirOf(fn);
    if (!isScf(dialect))
        return (dir / "bootstrap").string();
    std::error_code ec;
    if (!fs::exists(dir / "bootstrap", ec) && fs::exists(dir / "scf_bootstrap", ec))
        return (dir / "scf_bootstrap").string();
    return (dir / "bootstrap").string();
}

int instanceConcurrencyOf(const Function &fn) {
    if (fn.kind != FunctionKind::HttpFunction)
        return 1;
    if (fn.concurrency)
        return std::max(1, *fn.concurrency);
    return runtimeFamily(fn.runtime.value) == RuntimeFamily::Node ? 80 : 1;
}

} // namespace nimbus::manifest
