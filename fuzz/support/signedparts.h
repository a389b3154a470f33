#pragma once

#include "control/signedparts.h"
#include "nimbus/net/httpserver.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace nimbus::fuzz {

// The parts a signature covers, exactly as the control plane takes them.
using sim::signedPartsOf;

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
