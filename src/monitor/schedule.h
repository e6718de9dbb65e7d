// When a scope is scanned: every fixed interval (`every: 15m`), or on a cron expression
// (`schedule: "*/15 * * * *"`: minute, hour, day of month, month, day of week, in UTC; `*`,
// lists, ranges and steps, and @hourly, @daily, @weekly). Pure: no clock is read here.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::monitor {

struct CronSpec {
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> days;                     // 1..31
    std::bitset<13> months;                   // 1..12
    std::bitset<7> weekdays;                  // 0 = Sunday
    bool any_day = true, any_weekday = true;  // cron's rule: both restricted means either
};

struct Schedule {
    int64_t every_ms = 0;  // > 0: a fixed interval
    CronSpec cron;         // used when every_ms == 0
    std::string text;      // as written, for status lines
    // The first start strictly after `after_ms` (Unix ms). For an interval: after + every.
    int64_t next_after(int64_t after_ms) const;
    // The longest gap between two starts (for the overdue check): the interval, or for cron
    // an upper bound found by walking a year of starts.
    int64_t longest_gap_ms() const;
};

// A cron expression; the error names the field and what is wrong.
Result<CronSpec> parse_cron(std::string_view text);

}  // namespace sl::monitor
