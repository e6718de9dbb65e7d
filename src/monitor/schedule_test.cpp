#include "monitor/schedule.h"

#include <gtest/gtest.h>

namespace sl::monitor {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kDay = 86'400'000;
// 2026-12-01T00:00:00Z, a Tuesday
constexpr int64_t kDec1 = 1'796'083'200'000;

Schedule cron(const char* text) {
    auto c = parse_cron(text);
    EXPECT_TRUE(c.ok()) << text << ": " << (c ? "" : c.error().message);
    Schedule s;
    if (c) s.cron = *c;
    return s;
}

TEST(Schedule, AnIntervalStartsOneIntervalLater) {
    Schedule s;
    s.every_ms = 5000;
    EXPECT_EQ(s.next_after(1000), 6000);
    EXPECT_EQ(s.longest_gap_ms(), 5000);
}

TEST(Schedule, CronStepsAndRanges) {
    EXPECT_EQ(cron("*/15 * * * *").next_after(kDec1), kDec1 + 15 * kMin);
    EXPECT_EQ(cron("*/15 * * * *").next_after(kDec1 + 14 * kMin + 59'999), kDec1 + 15 * kMin);
    EXPECT_EQ(cron("30 2 * * *").next_after(kDec1), kDec1 + 150 * kMin);
    EXPECT_EQ(cron("0 9-17/4 * * *").next_after(kDec1), kDec1 + 9 * 60 * kMin);
    EXPECT_EQ(cron("@daily").next_after(kDec1), kDec1 + kDay);
    EXPECT_EQ(cron("*/15 * * * *").longest_gap_ms(), 15 * kMin);
    EXPECT_EQ(cron("0 0 * * *").longest_gap_ms(), kDay);
}

TEST(Schedule, CronDaysAndWeekdays) {
    // the 1st is a Tuesday: next Sunday is the 6th; "7" is Sunday too
    EXPECT_EQ(cron("0 0 * * 0").next_after(kDec1), kDec1 + 5 * kDay);
    EXPECT_EQ(cron("0 0 * * 7").next_after(kDec1), kDec1 + 5 * kDay);
    // day of month and weekday both restricted: either matches (the 3rd, or a Sunday)
    EXPECT_EQ(cron("0 0 3 * 0").next_after(kDec1), kDec1 + 2 * kDay);
    // January the 1st, 2027
    EXPECT_EQ(cron("0 0 1 1 *").next_after(kDec1), kDec1 + 31 * kDay);
    // never: the 30th of February
    EXPECT_EQ(cron("0 0 30 2 *").next_after(kDec1), INT64_MAX);
}

TEST(Schedule, BadCronSaysWhichField) {
    for (auto [text, want] : std::initializer_list<std::pair<const char*, const char*>>{
             {"* * * *", "5 fields"},
             {"60 * * * *", "minute: 60 is outside 0-59"},
             {"* 24 * * *", "hour"},
             {"* * 0 * *", "day of month"},
             {"* * * 13 *", "month"},
             {"* * * * 8", "day of week"},
             {"*/0 * * * *", "step"},
             {"5-1 * * * *", "backwards"},
             {"a * * * *", "not a number"},
             {"1,,2 * * * *", "empty item"}}) {
        auto c = parse_cron(text);
        ASSERT_FALSE(c.ok()) << text;
        EXPECT_NE(c.error().message.find(want), std::string::npos) << c.error().message;
    }
}

}  // namespace
}  // namespace sl::monitor
