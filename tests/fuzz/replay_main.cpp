// Stand-alone driver for a libFuzzer entry point, for builds without -fsanitize=fuzzer
// (normal and -DMSC_SANITIZE=ON builds): runs LLVMFuzzerTestOneInput once per file named on the
// command line (directories are read recursively, sorted). Any crash, sanitizer report or
// abort() fails the process, so the CTest that runs it fails. Prints how many inputs ran.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path p(argv[i]);
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "replay: no inputs\n");
        return 2;
    }
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
            return 2;
        }
        // a heap copy of exactly the input size, so ASan sees reads past the end
        std::vector<uint8_t> exact(buf.begin(), buf.end());
        static const uint8_t empty_input = 0;   // libFuzzer never passes a null pointer
        LLVMFuzzerTestOneInput(exact.empty() ? &empty_input : exact.data(), exact.size());
    }
    std::printf("replay: %zu inputs ok\n", files.size());
    return 0;
}
