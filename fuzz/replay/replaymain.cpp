// Runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs, without libFuzzer: the
// ordinary (GCC) build replays the corpus and the regressions as a CTest test, so an input
// that once crashed a target keeps being checked where clang is not installed.
//   fuzz-replay-NAME PATH...   each PATH a file or a folder of files (not recursive)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

bool runFile(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return false;
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // A copy of exactly the input's size, so that a read past its end is one in any tool.
    const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    return true;
}

} // namespace

int main(int argc, char **argv) {
    std::size_t ran = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path path = argv[i];
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> files;
            for (const auto &entry : fs::directory_iterator(path, ec))
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            std::sort(files.begin(), files.end());
            for (const auto &file : files) {
                if (!runFile(file))
                    return 1;
                ++ran;
            }
        } else if (fs::exists(path, ec)) {
            if (!runFile(path))
                return 1;
            ++ran;
        } else {
            // A target with no regressions yet has no folder for them (git keeps no empty
            // folders).
            std::printf("%s: none\n", path.c_str());
        }
    }
    std::printf("replayed %zu inputs\n", ran);
    return ran > 0 ? 0 : 1;
}
