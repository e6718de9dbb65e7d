#include "scan/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

namespace sl::scan {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

TEST(RateLimiter, UnlimitedGrantsEverything) {
    RateLimiter r(0, 0);
    EXPECT_TRUE(r.unlimited());
    EXPECT_EQ(r.acquire(0, 1000), 1000u);
    EXPECT_EQ(r.wait_ns(0), 0);
}

TEST(RateLimiter, StartsWithOnlyTheBurst) {
    RateLimiter r(1000, 0, 5 * kMs);  // 1 token per ms, one token plus 5 ms of burst
    EXPECT_EQ(r.acquire(0, 100), 6u);
    EXPECT_EQ(r.acquire(0, 100), 0u);
    EXPECT_EQ(r.wait_ns(0), 1 * kMs);
    EXPECT_EQ(r.acquire(1 * kMs, 100), 1u);
}

TEST(RateLimiter, LongRunAverageEqualsTheRate) {
    for (double rate : {10.0, 333.0, 5000.0, 100000.0, 2e6}) {
        RateLimiter r(rate, 0);
        uint64_t granted = 0;
        for (int64_t t = 0; t <= 2 * kSec; t += 100'000)  // poll every 0.1 ms for 2 s
            granted += r.acquire(t, 1'000'000);
        double expected = rate * 2 + rate * kRateBurstNs / 1e9 + 1;
        EXPECT_NEAR(static_cast<double>(granted), expected, expected * 0.01 + 2) << rate;
    }
}

TEST(RateLimiter, IdleTimeDoesNotBankMoreThanTheBurst) {
    RateLimiter r(10000, 0, 5 * kMs);  // 10 tokens per ms
    EXPECT_EQ(r.acquire(0, 1000), 51u);
    EXPECT_EQ(r.acquire(10 * kSec, 100000), 51u);
}

TEST(RateLimiter, SmoothInEveryTenMillisecondWindow) {
    const double rate = 20000;
    RateLimiter r(rate, 0);
    std::deque<int64_t> starts;
    size_t worst = 0;
    for (int64_t t = 0; t < kSec; t += 50'000) {  // a greedy caller polling every 50 us
        uint32_t n = r.acquire(t, 64);
        for (uint32_t i = 0; i < n; ++i) starts.push_back(t);
        while (!starts.empty() && starts.front() <= t - 10 * kMs) starts.pop_front();
        worst = std::max(worst, starts.size());
    }
    // rate * (window + burst) + 2
    EXPECT_LE(worst, static_cast<size_t>(rate * (0.010 + kRateBurstNs / 1e9)) + 2);
    EXPECT_GE(worst, static_cast<size_t>(rate * 0.010));
}

TEST(RateLimiter, MillisecondLateWakeupsLoseNoRate) {
    for (double rate : {50.0, 333.0, 1000.0, 7000.0}) {
        RateLimiter r(rate, 0);
        uint64_t granted = r.acquire(0, 1'000'000);
        int64_t t = 0;
        while (t < 10 * kSec) {  // wake when told, but always 0.9 ms late
            t += r.wait_ns(t) + 900'000;
            granted += r.acquire(t, 1'000'000);
        }
        EXPECT_NEAR(static_cast<double>(granted), rate * 10, rate * 10 * 0.005 + 3) << rate;
    }
}

TEST(RateLimiter, FractionalIntervalsDoNotDrift) {
    RateLimiter r(3, 0, kSec);  // 333.33 ms per token, 1 s of burst
    uint64_t granted = 0;
    for (int64_t t = 0; t <= 100 * kSec; t += 10 * kMs) granted += r.acquire(t, 10);
    EXPECT_EQ(granted, 304u);  // four burst tokens plus 3 per second for 100 s
}

}  // namespace
}  // namespace sl::scan
