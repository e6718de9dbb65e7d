#include "monitor/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <regex>

namespace sl::monitor {
namespace {

// The issue's minimal file, exactly as written.
constexpr const char* kMinimal = R"(scopes:
  - name: lab
    targets: [127.96.0.0/28]
    ports: [6379]
    every: 5s
    owner: secops@example.org
routes:
  - match: {severity: ">=medium"}
    sinks: [hook]
sinks:
  hook: {type: webhook, url: "http://127.0.0.1:8099/", format: generic}
)";

constexpr const char* kFull = R"(scopes:
  - name: prod-db
    targets: [10.20.0.0/16, 10.30.0.1-10.30.0.9]
    excludes: [10.20.99.0/24]
    ports: exposure
    schedule: "*/15 * * * *"
    rate: 2000
    connect_timeout: 800ms
    owner: {name: DB team, contact: db@example.org}
    tags: [prod, pci]
    resolve_after: 2
    cert_expiring_days: [7, 30]
routes:
  - match: {event: [new_exposure, exposure_reopened], severity: ">=high", tag: prod}
    sinks: [pager, mail]
    continue: true
  - match: {rule: redis-no-auth, category: no-auth, scope: prod-db}
    sinks: [chat]
    group: {max_items: 5}
    repeat: 24h
silences:
  - {net: 10.20.5.0/24, port: 6379, rule: redis-no-auth, reason: lab box, by: alice,
     expires: "2027-01-01T00:00:00Z"}
sinks:
  pager: {type: webhook, url_env: SL_TEST_PAGER_URL, format: pagerduty, routing_key: abc}
  chat: {type: webhook, url: "https://hooks.slack.com/services/T/B/X", format: slack}
  mail: {type: email, smtp: "smtp://127.0.0.1:25", from: sl@example.org, to: [a@example.org],
         starttls: false}
  log: {type: syslog, transport: tcp, address: "127.0.0.1:5514", app_name: sl}
  file: {type: file, path: /tmp/events.ndjson}
delivery: {retry_base: 1s, retry_max: 1m, dead_after: 1h}
)";

TEST(MonitorConfig, TheMinimalFileWorksAsWritten) {
    auto c = parse_config(kMinimal, "monitor.yaml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->scopes.size(), 1u);
    const auto& s = c->scopes[0];
    EXPECT_EQ(s.name, "lab");
    EXPECT_EQ(s.ports, "6379");
    EXPECT_EQ(s.schedule.every_ms, 5000);
    EXPECT_EQ(s.owner.contact, "secops@example.org");
    ASSERT_EQ(s.intervals.size(), 1u);
    EXPECT_EQ(s.intervals[0].last - s.intervals[0].first, 15u);
    ASSERT_EQ(c->routes.size(), 1u);
    ASSERT_TRUE(c->routes[0].match.severity);
    EXPECT_TRUE(c->routes[0].match.severity->matches(2));
    EXPECT_FALSE(c->routes[0].match.severity->matches(1));
    EXPECT_EQ(c->sinks.at("hook").url, "http://127.0.0.1:8099/");
    EXPECT_EQ(c->sinks.at("hook").format, WebhookFormat::kGeneric);
}

TEST(MonitorConfig, EveryKeyOfTheFullExample) {
    ::setenv("SL_TEST_PAGER_URL", "https://events.pagerduty.com/v2/enqueue", 1);
    auto c = parse_config(kFull, "full.yaml");
    ::unsetenv("SL_TEST_PAGER_URL");
    ASSERT_TRUE(c.ok()) << c.error().message;
    const auto& s = c->scopes[0];
    EXPECT_EQ(s.schedule.every_ms, 0);
    EXPECT_EQ(s.schedule.longest_gap_ms(), 15 * 60'000);
    EXPECT_EQ(s.connect_timeout_ms, 800);
    EXPECT_EQ(s.owner.name, "DB team");
    EXPECT_EQ(s.resolve_after, 2);
    EXPECT_EQ(s.cert_expiring_days, (std::vector<int>{30, 7}));
    EXPECT_EQ(c->routes[0].sinks, (std::vector<std::string>{"pager", "mail"}));
    EXPECT_TRUE(c->routes[0].continue_);
    EXPECT_TRUE(c->routes[1].group);
    EXPECT_EQ(c->routes[1].group_max_items, 5u);
    EXPECT_EQ(c->routes[1].repeat_ms, 24 * 3'600'000);
    EXPECT_EQ(c->sinks.at("pager").url, "https://events.pagerduty.com/v2/enqueue");
    ASSERT_EQ(c->silences.size(), 1u);
    auto inside = parse_ip("10.20.5.7"), outside = parse_ip("10.20.6.7");
    EXPECT_TRUE(c->silences[0].matches(*inside, 6379, "redis-no-auth", 0));
    EXPECT_FALSE(c->silences[0].matches(*outside, 6379, "redis-no-auth", 0));
    EXPECT_FALSE(c->silences[0].matches(*inside, 6379, "redis-no-auth", 1'900'000'000'000));
    EXPECT_EQ(c->delivery.retry_max_ms, 60'000);
}

void expect_fault(const std::string& text, const std::string& where, const std::string& what) {
    auto c = parse_config(text, "m.yaml");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.error().message.find("m.yaml:" + where + ": "), std::string::npos)
        << c.error().message;
    EXPECT_NE(c.error().message.find(what), std::string::npos) << c.error().message;
}

TEST(MonitorConfig, FaultsSayFileLineColumnAndWhat) {
    std::string base(kMinimal);
    expect_fault(base + "colour: blue\n", "12:1", "unknown key 'colour' in the monitor file");
    expect_fault(
        "scopes:\n  - name: lab\n    targets: [10.0.0.0/8]\n    every: 5s\n    prots: [1]\n", "5:5",
        "unknown key 'prots' in a scope");
    expect_fault("scopes:\n  - name: lab\n    targets: [10.0.0.0/33]\n    every: 5s\n", "3:14",
                 "target '10.0.0.0/33'");
    expect_fault("scopes:\n  - name: lab\n    targets: [db.example]\n    every: 5s\n", "3:14",
                 "addresses, CIDRs or ranges");
    expect_fault("scopes:\n  - name: lab\n    targets: [10.0.0.1]\n    every: soon\n", "4:12",
                 "not a duration");
    expect_fault("scopes:\n  - name: lab\n    targets: [10.0.0.1]\n    schedule: '* * *'\n", "4:15",
                 "5 fields");
    expect_fault(
        "scopes:\n  - name: lab\n    targets: [10.0.0.1]\n    every: 5s\n    ports: [99999]\n",
        "5:12", "ports:");
    expect_fault("scopes:\n  - name: lab\n    targets: [10.0.0.1]\n", "2:5", "needs every");
    expect_fault(
        "scopes:\n  - {name: a, targets: [10.0.0.1], every: 5s}\n"
        "  - {name: a, targets: [10.0.0.2], every: 5s}\n",
        "3:12", "a second scope named 'a'");
    expect_fault(base + "  x: {type: pigeon}\n", "12:13", "unknown sink type 'pigeon'");
    expect_fault(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nroutes:\n  - sinks: [nowhere]\n",
        "3:12", "no sink named 'nowhere'");
    expect_fault(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nroutes:\n"
        "  - {match: {severity: '>=urgent'}, sinks: []}\n",
        "3:24", "severity '>=urgent'");
    expect_fault(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nroutes:\n"
        "  - {match: {event: new_exposur}, sinks: []}\n",
        "3:21", "unknown event type 'new_exposur'");
    expect_fault(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nsilences:\n"
        "  - {port: 22, expires: '2027-01-01T00:00:00Z'}\n",
        "3:5", "needs a reason");
    expect_fault(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nsinks:\n"
        "  h: {type: webhook, url_env: SL_TEST_NOT_SET_ANYWHERE}\n",
        "3:31", "SL_TEST_NOT_SET_ANYWHERE is not set");
    expect_fault("scopes: [", "1:1", "end of sequence flow not found");
    expect_fault("", "1:1", "empty");
    expect_fault(std::string(100, '[') + std::string(100, ']'), "1:65", "nested deeper");
}

TEST(MonitorConfig, EveryFaultIsReportedNotOnlyTheFirst) {
    auto c = parse_config(
        "scopes:\n  - {name: a, targets: [10.0.0.1], every: 5s, colour: 1}\n  - {name: b, "
        "targets: [x/y], every: 5s}\n",
        "m.yaml");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("m.yaml:2:"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("\nm.yaml:3:"), std::string::npos) << c.error().message;
}

TEST(MonitorConfig, ASecretNeverAppearsInAMessage) {
    auto c = parse_config(
        "scopes: [{name: a, targets: [10.0.0.1], every: 5s}]\nsinks:\n"
        "  h: {type: webhook, url: 'ftp://user:hunter2@example.org/', format: slack}\n",
        "m.yaml");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message.find("hunter2"), std::string::npos) << c.error().message;
}

// Byte at a time: every prefix of a valid file parses or fails with file:line:col lines.
TEST(MonitorConfig, EveryPrefixParsesOrFailsWithAPosition) {
    ::setenv("SL_TEST_PAGER_URL", "https://x.example/", 1);
    std::string full(kFull);
    std::regex line(R"(full\.yaml:[0-9]+:[0-9]+: .+)");
    for (size_t n = 0; n <= full.size(); ++n) {
        auto c = parse_config(full.substr(0, n), "full.yaml");
        if (c) continue;
        size_t start = 0;
        const std::string& m = c.error().message;
        while (start <= m.size()) {
            size_t end = m.find('\n', start);
            std::string one = m.substr(start, end == std::string::npos ? end : end - start);
            ASSERT_TRUE(std::regex_match(one, line)) << "prefix " << n << ": " << one;
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
    ::unsetenv("SL_TEST_PAGER_URL");
}

TEST(MonitorConfig, Intervals) {
    EXPECT_EQ(parse_interval_ms("250ms"), 250);
    EXPECT_EQ(parse_interval_ms("15m"), 900'000);
    EXPECT_EQ(parse_interval_ms("2w"), 14 * 86'400'000LL);
    EXPECT_FALSE(parse_interval_ms("0s"));
    EXPECT_FALSE(parse_interval_ms("5"));
    EXPECT_FALSE(parse_interval_ms("367d"));
    EXPECT_FALSE(parse_interval_ms("-5s"));
    EXPECT_FALSE(parse_interval_ms("99999999999s"));
}

}  // namespace
}  // namespace sl::monitor
