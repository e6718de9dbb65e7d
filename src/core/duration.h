// Durations as users write them on the command line: "300ms", "5s", "2m", "1.5" (seconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.h"

namespace sl {

// Returns nanoseconds; accepts 1 ms to 1 hour.
Result<int64_t> parse_duration(std::string_view text);

// A span as queries and `diff --since` write it: digits and one unit, s, m, h, d or w
// ("90s", "24h", "7d"), at most max_count units and 12 characters. Milliseconds.
std::optional<int64_t> parse_span_ms(std::string_view text, int64_t max_count);

}  // namespace sl
