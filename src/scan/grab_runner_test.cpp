#include "scan/grab_runner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "grab/registry.h"

namespace sl::scan {
namespace {

std::vector<std::string> names(const std::vector<Candidate>& plan) {
    std::vector<std::string> out;
    for (const auto& c : plan)
        out.push_back(std::string(c.spec        ? c.spec->name
                                  : c.http_root ? "http-root"
                                                : "greeting") +
                      (c.tls ? "/tls" : ""));
    return out;
}

// The client-first grabbers in registry order: the HTTP products before the generic HTTP
// record, then the rest. Adding a grabber changes this one line.
const std::vector<std::string> kFallbacks = {
    "elasticsearch", "docker",   "couchdb", "prometheus", "etcd",      "clickhouse",
    "influxdb",      "kibana",   "solr",    "jenkins",    "s3",        "grafana",
    "kubernetes",    "kubelet",  "http",    "ldap",       "memcached", "redis",
    "zookeeper",     "postgres", "mongodb", "mqtt"};

// The HTTP grabbers among them (the shared GET / goes before the first one).
const std::vector<std::string> kHttp = {"elasticsearch", "docker",     "couchdb",  "prometheus",
                                        "etcd",          "clickhouse", "influxdb", "kibana",
                                        "solr",          "jenkins",    "s3",       "grafana",
                                        "kubernetes",    "kubelet",    "http"};

// The plan a port should get: its usual protocol (if any), the greeting stage (plaintext
// only), then every fallback but the usual one, the first HTTP one after the shared GET /.
std::vector<std::string> expected(std::string usual, bool tls = false) {
    std::string suffix = tls ? "/tls" : "";
    std::vector<std::string> out;
    if (!usual.empty()) out.push_back(usual + suffix);
    if (!tls) out.push_back("greeting");
    bool root = false;
    for (const auto& f : kFallbacks) {
        if (f == usual) continue;
        if (!root && std::find(kHttp.begin(), kHttp.end(), f) != kHttp.end()) {
            out.push_back("http-root" + suffix);
            root = true;
        }
        out.push_back(f + suffix);
    }
    return out;
}

TEST(CandidateOrder, UsualProtocolThenGreetingThenFallbacks) {
    auto specs = grab::all_grabbers();
    EXPECT_EQ(names(plan_candidates(6379, specs, false)), expected("redis"));
    EXPECT_EQ(names(plan_candidates(11211, specs, false)), expected("memcached"));
    EXPECT_EQ(names(plan_candidates(80, specs, false)), expected("http"));
    EXPECT_EQ(names(plan_candidates(9200, specs, false)), expected("elasticsearch"));
}

TEST(CandidateOrder, ServerFirstProtocolsAreTriedOnTheirPortsAndAtTheGreeting) {
    EXPECT_EQ(names(plan_candidates(3306, grab::all_grabbers(), false)), expected("mysql"));
}

TEST(CandidateOrder, UnknownPortStartsWithTheGreeting) {
    EXPECT_EQ(names(plan_candidates(31337, grab::all_grabbers(), false)), expected(""));
}

TEST(CandidateOrder, WithoutTheSharedGetEveryHttpProductAsksItself) {
    auto plan = names(plan_candidates(31337, grab::all_grabbers(), false, false));
    EXPECT_EQ(std::count(plan.begin(), plan.end(), "http-root"), 0);
    EXPECT_EQ(plan.size(), expected("").size() - 1);
}

TEST(CandidateOrder, InsideTlsThereIsNoGreetingStage) {
    EXPECT_EQ(names(plan_candidates(6380, grab::all_grabbers(), true)), expected("redis", true));
}

TEST(CandidateOrder, TlsPorts) {
    for (uint16_t p : {443, 8443, 6380, 993, 2376}) EXPECT_TRUE(usually_tls(p)) << p;
    for (uint16_t p : {80, 6379, 11211, 8080}) EXPECT_FALSE(usually_tls(p)) << p;
}

TEST(Limits, NamedDefaultsMatchTheReliabilityPlan) {
    EXPECT_EQ(kReadIdleTimeoutNs, 10'000'000'000);
    EXPECT_EQ(kSessionDeadlineNs, 30'000'000'000);
    EXPECT_EQ(kGreetingWaitNs, 1'000'000'000);
    EXPECT_EQ(kGrabConnectTimeoutNs, 5'000'000'000);
    EXPECT_EQ(kMaxBannerBytes, 64u * 1024);
    GrabOptions o;
    EXPECT_EQ(o.max_input_bytes, kMaxBannerBytes);
}

}  // namespace
}  // namespace sl::scan
