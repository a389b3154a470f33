#pragma once

#include "nimbus/net/httpserver.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace nimbus::fuzz {

// The parts of a request a signature covers, as the control plane takes them from what its
// server parsed (runtime-sim/control/controlplane.h, signedPartsOf; repeated here so these
// targets need not link the simulator).
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

inline std::string lowerCase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Whether the request has a header of that (lower-case) name.
template <typename Signed> bool hasHeader(const Signed &request, const std::string &name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto &header) { return lowerCase(header.first) == name; });
}

// The request without the headers a signer sets (case-insensitive names).
template <typename Signed>
void withoutHeaders(Signed &request, std::initializer_list<const char *> names) {
    std::erase_if(request.headers, [&](const auto &header) {
        const std::string lower = lowerCase(header.first);
        return std::find(names.begin(), names.end(), lower) != names.end();
    });
}

} // namespace nimbus::fuzz
