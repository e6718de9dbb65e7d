#include "scan/target_spec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

namespace sl::scan {
namespace {

IpInterval interval_of(const char* token) {
    auto spec = parse_target(token);
    EXPECT_TRUE(spec.ok()) << token << ": " << (spec.ok() ? "" : spec.error().message);
    if (!spec.ok() || !spec->interval) return {};
    return *spec->interval;
}

TEST(ParseTarget, AddressesCidrsAndRanges) {
    EXPECT_EQ(interval_to_string(interval_of("10.0.0.1")), "10.0.0.1");
    EXPECT_EQ(interval_to_string(interval_of("10.0.0.77/24")), "10.0.0.0/24");
    EXPECT_EQ(interval_to_string(interval_of("10.0.0.1-10.0.0.3")), "10.0.0.1-10.0.0.3");
    EXPECT_EQ(interval_to_string(interval_of("10.0.0.1-3")), "10.0.0.1-10.0.0.3");
    EXPECT_EQ(interval_to_string(interval_of("10.0.0.0-10.0.1.255")), "10.0.0.0/23");
    EXPECT_EQ(interval_to_string(interval_of("::1")), "::1");
    EXPECT_EQ(interval_to_string(interval_of("[2001:db8::5]")), "2001:db8::5");
    EXPECT_EQ(interval_to_string(interval_of("2001:db8::/120")), "2001:db8::/120");
    EXPECT_EQ(interval_of("2001:db8::/96").size(), U128{1} << 32);
    EXPECT_EQ(interval_of("0.0.0.0/0").size(), U128{1} << 32);
}

TEST(ParseTarget, Hostnames) {
    for (const char* name : {"localhost", "db-1.corp.example", "a", "x_y.example", "3com.com"}) {
        auto spec = parse_target(name);
        ASSERT_TRUE(spec.ok()) << name;
        EXPECT_FALSE(spec->interval);
        EXPECT_EQ(spec->hostname, name);
    }
}

TEST(ParseTarget, RejectsMalformed) {
    for (const char* bad : {"", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a",
                            "10.0.0.9-10.0.0.1", "10.0.0.1-300", "10.0.0.1-::1", "1.2.3", "-host",
                            "host-", "bad..name", "h@st", "10.0.0.1/24/3", "::1/129",
                            "fe80::1%eth0", "01.2.3.4", "a b", "2001:db8::9-2001:db8::1"}) {
        EXPECT_FALSE(parse_target(bad).ok()) << bad;
    }
}

TEST(ParseTarget, RefusesHugeIpv6PrefixWithHint) {
    auto spec = parse_target("2001:db8::/64");
    ASSERT_FALSE(spec.ok());
    EXPECT_NE(spec.error().message.find("-iL"), std::string::npos);
    EXPECT_FALSE(parse_target("2001:db8::/95").ok());
    EXPECT_FALSE(parse_target("2001:db8::-2001:db8::1:0:0").ok());
}

TEST(ParseExclude, AllowsLargeIpv6ButNoHostnames) {
    EXPECT_TRUE(parse_exclude("2001:db8::/32").ok());
    EXPECT_FALSE(parse_exclude("host.example").ok());
    EXPECT_FALSE(parse_exclude("10.0.0.0/40").ok());
}

TEST(SplitListLine, CommentsCommasAndColumns) {
    std::vector<ListToken> got;
    split_list_line("  10.0.0.1, 10.0.0.2\t# 10.0.0.3", 7,
                    [&](const ListToken& t) { got.push_back(t); });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].text, "10.0.0.1");
    EXPECT_EQ(got[0].line, 7u);
    EXPECT_EQ(got[0].column, 3u);
    EXPECT_EQ(got[1].text, "10.0.0.2");
    EXPECT_EQ(got[1].column, 13u);
}

TEST(ReadListFile, ReadsEveryLineAndRefusesHugeLines) {
    std::string path = testing::TempDir() + "/targets.txt";
    {
        std::ofstream f(path);
        f << "# lab\n10.0.0.1\n\n10.0.0.2 10.0.0.3\n10.0.0.4";  // no final newline
    }
    std::vector<std::string> tokens;
    Status s = read_list_file(path, [&](const ListToken& t) -> Status {
        tokens.emplace_back(t.text);
        return Ok{};
    });
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(tokens, (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}));
    {
        std::ofstream f(path);
        f << "10.0.0.1\n" << std::string(kMaxListLineBytes + 1, 'a') << "\n";
    }
    s = read_list_file(path, [](const ListToken&) -> Status { return Ok{}; });
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find(":2:"), std::string::npos) << s.error().message;
    EXPECT_FALSE(
        read_list_file("/nonexistent/x", [](const ListToken&) -> Status { return Ok{}; }).ok());
}

}  // namespace
}  // namespace sl::scan
