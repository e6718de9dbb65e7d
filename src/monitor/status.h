// What `monitor status` and `events` read (docs/monitor.md, "Watching the watcher"): per scope
// its last and next cycle, whether it is overdue, its open exposures and their age; the
// undelivered and dead messages with their last error; and the stored events. Reads only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/config.h"
#include "monitor/event.h"
#include "store/sqlite.h"

namespace sl::monitor {

// config: null for scopes known from the store only (no schedule, so no overdue verdict).
// healthy is false when a scope is overdue or a message is dead (exit code 4).
Result<Json> monitor_status(store::Connection& db, const MonitorConfig* config, int64_t now_ms);

// The dashboard's figures (GET /api/stats): open findings by severity now and at the end of each
// of the last `days` days (UTC; a finding counts from its first sighting to its latest
// resolution, so a finding that was resolved and reopened counts as open in between), the
// monitor's time to detect, and exposure windows of resolved and still-open findings.
Result<Json> exposure_stats(store::Connection& db, int64_t now_ms, int days);

struct EventFilter {
    std::set<std::string> events, scopes, rules;
    std::string ip;
    int port = 0;
    std::optional<int> min_severity;
    int64_t since_ms = 0;
    std::optional<bool> held;
    size_t limit = 100;
};
// "event:new_exposure scope:lab ip:10.0.0.5 port:6379 rule:redis-no-auth severity:>=high
// since:24h held:false" (a comma is OR within a key); the error names the term and its column.
Result<EventFilter> parse_event_filter(std::string_view text, int64_t now_ms);
// Newest first; each with "delivery": sent, pending, dead, held, or unrouted.
Result<std::vector<Json>> list_events(store::Connection& db, const EventFilter& f);

}  // namespace sl::monitor
