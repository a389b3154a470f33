#include "nimbus/net/base64.h"

#include <algorithm>
#include <openssl/evp.h>

namespace nimbus::net {

std::string base64Encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(data.data()),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(std::max(0, n)));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    std::string padded(text);
    padded.erase(
        std::remove_if(padded.begin(), padded.end(), [](char c) { return c == '\n' || c == '\r'; }),
        padded.end());
    if (padded.size() % 4 == 1)
        return std::nullopt;
    while (padded.size() % 4 != 0)
        padded.push_back('=');
    std::string out(3 * padded.size() / 4, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(padded.data()),
                                  static_cast<int>(padded.size()));
    if (n < 0)
        return std::nullopt;
    std::size_t size = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts the padding as output; take it back off.
    for (auto it = padded.rbegin(); it != padded.rend() && *it == '=' && size > 0; ++it)
        --size;
    out.resize(size);
    return out;
}

} // namespace nimbus::net
