#pragma once

#include "nimbus/manifest/manifest.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nimbus::sim {

using manifest::yamlToJson;

// A resource the manifest defines under resources.Resources, when its Type is `type`
// (AWS::SQS::Queue): its Properties as JSON (an empty object when it has none).
std::optional<nlohmann::json> cloudFormationResource(const manifest::Manifest &manifest,
                                                     const std::string &logicalId,
                                                     const std::string &type);

// The name an event's reference to a queue or bucket designates: an ARN's last part, a
// plain name, or a resource of the manifest's through Fn::GetAtt [Id, Arn] / Ref: Id (its
// QueueName / BucketName, else its logical id). Empty when it cannot be known locally
// (an import from another stack, say). `logicalId` is set for a manifest resource.
std::string referencedName(const manifest::Manifest &manifest, const nlohmann::json &reference,
                           const std::string &type, const char *nameProperty,
                           std::string *logicalId = nullptr);

} // namespace nimbus::sim
