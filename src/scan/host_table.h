// The per-host table (DESIGN.md section 2, item 2): the one concurrent map of counters the
// workers share. It decides the honeypot flag of section 7: a host is suspected when 8 or more
// distinct protocols answer `open` on it, or when more than 100 of its ports are open. The flag
// is decided once per host, by the call that crosses the threshold, so exactly one `host`
// record is written for it. It also holds the per-host grab budget (RELIABILITY.md section 1):
// at most kMaxGrabSessionsPerHost open ports of one host are grabbed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip.h"

namespace sl::scan {

// Above the honeypot threshold of open ports, so no host below it is ever capped; a
// Portspoof or LaBrea host that answers on every port costs at most this many grab sessions
// (each already capped in connections and time by the runner).
inline constexpr uint32_t kMaxGrabSessionsPerHost = 128;

struct HoneypotThresholds {
    size_t open_protocols = 8;  // flagged at this many distinct open protocols
    size_t open_ports = 100;    // flagged above this many open ports
};

// What decided a flag: the `host` record's counts.
struct HoneypotFlag {
    IpAddr ip;
    uint64_t open_ports = 0;
    std::vector<std::string> open_protocols;  // sorted
};

class HostTable {
  public:
    explicit HostTable(HoneypotThresholds t = {}) : thresholds_(t) {}
    // An open port was seen. Returns the flag if this call crossed the threshold.
    std::optional<HoneypotFlag> note_open_port(const IpAddr& ip);
    // A service on the host answered `open`. Returns the flag if this call crossed it.
    std::optional<HoneypotFlag> note_open_service(const IpAddr& ip, std::string_view protocol);
    bool flagged(const IpAddr& ip) const;
    // Takes one grab session from the host's budget; false when it is spent (the port is then
    // reported open but not grabbed).
    bool take_grab_session(const IpAddr& ip);
    uint64_t grabs_skipped() const { return skipped_.load(); }
    size_t hosts() const;

  private:
    struct Counters {
        uint64_t open_ports = 0;
        uint32_t grab_sessions = 0;
        std::vector<std::string> open_protocols;  // sorted, at most the threshold's count
        bool flagged = false;
    };
    struct Key {
        size_t operator()(const IpAddr& ip) const {
            uint64_t lo = static_cast<uint64_t>(ip.value),
                     hi = static_cast<uint64_t>(ip.value >> 64);
            return std::hash<uint64_t>()(lo ^ (hi * 31 + static_cast<uint64_t>(ip.family)));
        }
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<IpAddr, Counters, Key> hosts;
    };
    static constexpr size_t kShards = 16;
    Shard& shard_of(const IpAddr& ip) { return shards_[Key()(ip) % kShards]; }
    const Shard& shard_of(const IpAddr& ip) const { return shards_[Key()(ip) % kShards]; }
    std::optional<HoneypotFlag> check(const IpAddr& ip, Counters& c) const;

    HoneypotThresholds thresholds_;
    std::array<Shard, kShards> shards_;
    std::atomic<uint64_t> skipped_{0};
};

}  // namespace sl::scan
