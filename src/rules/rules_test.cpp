#include <gtest/gtest.h>

#include <algorithm>

#include "rules/loader.h"
#include "rules/rule.h"

namespace sl::rules {
namespace {

const EvalContext kNow{1795435546};  // 2026-11-23T12:05:46Z, fixed so that tests do not age

Record rec(const char* json) {
    Record r;
    nlohmann::json j = nlohmann::json::parse(json);
    for (auto& [k, v] : j.items()) r.set_raw(k, v);
    return r;
}

std::shared_ptr<const RuleSet> load(const std::string& yaml) {
    auto set = load_rules_text(yaml, "t.yaml");
    EXPECT_TRUE(set) << (set ? "" : set.error().message);
    return set ? *set : nullptr;
}

const char* kRule = R"(
rules:
  - id: redis-no-auth
    category: no-auth
    title: Redis answers without authentication
    severity: medium
    when: {all: [{protocol: {eq: redis}}, {access: {eq: open}}]}
    raise:
      - {severity: critical, when: {data.rows: {gt: 100000}}}
      - {severity: high, when: {any: [{data.rows: {gt: 1000}}, {data.bytes: {gt: 1.0e9}}]}}
    evidence: [redis.keys, data.rows]
    remediation: Set requirepass or bind to localhost.
    references: [CWE-306]
    examples:
      match: [{protocol: redis, access: open}]
      no_match: [{protocol: redis, access: auth_required}]
)";

TEST(Predicates, EachOperator) {
    auto r = rec(R"({"protocol":"ssh","version":"9.2p1","port":22,"ip":"10.1.2.3",
                     "ssh":{"kex_algorithms":["curve25519-sha256","diffie-hellman-group1-sha1"]}})");
    auto check = [&](const char* cond) {
        std::string yaml = std::string(R"(
rules:
  - id: t
    category: info
    title: t
    severity: info
    when: )") + cond + R"(
    remediation: r
    examples: {match: [{port: 1}], no_match: [{port: 2}]})";
        auto set = load(yaml);
        return set && evaluate(set->rules[0].when, r, kNow);
    };
    EXPECT_TRUE(check("{protocol: {eq: ssh}}"));
    EXPECT_FALSE(check("{protocol: {ne: ssh}}"));
    EXPECT_TRUE(check("{protocol: {in: [ftp, ssh]}}"));
    EXPECT_TRUE(check("{ssh.software: {exists: false}}"));
    EXPECT_TRUE(check("{port: {gte: 22}}"));
    EXPECT_FALSE(check("{port: {gt: 22}}"));
    EXPECT_TRUE(check("{port: {lt: 23}}"));
    EXPECT_TRUE(check("{version: {lt: \"9.10\"}}"));   // a version, not a number
    EXPECT_FALSE(check("{version: {lte: \"9.2\"}}"));  // 9.2p1 is after 9.2
    EXPECT_TRUE(check("{ssh.kex_algorithms: {regex: \"group1-sha1$\"}}"));
    EXPECT_TRUE(check("{ip: {cidr: [10.0.0.0/8]}}"));
    EXPECT_FALSE(check("{ip: {cidr: 192.168.0.0/16}}"));
    EXPECT_TRUE(check("{not: {protocol: {eq: ftp}}}"));
    EXPECT_TRUE(check("{any: [{protocol: {eq: ftp}}, {port: {eq: 22}}]}"));
    EXPECT_FALSE(check("{all: [{protocol: {eq: ssh}}, {port: {eq: 21}}]}"));
}

TEST(Predicates, BeforeAndAfterMoments) {
    auto cond = [](const char* moment) {
        auto set = load_rules_text(std::string(R"(
rules:
  - id: t
    category: info
    title: t
    severity: info
    when: {tls_cert.not_after: )") + moment +
                                       R"(}
    remediation: r
    examples: {match: [{port: 1}], no_match: [{port: 2}]})",
                                   "t.yaml");
        EXPECT_TRUE(set) << moment;
        return set ? (*set)->rules[0].when : Condition{};
    };
    auto cert = [](const char* not_after) {
        Record r;
        r.set("tls_cert.not_after", not_after);
        return r;
    };
    auto expired = cond("{before: now}");
    EXPECT_TRUE(evaluate(expired, cert("2026-11-23T12:05:45.000Z"), kNow));
    EXPECT_FALSE(evaluate(expired, cert("2026-11-23T12:05:46.000Z"), kNow));  // not yet
    EXPECT_FALSE(evaluate(expired, cert("not a date"), kNow));
    EXPECT_FALSE(evaluate(expired, Record{}, kNow));
    auto soon = cond("{before: now+30d}");
    EXPECT_TRUE(evaluate(soon, cert("2026-12-20T00:00:00.000Z"), kNow));
    EXPECT_FALSE(evaluate(soon, cert("2027-01-01T00:00:00.000Z"), kNow));
    EXPECT_TRUE(evaluate(cond("{after: now-12h}"), cert("2026-11-23T01:00:00Z"), kNow));
    EXPECT_FALSE(evaluate(cond("{after: now-12h}"), cert("2026-11-22T23:00:00Z"), kNow));
    EXPECT_TRUE(evaluate(cond("{after: \"2026-01-01\"}"), cert("2026-06-01T00:00:00Z"), kNow));
    EXPECT_FALSE(evaluate(cond("{after: 2026-01-01}"), cert("2025-06-01T00:00:00Z"), kNow));
}

TEST(Text, ConditionsPrintAsOneLine) {
    auto set = load(R"(
rules:
  - id: t
    category: info
    title: t
    severity: info
    when: {all: [{protocol: {in: [ftp, ssh]}}, {not: {ip: {cidr: [10.0.0.0/8]}}},
                 {any: [{version: {lt: "8.0"}}, {ssh.banner: {regex: "^SSH-1"}}]},
                 {tls_cert.not_after: {before: now+30d}}, {tls_cert.not_before: {after: now-12h}}]}
    remediation: r
    examples: {match: [{port: 1}], no_match: [{port: 2}]})");
    ASSERT_TRUE(set);
    EXPECT_EQ(to_text(set->rules[0].when),
              R"(all(protocol in ["ftp","ssh"], not(ip cidr [10.0.0.0/8]), any(version lt "8.0", )"
              R"(ssh.banner regex "^SSH-1"), tls_cert.not_after before now+30d, )"
              R"(tls_cert.not_before after now-12h))");
}

TEST(Versions, CompareNumericRunsAsNumbers) {
    EXPECT_LT(compare_versions("2.4.9", "2.4.10"), 0);
    EXPECT_EQ(compare_versions("7.0.15", "7.0.15"), 0);
    EXPECT_GT(compare_versions("9.2p1", "9.2"), 0);
    EXPECT_LT(compare_versions("1.0", "1.0.1"), 0);
    EXPECT_EQ(compare_versions("007", "7"), 0);
}

TEST(Severity, RisesFromEvidenceAndFindingsQuoteIt) {
    auto set = load(kRule);
    ASSERT_TRUE(set);
    const Rule& r = set->rules[0];
    auto f = apply(r, rec(R"({"ip":"10.0.0.1","port":6379,"protocol":"redis","access":"open",
                              "redis":{"keys":5000},"data":{"rows":5000}})"),
                   kNow);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->find("severity")->get<std::string>(), "high");
    EXPECT_EQ(f->find("rule")->get<std::string>(), "redis-no-auth");
    EXPECT_EQ((*f->find("evidence"))["redis.keys"], 5000);
    EXPECT_EQ(severity_for(r, rec(R"({"data":{"rows":200000}})"), kNow), Severity::kCritical);
    EXPECT_EQ(severity_for(r, rec(R"({"data":{"rows":1000}})"), kNow),
              Severity::kMedium);  // not over
    EXPECT_FALSE(apply(r, rec(R"({"protocol":"redis","access":"auth_required"})"), kNow));
}

struct BadCase {
    const char* yaml;
    const char* error;
};

TEST(Loader, MalformedFilesSayFileLineColumnAndWhat) {
    const std::string head =
        "rules:\n  - id: x\n    category: info\n    title: t\n    severity: info\n";
    const std::string tail =
        "    remediation: r\n    examples: {match: [{port: 1}], no_match: [{port: 2}]}\n";
    const BadCase cases[] = {
        {"rules: [", "t.yaml:1:1: end of sequence flow not found"},
        {"- 1\n", "t.yaml:1:1: a rule file is a map with 'rules' (and 'profiles')"},
        {"rulez: []\n", "t.yaml:1:1: unknown key 'rulez'"},
        {"rules:\n  - id: x\n", "t.yaml:2:5: rule lacks 'category'"},
        {"WHEN{protocol: {eq: ssh}}", ""},
        {"WHEN{protocl: {eq: ssh}}", "t.yaml:6:12: unknown field 'protocl' (see docs/records.md)"},
        {"WHEN{protocol: {equals: ssh}}", "t.yaml:6:23: unknown operator 'equals'"},
        {"WHEN{protocol: {regex: \"(\"}}", "t.yaml:6:30: bad regex: missing ): ("},
        {"WHEN{ip: {cidr: 10.0.0.0/33}}", "t.yaml:6:23: bad prefix in '10.0.0.0/33'"},
        {"WHEN{all: []}", "t.yaml:6:17: all needs a non-empty list"},
        {"WHEN{port: {gt: true}}", "t.yaml:6:23: gt compares numbers or versions"},
        {"WHEN{port: {exists: maybe}}", "t.yaml:6:27: exists takes true or false"},
        {"WHEN{tls_cert.not_after: {before: tomorrow}}",
         "t.yaml:6:41: bad moment 'tomorrow': use now, now+30d, now-12h or a date"},
        {"WHEN{tls_cert.not_after: {before: now+30y}}",
         "t.yaml:6:41: bad moment 'now+30y': use now, now+30d, now-12h or a date"},
        {"WHEN{protocol: {eq: ssh}, port: {eq: 1}}",
         "t.yaml:6:11: a condition is a map with one key: all, any, not or a field"},
    };
    for (const auto& c : cases) {
        std::string yaml = c.yaml;
        if (yaml.starts_with("WHEN")) yaml = head + "    when: " + yaml.substr(4) + "\n" + tail;
        auto set = load_rules_text(yaml, "t.yaml");
        if (std::string(c.error).empty()) {
            EXPECT_TRUE(set) << c.yaml;
            continue;
        }
        ASSERT_FALSE(set) << c.yaml;
        EXPECT_EQ(set.error().message, c.error) << c.yaml;
    }
    auto bad_severity = load_rules_text(
        head.substr(0, head.size() - 5) + "loud\n    when: {port: {eq: 1}}\n" + tail, "t.yaml");
    ASSERT_FALSE(bad_severity);
    EXPECT_EQ(bad_severity.error().message,
              "t.yaml:5:15: unknown severity 'loud' (info, low, medium, high, critical)");
}

// The shipped rules' severity steps: CATALOGUE.md's proposal as data.
TEST(ShippedRules, SeverityFollowsTheCatalogue) {
    auto set = load_rules({builtin_rules_dir()});
    ASSERT_TRUE(set) << set.error().message;
    auto rule = [&](std::string_view id) -> const Rule& {
        for (const auto& r : (*set)->rules)
            if (r.id == id) return r;
        ADD_FAILURE() << id;
        return (*set)->rules.front();
    };
    auto sev = [&](std::string_view id, const char* json) {
        return severity_for(rule(id), rec(json), kNow);
    };
    EXPECT_EQ(sev("redis-no-auth", R"({"protocol":"redis","access":"open"})"), Severity::kMedium);
    EXPECT_EQ(sev("redis-no-auth", R"({"data":{"rows":1001}})"), Severity::kHigh);
    EXPECT_EQ(sev("redis-no-auth", R"({"data":{"bytes":1000000001}})"), Severity::kHigh);
    EXPECT_EQ(sev("redis-no-auth", R"({"data":{"rows":100001}})"), Severity::kCritical);
    EXPECT_EQ(sev("elasticsearch-no-auth", R"({"data":{"bytes":100000000001}})"),
              Severity::kCritical);
    EXPECT_EQ(sev("elasticsearch-no-auth", R"({"data":{"bytes":2000000000,"mail_like_names":3}})"),
              Severity::kCritical);
    EXPECT_EQ(sev("elasticsearch-no-auth", R"({"data":{"bytes":900000000,"mail_like_names":3}})"),
              Severity::kMedium);
    EXPECT_EQ(sev("mongodb-no-auth", R"({"mongodb":{"ransom_names":1}})"), Severity::kCritical);
    // Writable by design: Docker, etcd, a Jenkins script console.
    EXPECT_EQ(sev("docker-api-no-auth", R"({"protocol":"docker"})"), Severity::kHigh);
    EXPECT_EQ(sev("etcd-no-auth", R"({"protocol":"etcd"})"), Severity::kHigh);
    EXPECT_EQ(sev("jenkins-anonymous-read", R"({"jenkins":{"script_console":false}})"),
              Severity::kMedium);
    EXPECT_EQ(sev("jenkins-anonymous-read", R"({"jenkins":{"script_console":true}})"),
              Severity::kHigh);
    EXPECT_EQ(sev("jenkins-anonymous-read",
                  R"({"jenkins":{"script_console":true},"data":{"rows":200000}})"),
              Severity::kCritical);
}

// Issue 6: every shipped rule has a match and a near miss. For a rule that requires a
// protocol, some no_match example has that protocol (auth_required, or under a threshold).
TEST(ShippedRules, EveryRuleHasANearMiss) {
    auto set = load_rules({builtin_rules_dir()});
    ASSERT_TRUE(set) << set.error().message;
    for (size_t i = 0; i < (*set)->rules.size(); ++i) {
        const Rule& rule = (*set)->rules[i];
        EXPECT_FALSE(rule.match.empty()) << rule.id;
        EXPECT_FALSE(rule.no_match.empty()) << rule.id;
        for (const auto& [protocol, indices] : (*set)->by_protocol) {
            if (std::find(indices.begin(), indices.end(), i) == indices.end()) continue;
            bool near = std::any_of(rule.no_match.begin(), rule.no_match.end(), [&](const auto& e) {
                const auto* p = e.record.find("protocol");
                return p && *p == protocol;
            });
            EXPECT_TRUE(near) << rule.id << ": no no_match example with protocol " << protocol;
        }
    }
}

TEST(Index, SameFindingsAsTryingEveryRule) {
    auto set = load_rules({builtin_rules_dir()});
    ASSERT_TRUE(set) << set.error().message;
    size_t records = 0;
    for (const auto& rule : (*set)->rules)
        for (const auto* list : {&rule.match, &rule.no_match})
            for (const auto& example : *list) {
                std::vector<Record> every;
                for (const auto& r : (*set)->rules)
                    if (auto f = apply(r, example.record, kNow)) every.push_back(std::move(*f));
                EXPECT_EQ(findings(**set, example.record, kNow), every) << rule.id;
                ++records;
            }
    EXPECT_GT(records, 60u);
}

}  // namespace
}  // namespace sl::rules
