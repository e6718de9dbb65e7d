#include "core/ip.h"

#include <gtest/gtest.h>

namespace sl {
namespace {

TEST(ParseIpv4, AcceptsDottedQuads) {
    auto a = parse_ipv4("192.168.1.254");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->value, U128{0xC0A801FE});
    EXPECT_EQ(a->to_string(), "192.168.1.254");
    EXPECT_TRUE(parse_ipv4("0.0.0.0").ok());
    EXPECT_TRUE(parse_ipv4("255.255.255.255").ok());
}

TEST(ParseIpv4, RejectsMalformed) {
    for (const char* bad :
         {"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "1..2.3", "1.2.3.4 ", " 1.2.3.4",
          "1.2.3.-4", "1.2.3.4/", "1.2.3.1000", "a.b.c.d", "1.2.3.4x"}) {
        EXPECT_FALSE(parse_ipv4(bad).ok()) << bad;
    }
}

TEST(ParseIpv6, AcceptsStandardForms) {
    auto a = parse_ipv6("::1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->value, U128{1});
    EXPECT_EQ(a->to_string(), "::1");
    auto b = parse_ipv6("[2001:db8::ff]");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->to_string(), "2001:db8::ff");
    EXPECT_TRUE(parse_ipv6("::ffff:10.0.0.1").ok());
}

TEST(ParseIpv6, RejectsMalformed) {
    for (const char* bad :
         {"", ":::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "2001:db8::g", "[::1", "12345::"}) {
        EXPECT_FALSE(parse_ipv6(bad).ok()) << bad;
    }
}

TEST(Cidr, IntervalIgnoresHostBits) {
    auto a = parse_ipv4("10.1.2.3");
    ASSERT_TRUE(a.ok());
    IpInterval i = cidr_interval(*a, 24);
    EXPECT_EQ(interval_to_string(i), "10.1.2.0/24");
    EXPECT_EQ(i.size(), U128{256});
    EXPECT_EQ(interval_to_string(cidr_interval(*a, 32)), "10.1.2.3");
    EXPECT_EQ(cidr_interval(*a, 0).size(), U128{1} << 32);
}

TEST(Cidr, NonPrefixIntervalPrintsAsRange) {
    IpInterval i{Family::kV4, 5, 9};
    EXPECT_EQ(interval_to_string(i), "0.0.0.5-0.0.0.9");
}

}  // namespace
}  // namespace sl
