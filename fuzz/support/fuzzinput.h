#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace nimbus::fuzz {

// The fuzzer's bytes as text.
inline std::string_view asText(const std::uint8_t *data, std::size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}

// The bytes before the first `separator` and those after it (empty when there is none): how
// a target that takes two inputs (a request and a response, a document and its edit) reads
// them from one.
inline std::pair<std::string_view, std::string_view> splitAt(std::string_view input,
                                                             std::string_view separator) {
    const std::size_t at = input.find(separator);
    if (at == std::string_view::npos)
        return {input, {}};
    return {input.substr(0, at), input.substr(at + separator.size())};
}

} // namespace nimbus::fuzz
