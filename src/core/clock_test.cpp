#include "core/clock.h"

#include <gtest/gtest.h>

#include <regex>

namespace sl {
namespace {

TEST(Clock, Rfc3339HasMillisecondsAndZ) {
    EXPECT_EQ(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(rfc3339_ms(1795435546123), "2026-11-23T12:05:46.123Z");
}

TEST(Clock, UuidV7Layout) {
    std::string id = uuid_v7(0x0123456789ab, ~0ULL, ~0ULL);
    EXPECT_EQ(id.substr(0, 13), "01234567-89ab");
    EXPECT_TRUE(std::regex_match(
        id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << id;
    EXPECT_NE(new_scan_id(), new_scan_id());
}

}  // namespace
}  // namespace sl
