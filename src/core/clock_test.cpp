#include "core/clock.h"

#include <gtest/gtest.h>

#include <regex>

namespace sl {
namespace {

TEST(Clock, Rfc3339HasMillisecondsAndZ) {
    EXPECT_EQ(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(rfc3339_ms(1795435546123), "2026-11-23T12:05:46.123Z");
    EXPECT_EQ(rfc3339_ms(951868799999), "2000-02-29T23:59:59.999Z");
    EXPECT_EQ(rfc3339_ms(4107542400000), "2100-03-01T00:00:00.000Z");  // 2100 is no leap year
    EXPECT_EQ(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(rfc3339_ms(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(Clock, UuidV7Layout) {
    std::string id = uuid_v7(0x0123456789ab, ~0ULL, ~0ULL);
    EXPECT_EQ(id.substr(0, 13), "01234567-89ab");
    EXPECT_TRUE(std::regex_match(
        id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << id;
    EXPECT_NE(new_scan_id(), new_scan_id());
}

TEST(Clock, ParseRfc3339IsTheInverse) {
    for (int64_t ms : {0LL, 951782400000LL, 1795435546123LL, 4102444800000LL})
        EXPECT_EQ(parse_rfc3339(rfc3339_ms(ms)), ms / 1000) << ms;
    EXPECT_EQ(parse_rfc3339("2000-02-29"), 951782400);
    EXPECT_EQ(parse_rfc3339("2026-11-23T12:05:46Z"), 1795435546);
    EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1);
    for (const char* bad :
         {"", "2026", "2026-13-01", "2026-11-23T25:00:00Z", "2026-11-23T12:05",
          "2026-11-23T12:05:46+02:00", "2026-11-23T12:05:46.Z", "20261123", "2026-11-23x"})
        EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

}  // namespace
}  // namespace sl
