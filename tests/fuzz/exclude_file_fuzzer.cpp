// Fuzzes the exclude-file parser: the input is a whole file, split into lines and tokens as
// read_list_file does, and each token goes through parse_exclude. The resulting set must be
// normalised (sorted, disjoint) and subtracting it from itself must leave nothing.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "scan/scope.h"
#include "scan/target_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<sl::IpInterval> intervals;
    size_t line_number = 1;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (line.size() <= sl::scan::kMaxListLineBytes) {
            sl::scan::split_list_line(line, line_number, [&](const sl::scan::ListToken& t) {
                if (t.line != line_number || t.column == 0 || t.text.empty()) std::abort();
                auto i = sl::scan::parse_exclude(t.text);
                if (i.ok()) intervals.push_back(*i);
            });
        }
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
        ++line_number;
    }
    sl::scan::AddressSet set(intervals);
    const auto& iv = set.intervals();
    for (size_t k = 1; k < iv.size(); ++k) {
        if (iv[k - 1].family == iv[k].family && iv[k - 1].last >= iv[k].first) std::abort();
    }
    sl::scan::AddressSet copy = set;
    copy.subtract(set);
    if (!copy.empty()) std::abort();
    for (const auto& i : intervals)
        if (!set.contains(sl::IpAddr{i.family, i.first}) ||
            !set.contains(sl::IpAddr{i.family, i.last}))
            std::abort();
    return 0;
}
