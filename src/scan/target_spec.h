// Targets and excludes as the user writes them: addresses, CIDRs, ranges, hostnames and list
// files. Parsing is pure (no DNS); hostnames are resolved later by net::resolve_host.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip.h"
#include "core/result.h"

namespace sl::scan {

// IPv6 targets larger than this many addresses are refused: they cannot be enumerated.
inline constexpr int kMaxIpv6TargetBits = 32;
// Lines of -iL and --exclude-file files longer than this are refused.
inline constexpr size_t kMaxListLineBytes = 4096;

struct TargetSpec {
    std::optional<IpInterval> interval;  // set for addresses, CIDRs and ranges
    std::string hostname;                // set otherwise
};

// One target token: 10.0.0.1, 10.0.0.0/24, 10.0.0.1-10.0.0.9, 10.0.0.1-9, ::1, 2001:db8::/120,
// [::1], or a hostname. The error says what is wrong, without position.
Result<TargetSpec> parse_target(std::string_view token);
// One exclude token: like a target, but hostnames are refused and IPv6 prefixes of any size
// are allowed.
Result<IpInterval> parse_exclude(std::string_view token);

// A token found in a list text, with its 1-based line and column.
struct ListToken {
    std::string_view text;
    size_t line = 0;
    size_t column = 0;
};

// Splits one line of a list file into tokens (whitespace or commas; '#' starts a comment).
void split_list_line(std::string_view line, size_t line_number,
                     const std::function<void(const ListToken&)>& on_token);

// Reads a list file (or "-" for stdin) line by line, calling on_token for each token.
// Errors: unreadable file, or a line longer than kMaxListLineBytes (with its position).
Status read_list_file(const std::string& path,
                      const std::function<Status(const ListToken&)>& on_token);

}  // namespace sl::scan
