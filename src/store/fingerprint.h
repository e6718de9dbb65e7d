// What defines a change (DESIGN.md section 8, "Change, not repetition"). A service's state
// fingerprint is a versioned hash over the state fields below and the sorted set of its finding
// rules; the volatile fields never enter it. A finding's fingerprint is a versioned hash of its
// identity (ip, port, transport, rule), stable across scans and upgrades.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sl::store {

using Json = nlohmann::ordered_json;

// The record fields whose change is a new state (a new observation row).
inline constexpr std::array<std::string_view, 6> kStateFields = {
    "protocol", "product", "version", "access", "tls", "tls_cert.sha256"};

// Fields that change from one sighting to the next without the service changing. They never
// enter a fingerprint, and `diff` and the monitor never report them as changes. This is the one
// place they are listed.
inline constexpr std::array<std::string_view, 17> kVolatileFields = {"type",
                                                                     "scan_id",
                                                                     "time",
                                                                     "rtt_ms",
                                                                     "redis.used_memory",
                                                                     "redis.keys",
                                                                     "redis.databases",
                                                                     "memcached.curr_items",
                                                                     "memcached.bytes",
                                                                     "memcached.uptime",
                                                                     "memcached.curr_connections",
                                                                     "elasticsearch.docs",
                                                                     "mqtt.clients_connected",
                                                                     "mqtt.subscriptions",
                                                                     "mqtt.retained_messages",
                                                                     "data.bytes",
                                                                     "data.rows"};

// True for a field listed in kVolatileFields, by its dotted name.
inline bool is_volatile(std::string_view dotted) {
    for (auto f : kVolatileFields)
        if (f == dotted) return true;
    return false;
}

// A field by dotted name from a record in the NDJSON contract form (nested objects).
const Json* find_dotted(const Json& record, std::string_view dotted);

// "v1:" and 32 hex digits of SHA-256 over the state fields and the rules, in canonical form.
std::string state_fingerprint(const Json& service, const std::set<std::string>& rules);
// The same in two steps, for callers that learn the rules later: the state fields' canonical
// form, then the fingerprint over it and the rules (sorted, distinct).
std::string state_canonical(const Json& service);
std::string state_fingerprint(std::string canonical, const std::vector<std::string>& rules);
// "v1:" and 32 hex digits of SHA-256 over (ip, port, transport, rule).
std::string finding_fingerprint(std::string_view ip, int64_t port, std::string_view transport,
                                std::string_view rule);

}  // namespace sl::store
