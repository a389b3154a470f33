#include "nimbus/net/textformat.h"

#include <cstdio>
#include <ctime>

namespace nimbus::net {

namespace {

std::string formatTime(long long ms, const char *format) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[64];
    std::strftime(text, sizeof text, format, &tm);
    return text;
}

} // namespace

std::string xmlEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\r': out += "&#13;"; break;
        default: out.push_back(c);
        }
    }
    return out;
}

std::string isoMillis(long long ms) {
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03lldZ", ms % 1000);
    return formatTime(ms, "%Y-%m-%dT%H:%M:%S") + millis;
}

std::string httpDate(long long ms) {
    return formatTime(ms, "%a, %d %b %Y %H:%M:%S GMT");
}

} // namespace nimbus::net
