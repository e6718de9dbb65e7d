#include "monitor/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/clock.h"
#include "monitor/route.h"
#include "scan/port_spec.h"
#include "scan/target_spec.h"
#include "store/prepare.h"
#include "store/store.h"

namespace sl::monitor {

namespace {

using store::Connection;
using store::SqlValue;

constexpr int64_t kSlackMs = 60'000;  // a record's time lies within its scan, give or take
constexpr int kCoveringScansChecked = 200;
constexpr int64_t kDayMs = 86'400'000;

std::optional<int64_t> opt_int(const store::Statement& st, int col) {
    return st.is_null(col) ? std::nullopt : std::optional<int64_t>(st.integer(col));
}

// New, revived and changed services: the states this scan began.
Status service_events(Connection& db, const ScopeConfig& scope, const CycleFacts& c, int64_t now,
                      std::vector<DiffEvent>& out) {
    auto st = db.prepare(
        "SELECT o.id, o.service_id, o.change, o.ip, o.port, o.transport, o.protocol, "
        "o.product, o.version, o.access, o.cert_sha256, s.first_seen, o.first_seen FROM "
        "observations o "
        "JOIN service_rows s ON s.id = o.service_id WHERE o.first_seen BETWEEN ? AND ? AND "
        "o.first_scan = ? AND o.change IS NOT NULL ORDER BY o.id");
    auto before = db.prepare(
        "SELECT protocol, product, version, access, cert_sha256 FROM observations "
        "WHERE service_id = ? AND id < ? ORDER BY first_seen DESC, id DESC LIMIT 1");
    if (!st || !before) return make_error("database: " + db.message());
    st->bind_all({c.started_ms - kSlackMs, c.ended_ms + kSlackMs, c.scan_id});
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        std::string change = st->text(2);
        Event e = scope_event(scope, c.scan_id, now,
                              change == "changed" ? "service_changed" : "new_service");
        e.ip = st->text(3);
        e.port = static_cast<int>(st->integer(4));
        e.transport = st->text(5);
        e.protocol = st->text(6);
        e.product = st->text(7);
        e.version = st->text(8);
        e.access = st->text(9);
        e.first_seen = st->integer(11);  // the service's first sighting ever
        e.last_seen = st->integer(12);   // this state's first: the sighting that began it
        if (change == "revived") e.detail["revived"] = true;
        if (change == "changed") {
            before->bind_all({st->integer(1), st->integer(0)});
            auto b = before->step();
            if (!b) return b.error();
            if (!*b) continue;
            const char* fields[] = {"protocol", "product", "version", "access", "cert_sha256"};
            Json changes = Json::object();
            for (int i = 0; i < 5; ++i) {
                std::string was = before->text(i), now_is = st->text(6 + i);
                if (was != now_is) changes[fields[i]] = Json::array({was, now_is});
            }
            before->reset();
            if (changes.empty()) continue;  // a finding rule or TLS flag: the findings say it
            e.changes = changes;
        }
        e.title = change == "changed"
                      ? fmt::format("{} on {}:{} changed", e.protocol, e.ip, e.port)
                      : fmt::format("new {} service on {}:{}", e.protocol, e.ip, e.port);
        out.push_back({std::move(e), ""});
    }
    return Ok{};
}

// Services this scan found gone; a host whose every service went in it is one host_gone.
Status gone_events(Connection& db, const ScopeConfig& scope, const CycleFacts& c, int64_t now,
                   std::vector<DiffEvent>& out) {
    auto st = db.prepare(
        "SELECT r.ip, r.ip_key, r.port, r.transport, r.protocol, r.product, r.first_seen, "
        "g.last_seen, r.gone_at FROM service_rows r LEFT JOIN sightings g ON g.service_id = r.id "
        "WHERE r.gone_scan = ? ORDER BY r.ip_key, r.port");
    auto alive =
        db.prepare("SELECT count(*) FROM service_rows WHERE ip_key = ? AND state = 'alive'");
    if (!st || !alive) return make_error("database: " + db.message());
    st->bind_all({c.scan_id});
    std::map<std::string, std::vector<Event>> by_host;  // ip_key -> its gone services
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Event e = scope_event(scope, c.scan_id, now, "service_gone");
        e.ip = st->text(0);
        e.port = static_cast<int>(st->integer(2));
        e.transport = st->text(3);
        e.protocol = st->text(4);
        e.product = st->text(5);
        e.first_seen = st->integer(6);
        e.last_seen = opt_int(*st, 7);
        e.resolved_at = opt_int(*st, 8);
        e.title = fmt::format("{} service on {}:{} is gone", e.protocol, e.ip, e.port);
        by_host[st->text(1)].push_back(std::move(e));
    }
    for (auto& [key, services] : by_host) {
        alive->bind_all({store::Blob{key}});
        auto n = alive->step();
        if (!n) return n.error();
        bool host_gone = *n && alive->integer(0) == 0 && services.size() >= 2;
        alive->reset();
        if (host_gone) {
            Event h = scope_event(scope, c.scan_id, now, "host_gone");
            h.ip = services[0].ip;
            h.resolved_at = services[0].resolved_at;
            Json ports = Json::array();
            for (auto& s : services) {
                ports.push_back({{"port", s.port}, {"protocol", s.protocol}});
                s.held = "part of host_gone " + h.id;
            }
            h.detail["services"] = ports;
            h.title = fmt::format("host {} is gone: all {} of its services", h.ip, services.size());
            out.push_back({std::move(h), ""});
        }
        for (auto& s : services) out.push_back({std::move(s), ""});
    }
    return Ok{};
}

// A finding's row as an event (the caller sets the type).
Result<std::optional<Event>> finding_event(Connection& db, const ScopeConfig& scope,
                                           const CycleFacts& c, int64_t now, int64_t finding_id,
                                           const std::string& type) {
    auto st = db.prepare(
        "SELECT f.fingerprint, f.ip, f.port, f.transport, f.rule, f.category, f.severity, "
        "f.title, f.evidence, f.remediation, f.status, f.first_seen, f.last_seen, f.resolved_at, "
        "f.reopen_count, s.protocol, s.product, s.version, s.access, "
        "coalesce(h.honeypot_suspected, 0) FROM findings f JOIN service_rows s ON s.id = "
        "f.service_id LEFT JOIN hosts h ON h.ip_key = f.ip_key WHERE f.id = ?");
    if (!st) return st.error();
    st->bind_all({finding_id});
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Event>();
    Event e = scope_event(scope, c.scan_id, now, type);
    e.finding_id = finding_id;
    e.fingerprint = st->text(0);
    e.ip = st->text(1);
    e.port = static_cast<int>(st->integer(2));
    e.transport = st->text(3);
    e.rule = st->text(4);
    e.category = st->text(5);
    e.severity = st->text(6);
    e.severity_rank = store::severity_rank(e.severity);
    e.title = st->text(7);
    e.evidence = Json::parse(st->text(8), nullptr, false);
    if (e.evidence.is_discarded()) e.evidence = st->text(8);
    e.remediation = st->text(9);
    e.detail["status"] = st->text(10);
    e.first_seen = st->integer(11);
    e.last_seen = st->integer(12);
    e.resolved_at = opt_int(*st, 13);
    e.episode = st->integer(14);
    e.protocol = st->text(15);
    e.product = st->text(16);
    e.version = st->text(17);
    e.access = st->text(18);
    e.honeypot = st->integer(19) != 0;
    st->reset();
    return std::optional<Event>(std::move(e));
}

Result<bool> resolution_announced(Connection& db, int64_t finding_id, int64_t episode) {
    auto n = db.scalar(
        "SELECT count(*) FROM events WHERE finding_id = ? AND episode = ? AND event = "
        "'exposure_resolved'",
        {finding_id, episode});
    if (!n) return n.error();
    return *n > 0;
}

Status add_time_to_detect(Connection& db, const CycleFacts& c, Event& e, int64_t now) {
    auto ip = parse_ip(e.ip);
    if (!ip) return Ok{};
    auto end =
        last_covering_scan_end(db, *ip, static_cast<uint16_t>(e.port), c.started_ms, c.scan_id);
    if (!end) return end.error();
    if (*end) e.time_to_detect_s = (now - **end) / 1000;
    return Ok{};
}

// Findings this scan opened or reopened, and openings held back by a re-probe that this scan
// saw again.
Status opening_events(Connection& db, const ScopeConfig& scope, const CycleFacts& c, int64_t now,
                      std::vector<DiffEvent>& out) {
    auto st = db.prepare(
        "SELECT finding_id, from_status FROM finding_changes WHERE scan_id = ? AND to_status = "
        "'open' AND (from_status IS NULL OR from_status = 'resolved') ORDER BY id");
    if (!st) return st.error();
    st->bind_all({c.scan_id});
    std::vector<std::pair<int64_t, bool>> opened;  // finding, reopened
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        opened.emplace_back(st->integer(0), !st->is_null(1));
    }
    auto retry = db.prepare(
        "SELECT DISTINCT e.finding_id, e.event FROM events e JOIN findings f ON f.id = "
        "e.finding_id WHERE e.scope = ? AND e.held LIKE 're-probe%' AND f.reopen_count = "
        "e.episode AND f.status IN ('open', 'acknowledged') AND f.last_scan = ? AND NOT EXISTS "
        "(SELECT 1 FROM events a WHERE a.finding_id = e.finding_id AND a.episode = e.episode "
        "AND a.event IN ('new_exposure', 'exposure_reopened') AND (a.held IS NULL OR a.held NOT "
        "LIKE 're-probe%'))");
    if (!retry) return retry.error();
    retry->bind_all({scope.name, c.scan_id});
    while (true) {
        auto row = retry->step();
        if (!row) return row.error();
        if (!*row) break;
        int64_t id = retry->integer(0);
        if (std::none_of(opened.begin(), opened.end(), [&](auto& o) { return o.first == id; }))
            opened.emplace_back(id, retry->text(1) == "exposure_reopened");
    }
    for (const auto& [id, reopened] : opened) {
        auto e =
            finding_event(db, scope, c, now, id, reopened ? "exposure_reopened" : "new_exposure");
        if (!e) return e.error();
        if (!*e) continue;
        Event ev = std::move(**e);
        if (reopened && ev.episode > 0) {  // resolved, then back before the resolution was said
            auto said = resolution_announced(db, id, ev.episode - 1);
            if (!said) return said.error();
            if (!*said)
                ev.held =
                    fmt::format("flap: back within resolve_after ({}) cycles", scope.resolve_after);
        }
        if (auto s = add_time_to_detect(db, c, ev, now); !s) return s;
        out.push_back({std::move(ev), ""});
    }
    return Ok{};
}

// Announced exposures now resolved for resolve_after consecutive completed cycles.
Status resolution_events(Connection& db, const ScopeConfig& scope, const CycleFacts& c, int64_t now,
                         std::vector<DiffEvent>& out) {
    auto st = db.prepare(
        "SELECT DISTINCT e.finding_id, f.resolved_at FROM events e JOIN findings f ON f.id = "
        "e.finding_id WHERE e.scope = ? AND e.event IN ('new_exposure', 'exposure_reopened') "
        "AND (e.held IS NULL OR e.held NOT LIKE 're-probe%') AND f.status = 'resolved' AND "
        "f.reopen_count = e.episode AND NOT EXISTS (SELECT 1 FROM events r WHERE r.finding_id = "
        "e.finding_id AND r.episode = e.episode AND r.event = 'exposure_resolved')");
    if (!st) return st.error();
    st->bind_all({scope.name});
    std::vector<std::pair<int64_t, int64_t>> resolved;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        resolved.emplace_back(st->integer(0), st->integer(1));
    }
    for (const auto& [id, resolved_at] : resolved) {
        auto cycles = db.scalar(
            "SELECT count(*) FROM monitor_cycles WHERE scope = ? AND status = 'completed' AND "
            "ended_at >= ? AND scan_id != ?",
            {scope.name, resolved_at, c.scan_id});
        if (!cycles) return cycles.error();
        if (*cycles + 1 < scope.resolve_after) continue;
        auto e = finding_event(db, scope, c, now, id, "exposure_resolved");
        if (!e) return e.error();
        if (!*e) continue;
        Event ev = std::move(**e);
        ev.title = "resolved: " + ev.title;
        if (ev.resolved_at && ev.first_seen)
            ev.detail["exposure_window_s"] = (*ev.resolved_at - *ev.first_seen) / 1000;
        out.push_back({std::move(ev), ""});
    }
    return Ok{};
}

bool in_scope(const ScopeConfig& scope, const IpAddr& ip) {
    return std::any_of(scope.intervals.begin(), scope.intervals.end(),
                       [&](const IpInterval& iv) { return contains(iv, ip); });
}

// Certificates of the scope's live TLS services within a threshold: once per threshold.
Status cert_events(Connection& db, const ScopeConfig& scope, const CycleFacts& c, int64_t now,
                   std::vector<DiffEvent>& out) {
    if (scope.cert_expiring_days.empty()) return Ok{};
    auto st = db.prepare(
        "SELECT s.id, s.ip, s.ip_key, s.port, s.transport, s.protocol, s.product, s.cert_sha256, "
        "json_extract(s.record, '$.tls_cert.not_after'), "
        "json_extract(s.record, '$.tls_cert.subject_cn') FROM services s WHERE s.tls = 1 AND "
        "s.state = 'alive' AND s.last_scan = ?");
    auto known = db.prepare("SELECT count(*) FROM monitor_notices WHERE key = ?");
    if (!st || !known) return make_error("database: " + db.message());
    st->bind_all({c.scan_id});
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        if (st->is_null(8)) continue;
        auto not_after = store::parse_rfc3339_ms(st->text(8));
        if (!not_after || !in_scope(scope, store::ip_from_key(st->text(2)))) continue;
        int64_t left_days = (*not_after - now) / kDayMs;
        std::optional<int> threshold;
        for (int d : scope.cert_expiring_days)  // sorted from the largest
            if (*not_after - now <= int64_t{d} * kDayMs) threshold = d;
        if (!threshold) continue;
        if (*not_after <= now) threshold = 0;  // expired: its own notice
        std::string notice = fmt::format("cert:{}:{}:{}", st->integer(0), st->text(7), *threshold);
        known->bind_all({notice});
        auto seen = known->step();
        if (!seen) return seen.error();
        bool said = *seen && known->integer(0) > 0;
        known->reset();
        if (said) continue;
        Event e = scope_event(scope, c.scan_id, now, "cert_expiring");
        e.ip = st->text(1);
        e.port = static_cast<int>(st->integer(3));
        e.transport = st->text(4);
        e.protocol = st->text(5);
        e.product = st->text(6);
        e.severity = *threshold <= 1 ? "high" : *threshold <= 7 ? "medium" : "low";
        e.severity_rank = store::severity_rank(e.severity);
        e.detail = {{"not_after", st->text(8)},
                    {"days_left", left_days},
                    {"threshold_days", *threshold},
                    {"subject_cn", st->is_null(9) ? Json(nullptr) : Json(st->text(9))},
                    {"cert_sha256", st->text(7)}};
        e.title = *not_after <= now
                      ? fmt::format("the certificate of {}:{} has expired", e.ip, e.port)
                      : fmt::format("the certificate of {}:{} expires in {} days", e.ip, e.port,
                                    left_days);
        e.remediation = "Renew the certificate before it expires, and deploy it to the service.";
        out.push_back({std::move(e), notice});
    }
    return Ok{};
}

// Does a stored scan scope cover ip:port? (hosts after excludes, ports, shard 0/1 only)
bool scope_covers(const Json& scope, const IpAddr& ip, uint16_t port) {
    if (!scope.is_object() || scope.value("shard", std::string("0/1")) != "0/1") return false;
    auto hosts = scope.find("hosts");
    auto ports_text = scope.find("ports");
    if (hosts == scope.end() || !hosts->is_array() || ports_text == scope.end() ||
        !ports_text->is_string())
        return false;
    auto ports = scan::parse_ports(ports_text->get<std::string>());
    if (!ports || !std::binary_search(ports->begin(), ports->end(), port)) return false;
    for (const auto& h : *hosts) {
        if (!h.is_string()) continue;
        auto iv = scan::parse_exclude(h.get<std::string>());
        if (iv && contains(*iv, ip)) return true;
    }
    return false;
}

}  // namespace

Event scope_event(const ScopeConfig& scope, const std::string& scan_id, int64_t now,
                  const std::string& type) {
    Event e;
    e.id = new_scan_id();
    e.event = type;
    e.time = now;
    e.scope = scope.name;
    e.owner = scope.owner.name;
    e.owner_contact = scope.owner.contact;
    e.tags = scope.tags;
    e.scan_id = scan_id;
    return e;
}

Result<std::optional<int64_t>> last_covering_scan_end(Connection& db, const IpAddr& ip,
                                                      uint16_t port, int64_t before_ms,
                                                      const std::string& except_scan) {
    auto st = db.prepare(
        "SELECT ended_at, scope FROM scans WHERE completed = 1 AND ended_at <= ? AND id != ? "
        "ORDER BY ended_at DESC LIMIT ?");
    if (!st) return st.error();
    st->bind_all({before_ms, except_scan, int64_t{kCoveringScansChecked}});
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Json scope = Json::parse(st->text(1), nullptr, false);
        if (scope_covers(scope, ip, port)) {
            int64_t end = st->integer(0);
            st->reset();
            return std::optional<int64_t>(end);
        }
    }
    return std::optional<int64_t>();
}

Result<std::vector<DiffEvent>> reminder_events(Connection& db, const ScopeConfig& scope,
                                               const RouteConfig& route, const std::string& scan_id,
                                               int64_t now) {
    std::vector<DiffEvent> out;
    if (route.repeat_ms <= 0) return out;
    auto st = db.prepare(
        "SELECT e.finding_id, e.event, e.episode, coalesce(n.at, e.time) FROM events e JOIN "
        "findings f ON f.id = e.finding_id LEFT JOIN monitor_notices n ON n.key = 'remind:' || ? "
        "|| ':' || e.finding_id || ':' || e.episode WHERE e.scope = ? AND e.event IN "
        "('new_exposure', 'exposure_reopened') AND e.held IS NULL AND f.status = 'open' AND "
        "f.reopen_count = e.episode");
    if (!st) return st.error();
    st->bind_all({static_cast<int64_t>(route.index), scope.name});
    struct Due {
        int64_t finding, episode;
        std::string type;
    };
    std::vector<Due> due;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        if (now - st->integer(3) >= route.repeat_ms)
            due.push_back({st->integer(0), st->integer(2), st->text(1)});
    }
    CycleFacts c{scan_id, 0, 0, false};
    for (const auto& d : due) {
        auto e = finding_event(db, scope, c, now, d.finding, d.type);
        if (!e) return e.error();
        if (!*e || !route_matches(route.match, **e)) continue;  // as the route took it first
        Event ev = std::move(**e);
        ev.event = "exposure_reminder";
        ev.detail["reminder_of"] = d.type;
        if (ev.first_seen) ev.detail["open_for_s"] = (now - *ev.first_seen) / 1000;
        ev.title = "still open: " + ev.title;
        out.push_back(
            {std::move(ev), fmt::format("remind:{}:{}:{}", route.index, d.finding, d.episode)});
    }
    return out;
}

Result<std::vector<DiffEvent>> diff_cycle(Connection& db, const ScopeConfig& scope,
                                          const CycleFacts& c, int64_t now) {
    std::vector<DiffEvent> out;
    if (auto s = service_events(db, scope, c, now, out); !s) return s.error();
    if (auto s = gone_events(db, scope, c, now, out); !s) return s.error();
    if (auto s = opening_events(db, scope, c, now, out); !s) return s.error();
    if (auto s = resolution_events(db, scope, c, now, out); !s) return s.error();
    if (auto s = cert_events(db, scope, c, now, out); !s) return s.error();
    return out;
}

}  // namespace sl::monitor
