// Durations as users write them on the command line: "300ms", "5s", "2m", "1.5" (seconds).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace sl {

// Returns nanoseconds; accepts 1 ms to 1 hour.
Result<int64_t> parse_duration(std::string_view text);

}  // namespace sl
