#include "scan/scope.h"

#include <gtest/gtest.h>

#include <random>

#include "scan/target_spec.h"
#include "scan/targets.h"

namespace sl::scan {
namespace {

IpAddr ip(const char* text) {
    auto a = parse_ip(text);
    EXPECT_TRUE(a.ok()) << text;
    return a.ok() ? *a : IpAddr{};
}

AddressSet set_of(std::initializer_list<const char*> tokens) {
    std::vector<IpInterval> v;
    for (const char* t : tokens) v.push_back(*parse_exclude(t));
    return AddressSet(std::move(v));
}

TEST(AddressSet, MergesAndSubtracts) {
    AddressSet s = set_of({"10.0.0.0/24", "10.0.1.0/24", "10.0.0.5", "::1", "10.0.3.0/24"});
    EXPECT_EQ(s.intervals().size(), 3u);
    EXPECT_EQ(s.size(), U128{768 + 1});
    s.subtract(set_of({"10.0.0.10-10.0.0.19", "10.0.3.0/25", "::/0"}));
    EXPECT_EQ(s.size(), U128{768 - 10 - 128});
    EXPECT_FALSE(s.contains(ip("10.0.0.10")));
    EXPECT_FALSE(s.contains(ip("10.0.0.19")));
    EXPECT_TRUE(s.contains(ip("10.0.0.9")));
    EXPECT_TRUE(s.contains(ip("10.0.0.20")));
    EXPECT_FALSE(s.contains(ip("::1")));
    EXPECT_TRUE(s.contains(ip("10.0.3.128")));
}

TEST(AddressSet, SubtractMatchesBruteForce) {
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
        std::vector<IpInterval> a, b;
        for (int i = 0; i < 5; ++i) {
            uint32_t x = rng() % 200, y = x + rng() % 30;
            a.push_back({Family::kV4, x, y});
            uint32_t u = rng() % 200, w = u + rng() % 30;
            b.push_back({Family::kV4, u, w});
        }
        AddressSet sa(a), sb(b);
        AddressSet diff = sa;
        diff.subtract(sb);
        for (uint32_t v = 0; v < 260; ++v) {
            IpAddr addr = IpAddr::v4(v);
            EXPECT_EQ(diff.contains(addr), sa.contains(addr) && !sb.contains(addr)) << v;
        }
    }
}

// One row per built-in blocklist entry: an address inside, one at each edge, and one outside.
struct BlockCase {
    const char* inside;
    const char* first;
    const char* last;
    const char* outside;
};

TEST(Blocklist, EveryEntryInsideEdgeAndOutside) {
    const BlockCase cases[] = {
        {"0.1.2.3", "0.0.0.0", "0.255.255.255", "1.0.0.0"},
        {"239.1.1.1", "224.0.0.0", "239.255.255.255", "223.255.255.255"},
        {"250.0.0.1", "240.0.0.0", "255.255.255.254", "198.18.0.1"},
        {"255.255.255.255", "255.255.255.255", "255.255.255.255", "127.0.0.1"},
        {"::", "::", "::", "::1"},
        {"ff02::1", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "feff:ffff::1"},
    };
    AddressSet block = builtin_blocklist();
    for (const auto& c : cases) {
        EXPECT_TRUE(block.contains(ip(c.inside))) << c.inside;
        EXPECT_TRUE(block.contains(ip(c.first))) << c.first;
        EXPECT_TRUE(block.contains(ip(c.last))) << c.last;
        EXPECT_FALSE(block.contains(ip(c.outside))) << c.outside;
    }
    // Private, loopback and benchmarking space is never blocked.
    for (const char* allowed : {"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "198.18.0.1",
                                "169.254.1.1", "2001:db8::1", "::1", "fe80::1"})
        EXPECT_FALSE(block.contains(ip(allowed))) << allowed;
}

Result<std::vector<IpAddr>> no_dns(const std::string& name) {
    if (name == "lab.test") return std::vector<IpAddr>{IpAddr::v4(0x0a000063)};
    return make_error("Name or service not known");
}

TEST(BuildScope, HonoursExcludesAndBlocklist) {
    TargetInputs in;
    in.targets = {"223.255.255.254-224.0.0.1", "10.0.0.0/30", "lab.test", "nowhere.test"};
    in.excludes = {"10.0.0.1,10.0.0.2"};
    auto scope = build_scope(in, no_dns);
    ASSERT_TRUE(scope.ok()) << scope.error().message;
    const AddressSet& h = scope->hosts;
    EXPECT_TRUE(h.contains(ip("223.255.255.254")));
    EXPECT_TRUE(h.contains(ip("223.255.255.255")));
    EXPECT_FALSE(h.contains(ip("224.0.0.0")));
    EXPECT_FALSE(h.contains(ip("224.0.0.1")));
    EXPECT_TRUE(h.contains(ip("10.0.0.0")));
    EXPECT_FALSE(h.contains(ip("10.0.0.1")));
    EXPECT_FALSE(h.contains(ip("10.0.0.2")));
    EXPECT_TRUE(h.contains(ip("10.0.0.3")));
    EXPECT_TRUE(h.contains(ip("10.0.0.99")));
    EXPECT_EQ(h.size(), U128{5});
    EXPECT_EQ(scope->excluded, U128{2});
    EXPECT_EQ(scope->blocklisted, U128{2});
    ASSERT_EQ(scope->warnings.size(), 2u);
    EXPECT_NE(scope->warnings[0].find("nowhere.test"), std::string::npos);
    EXPECT_NE(scope->warnings[1].find("224.0.0.0/4"), std::string::npos);
}

TEST(BuildScope, ErrorsNameTokenAndPosition) {
    TargetInputs in;
    in.targets = {"10.0.0.1", "10.0.0.300"};
    auto scope = build_scope(in, no_dns);
    ASSERT_FALSE(scope.ok());
    EXPECT_EQ(scope.error().message,
              "argument 2: bad target '10.0.0.300': octet out of range 0-255");
    TargetInputs ex;
    ex.targets = {"10.0.0.1"};
    ex.excludes = {"10.0.0.0/8, bad"};
    scope = build_scope(ex, no_dns);
    ASSERT_FALSE(scope.ok());
    EXPECT_EQ(scope.error().message,
              "--exclude 1:13: bad exclude 'bad': excludes take addresses, CIDRs or ranges, not "
              "hostnames");
}

TEST(HostIndex, MapsIndexesAcrossIntervals) {
    auto index = HostIndex::create(set_of({"10.0.0.0/31", "10.0.0.9", "::1"}));
    ASSERT_TRUE(index.ok());
    ASSERT_EQ(index->host_count(), 4u);
    EXPECT_EQ(index->host_at(0).to_string(), "10.0.0.0");
    EXPECT_EQ(index->host_at(1).to_string(), "10.0.0.1");
    EXPECT_EQ(index->host_at(2).to_string(), "10.0.0.9");
    EXPECT_EQ(index->host_at(3).to_string(), "::1");
}

}  // namespace
}  // namespace sl::scan
