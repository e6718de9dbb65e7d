#include "monitor/watchdog.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "monitor/outbox.h"
#include "monitor/route.h"

namespace sl::monitor {

namespace {

constexpr int kHigh = 3;

void make_high(Event& e) {
    e.severity = "high";
    e.severity_rank = kHigh;
}

}  // namespace

Status record_alone(store::Connection& db, const MonitorConfig& config,
                    std::vector<DiffEvent> events, int64_t now) {
    std::vector<Event*> ptrs;
    for (auto& d : events) ptrs.push_back(&d.event);
    auto messages = route_events(config, ptrs, false, now);
    return record_events(db, events, messages);
}

Status record_scan_failed(store::Connection& db, const MonitorConfig& config,
                          const ScopeConfig& scope, const std::string& scan_id,
                          const std::string& why) {
    int64_t now = unix_ms();
    DiffEvent d{scope_event(scope, scan_id, now, "scan_failed"), ""};
    Event& e = d.event;
    make_high(e);
    e.title = fmt::format("the scan of scope {} failed: {}", scope.name, why);
    e.detail = {{"error", why}};
    e.remediation =
        "Check `searchlight monitor status` and the monitor's log; fix the cause so that the "
        "scope is watched again.";
    return record_alone(db, config, {d}, now);
}

Status check_overdue(store::Connection& db, const MonitorConfig& config, int64_t since,
                     int64_t now) {
    auto last = db.prepare(
        "SELECT scan_id, ended_at FROM monitor_cycles WHERE scope = ? AND status = 'completed' "
        "ORDER BY ended_at DESC LIMIT 1");
    if (!last) return last.error();
    for (const auto& scope : config.scopes) {
        last->bind_all({scope.name});
        auto row = last->step();
        if (!row) return row.error();
        bool any = *row;
        std::string last_id = any ? last->text(0) : "none";
        int64_t last_end = any ? last->integer(1) : since;
        last->reset();
        int64_t gap = scope.schedule.longest_gap_ms();
        int64_t grace = config.delivery.overdue_grace_ms ? config.delivery.overdue_grace_ms : gap;
        if (now - last_end <= gap + grace) continue;
        std::string key = fmt::format("overdue:{}:{}", scope.name, last_id);
        auto said = db.scalar("SELECT count(*) FROM monitor_notices WHERE key = ?", {key});
        if (!said) return said.error();
        if (*said) continue;
        DiffEvent d{scope_event(scope, "", now, "scan_overdue"), key};
        Event& e = d.event;
        make_high(e);
        e.title = fmt::format("scope {} is overdue: no completed scan for {} s ({})", scope.name,
                              (now - last_end) / 1000, scope.schedule.text);
        e.detail = {{"last_completed_scan", last_id},
                    {"last_completed_at", any ? Json(rfc3339_ms(last_end)) : Json(nullptr)}};
        e.remediation =
            "Check that the monitor runs and that its scans complete (`searchlight monitor "
            "status`).";
        if (auto s = record_alone(db, config, {d}, now); !s) return s;
    }
    return Ok{};
}

}  // namespace sl::monitor
