#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::packaging {

// Zip files, through libarchive: the one place that speaks its API.

// One file to put in a zip: its path inside the package and its bytes.
struct ZipEntry {
    std::string path;
    std::string data;
    bool executable = false;
};

// Writes a deployment zip. The result depends only on the entries: they are sorted by path
// and stamped with one fixed time and owner, so the same files give the same bytes (and the
// same CodeSha256, which is how a platform tells that code did not change).
bool writeZip(std::vector<ZipEntry> entries, std::string &zip, std::string &error);

// What an uploaded package must respect. Lambda's own limit is 250 MB unzipped.
struct ZipLimits {
    std::uint64_t maxUnzippedBytes = 262144000;
    std::size_t maxEntries = 100000;
};

// A package that passed inspection.
struct ZipSummary {
    std::size_t files = 0;
    std::uint64_t unzippedBytes = 0;
};

// Reads a whole uploaded zip without writing anything, and refuses what is unsafe or not a
// zip: absolute paths, '..' steps, links that point outside the package, and more data than
// the limit (counted while inflating, so a zip bomb is stopped, not trusted). The error is
// worded for the uploader.
std::optional<ZipSummary> inspectZip(std::string_view zip, const ZipLimits &limits,
                                     std::string &error);

// How extractZip leaves the files it wrote.
enum class Extracted { Writable, ReadOnlyFiles };

// Unpacks a zip that passed inspectZip into `directory` (which must not exist yet; it is
// made through a temporary sibling and a rename, so it is whole or absent). ReadOnlyFiles
// takes write permission off every file before the rename, so that a function cannot
// change the code of its published version (folders stay writable for caches and removal).
bool extractZip(std::string_view zip, const std::string &directory, const ZipLimits &limits,
                std::string &error, Extracted mode = Extracted::Writable);

// The entries of a zip (for tests and for `nimbus package` to report).
std::optional<std::vector<ZipEntry>> readZip(std::string_view zip, std::string &error);

} // namespace nimbus::packaging
