#include "scan/scope.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "scan/target_spec.h"

namespace sl::scan {

namespace {

bool before(const IpInterval& a, const IpInterval& b) {
    if (a.family != b.family) return a.family == Family::kV4;
    return a.first < b.first;
}

constexpr std::array<BlocklistEntry, 6> kBlocklist = {{
    {"0.0.0.0/8", "this network (RFC 791)"},
    {"224.0.0.0/4", "multicast (RFC 5771)"},
    {"240.0.0.0/4", "reserved (RFC 1112)"},
    {"255.255.255.255/32", "limited broadcast (RFC 919)"},
    {"::/128", "unspecified address (RFC 4291)"},
    {"ff00::/8", "multicast (RFC 4291)"},
}};

}  // namespace

AddressSet::AddressSet(std::vector<IpInterval> intervals) : intervals_(std::move(intervals)) {
    normalize();
}

AddressSet AddressSet::unite(const AddressSet& a, const AddressSet& b) {
    std::vector<IpInterval> all = a.intervals_;
    all.insert(all.end(), b.intervals_.begin(), b.intervals_.end());
    return AddressSet(std::move(all));
}

void AddressSet::normalize() {
    std::sort(intervals_.begin(), intervals_.end(), before);
    std::vector<IpInterval> merged;
    for (const IpInterval& i : intervals_) {
        if (!merged.empty()) {
            IpInterval& last = merged.back();
            bool touches =
                last.family == i.family && (i.first <= last.last || i.first - 1 == last.last);
            if (touches) {
                last.last = std::max(last.last, i.last);
                continue;
            }
        }
        merged.push_back(i);
    }
    intervals_ = std::move(merged);
}

void AddressSet::subtract(const AddressSet& other) {
    std::vector<IpInterval> out;
    size_t j = 0;
    const auto& cut = other.intervals_;
    for (IpInterval cur : intervals_) {
        // Skip cut intervals wholly before cur.
        while (j < cut.size() &&
               (before(cut[j], cur) && (cut[j].family != cur.family || cut[j].last < cur.first)))
            ++j;
        size_t k = j;
        bool alive = true;
        while (alive && k < cut.size() && cut[k].family == cur.family && cut[k].first <= cur.last) {
            const IpInterval& c = cut[k];
            if (c.last < cur.first) {
                ++k;
                continue;
            }
            if (c.first > cur.first) out.push_back({cur.family, cur.first, c.first - 1});
            if (c.last >= cur.last) {
                alive = false;
            } else {
                cur.first = c.last + 1;
            }
            ++k;
        }
        if (alive) out.push_back(cur);
    }
    intervals_ = std::move(out);
}

bool AddressSet::contains(const IpAddr& addr) const {
    IpInterval probe{addr.family, addr.value, addr.value};
    auto it = std::upper_bound(intervals_.begin(), intervals_.end(), probe, before);
    if (it == intervals_.begin()) return false;
    --it;
    return it->family == addr.family && it->first <= addr.value && addr.value <= it->last;
}

U128 AddressSet::size() const {
    U128 total = 0;
    for (const IpInterval& i : intervals_) {
        U128 n = i.last - i.first;  // size - 1, cannot overflow
        if (total + n < total || total + n + 1 == 0) return ~U128{0};
        total += n + 1;
    }
    return total;
}

std::span<const BlocklistEntry> builtin_blocklist_entries() { return kBlocklist; }

AddressSet builtin_blocklist() {
    std::vector<IpInterval> intervals;
    for (const BlocklistEntry& e : kBlocklist) {
        auto interval = parse_exclude(e.cidr);
        SL_CHECK(interval.ok(), "built-in blocklist entry must parse");
        intervals.push_back(*interval);
    }
    return AddressSet(std::move(intervals));
}

Result<HostIndex> HostIndex::create(AddressSet hosts) {
    HostIndex index;
    U128 total = 0;
    for (const IpInterval& i : hosts.intervals()) {
        index.starts_.push_back(static_cast<uint64_t>(total));
        total += i.size();
        if (total > kMaxScanPairs)
            return make_error(fmt::format("scope holds more than {} addresses", kMaxScanPairs));
    }
    index.total_ = static_cast<uint64_t>(total);
    index.hosts_ = std::move(hosts);
    return index;
}

IpAddr HostIndex::host_at(uint64_t index) const {
    SL_CHECK(index < total_, "host index out of range");
    auto it = std::upper_bound(starts_.begin(), starts_.end(), index);
    size_t k = static_cast<size_t>(it - starts_.begin()) - 1;
    const IpInterval& i = hosts_.intervals()[k];
    return IpAddr{i.family, i.first + (index - starts_[k])};
}

}  // namespace sl::scan
