#pragma once

// The SCF dialects' loader: Tencent Cloud's three manifest formats (Serverless Components'
// component: scf, serverless-tencent-scf's provider: tencent, scfcli's template.yaml) read
// into the one model every other part of Nimbus uses.

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/manifest.h"
#include "nimbus/manifest/manifestloader.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::manifest {

// Fills `manifest` (its tree resolved and validated, its dialect set) from an SCF format,
// with SCF's defaults; problems only the model sees become diagnostics.
void buildScfModel(Manifest &manifest, const LoadOptions &options,
                   std::vector<Diagnostic> &diagnostics);

// The bare ${NAME} variables of a Serverless Components instance: name, app, stage, org.
std::map<std::string, std::string> componentVariables(const YamlNode &root,
                                                      const LoadOptions &options);

// The function whose code a validation path of an SCF format names ("inputs.handler",
// "Resources.default.hello.Properties.Handler"), if any: a problem there keeps that
// function from running.
std::optional<std::string> scfCodeOwner(Dialect dialect, const YamlNode &root,
                                        const std::string &where);

} // namespace nimbus::manifest
