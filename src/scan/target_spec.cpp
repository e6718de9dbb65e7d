#include "scan/target_spec.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sl::scan {

namespace {

bool is_hostname(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    size_t label = 0;
    bool has_alpha = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '_') return false;
        if ((c == '-' && label == 0) || ++label > 63) return false;
        if (!(c >= '0' && c <= '9') && c != '.') has_alpha = true;
    }
    return has_alpha && s.back() != '-';
}

Result<int> parse_prefix(std::string_view text, int bits) {
    if (text.empty() || text.size() > 3) return make_error("prefix length must be a number");
    int n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return make_error("prefix length must be a number");
        n = n * 10 + (c - '0');
    }
    if (n > bits) return make_error(fmt::format("prefix length {} is over {}", n, bits));
    return n;
}

Result<IpInterval> parse_cidr(std::string_view text, size_t slash) {
    auto addr = parse_ip(text.substr(0, slash));
    if (!addr) return addr.error();
    auto prefix = parse_prefix(text.substr(slash + 1), addr->bits());
    if (!prefix) return prefix.error();
    return cidr_interval(*addr, *prefix);
}

// "a-b" where a is an address and b is an address of the same family or, for IPv4, the last
// octet alone (10.0.0.1-20).
Result<IpInterval> parse_range(std::string_view text, size_t dash) {
    auto first = parse_ip(text.substr(0, dash));
    if (!first) return first.error();
    std::string_view rest = text.substr(dash + 1);
    Result<IpAddr> last = make_error("");
    if (first->family == Family::kV4 && rest.find('.') == std::string_view::npos) {
        auto octet = parse_ipv4("0.0.0." + std::string(rest));
        if (!octet) return make_error("range end must be an address or an octet 0-255");
        last = IpAddr::v4(static_cast<uint32_t>((first->value & ~U128{0xff}) | octet->value));
    } else {
        last = parse_ip(rest);
        if (!last) return make_error(fmt::format("range end: {}", last.error().message));
    }
    if (last->family != first->family) return make_error("range ends are of different families");
    if (last->value < first->value) return make_error("range end is below its start");
    return IpInterval{first->family, first->value, last->value};
}

Result<IpInterval> parse_interval(std::string_view token) {
    if (size_t slash = token.find('/'); slash != std::string_view::npos)
        return parse_cidr(token, slash);
    bool v6 = token.find(':') != std::string_view::npos;
    if (size_t dash = token.find('-'); dash != std::string_view::npos) {
        return parse_range(token, dash);
    }
    auto addr = v6 ? parse_ipv6(token) : parse_ipv4(token);
    if (!addr) return addr.error();
    return IpInterval{addr->family, addr->value, addr->value};
}

bool looks_numeric(std::string_view token) {
    for (char c : token)
        if (!((c >= '0' && c <= '9') || c == '.' || c == '/' || c == '-')) return false;
    return true;
}

}  // namespace

Result<TargetSpec> parse_target(std::string_view token) {
    if (token.empty()) return make_error("empty target");
    bool ip_like = looks_numeric(token) || token.find(':') != std::string_view::npos;
    if (!ip_like) {
        if (!is_hostname(token)) return make_error("not an address, CIDR, range or hostname");
        return TargetSpec{std::nullopt, std::string(token)};
    }
    auto interval = parse_interval(token);
    if (!interval) return interval.error();
    if (interval->family == Family::kV6) {
        U128 span = interval->last - interval->first;
        if ((span >> kMaxIpv6TargetBits) != 0)
            return make_error(
                fmt::format("IPv6 target holds more than 2^{} addresses and cannot be enumerated; "
                            "give a hit list of addresses with -iL FILE",
                            kMaxIpv6TargetBits));
    }
    return TargetSpec{*interval, {}};
}

Result<IpInterval> parse_exclude(std::string_view token) {
    if (token.empty()) return make_error("empty exclude");
    if (!looks_numeric(token) && token.find(':') == std::string_view::npos)
        return make_error("excludes take addresses, CIDRs or ranges, not hostnames");
    return parse_interval(token);
}

void split_list_line(std::string_view line, size_t line_number,
                     const std::function<void(const ListToken&)>& on_token) {
    size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == '#') return;
        if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\v' || c == '\f') {
            ++i;
            continue;
        }
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != ',' &&
               line[i] != '#' && line[i] != '\r' && line[i] != '\v' && line[i] != '\f')
            ++i;
        on_token({line.substr(start, i - start), line_number, start + 1});
    }
}

Status read_list_file(const std::string& path,
                      const std::function<Status(const ListToken&)>& on_token) {
    struct Closer {
        void operator()(FILE* f) const {
            if (f != stdin) std::fclose(f);
        }
    };
    std::unique_ptr<FILE, Closer> file(path == "-" ? stdin : std::fopen(path.c_str(), "rb"));
    if (!file) return make_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    std::string line;
    size_t line_number = 1;
    Status status = Ok{};
    auto flush_line = [&]() -> Status {
        Status result = Ok{};
        split_list_line(line, line_number, [&](const ListToken& t) {
            if (result.ok()) result = on_token(t);
        });
        line.clear();
        ++line_number;
        return result;
    };
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
        for (size_t i = 0; i < n; ++i) {
            if (buf[i] == '\n') {
                if (auto s = flush_line(); !s) return s;
                continue;
            }
            if (line.size() >= kMaxListLineBytes)
                return make_error(fmt::format("{}:{}: line is longer than {} bytes", path,
                                              line_number, kMaxListLineBytes));
            line.push_back(buf[i]);
        }
    }
    if (std::ferror(file.get()))
        return make_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    if (!line.empty()) return flush_line();
    return status;
}

}  // namespace sl::scan
