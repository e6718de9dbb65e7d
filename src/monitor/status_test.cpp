// The events query (`searchlight events QUERY`): every key, and every prefix of a valid query
// either parses or names its column.
#include "monitor/status.h"

#include <gtest/gtest.h>

namespace sl::monitor {
namespace {

constexpr int64_t kNow = 1'796'083'200'000;

TEST(EventFilter, EveryKey) {
    auto f = parse_event_filter(
        "event:new_exposure,exposure_resolved scope:lab rule:redis-no-auth ip:10.0.0.5 "
        "port:6379 severity:>=high since:24h held:false",
        kNow);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->events, (std::set<std::string>{"new_exposure", "exposure_resolved"}));
    EXPECT_EQ(f->scopes, (std::set<std::string>{"lab"}));
    EXPECT_EQ(f->ip, "10.0.0.5");
    EXPECT_EQ(f->port, 6379);
    EXPECT_EQ(f->min_severity, 3);
    EXPECT_EQ(f->since_ms, kNow - 24 * 3'600'000);
    EXPECT_EQ(f->held, false);
    EXPECT_TRUE(parse_event_filter("", kNow).ok());
}

TEST(EventFilter, FaultsNameTheirColumn) {
    for (auto [q, want] : std::initializer_list<std::pair<const char*, const char*>>{
             {"colour:red", "events query:1:1: unknown key 'colour'"},
             {"scope:lab port:99999", "events query:1:11: '99999' is not a port"},
             {"ip:10.0.0", "events query:1:1: '10.0.0' is not an address"},
             {"since:forever", "is not a span"},
             {"severity:urgent", "is not a severity"},
             {"held:maybe", "held is true or false"},
             {"lab", "expected key:value"},
             {"event:", "expected key:value"}}) {
        auto f = parse_event_filter(q, kNow);
        ASSERT_FALSE(f.ok()) << q;
        EXPECT_NE(f.error().message.find(want), std::string::npos) << f.error().message;
    }
}

TEST(EventFilter, EveryPrefixParsesOrNamesItsColumn) {
    std::string q =
        "event:new_exposure,host_gone scope:lab ip:::1 port:22 severity:>=low since:7d held:true";
    for (size_t n = 0; n <= q.size(); ++n) {
        auto f = parse_event_filter(q.substr(0, n), kNow);
        if (!f) {
            EXPECT_EQ(f.error().message.rfind("events query:1:", 0), 0u) << f.error().message;
        }
    }
}

}  // namespace
}  // namespace sl::monitor
