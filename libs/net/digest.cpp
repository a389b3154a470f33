#include "nimbus/net/digest.h"

#include <openssl/evp.h>

namespace nimbus::net {

std::string md5(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr);
    return std::string(reinterpret_cast<const char *>(digest), size);
}

std::string md5Hex(std::string_view data) {
    return toHex(md5(data));
}

std::string toHex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

} // namespace nimbus::net
