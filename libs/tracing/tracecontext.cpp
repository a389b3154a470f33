#include "nimbus/tracing/tracecontext.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

namespace nimbus::tracing {

namespace {

bool isHex(std::string_view text, std::size_t length) {
    if (text.size() != length)
        return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

bool allZero(std::string_view text) {
    return text.find_first_not_of('0') == std::string_view::npos;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string randomHex(std::size_t digits) {
    static std::mutex mutex;
    static std::mt19937_64 generator{std::random_device{}()};
    std::lock_guard lock(mutex);
    std::string out;
    while (out.size() < digits) {
        char chunk[17];
        std::snprintf(chunk, sizeof chunk, "%016llx", static_cast<unsigned long long>(generator()));
        out += chunk;
    }
    out.resize(digits);
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

} // namespace

std::optional<TraceContext> parseTraceparent(std::string_view header) {
    header = trim(header);
    // version 00 is exactly 55 characters; later versions may add fields after a dash.
    if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-')
        return std::nullopt;
    const std::string version = lower(header.substr(0, 2));
    if (!isHex(version, 2) || version == "ff" || (version == "00" && header.size() != 55) ||
        (header.size() > 55 && header[55] != '-'))
        return std::nullopt;
    const std::string traceId = lower(header.substr(3, 32));
    const std::string parentId = lower(header.substr(36, 16));
    const std::string flags = lower(header.substr(53, 2));
    if (!isHex(traceId, 32) || allZero(traceId) || !isHex(parentId, 16) || allZero(parentId) ||
        !isHex(flags, 2))
        return std::nullopt;
    const int flagBits = std::stoi(flags, nullptr, 16);
    return TraceContext{traceId, parentId, (flagBits & 1) != 0};
}

std::optional<TraceContext> parseAmznTraceId(std::string_view header) {
    std::optional<TraceContext> context;
    std::string parent;
    bool sampled = true;
    while (!header.empty()) {
        const std::size_t semicolon = header.find(';');
        const std::string_view field = trim(header.substr(0, semicolon));
        header =
            semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
        const std::size_t equals = field.find('=');
        if (equals == std::string_view::npos)
            continue;
        const std::string_view key = field.substr(0, equals), value = field.substr(equals + 1);
        if (key == "Root") {
            // 1-<8 hex: epoch seconds>-<24 hex>
            if (value.size() != 35 || value.substr(0, 2) != "1-" || value[10] != '-')
                return std::nullopt;
            const std::string id = lower(value.substr(2, 8)) + lower(value.substr(11, 24));
            if (!isHex(id, 32) || allZero(id))
                return std::nullopt;
            context = TraceContext{id, "", true};
        } else if (key == "Parent") {
            const std::string p = lower(value);
            if (isHex(p, 16) && !allZero(p))
                parent = p;
        } else if (key == "Sampled") {
            sampled = value != "0";
        }
    }
    if (context) {
        context->parentId = parent;
        context->sampled = sampled;
    }
    return context;
}

TraceContext startTrace() {
    char seconds[9];
    std::snprintf(
        seconds, sizeof seconds, "%08llx",
        static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count() &
                                        0xffffffffULL));
    return TraceContext{std::string(seconds) + randomHex(24), "", true};
}

std::string newSpanId() {
    std::string id = randomHex(16);
    return allZero(id) ? newSpanId() : id;
}

TraceContext continueTrace(std::string_view traceparent, std::string_view amznTraceId) {
    if (auto context = parseTraceparent(traceparent))
        return *context;
    if (auto context = parseAmznTraceId(amznTraceId))
        return *context;
    return startTrace();
}

std::string formatTraceparent(const TraceContext &context, const std::string &spanId) {
    return "00-" + context.traceId + "-" + spanId + (context.sampled ? "-01" : "-00");
}

std::string formatAmznTraceId(const TraceContext &context, const std::string &spanId) {
    return "Root=1-" + context.traceId.substr(0, 8) + "-" + context.traceId.substr(8) +
           ";Parent=" + spanId + ";Sampled=" + (context.sampled ? "1" : "0");
}

} // namespace nimbus::tracing
