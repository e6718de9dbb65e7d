#include "scan/port_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "grab/registry.h"

namespace sl::scan {
namespace {

TEST(ParsePorts, ListsRangesAndDedup) {
    auto p = parse_ports("80,22,80,1000-1002");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, (std::vector<uint16_t>{22, 80, 1000, 1001, 1002}));
    EXPECT_EQ(parse_ports("-")->size(), 65535u);
    EXPECT_EQ(parse_ports("-3")->size(), 3u);
    EXPECT_EQ(parse_ports("65530-")->size(), 6u);
    EXPECT_EQ(*parse_ports("65535"), std::vector<uint16_t>{65535});
}

// The default profile must reach every service a grabber knows, on its usual ports.
TEST(ParsePorts, ExposureCoversEveryGrabbersPorts) {
    auto exposure = exposure_ports();
    for (const auto& spec : grab::all_grabbers())
        for (uint16_t port : spec.ports)
            EXPECT_TRUE(std::find(exposure.begin(), exposure.end(), port) != exposure.end())
                << spec.name << " port " << port;
}

TEST(ParsePorts, Profiles) {
    EXPECT_EQ(top100_ports().size(), 100u);
    EXPECT_TRUE(std::is_sorted(top100_ports().begin(), top100_ports().end()));
    EXPECT_TRUE(std::is_sorted(exposure_ports().begin(), exposure_ports().end()));
    auto e = parse_ports("exposure");
    ASSERT_TRUE(e.ok());
    for (uint16_t port : {6379, 9200, 27017, 11211, 5432, 3306, 2375, 21, 873, 5900, 389})
        EXPECT_TRUE(std::binary_search(e->begin(), e->end(), port)) << port;
    auto both = parse_ports("top100,exposure,1");
    ASSERT_TRUE(both.ok());
    EXPECT_TRUE(std::is_sorted(both->begin(), both->end()));
}

TEST(ParsePorts, ErrorsNameTheItemAndColumn) {
    auto p = parse_ports("22,80x,443");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, "bad port item '80x' at column 4: expected a port number");
    for (const char* bad : {"", "0", "65536", "99999999", "80,", ",80", "90-80", "1-2-3",
                            "exposures", " 80", "80 ", "-0", "0-5"}) {
        EXPECT_FALSE(parse_ports(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace sl::scan
