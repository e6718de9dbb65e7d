#include "scan/host_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sl::scan {
namespace {

const IpAddr kHost = IpAddr::v4(0x0a000001);

TEST(HostTable, EightDistinctOpenProtocolsFlagOnce) {
    HostTable t;
    const char* protocols[] = {
        "redis", "redis", "http",  "ftp", "mqtt",
        "ldap",  "vnc",   "rsync", "etcd"};  // the 9th call is the 8th protocol
    for (size_t i = 0; i + 1 < std::size(protocols); ++i)
        EXPECT_FALSE(t.note_open_service(kHost, protocols[i])) << i;
    EXPECT_FALSE(t.flagged(kHost));
    auto flag = t.note_open_service(kHost, "etcd");
    ASSERT_TRUE(flag);
    EXPECT_EQ(flag->open_protocols.size(), 8u);
    EXPECT_EQ(flag->open_protocols.front(), "etcd");  // sorted
    EXPECT_TRUE(t.flagged(kHost));
    EXPECT_FALSE(t.note_open_service(kHost, "smtp"));  // decided once
    EXPECT_FALSE(t.flagged(IpAddr::v4(0x0a000002)));
}

TEST(HostTable, MoreThanAHundredOpenPorts) {
    HostTable t;
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(t.note_open_port(kHost));
    auto flag = t.note_open_port(kHost);
    ASSERT_TRUE(flag);
    EXPECT_EQ(flag->open_ports, 101u);
    EXPECT_FALSE(t.note_open_port(kHost));
}

TEST(HostTable, GrabBudgetPerHost) {
    HostTable t;
    for (uint32_t i = 0; i < kMaxGrabSessionsPerHost; ++i) EXPECT_TRUE(t.take_grab_session(kHost));
    EXPECT_FALSE(t.take_grab_session(kHost));
    EXPECT_FALSE(t.take_grab_session(kHost));
    EXPECT_TRUE(t.take_grab_session(IpAddr::v4(0x0a000002)));  // another host's own budget
    EXPECT_EQ(t.grabs_skipped(), 2u);
}

TEST(HostTable, FamiliesAreDistinctHosts) {
    HostTable t({2, 100});
    EXPECT_FALSE(t.note_open_service(IpAddr::v4(1), "redis"));
    EXPECT_FALSE(t.note_open_service(IpAddr::v6(1), "http"));
    EXPECT_EQ(t.hosts(), 2u);
}

TEST(HostTable, ConcurrentWorkersCrossExactlyOnce) {
    HostTable t;
    std::atomic<int> flags{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                for (uint32_t h = 0; h < 8; ++h)
                    if (t.note_open_port(IpAddr::v4(h))) ++flags;
        });
    for (auto& w : workers) w.join();
    EXPECT_EQ(flags.load(), 8);  // one per host
    EXPECT_EQ(t.hosts(), 8u);
}

}  // namespace
}  // namespace sl::scan
