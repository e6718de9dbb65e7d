// The diff of one completed cycle: the events a scope's scan caused, read from the store's
// coverage-aware state (docs/monitor.md, "What becomes an event"). Reads only; the cycle writes
// the events, their deliveries and the cycle's mark in one transaction (outbox.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/config.h"
#include "monitor/event.h"
#include "store/sqlite.h"

namespace sl::monitor {

struct CycleFacts {
    std::string scan_id;
    int64_t started_ms = 0;
    int64_t ended_ms = 0;
    bool baseline = false;  // the scope's first completed cycle
};

// An event and the once-only fact it states (a certificate threshold), if any.
struct DiffEvent {
    Event event;
    std::string notice;  // a monitor_notices key written with the event; empty: none
};

// A new event of a scope: its id, type, time, scope, owner and tags.
Event scope_event(const ScopeConfig& scope, const std::string& scan_id, int64_t now_ms,
                  const std::string& type);

Result<std::vector<DiffEvent>> diff_cycle(store::Connection& db, const ScopeConfig& scope,
                                          const CycleFacts& cycle, int64_t now_ms);

// Reminders of a route with `repeat`: exposures of the scope still open whose announcement (or
// last reminder on this route) is at least `repeat` old. Each carries its notice key, so the
// reminder's time is written with it.
Result<std::vector<DiffEvent>> reminder_events(store::Connection& db, const ScopeConfig& scope,
                                               const RouteConfig& route, const std::string& scan_id,
                                               int64_t now_ms);

// The end of the last completed scan before `before_ms` whose scope covered ip:port (its
// hosts, ports and shard), or nothing: the upper bound time_to_detect is measured from.
Result<std::optional<int64_t>> last_covering_scan_end(store::Connection& db, const IpAddr& ip,
                                                      uint16_t port, int64_t before_ms,
                                                      const std::string& except_scan);

}  // namespace sl::monitor
