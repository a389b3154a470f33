#include "nimbus/manifest/manifest.h"

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

RuntimeFamily runtimeFamily(const std::string &runtime) {
    if (runtime.rfind("python", 0) == 0)
        return RuntimeFamily::Python;
    if (runtime.rfind("nodejs", 0) == 0)
        return RuntimeFamily::Node;
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

} // namespace nimbus::manifest
