// A global, smooth rate limit for new connections, shared by all worker threads.
// It is a token bucket in GCRA form: one atomic "theoretical arrival time" (tat). Each grant of
// n tokens pushes tat forward by n intervals; grants are refused while tat would run more than
// one interval plus `burst` ahead of now. So at most rate * (window + burst) + 2 connections
// start in any window, and idle time never banks more than that burst. The burst is also the
// lateness a caller may have (epoll wakes at millisecond granularity) without losing rate.
#pragma once

#include <atomic>
#include <cstdint>

namespace sl::scan {

// Default burst: 2 ms worth of tokens beyond one, so the limiter stays smooth at 10 ms.
inline constexpr int64_t kRateBurstNs = 2'000'000;

class RateLimiter {
  public:
    // rate: tokens per second; 0 means unlimited. Times passed later are monotonic ns, and
    // must not be before origin_ns (the limiter works in fixed point relative to it).
    RateLimiter(double rate, int64_t origin_ns, int64_t burst_ns = kRateBurstNs);

    // Grants up to `want` tokens at time now_ns (monotonic); returns how many were granted.
    uint32_t acquire(int64_t now_ns, uint32_t want);
    // Nanoseconds from now until one token is available (0 if one is available now).
    int64_t wait_ns(int64_t now_ns) const;
    bool unlimited() const { return interval_ns_ == 0; }
    double interval_ns() const { return static_cast<double>(interval_ns_) / kScale; }

  private:
    static constexpr int64_t kScale = 1024;  // fixed-point: interval in 1/1024 ns
    int64_t origin_ns_;
    int64_t interval_ns_;                  // scaled
    int64_t burst_;                        // scaled
    std::atomic<int64_t> tat_{INT64_MIN};  // scaled
};

}  // namespace sl::scan
