// Fuzzes the port-list parser. Invariants: accepted lists are sorted, unique, in 1..65535.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/port_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto ports = sl::scan::parse_ports(text);
    if (!ports.ok()) {
        if (ports.error().message.empty()) std::abort();
        return 0;
    }
    if (ports->empty()) std::abort();
    for (size_t i = 0; i < ports->size(); ++i) {
        if ((*ports)[i] == 0) std::abort();
        if (i > 0 && (*ports)[i - 1] >= (*ports)[i]) std::abort();
    }
    return 0;
}
