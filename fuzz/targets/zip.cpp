// Uploaded packages as the control plane takes them (CreateFunction, UpdateFunctionCode,
// PublishLayerVersion): inspectZip's safety checks (absolute paths, '..', links out of the
// package, zip bombs, limits), readZip, and extractZip of what passed inspection, which must
// write nothing outside its folder and leave no link there that leads out of it.
#include "fuzzinput.h"
#include "nimbus/packaging/ziparchive.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace nimbus::packaging;

namespace {

// Small limits, so that a bomb is stopped within the time an input may take.
ZipLimits limits() {
    ZipLimits l;
    l.maxUnzippedBytes = 8 * 1024 * 1024;
    l.maxEntries = 2000;
    return l;
}

// A private folder per process, in which each input is unpacked into `package`; removed at
// exit.
struct Scratch {
    fs::path dir;
    Scratch() {
        std::string pattern = (fs::temp_directory_path() / "nimbus-fuzz-zip-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        dir = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

const fs::path &scratch() {
    static const Scratch folder;
    return folder.dir;
}

[[noreturn]] void fail(const std::string &what) {
    std::fprintf(stderr, "extractZip: %s\n", what.c_str());
    std::abort();
}

// Nothing beside the package in the scratch folder, and every link in the package resolves
// inside it.
void checkContained(const fs::path &package) {
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(scratch(), ec))
        if (entry.path() != package)
            fail("wrote " + entry.path().string() + " outside the package");
    const fs::path root = fs::canonical(package, ec);
    if (ec)
        return; // not unpacked (refused while writing)
    for (auto it = fs::recursive_directory_iterator(package, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code linkError;
        if (!it->is_symlink(linkError))
            continue;
        const fs::path resolved = fs::weakly_canonical(it->path(), linkError);
        if (linkError)
            continue; // a loop, or one that cannot be followed: it leads nowhere
        const std::string inside = root.string() + "/";
        if (resolved != root && resolved.string().rfind(inside, 0) != 0)
            fail("the link " + it->path().string() + " leads out of the package, to " +
                 resolved.string());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view zip = nimbus::fuzz::asText(data, size);
    std::string error;
    (void)readZip(zip, error);
    if (!inspectZip(zip, limits(), error))
        return 0;
    const fs::path package = scratch() / "package";
    std::error_code ec;
    fs::remove_all(package, ec);
    (void)extractZip(zip, package.string(), limits(), error, Extracted::ReadOnlyFiles);
    checkContained(package);
    fs::remove_all(package, ec);
    return 0;
}
