// IpAddr and IpInterval: IPv4 and IPv6 addresses as 128-bit integers, with strict parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl {

__extension__ typedef unsigned __int128 U128;

enum class Family : uint8_t { kV4, kV6 };

struct IpAddr {
    Family family = Family::kV4;
    U128 value = 0;  // IPv4 uses the low 32 bits

    static IpAddr v4(uint32_t v) { return {Family::kV4, v}; }
    static IpAddr v6(U128 v) { return {Family::kV6, v}; }
    int bits() const { return family == Family::kV4 ? 32 : 128; }
    bool operator==(const IpAddr&) const = default;
    std::string to_string() const;
};

// An inclusive range of addresses of one family.
struct IpInterval {
    Family family = Family::kV4;
    U128 first = 0;
    U128 last = 0;
    bool operator==(const IpInterval&) const = default;
    U128 size() const { return last - first + 1; }  // wraps to 0 only for all of IPv6
};

// Strict dotted-quad: four decimal octets, no leading zeros, no spaces.
Result<IpAddr> parse_ipv4(std::string_view text);
// IPv6 in any RFC 4291 text form (inet_pton); optional surrounding brackets; no zone id.
Result<IpAddr> parse_ipv6(std::string_view text);
// Either family, chosen by the presence of ':'.
Result<IpAddr> parse_ip(std::string_view text);

// The interval covered by `addr/prefix` (host bits ignored).
IpInterval cidr_interval(IpAddr addr, int prefix);
// CIDR text for an interval when it is exactly one prefix, otherwise "first-last".
std::string interval_to_string(const IpInterval& interval);
// The address lies in the interval (same family, first <= address <= last).
inline bool contains(const IpInterval& iv, const IpAddr& a) {
    return a.family == iv.family && a.value >= iv.first && a.value <= iv.last;
}
// 127.0.0.0/8 or ::1.
inline bool is_loopback(const IpAddr& a) {
    return a.family == Family::kV4 ? (a.value >> 24) == 127 : a.value == 1;
}

}  // namespace sl
