// Port lists as the user writes them: "22,80-90,exposure", "top100", "-" (all ports).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::scan {

// The named profiles. `exposure` holds the ports of the services in the exposure catalogue.
std::span<const uint16_t> exposure_ports();
std::span<const uint16_t> top100_ports();

// Parses a port list: comma-separated items, each a port (1-65535), a range (N-M, N-, -M),
// "-" for every port, or a profile name. Returns sorted unique ports. Errors name the bad item
// and its 1-based column.
Result<std::vector<uint16_t>> parse_ports(std::string_view text);

}  // namespace sl::scan
