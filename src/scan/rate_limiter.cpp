#include "scan/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace sl::scan {

RateLimiter::RateLimiter(double rate, int64_t origin_ns, int64_t burst_ns) : origin_ns_(origin_ns) {
    if (rate <= 0) {
        interval_ns_ = 0;
        burst_ = 0;
        return;
    }
    interval_ns_ = std::max<int64_t>(1, std::llround(1e9 * kScale / rate));
    burst_ = interval_ns_ + burst_ns * kScale;  // one token, plus `burst_ns` of lateness
}

uint32_t RateLimiter::acquire(int64_t now_ns, uint32_t want) {
    if (want == 0) return 0;
    if (interval_ns_ == 0) return want;
    int64_t now = (now_ns - origin_ns_) * kScale;
    int64_t tat = tat_.load(std::memory_order_relaxed);
    while (true) {
        int64_t base = std::max(tat, now);
        int64_t room = now + burst_ - base;
        if (room < interval_ns_) return 0;
        int64_t granted = std::min<int64_t>(want, room / interval_ns_);
        if (tat_.compare_exchange_weak(tat, base + granted * interval_ns_,
                                       std::memory_order_relaxed))
            return static_cast<uint32_t>(granted);
    }
}

int64_t RateLimiter::wait_ns(int64_t now_ns) const {
    if (interval_ns_ == 0) return 0;
    int64_t now = (now_ns - origin_ns_) * kScale;
    int64_t base = std::max(tat_.load(std::memory_order_relaxed), now);
    int64_t missing = base + interval_ns_ - (now + burst_);
    return missing <= 0 ? 0 : (missing + kScale - 1) / kScale;
}

}  // namespace sl::scan
