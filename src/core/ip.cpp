#include "core/ip.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace sl {

namespace {

U128 host_mask(int bits, int prefix) {
    int host_bits = bits - prefix;
    if (host_bits <= 0) return 0;
    if (host_bits >= 128) return ~U128{0};
    return (U128{1} << host_bits) - 1;
}

}  // namespace

std::string IpAddr::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == Family::kV4) {
        uint32_t be = htonl(static_cast<uint32_t>(value));
        inet_ntop(AF_INET, &be, buf, sizeof buf);
    } else {
        std::array<uint8_t, 16> bytes{};
        for (int i = 0; i < 16; ++i) bytes[15 - i] = static_cast<uint8_t>(value >> (8 * i));
        inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    }
    return buf;
}

Result<IpAddr> parse_ipv4(std::string_view text) {
    uint32_t value = 0;
    size_t pos = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (pos >= text.size() || text[pos] != '.') return make_error("expected 4 octets");
            ++pos;
        }
        size_t start = pos;
        unsigned n = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4) {
            n = n * 10 + static_cast<unsigned>(text[pos] - '0');
            ++pos;
        }
        size_t len = pos - start;
        if (len == 0) return make_error("expected a decimal octet");
        if (len > 3 || n > 255) return make_error("octet out of range 0-255");
        if (len > 1 && text[start] == '0') return make_error("octet has a leading zero");
        value = (value << 8) | n;
    }
    if (pos != text.size()) return make_error("unexpected characters after the address");
    return IpAddr::v4(value);
}

Result<IpAddr> parse_ipv6(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return make_error("not an IPv6 address");
    if (text.find('%') != std::string_view::npos) return make_error("zone ids are not supported");
    char buf[INET6_ADDRSTRLEN] = {};
    std::memcpy(buf, text.data(), text.size());
    std::array<uint8_t, 16> bytes{};
    if (inet_pton(AF_INET6, buf, bytes.data()) != 1) return make_error("not an IPv6 address");
    U128 value = 0;
    for (uint8_t b : bytes) value = (value << 8) | b;
    return IpAddr::v6(value);
}

Result<IpAddr> parse_ip(std::string_view text) {
    if (text.find(':') != std::string_view::npos) return parse_ipv6(text);
    return parse_ipv4(text);
}

IpInterval cidr_interval(IpAddr addr, int prefix) {
    U128 mask = host_mask(addr.bits(), prefix);
    return {addr.family, addr.value & ~mask, addr.value | mask};
}

std::string interval_to_string(const IpInterval& interval) {
    int bits = interval.family == Family::kV4 ? 32 : 128;
    for (int prefix = 0; prefix <= bits; ++prefix) {
        U128 mask = host_mask(bits, prefix);
        if ((interval.first & mask) == 0 && (interval.first | mask) == interval.last) {
            IpAddr a{interval.family, interval.first};
            if (prefix == bits) return a.to_string();
            return a.to_string() + "/" + std::to_string(prefix);
        }
    }
    return IpAddr{interval.family, interval.first}.to_string() + "-" +
           IpAddr{interval.family, interval.last}.to_string();
}

}  // namespace sl
