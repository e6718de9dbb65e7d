// What the monitor says about itself (a monitor that silently stops scanning is the worst
// failure): scan_failed when a cycle's scan fails or is cut off, scan_overdue once per episode
// when a scope has no completed cycle for two of its intervals (or one interval and the
// configured grace). Both are routed like any event, with severity high.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/config.h"
#include "monitor/diff.h"
#include "store/sqlite.h"

namespace sl::monitor {

// Routes the events and records them with their messages in one transaction.
Status record_alone(store::Connection& db, const MonitorConfig& config,
                    std::vector<DiffEvent> events, int64_t now_ms);

Status record_scan_failed(store::Connection& db, const MonitorConfig& config,
                          const ScopeConfig& scope, const std::string& scan_id,
                          const std::string& why);

// since_ms: when the monitor started (a scope that never completed a cycle counts from it).
Status check_overdue(store::Connection& db, const MonitorConfig& config, int64_t since_ms,
                     int64_t now_ms);

}  // namespace sl::monitor
