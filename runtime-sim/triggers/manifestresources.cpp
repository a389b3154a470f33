#include "manifestresources.h"

#include <vector>

namespace nimbus::sim {

using json = nlohmann::json;

std::optional<json> cloudFormationResource(const manifest::Manifest &manifest,
                                           const std::string &logicalId, const std::string &type) {
    // resources is a document, or a list of them (one per file).
    const auto *resources = manifest.tree.find("resources");
    if (!resources)
        return std::nullopt;
    std::vector<const manifest::YamlNode *> documents{resources};
    for (const auto &item : resources->items)
        documents.push_back(&item);
    const manifest::YamlNode *resource = nullptr;
    for (const auto *document : documents) {
        const auto *all = document->isMapping() ? document->find("Resources") : nullptr;
        if (all && all->find(logicalId))
            resource = all->find(logicalId);
    }
    if (!resource || !resource->isMapping())
        return std::nullopt;
    const auto *t = resource->find("Type");
    if (!t || !t->isScalar() || t->scalar != type)
        return std::nullopt;
    const auto *properties = resource->find("Properties");
    json out = properties ? yamlToJson(*properties) : json::object();
    return out.is_object() ? out : json::object();
}

std::string referencedName(const manifest::Manifest &manifest, const json &reference,
                           const std::string &type, const char *nameProperty,
                           std::string *logicalId) {
    std::string id;
    if (reference.is_string()) {
        const std::string &text = reference.get_ref<const std::string &>();
        if (text.rfind("arn:", 0) != 0)
            return text;
        const auto cut = text.find_last_of(':');
        return text.substr(cut + 1);
    }
    if (reference.is_object() && reference.contains("Fn::GetAtt")) {
        const json &att = reference["Fn::GetAtt"];
        if (att.is_array() && !att.empty() && att[0].is_string())
            id = att[0].get<std::string>();
        else if (att.is_string())
            id = att.get<std::string>().substr(0, att.get<std::string>().find('.'));
    } else if (reference.is_object() && reference.contains("Ref") && reference["Ref"].is_string()) {
        id = reference["Ref"].get<std::string>();
    }
    if (id.empty())
        return {};
    const auto properties = cloudFormationResource(manifest, id, type);
    if (!properties)
        return {};
    if (logicalId)
        *logicalId = id;
    if (properties->contains(nameProperty) && (*properties)[nameProperty].is_string())
        return (*properties)[nameProperty].get<std::string>();
    return id;
}

} // namespace nimbus::sim
