#include "scan/host_table.h"

#include <algorithm>

namespace sl::scan {

std::optional<HoneypotFlag> HostTable::check(const IpAddr& ip, Counters& c) const {
    if (c.flagged) return std::nullopt;
    if (c.open_ports <= thresholds_.open_ports &&
        c.open_protocols.size() < thresholds_.open_protocols)
        return std::nullopt;
    c.flagged = true;
    return HoneypotFlag{ip, c.open_ports, c.open_protocols};
}

std::optional<HoneypotFlag> HostTable::note_open_port(const IpAddr& ip) {
    Shard& s = shard_of(ip);
    std::lock_guard lock(s.mutex);
    Counters& c = s.hosts[ip];
    ++c.open_ports;
    return check(ip, c);
}

std::optional<HoneypotFlag> HostTable::note_open_service(const IpAddr& ip,
                                                         std::string_view protocol) {
    Shard& s = shard_of(ip);
    std::lock_guard lock(s.mutex);
    Counters& c = s.hosts[ip];
    auto& list = c.open_protocols;
    auto at = std::lower_bound(list.begin(), list.end(), protocol);
    // Beyond the threshold the exact list no longer matters: the memory per host stays bounded.
    if ((at == list.end() || *at != protocol) && list.size() < thresholds_.open_protocols)
        list.insert(at, std::string(protocol));
    return check(ip, c);
}

bool HostTable::take_grab_session(const IpAddr& ip) {
    Shard& s = shard_of(ip);
    std::lock_guard lock(s.mutex);
    Counters& c = s.hosts[ip];
    if (c.grab_sessions >= kMaxGrabSessionsPerHost) {
        ++skipped_;
        return false;
    }
    ++c.grab_sessions;
    return true;
}

bool HostTable::flagged(const IpAddr& ip) const {
    const Shard& s = shard_of(ip);
    std::lock_guard lock(s.mutex);
    auto it = s.hosts.find(ip);
    return it != s.hosts.end() && it->second.flagged;
}

size_t HostTable::hosts() const {
    size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mutex);
        n += s.hosts.size();
    }
    return n;
}

}  // namespace sl::scan
