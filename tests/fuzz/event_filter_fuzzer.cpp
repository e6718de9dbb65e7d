// Fuzzes the events query (`searchlight events QUERY`): any text is a filter or one error line
// that starts "events query:1:COLUMN:", never a crash or a hang.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "monitor/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto f = sl::monitor::parse_event_filter(text, 1'796'083'200'000);
    if (!f && (f.error().message.rfind("events query:1:", 0) != 0 ||
               f.error().message.find('\n') != std::string::npos))
        std::abort();
    return 0;
}
