#include "scan/targets.h"

#include <fmt/format.h>

#include "scan/target_spec.h"

namespace sl::scan {

namespace {

struct NamedHost {
    std::string name;
    std::string where;
};

struct Parsed {
    std::vector<IpInterval> target_intervals;
    std::vector<NamedHost> hostnames;
    std::vector<IpInterval> exclude_intervals;
};

Error located(std::string_view where, std::string_view kind, std::string_view token,
              const Error& e) {
    return make_error(fmt::format("{}: bad {} '{}': {}", where, kind, token, e.message));
}

Status add_target(std::string_view token, const std::string& where, Parsed& out) {
    auto spec = parse_target(token);
    if (!spec) return located(where, "target", token, spec.error());
    if (spec->interval)
        out.target_intervals.push_back(*spec->interval);
    else
        out.hostnames.push_back({spec->hostname, where});
    return Ok{};
}

Status add_exclude(std::string_view token, const std::string& where, Parsed& out) {
    auto interval = parse_exclude(token);
    if (!interval) return located(where, "exclude", token, interval.error());
    out.exclude_intervals.push_back(*interval);
    return Ok{};
}

using AddFn = Status (*)(std::string_view, const std::string&, Parsed&);

Status add_file(const std::string& path, AddFn add, Parsed& out) {
    return read_list_file(path, [&](const ListToken& t) {
        return add(t.text, fmt::format("{}:{}:{}", path, t.line, t.column), out);
    });
}

Status parse_all(const TargetInputs& in, Parsed& out) {
    for (size_t i = 0; i < in.targets.size(); ++i)
        if (auto s = add_target(in.targets[i], fmt::format("argument {}", i + 1), out); !s)
            return s;
    for (const auto& path : in.target_files)
        if (auto s = add_file(path, add_target, out); !s) return s;
    for (size_t i = 0; i < in.excludes.size(); ++i) {
        Status status = Ok{};
        split_list_line(in.excludes[i], 1, [&](const ListToken& t) {
            if (status.ok())
                status = add_exclude(t.text, fmt::format("--exclude {}:{}", i + 1, t.column), out);
        });
        if (!status) return status;
    }
    for (const auto& path : in.exclude_files)
        if (auto s = add_file(path, add_exclude, out); !s) return s;
    return Ok{};
}

std::string format_count(U128 n) {
    if (n >> 64) return "more than 2^64";
    return fmt::format("{}", static_cast<uint64_t>(n));
}

}  // namespace

Result<Scope> build_scope(const TargetInputs& inputs, const Resolver& resolve) {
    Parsed parsed;
    if (auto s = parse_all(inputs, parsed); !s) return s.error();
    Scope scope;
    for (const NamedHost& h : parsed.hostnames) {
        auto addrs = resolve(h.name);
        if (!addrs) {
            scope.warnings.push_back(fmt::format("{}: cannot resolve '{}' ({}); skipped", h.where,
                                                 h.name, addrs.error().message));
            continue;
        }
        for (const IpAddr& a : *addrs)
            parsed.target_intervals.push_back({a.family, a.value, a.value});
    }
    AddressSet hosts(std::move(parsed.target_intervals));
    scope.requested = hosts.size();
    AddressSet excludes(std::move(parsed.exclude_intervals));
    hosts.subtract(excludes);
    scope.excluded = scope.requested - hosts.size();
    U128 before_blocklist = hosts.size();
    for (const BlocklistEntry& e : builtin_blocklist_entries()) {
        AddressSet entry(std::vector<IpInterval>{*parse_exclude(e.cidr)});
        AddressSet outside = hosts;
        outside.subtract(entry);
        U128 removed = hosts.size() - outside.size();
        if (removed == 0) continue;
        scope.warnings.push_back(
            fmt::format("{} target address(es) in {} ({}) skipped: never "
                        "routable (built-in blocklist)",
                        format_count(removed), e.cidr, e.why));
        hosts = std::move(outside);
    }
    scope.blocklisted = before_blocklist - hosts.size();
    scope.hosts = std::move(hosts);
    return scope;
}

}  // namespace sl::scan
