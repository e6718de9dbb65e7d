#include "scan/port_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>

namespace sl::scan {

namespace {

// Default ports of every row of CATALOGUE.md (data stores, brokers, file shares, remote access,
// mail, web), plus SSH.
constexpr auto kExposurePorts = std::to_array<uint16_t>({
    21,    22,    23,    25,    80,    110,   111,   139,   143,  389,  443,  445,  465,
    587,   636,   873,   990,   993,   995,   1883,  2049,  2121, 2181, 2222, 2323, 2375,
    2376,  2379,  2380,  2525,  3000,  3268,  3306,  5432,  5601, 5671, 5672, 5800, 5900,
    5901,  5902,  5903,  5904,  5905,  5906,  5907,  5908,  5909, 5910, 5984, 6379, 6380,
    6443,  6984,  8000,  8008,  8080,  8081,  8083,  8084,  8086, 8088, 8123, 8443, 8883,
    8888,  8983,  9000,  9001,  9042,  9090,  9160,  9200,  9201, 9300, 9440, 9870, 10250,
    10255, 11211, 14000, 15672, 27017, 27018, 27019, 50070,
});

// nmap's 100 most frequent TCP ports (nmap-services, nmap 7.93).
constexpr auto kTop100Ports = std::to_array<uint16_t>({
    7,    9,     13,    21,    22,    23,    25,    26,    37,    53,   79,   80,   81,
    88,   106,   110,   111,   113,   119,   135,   139,   143,   144,  179,  199,  389,
    427,  443,   444,   445,   465,   513,   514,   515,   543,   544,  548,  554,  587,
    631,  646,   873,   990,   993,   995,   1025,  1026,  1027,  1028, 1029, 1110, 1433,
    1720, 1723,  1755,  1900,  2000,  2001,  2049,  2121,  2717,  3000, 3128, 3306, 3389,
    3986, 4899,  5000,  5009,  5051,  5060,  5101,  5190,  5357,  5432, 5631, 5666, 5800,
    5900, 6000,  6001,  6646,  7070,  8000,  8008,  8009,  8080,  8081, 8443, 8888, 9100,
    9999, 10000, 32768, 49152, 49153, 49154, 49155, 49156, 49157,
});

Result<uint32_t> parse_number(std::string_view s) {
    if (s.empty()) return make_error("expected a port number");
    if (s.size() > 5) return make_error("port out of range 1-65535");
    uint32_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return make_error("expected a port number");
        n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (n < 1 || n > 65535) return make_error("port out of range 1-65535");
    return n;
}

using PortSet = std::bitset<65536>;

Status add_item(std::string_view item, PortSet& out) {
    if (item == "exposure" || item == "top100") {
        for (uint16_t p : item == "exposure" ? std::span<const uint16_t>(kExposurePorts)
                                             : std::span<const uint16_t>(kTop100Ports))
            out.set(p);
        return Ok{};
    }
    uint32_t lo = 0;
    uint32_t hi = 0;
    size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
        auto n = parse_number(item);
        if (!n) return n.error();
        lo = hi = *n;
    } else {
        std::string_view a = item.substr(0, dash);
        std::string_view b = item.substr(dash + 1);
        auto first = a.empty() ? Result<uint32_t>(1u) : parse_number(a);
        if (!first) return first.error();
        auto last = b.empty() ? Result<uint32_t>(65535u) : parse_number(b);
        if (!last) return last.error();
        if (*last < *first) return make_error("range end is below its start");
        lo = *first;
        hi = *last;
    }
    for (uint32_t p = lo; p <= hi; ++p) out.set(p);
    return Ok{};
}

}  // namespace

std::span<const uint16_t> exposure_ports() { return kExposurePorts; }
std::span<const uint16_t> top100_ports() { return kTop100Ports; }

Result<std::vector<uint16_t>> parse_ports(std::string_view text) {
    PortSet set;
    if (text.empty()) return make_error("empty port list");
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string_view item = text.substr(start, comma - start);
        if (auto s = add_item(item, set); !s)
            return make_error(fmt::format("bad port item '{}' at column {}: {}", item, start + 1,
                                          s.error().message));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    std::vector<uint16_t> ports;
    ports.reserve(set.count());
    for (uint32_t p = 1; p < set.size(); ++p)
        if (set.test(p)) ports.push_back(static_cast<uint16_t>(p));
    return ports;
}

}  // namespace sl::scan
