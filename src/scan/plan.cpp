#include "scan/plan.h"

#include <fmt/format.h>

namespace sl::scan {

Result<ScanPlan> ScanPlan::create(HostIndex hosts, std::vector<uint16_t> ports, uint64_t seed,
                                  Shard shard) {
    SL_CHECK(hosts.host_count() > 0 && !ports.empty(), "a plan needs hosts and ports");
    if (shard.count == 0 || shard.index >= shard.count)
        return make_error(fmt::format("shard {}/{} does not exist", shard.index, shard.count));
    U128 pairs = static_cast<U128>(hosts.host_count()) * ports.size();
    if (pairs > kMaxScanPairs)
        return make_error(fmt::format("{} hosts x {} ports is more than {} pairs",
                                      hosts.host_count(), ports.size(), kMaxScanPairs));
    ScanPlan plan;
    plan.pair_count_ = static_cast<uint64_t>(pairs);
    plan.hosts_ = std::move(hosts);
    plan.ports_ = std::move(ports);
    plan.group_ = CyclicGroup::create(plan.pair_count_, seed);
    plan.shard_ = shard;
    plan.seed_ = seed;
    return plan;
}

Pair ScanPlan::pair_at(uint64_t index) const {
    uint64_t n = ports_.size();
    return Pair{hosts_.host_at(index / n), ports_[index % n]};
}

uint64_t ScanPlan::shard_pairs_estimate() const {
    if (shard_.count == 1) return pair_count_;
    U128 est = static_cast<U128>(shard_positions()) * pair_count_ / (group_.prime() - 1);
    return static_cast<uint64_t>(est);
}

}  // namespace sl::scan
