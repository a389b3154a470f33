#include "nimbus/packaging/packager.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <openssl/evp.h>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::packaging {

namespace {

// {a,b} alternatives, expanded (the first group, then recursively the rest).
std::vector<std::string> expandBraces(std::string_view pattern) {
    const std::size_t open = pattern.find('{');
    if (open == std::string_view::npos)
        return {std::string(pattern)};
    int depth = 0;
    std::size_t close = std::string_view::npos;
    std::vector<std::size_t> commas;
    for (std::size_t i = open; i < pattern.size(); ++i) {
        if (pattern[i] == '{')
            ++depth;
        else if (pattern[i] == '}' && --depth == 0) {
            close = i;
            break;
        } else if (pattern[i] == ',' && depth == 1)
            commas.push_back(i);
    }
    if (close == std::string_view::npos)
        return {std::string(pattern)};
    std::vector<std::string> out;
    std::size_t start = open + 1;
    commas.push_back(close);
    for (std::size_t comma : commas) {
        const std::string expanded = std::string(pattern.substr(0, open)) +
                                     std::string(pattern.substr(start, comma - start)) +
                                     std::string(pattern.substr(close + 1));
        for (auto &e : expandBraces(expanded))
            out.push_back(std::move(e));
        start = comma + 1;
    }
    return out;
}

bool matchHere(std::string_view p, std::string_view s) {
    while (!p.empty()) {
        if (p.starts_with("**")) {
            std::size_t stars = 0;
            while (stars < p.size() && p[stars] == '*')
                ++stars;
            std::string_view rest = p.substr(stars);
            if (rest.empty())
                return true;
            if (rest.front() == '/') {
                rest.remove_prefix(1);
                // Zero or more whole directories.
                if (matchHere(rest, s))
                    return true;
                for (std::size_t i = 0; i < s.size(); ++i)
                    if (s[i] == '/' && matchHere(rest, s.substr(i + 1)))
                        return true;
                return false;
            }
            for (std::size_t i = 0; i <= s.size(); ++i)
                if (matchHere(rest, s.substr(i)))
                    return true;
            return false;
        }
        const char c = p.front();
        if (c == '*') {
            const std::string_view rest = p.substr(1);
            for (std::size_t i = 0; i <= s.size(); ++i) {
                if (matchHere(rest, s.substr(i)))
                    return true;
                if (i < s.size() && s[i] == '/')
                    break;
            }
            return false;
        }
        if (s.empty())
            return false;
        if (c == '?') {
            if (s.front() == '/')
                return false;
        } else if (c == '[') {
            const std::size_t close = p.find(']', 1);
            if (close == std::string_view::npos) {
                if (s.front() != '[')
                    return false;
            } else {
                std::string_view set = p.substr(1, close - 1);
                const bool negate = !set.empty() && (set.front() == '!' || set.front() == '^');
                if (negate)
                    set.remove_prefix(1);
                bool found = false;
                for (std::size_t i = 0; i < set.size(); ++i) {
                    if (i + 2 < set.size() && set[i + 1] == '-') {
                        found |= s.front() >= set[i] && s.front() <= set[i + 2];
                        i += 2;
                    } else {
                        found |= s.front() == set[i];
                    }
                }
                if (found == negate || s.front() == '/')
                    return false;
                p.remove_prefix(close + 1);
                s.remove_prefix(1);
                continue;
            }
        } else if (c != s.front()) {
            return false;
        }
        p.remove_prefix(1);
        s.remove_prefix(1);
    }
    return s.empty();
}

std::string digest(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char *>(out), length);
}

} // namespace

bool globMatch(std::string_view pattern, std::string_view path) {
    if (pattern.starts_with("./"))
        pattern.remove_prefix(2);
    for (const auto &alternative : expandBraces(pattern))
        if (matchHere(alternative, path))
            return true;
    return false;
}

PackageRules::PackageRules()
    : m_patterns{"!.git/**",        "!.gitignore",           "!.DS_Store",
                 "!npm-debug.log",  "!.npm/**",              "!yarn-*.log",
                 "!.serverless/**", "!.serverless_plugins/**", "!.nimbus/**",
                 "!serverless.yml", "!serverless.yaml",      "!**/__pycache__/**"} {}

void PackageRules::addPatterns(const std::vector<std::string> &patterns) {
    m_patterns.insert(m_patterns.end(), patterns.begin(), patterns.end());
}

bool PackageRules::includes(const std::string &path) const {
    bool included = true;
    for (const auto &pattern : m_patterns) {
        const bool exclude = !pattern.empty() && pattern[0] == '!';
        if (globMatch(std::string_view(pattern).substr(exclude ? 1 : 0), path))
            included = !exclude;
    }
    return included;
}

std::vector<std::string> PackageRules::select(const std::string &projectDir) const {
    std::vector<std::string> files;
    std::error_code ec;
    const fs::path root(projectDir);
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (it->is_directory(ec) && (name == ".git" || name == ".nimbus")) {
            it.disable_recursion_pending(); // never part of a package, and can be large
            continue;
        }
        if (!it->is_regular_file(ec))
            continue;
        const std::string relative = fs::relative(it->path(), root, ec).generic_string();
        if (includes(relative))
            files.push_back(relative);
    }
    std::sort(files.begin(), files.end());
    return files;
}

namespace {

bool readEntry(const fs::path &path, const std::string &name, std::vector<ZipEntry> &entries,
               std::string &error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path.string();
        return false;
    }
    std::ostringstream data;
    data << in.rdbuf();
    std::error_code ec;
    const auto perms = fs::status(path, ec).permissions();
    entries.push_back({name, data.str(), (perms & fs::perms::owner_exec) != fs::perms::none});
    return true;
}

// What an installation leaves that a package does not need: compiled byte-code, which the
// platform's interpreter writes for itself (__pycache__ folders are skipped whole), and the
// installer's record of the folder (runtime-sim's kInstalledRecordName).
bool leftOut(const fs::path &relative) {
    const std::string name = relative.filename().string();
    return name == ".nimbus-deps.json" || name.ends_with(".pyc");
}

} // namespace

bool buildPackage(const std::string &projectDir, const PackageRules &rules, Package &out,
                  std::string &error, const std::vector<DependencyTree> &dependencies) {
    out.files = rules.select(projectDir);
    out.unzippedBytes = 0;
    out.dependencies.clear();
    std::vector<ZipEntry> entries;
    for (const auto &file : out.files)
        if (!readEntry(fs::path(projectDir) / file, file, entries, error))
            return false;
    std::set<std::string> taken(out.files.begin(), out.files.end());
    std::map<std::string, std::size_t> sizes;
    for (const auto &tree : dependencies) {
        std::error_code ec;
        // npm links file: dependencies: their folders are followed.
        for (auto it = fs::recursive_directory_iterator(
                 tree.folder, fs::directory_options::follow_directory_symlink, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            // (Lexically: through a link, not to where it leads.)
            const fs::path relative = it->path().lexically_relative(tree.folder);
            if (it->is_directory(ec) &&
                (relative.filename() == "__pycache__" || relative.filename() == ".bin")) {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file(ec) || leftOut(relative))
                continue;
            const std::string name = tree.prefix + relative.generic_string();
            if (!taken.insert(name).second)
                continue; // the project's own file of that path wins
            if (!readEntry(it->path(), name, entries, error))
                return false;
            out.files.push_back(name);
            // By top-level name: "numpy", "numpy-1.26.4.dist-info" counted with it;
            // Node's "@scope/name" as one.
            auto part = relative.begin();
            std::string top = part->string();
            if (top.starts_with("@") && std::next(part) != relative.end())
                top += "/" + std::next(part)->string();
            if (const auto dash = top.find('-');
                dash != std::string::npos &&
                (top.ends_with(".dist-info") || top.ends_with(".egg-info")))
                top = top.substr(0, dash);
            sizes[top] += entries.back().data.size();
        }
        if (ec) {
            error = "cannot read the installed packages in " + tree.folder + ": " + ec.message();
            return false;
        }
    }
    for (const auto &entry : entries)
        out.unzippedBytes += entry.data.size();
    out.dependencies.assign(sizes.begin(), sizes.end());
    std::sort(out.dependencies.begin(), out.dependencies.end(),
              [](const auto &a, const auto &b) { return a.second > b.second; });
    if (!writeZip(std::move(entries), out.zip, error))
        return false;
    out.sha256Base64 = sha256Base64(out.zip);
    out.sha256Hex = sha256Hex(out.zip);
    return true;
}

namespace {
std::string megabytes(std::size_t bytes) {
    char text[32];
    if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / 1024);
    else
        std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1024 * 1024));
    return text;
}

std::string largest(const Package &package, std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < package.dependencies.size() && i < count; ++i)
        list += (i ? ", " : " ") + package.dependencies[i].first + " " +
                megabytes(package.dependencies[i].second);
    return list;
}
} // namespace

std::string lambdaSizeProblem(const Package &package) {
    constexpr std::size_t kZipped = 50u * 1024 * 1024;
    constexpr std::size_t kUnzipped = 250u * 1024 * 1024;
    std::string problem;
    if (package.zip.size() > kZipped)
        problem = "the package is " + megabytes(package.zip.size()) +
                  " zipped; Lambda takes at most 50 MB uploaded with the function";
    else if (package.unzippedBytes > kUnzipped)
        problem = "the package is " + megabytes(package.unzippedBytes) +
                  " unzipped; Lambda takes at most 250 MB";
    if (problem.empty())
        return problem;
    if (!package.dependencies.empty())
        problem += ". Its largest dependencies:" + largest(package, 5);
    return problem + ". Leave files out with package.patterns, move large dependencies to a "
                     "layer, or use a container image";
}

std::string packageSummary(const Package &package) {
    std::string summary = std::to_string(package.files.size()) +
                          (package.files.size() == 1 ? " file, " : " files, ") +
                          megabytes(package.zip.size()) + " zipped, " +
                          megabytes(package.unzippedBytes) + " unzipped";
    if (!package.dependencies.empty())
        summary += "; largest dependencies:" + largest(package, 3);
    return summary;
}

std::string sha256Base64(std::string_view data) {
    const std::string raw = digest(data);
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(raw.data()),
                                  static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string sha256Hex(std::string_view data) {
    static const char *hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : digest(data)) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

} // namespace nimbus::packaging
