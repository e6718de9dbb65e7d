// Time helpers: a monotonic clock in nanoseconds, RFC 3339 timestamps and UUIDv7 scan ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sl {

int64_t monotonic_ns();
// The CPU time this thread has used: what it spent, not how long it waited to run.
int64_t thread_cpu_ns();
int64_t unix_ms();
// RFC 3339 UTC with milliseconds, e.g. 2026-11-23T12:05:46.123Z.
std::string rfc3339_ms(int64_t unix_ms);
// The inverse, for dates read from records and rules: "2026-11-23", "2026-11-23T12:05:46Z",
// with optional fractional seconds. UTC only ("Z" or no zone). Seconds since the epoch.
std::optional<int64_t> parse_rfc3339(std::string_view text);
// A UUIDv7 string (RFC 9562): 48-bit unix milliseconds, then random bits.
std::string uuid_v7(int64_t unix_ms, uint64_t random_hi, uint64_t random_lo);
std::string new_scan_id();

}  // namespace sl
