#include "core/duration.h"

#include <gtest/gtest.h>

namespace sl {
namespace {

TEST(Duration, ParsesUnits) {
    EXPECT_EQ(*parse_duration("300ms"), 300'000'000);
    EXPECT_EQ(*parse_duration("5s"), 5'000'000'000);
    EXPECT_EQ(*parse_duration("2"), 2'000'000'000);
    EXPECT_EQ(*parse_duration("1.5s"), 1'500'000'000);
    EXPECT_EQ(*parse_duration("1m"), 60'000'000'000);
}

TEST(Duration, RejectsBadInput) {
    for (const char* bad : {"", "ms", "5x", "-1s", "0", "0.5ms", "2h", "1.2.3", "61m",
                            "9999999999999s", "1 s", ".", ".s"}) {
        EXPECT_FALSE(parse_duration(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace sl
