// Fuzzes the importer's fast path against its slow path (store/line_prepare.h): for every line
// of the input, the fast path either declines it or gives exactly what the slow path gives.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/line_prepare.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    sl::store::LinePreparer fast;
    std::string input(reinterpret_cast<const char*>(data), size);
    size_t start = 0;
    while (start <= input.size()) {
        size_t end = input.find('\n', start);
        if (end == std::string::npos) end = input.size();
        std::string line = input.substr(start, end - start);
        if (auto what = sl::store::fast_path_disagreement(fast, line); !what.empty()) {
            std::fprintf(stderr, "fast and slow paths differ in %s on: %s\n", what.c_str(),
                         line.c_str());
            std::abort();
        }
        start = end + 1;
    }
    return 0;
}
