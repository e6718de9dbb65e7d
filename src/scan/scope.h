// The scan scope: the set of target addresses minus excludes and the built-in blocklist, and
// an index over it so that host number i can be found without per-host state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace sl::scan {

// A set of addresses kept as sorted, disjoint, non-adjacent intervals (IPv4 before IPv6).
class AddressSet {
  public:
    AddressSet() = default;
    // Any intervals, in any order, overlapping or not; they are sorted and merged once.
    explicit AddressSet(std::vector<IpInterval> intervals);
    // The union of two sets.
    static AddressSet unite(const AddressSet& a, const AddressSet& b);
    // Removes every address of `other`.
    void subtract(const AddressSet& other);
    bool contains(const IpAddr& addr) const;
    // Number of addresses; saturates at 2^128 - 1.
    U128 size() const;
    const std::vector<IpInterval>& intervals() const { return intervals_; }
    bool empty() const { return intervals_.empty(); }

  private:
    void normalize();
    std::vector<IpInterval> intervals_;
};

struct BlocklistEntry {
    std::string_view cidr;
    std::string_view why;
};

// IANA special-purpose space that is never routable; always refused (DESIGN.md section 7).
std::span<const BlocklistEntry> builtin_blocklist_entries();
AddressSet builtin_blocklist();

// The most pairs one scan may hold: every IPv4 address on every port is 2^48.
inline constexpr uint64_t kMaxScanPairs = uint64_t{1} << 48;

// Hosts of a scope, numbered 0..host_count()-1 in address order.
class HostIndex {
  public:
    static Result<HostIndex> create(AddressSet hosts);
    uint64_t host_count() const { return total_; }
    IpAddr host_at(uint64_t index) const;
    const AddressSet& hosts() const { return hosts_; }

  private:
    AddressSet hosts_;
    std::vector<uint64_t> starts_;  // index of the first host of each interval
    uint64_t total_ = 0;
};

}  // namespace sl::scan
