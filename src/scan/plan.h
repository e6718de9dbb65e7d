// ScanPlan: everything that decides which (ip, port) pairs a scan probes, and in what order.
// It is immutable once built and shared read-only by the worker threads.
#pragma once

#include <cstdint>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "scan/permutation.h"
#include "scan/scope.h"

namespace sl::scan {

struct Pair {
    IpAddr ip;
    uint16_t port = 0;
};

class ScanPlan {
  public:
    // hosts must be non-empty and ports non-empty; their product must not exceed kMaxScanPairs.
    static Result<ScanPlan> create(HostIndex hosts, std::vector<uint16_t> ports, uint64_t seed,
                                   Shard shard);

    uint64_t pair_count() const { return pair_count_; }
    Pair pair_at(uint64_t index) const;
    const HostIndex& hosts() const { return hosts_; }
    const std::vector<uint16_t>& ports() const { return ports_; }
    const CyclicGroup& group() const { return group_; }
    Shard shard() const { return shard_; }
    uint64_t seed() const { return seed_; }
    // Cycle positions owned by this plan's shard.
    uint64_t shard_positions() const { return shard_length(group_, shard_); }
    // Expected number of pairs in this shard (exact when there is one shard).
    uint64_t shard_pairs_estimate() const;

  private:
    HostIndex hosts_;
    std::vector<uint16_t> ports_;
    CyclicGroup group_;
    Shard shard_;
    uint64_t seed_ = 0;
    uint64_t pair_count_ = 0;
};

}  // namespace sl::scan
