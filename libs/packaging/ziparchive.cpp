#include "nimbus/packaging/ziparchive.h"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace nimbus::packaging {

namespace {

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;

// 1980-01-01T00:00:00Z, the earliest time a zip can hold: every entry gets it.
constexpr time_t kFixedTime = 315532800;

// The path split into its steps, or why it is not a safe path inside a package.
std::optional<std::vector<std::string>> safeSteps(const std::string &path, std::string &why) {
    if (path.empty()) {
        why = "an entry has no name";
        return std::nullopt;
    }
    if (path[0] == '/' || path[0] == '\\' ||
        (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':')) {
        why = "the entry '" + path + "' has an absolute path";
        return std::nullopt;
    }
    std::vector<std::string> steps;
    std::string step;
    auto flush = [&]() -> bool {
        if (step == "..") {
            why = "the entry '" + path + "' climbs out of the package with '..'";
            return false;
        }
        if (!step.empty() && step != ".")
            steps.push_back(step);
        step.clear();
        return true;
    };
    for (char c : path) {
        if (c == '/' || c == '\\') {
            if (!flush())
                return std::nullopt;
        } else if (c == '\0') {
            why = "an entry's name holds a NUL byte";
            return std::nullopt;
        } else {
            step += c;
        }
    }
    if (!flush())
        return std::nullopt;
    return steps;
}

std::string joined(const std::vector<std::string> &steps, std::size_t count);

// Where a link at `steps` (its own path) pointing at `target` leads, as steps from the
// package's root; nothing when it leads out, or when it passes through another link on
// the way (`through` names it then): the lexical path says nothing about where a link
// really goes. `route` gets every path the target passes through.
std::optional<std::vector<std::string>>
linkTarget(const std::vector<std::string> &steps, const std::string &target,
           const std::set<std::string> &links, std::string &through, std::set<std::string> &route) {
    if (target.empty() || target[0] == '/' || target[0] == '\\')
        return std::nullopt;
    std::vector<std::string> at(steps.begin(), steps.end() - (steps.empty() ? 0 : 1));
    std::string step;
    auto apply = [&]() -> bool {
        if (step == "..") {
            if (at.empty())
                return false;
            at.pop_back();
        } else if (!step.empty() && step != ".") {
            at.push_back(step);
            route.insert(joined(at, at.size()));
            if (links.count(joined(at, at.size()))) {
                through = joined(at, at.size());
                return false;
            }
        }
        step.clear();
        return true;
    };
    for (char c : target) {
        if (c == '/' || c == '\\') {
            if (!apply())
                return std::nullopt;
        } else {
            step += c;
        }
    }
    if (!apply())
        return std::nullopt;
    return at;
}

std::string joined(const std::vector<std::string> &steps, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count && i < steps.size(); ++i)
        out += (i ? "/" : "") + steps[i];
    return out;
}

// The link (if any) among `links` that a path goes through: one of its proper prefixes,
// or (with `whole`) the path itself.
std::optional<std::string> throughLink(const std::vector<std::string> &steps,
                                       const std::set<std::string> &links, bool whole) {
    const std::size_t last = whole ? steps.size() : steps.size() - (steps.empty() ? 0 : 1);
    for (std::size_t n = 1; n <= last; ++n) {
        const std::string prefix = joined(steps, n);
        if (links.count(prefix))
            return prefix;
    }
    return std::nullopt;
}

ReadArchive openZip(std::string_view zip, std::string &error) {
    ReadArchive a(archive_read_new(), archive_read_free);
    // The seekable reader goes by the central directory, as unzip and Lambda do; the
    // streaming one would take a truncated file's first entries as a whole package.
    archive_read_support_format_zip_seekable(a.get());
    if (archive_read_open_memory(a.get(), zip.data(), zip.size()) != ARCHIVE_OK) {
        error = std::string("Could not unzip uploaded file. Please check your file, then try to "
                            "upload again. (") +
                (archive_error_string(a.get()) ? archive_error_string(a.get()) : "not a zip") +
                ")";
        return ReadArchive(nullptr, archive_read_free);
    }
    return a;
}

// One pass over a zip's entries: checks each, and hands safe ones (with their data, read
// in pieces) to `visit`. Counting inflated bytes as they come is what stops a zip bomb.
struct Visitor {
    // A regular file or a directory (data empty) or a link (target set).
    std::function<bool(const std::vector<std::string> &steps, archive_entry *entry,
                       const std::string &linkTarget)>
        begin;
    std::function<bool(const char *data, std::size_t size)> data;
};

std::optional<ZipSummary> walk(std::string_view zip, const ZipLimits &limits, std::string &error,
                               const Visitor &visitor) {
    if (zip.size() < 22 || zip.substr(0, 2) != "PK") {
        error = "Could not unzip uploaded file. Please check your file, then try to upload "
                "again. (it is not a zip file)";
        return std::nullopt;
    }
    ReadArchive a = openZip(zip, error);
    if (!a)
        return std::nullopt;
    ZipSummary summary;
    // Links are checked against each other too: a chain of links that each stay inside
    // can lead outside together, and a file written through a link lands where it points.
    // So nothing may be reached through a link, and no link may point through one.
    std::set<std::string> links;
    std::set<std::string> paths; // every entry and the folders above it
    // Where the links' targets pass: a link that comes later may not stand there, or it
    // would change where they lead ("b" -> "d/.." is inside while "d" is a folder, and the
    // package's parent once a link "d" -> "." follows).
    std::set<std::string> routes;
    archive_entry *entry = nullptr;
    char buffer[65536];
    for (;;) {
        const int r = archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            error = std::string("Could not unzip uploaded file: ") +
                    (archive_error_string(a.get()) ? archive_error_string(a.get()) : "bad entry");
            return std::nullopt;
        }
        if (++summary.files > limits.maxEntries) {
            error = "the package holds more than " + std::to_string(limits.maxEntries) + " files";
            return std::nullopt;
        }
        const char *name = archive_entry_pathname(entry);
        std::string why;
        const auto steps = safeSteps(name ? name : "", why);
        if (!steps) {
            error = "Unsafe package: " + why;
            return std::nullopt;
        }
        if (auto link = throughLink(*steps, links, false)) {
            error = "Unsafe package: the entry '" + std::string(name) +
                    "' is reached through the link '" + *link + "'";
            return std::nullopt;
        }
        std::string target;
        if (const char *link = archive_entry_symlink(entry))
            target = link;
        else if (const char *hard = archive_entry_hardlink(entry))
            target = std::string("/") + hard; // resolved from the root below
        if (!target.empty()) {
            const bool hardLink = archive_entry_hardlink(entry) != nullptr;
            std::string through;
            const std::string self = joined(*steps, steps->size());
            if (routes.count(self)) {
                error = "Unsafe package: the link '" + std::string(name) +
                        "' stands where an earlier link's target passes";
                return std::nullopt;
            }
            const auto to = hardLink ? safeSteps(target.substr(1), why)
                                     : linkTarget(*steps, target, links, through, routes);
            if (!through.empty()) {
                error = "Unsafe package: the link '" + std::string(name) +
                        "' points through another link ('" + through + "')";
                return std::nullopt;
            }
            if (!to) {
                error = "Unsafe package: the link '" + std::string(name) + "' points outside the "
                        "package (to '" + (hardLink ? target.substr(1) : target) + "')";
                return std::nullopt;
            }
            if (auto link = throughLink(*to, links, true)) {
                error = "Unsafe package: the link '" + std::string(name) +
                        "' points through another link ('" + *link + "')";
                return std::nullopt;
            }
            if (paths.count(self)) {
                error = "Unsafe package: the link '" + std::string(name) +
                        "' stands where the package has a folder or file";
                return std::nullopt;
            }
            links.insert(self);
        }
        for (std::size_t n = 1; n <= steps->size(); ++n)
            paths.insert(joined(*steps, n));
        if (visitor.begin && !visitor.begin(*steps, entry, target)) {
            error = error.empty() ? "could not unpack '" + std::string(name) + "'" : error;
            return std::nullopt;
        }
        if (archive_entry_filetype(entry) != AE_IFREG || !target.empty())
            continue;
        for (;;) {
            const la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
            if (n == 0)
                break;
            if (n < 0) {
                error = std::string("Could not unzip uploaded file: '") + name + "': " +
                        (archive_error_string(a.get()) ? archive_error_string(a.get())
                                                       : "unreadable data");
                return std::nullopt;
            }
            summary.unzippedBytes += static_cast<std::uint64_t>(n);
            if (summary.unzippedBytes > limits.maxUnzippedBytes) {
                error = "Unzipped size must be smaller than " +
                        std::to_string(limits.maxUnzippedBytes) + " bytes";
                return std::nullopt;
            }
            if (visitor.data && !visitor.data(buffer, static_cast<std::size_t>(n))) {
                error = "could not write '" + std::string(name) + "'";
                return std::nullopt;
            }
        }
    }
    return summary;
}

} // namespace

bool writeZip(std::vector<ZipEntry> entries, std::string &zip, std::string &error) {
    std::sort(entries.begin(), entries.end(),
              [](const ZipEntry &a, const ZipEntry &b) { return a.path < b.path; });
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    archive_write_set_format_zip(a.get());
    archive_write_set_bytes_in_last_block(a.get(), 1); // no padding after the zip's end
    zip.clear();
    auto writer = [](archive *, void *client, const void *buffer, size_t length) -> la_ssize_t {
        static_cast<std::string *>(client)->append(static_cast<const char *>(buffer), length);
        return static_cast<la_ssize_t>(length);
    };
    if (archive_write_open(a.get(), &zip, nullptr, writer, nullptr) != ARCHIVE_OK) {
        error = archive_error_string(a.get());
        return false;
    }
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    for (const auto &e : entries) {
        archive_entry_clear(entry.get());
        archive_entry_set_pathname(entry.get(), e.path.c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), e.executable ? 0755 : 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
        archive_entry_set_mtime(entry.get(), kFixedTime, 0);
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK ||
            (!e.data.empty() &&
             archive_write_data(a.get(), e.data.data(), e.data.size()) !=
                 static_cast<la_ssize_t>(e.data.size()))) {
            error = "cannot add '" + e.path + "' to the zip: " + archive_error_string(a.get());
            return false;
        }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
        error = archive_error_string(a.get());
        return false;
    }
    return true;
}

std::optional<ZipSummary> inspectZip(std::string_view zip, const ZipLimits &limits,
                                     std::string &error) {
    return walk(zip, limits, error, {});
}

bool extractZip(std::string_view zip, const std::string &directory, const ZipLimits &limits,
                std::string &error, Extracted files) {
    std::error_code ec;
    std::random_device random;
    const fs::path final(directory);
    const fs::path staging =
        final.parent_path() / (".unpacking-" + final.filename().string() + "-" +
                               std::to_string(random()));
    fs::create_directories(staging, ec);
    if (ec) {
        error = "cannot create " + staging.string() + ": " + ec.message();
        return false;
    }
    std::ofstream out;
    Visitor visitor;
    visitor.begin = [&](const std::vector<std::string> &steps, archive_entry *entry,
                        const std::string &target) {
        if (out.is_open())
            out.close();
        fs::path path = staging;
        for (const auto &step : steps)
            path /= step;
        if (steps.empty())
            return true; // the root itself
        if (archive_entry_filetype(entry) == AE_IFDIR) {
            fs::create_directories(path, ec);
            return !ec;
        }
        fs::create_directories(path.parent_path(), ec);
        if (!target.empty()) {
            if (archive_entry_hardlink(entry)) {
                fs::path source = staging / target.substr(1);
                fs::copy_file(source, path, fs::copy_options::overwrite_existing, ec);
            } else {
                fs::create_symlink(target, path, ec);
            }
            return !ec;
        }
        out.open(path, std::ios::binary | std::ios::trunc);
        if (!out)
            return false;
        const mode_t mode = archive_entry_perm(entry);
        ::chmod(path.c_str(), (mode & 0111) ? 0755 : 0644);
        return true;
    };
    visitor.data = [&](const char *data, std::size_t size) {
        out.write(data, static_cast<std::streamsize>(size));
        return static_cast<bool>(out);
    };
    const auto summary = walk(zip, limits, error, visitor);
    if (out.is_open())
        out.close();
    if (!summary) {
        fs::remove_all(staging, ec);
        return false;
    }
    if (files == Extracted::ReadOnlyFiles) {
        // Folders stay writable, so that the tree can be removed with plain `rm -r`.
        for (auto it = fs::recursive_directory_iterator(staging, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code ignored;
            if (it->is_regular_file(ignored) && !it->is_symlink(ignored))
                fs::permissions(it->path(),
                                fs::perms::owner_write | fs::perms::group_write |
                                    fs::perms::others_write,
                                fs::perm_options::remove, ignored);
        }
        ec.clear();
    }
    fs::rename(staging, final, ec);
    if (ec) {
        fs::remove_all(staging, ec);
        if (fs::is_directory(final))
            return true; // another unpacking of the same package won the race
        error = "cannot move the package into place at " + final.string();
        return false;
    }
    return true;
}

std::optional<std::vector<ZipEntry>> readZip(std::string_view zip, std::string &error) {
    std::vector<ZipEntry> entries;
    Visitor visitor;
    visitor.begin = [&](const std::vector<std::string> &, archive_entry *entry,
                        const std::string &) {
        if (archive_entry_filetype(entry) == AE_IFREG)
            entries.push_back({archive_entry_pathname(entry), "",
                               (archive_entry_perm(entry) & 0111) != 0});
        return true;
    };
    visitor.data = [&](const char *data, std::size_t size) {
        entries.back().data.append(data, size);
        return true;
    };
    if (!walk(zip, ZipLimits{}, error, visitor))
        return std::nullopt;
    return entries;
}

} // namespace nimbus::packaging
