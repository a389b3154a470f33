#pragma once

#include "nimbus/net/httpserver.h"

#include <string>

namespace nimbus::sim {

// The parts of a request its signature covers, in a sigv4::Request or a tc3::Request (the
// two verifiers take the same shape), as the control plane's server parsed it. (A header of
// its own: the fuzz targets check signatures exactly as the control plane reads requests,
// without linking the simulator.)
template <typename Signed> Signed signedPartsOf(const net::Request &request) {
    Signed out;
    out.method = std::string(request.method_string());
    const std::string target(request.target());
    const auto question = target.find('?');
    out.path = target.substr(0, question);
    out.query = question == std::string::npos ? "" : target.substr(question + 1);
    for (const auto &field : request)
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = request.body();
    return out;
}

} // namespace nimbus::sim
