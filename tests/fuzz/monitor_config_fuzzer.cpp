// Fuzzes the monitor's configuration loader: any text is either a configuration or lines of the
// form "name:line:col: what", never a crash, a hang or unbounded memory; a loaded configuration's
// schedules answer.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "monitor/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto c = sl::monitor::parse_config(text, "f.yaml");
    if (!c) {
        const std::string& m = c.error().message;
        size_t start = 0;
        while (start < m.size()) {
            if (m.compare(start, 7, "f.yaml:") != 0) std::abort();
            size_t nl = m.find('\n', start);
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
        return 0;
    }
    for (const auto& s : c->scopes) {
        if (s.schedule.next_after(1'796'083'200'000) <= 1'796'083'200'000) std::abort();
        (void)s.schedule.longest_gap_ms();
    }
    return 0;
}
