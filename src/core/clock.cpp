#include "core/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <random>

namespace sl {

int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string rfc3339_ms(int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string uuid_v7(int64_t ms, uint64_t random_hi, uint64_t random_lo) {
    uint64_t hi = (static_cast<uint64_t>(ms) << 16) | 0x7000u | (random_hi & 0x0fffu);
    uint64_t lo = (random_lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                       hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

std::string new_scan_id() {
    std::random_device rd;
    uint64_t a = (uint64_t{rd()} << 32) | rd();
    uint64_t b = (uint64_t{rd()} << 32) | rd();
    return uuid_v7(unix_ms(), a, b);
}

}  // namespace sl
