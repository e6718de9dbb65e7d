// Fuzzes the latest record's fast merge against nlohmann's merge_patch() (store/record_merge.h):
// the input's first line is a stored record, the rest its sighting's volatile patch (none when
// there is no newline). The fast path either declines or gives the same JSON as the slow path.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "store/record_merge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    std::string input(reinterpret_cast<const char*>(data), size);
    size_t newline = input.find('\n');
    std::string record = input.substr(0, newline);
    std::optional<std::string> patch;
    if (newline != std::string::npos) patch = input.substr(newline + 1);
    sl::store::RecordMerger merger;
    if (auto what = sl::store::record_merge_disagreement(merger, record, patch); !what.empty()) {
        std::fprintf(stderr, "fast and slow merges differ in %s\n", what.c_str());
        std::abort();
    }
    (void)merger.merged(record, patch);
    return 0;
}
