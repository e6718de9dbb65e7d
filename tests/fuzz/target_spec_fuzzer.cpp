// Fuzzes the target parser: one token per input. Invariants: no crash, and every accepted
// interval is well formed (first <= last; IPv6 targets within the enumerable limit).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/target_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view token(reinterpret_cast<const char*>(data), size);
    auto spec = sl::scan::parse_target(token);
    if (spec.ok() && spec->interval) {
        const auto& i = *spec->interval;
        if (i.first > i.last) std::abort();
        if (i.family == sl::Family::kV4 && i.last > 0xffffffffu) std::abort();
        if (i.family == sl::Family::kV6 && ((i.last - i.first) >> sl::scan::kMaxIpv6TargetBits))
            std::abort();
    }
    if (spec.ok() && !spec->interval && spec->hostname.empty()) std::abort();
    return 0;
}
