#include "cursorcontext.h"

#include <re2/re2.h>

namespace nimbus::lsp {

namespace {

struct LineShape {
    bool blank = true;
    int dash = -1;     // column of "- " when the line is a list item
    int keyIndent = 0; // column where the content (after any dash) starts
    std::string key;   // "key" when the content is "key:" or "key: value"
};

LineShape shapeOf(std::string_view line) {
    LineShape shape;
    std::size_t i = 0;
    while (i < line.size() && line[i] == ' ')
        ++i;
    if (i >= line.size() || line[i] == '#')
        return shape;
    shape.blank = false;
    if (line[i] == '-' && (i + 1 == line.size() || line[i + 1] == ' ')) {
        shape.dash = static_cast<int>(i);
        ++i;
        while (i < line.size() && line[i] == ' ')
            ++i;
    }
    shape.keyIndent = static_cast<int>(i);
    static const RE2 keyPattern(R"(^([A-Za-z0-9_$.\-]+|"[^"]*"|'[^']*')\s*:(?:\s|$))");
    const std::string_view rest = line.substr(i);
    std::string key;
    if (RE2::PartialMatch(re2::StringPiece(rest.data(), rest.size()), keyPattern, &key)) {
        shape.key = key;
        if (shape.key.size() >= 2 && (shape.key.front() == '"' || shape.key.front() == '\''))
            shape.key = shape.key.substr(1, shape.key.size() - 2);
    }
    return shape;
}

// The path of the mapping that holds keys at column `indent`, looking up from `line`.
std::vector<std::string> parentPath(const std::vector<std::string_view> &lines, int line,
                                    int indent) {
    std::vector<std::string> path;
    int needed = indent;
    for (int l = line - 1; l >= 0 && needed > 0; --l) {
        const LineShape s = shapeOf(lines[static_cast<std::size_t>(l)]);
        if (s.blank)
            continue;
        if (s.dash >= 0 && s.dash < needed && s.keyIndent >= needed) {
            // Inside this list item's mapping, beside its first key.
            path.insert(path.begin(), "0");
            needed = s.dash;
            continue;
        }
        if (s.keyIndent < needed && !s.key.empty()) {
            path.insert(path.begin(), s.key);
            if (s.dash >= 0) {
                path.insert(path.begin(), "0");
                needed = s.dash;
            } else {
                needed = s.keyIndent;
            }
        }
    }
    return path;
}

} // namespace

CursorContext cursorContext(const std::vector<std::string_view> &lines, int line, int byteColumn) {
    CursorContext ctx;
    if (line < 0 || line >= static_cast<int>(lines.size()))
        return ctx;
    const std::string_view text = lines[static_cast<std::size_t>(line)];
    const std::string prefix(
        text.substr(0, std::min<std::size_t>(static_cast<std::size_t>(byteColumn), text.size())));

    static const RE2 valuePattern(R"((\s*)(-\s+)?([A-Za-z0-9_$.\-]+)\s*:\s+(.*))");
    static const RE2 keyPattern(R"((\s*)(-\s+)?([A-Za-z0-9_$\-]*))");
    re2::StringPiece indent, dashPart, key, word;
    if (RE2::FullMatch(prefix, valuePattern, &indent, &dashPart, &key, &word)) {
        const int dash = dashPart.empty() ? -1 : static_cast<int>(indent.size());
        ctx.kind = CursorContext::Kind::Value;
        ctx.indent = static_cast<int>(indent.size() + dashPart.size());
        ctx.path = parentPath(lines, line, dash >= 0 ? dash : ctx.indent);
        if (dash >= 0)
            ctx.path.push_back("0");
        ctx.path.emplace_back(key);
        ctx.word = std::string(word);
        ctx.wordStartByte = static_cast<int>(word.data() - prefix.data());
    } else if (RE2::FullMatch(prefix, keyPattern, &indent, &dashPart, &word)) {
        const int dash = dashPart.empty() ? -1 : static_cast<int>(indent.size());
        ctx.kind = CursorContext::Kind::Key;
        ctx.indent = static_cast<int>(indent.size() + dashPart.size());
        ctx.path = parentPath(lines, line, dash >= 0 ? dash : ctx.indent);
        if (dash >= 0)
            ctx.path.push_back("0");
        ctx.word = std::string(word);
        ctx.wordStartByte = static_cast<int>(word.data() - prefix.data());
    }
    return ctx;
}

std::vector<std::string> siblingKeys(const std::vector<std::string_view> &lines, int line,
                                     int indent) {
    std::vector<std::string> keys;
    auto scan = [&](int from, int step) {
        for (int l = from; l >= 0 && l < static_cast<int>(lines.size()); l += step) {
            const LineShape s = shapeOf(lines[static_cast<std::size_t>(l)]);
            if (s.blank)
                continue;
            const int lineIndent = s.dash >= 0 ? s.dash : s.keyIndent;
            if (s.keyIndent == indent && s.dash < 0 && !s.key.empty())
                keys.push_back(s.key);
            else if (s.keyIndent == indent && s.dash >= 0 && !s.key.empty() && step < 0) {
                keys.push_back(s.key); // the first key of the list item we are in
                break;
            }
            if (lineIndent < indent)
                break;
        }
    };
    // A line that starts a list item ("- key") starts a new mapping: the lines above it
    // belong to other items.
    const bool startsItem = line >= 0 && line < static_cast<int>(lines.size()) &&
                            shapeOf(lines[static_cast<std::size_t>(line)]).dash >= 0;
    if (!startsItem)
        scan(line - 1, -1);
    scan(line + 1, 1);
    return keys;
}

} // namespace nimbus::lsp
