#include "scan/grab_runner.h"

#include <gtest/gtest.h>

#include "grab/registry.h"

namespace sl::scan {
namespace {

std::vector<std::string> names(const std::vector<Candidate>& plan) {
    std::vector<std::string> out;
    for (const auto& c : plan)
        out.push_back(std::string(c.spec ? c.spec->name : "greeting") + (c.tls ? "/tls" : ""));
    return out;
}

TEST(CandidateOrder, UsualProtocolThenGreetingThenFallbacks) {
    auto specs = grab::all_grabbers();
    EXPECT_EQ(names(plan_candidates(6379, specs, false)),
              (std::vector<std::string>{"redis", "greeting", "elasticsearch", "docker", "couchdb",
                                        "prometheus", "etcd", "http", "memcached", "postgres",
                                        "mongodb"}));
    EXPECT_EQ(
        names(plan_candidates(11211, specs, false)),
        (std::vector<std::string>{"memcached", "greeting", "elasticsearch", "docker", "couchdb",
                                  "prometheus", "etcd", "http", "redis", "postgres", "mongodb"}));
    EXPECT_EQ(names(plan_candidates(80, specs, false)),
              (std::vector<std::string>{"http", "greeting", "elasticsearch", "docker", "couchdb",
                                        "prometheus", "etcd", "redis", "memcached", "postgres",
                                        "mongodb"}));
}

TEST(CandidateOrder, ServerFirstProtocolsAreTriedOnTheirPortsAndAtTheGreeting) {
    EXPECT_EQ(names(plan_candidates(3306, grab::all_grabbers(), false)),
              (std::vector<std::string>{"mysql", "greeting", "elasticsearch", "docker", "couchdb",
                                        "prometheus", "etcd", "http", "redis", "memcached",
                                        "postgres", "mongodb"}));
}

TEST(CandidateOrder, UnknownPortStartsWithTheGreeting) {
    EXPECT_EQ(
        names(plan_candidates(31337, grab::all_grabbers(), false)),
        (std::vector<std::string>{"greeting", "elasticsearch", "docker", "couchdb", "prometheus",
                                  "etcd", "http", "redis", "memcached", "postgres", "mongodb"}));
}

TEST(CandidateOrder, InsideTlsThereIsNoGreetingStage) {
    EXPECT_EQ(names(plan_candidates(6380, grab::all_grabbers(), true)),
              (std::vector<std::string>{"redis/tls", "elasticsearch/tls", "docker/tls",
                                        "couchdb/tls", "prometheus/tls", "etcd/tls", "http/tls",
                                        "memcached/tls", "postgres/tls", "mongodb/tls"}));
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
