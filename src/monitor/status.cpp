#include "monitor/status.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/clock.h"
#include "core/duration.h"
#include "core/text.h"
#include "store/search.h"
#include "store/store.h"

namespace sl::monitor {

namespace {

using store::Connection;
using store::Statement;
using store::time_json;

constexpr int64_t kOpenListed = 20;  // per scope, oldest first

// The scope's announced exposures still open, oldest first, with their age.
Result<Json> open_exposures(Connection& db, const std::string& scope, int64_t now) {
    auto st = db.prepare(
        "SELECT DISTINCT f.ip, f.port, f.rule, f.severity, f.first_seen, f.status FROM events e "
        "JOIN findings f ON f.id = e.finding_id WHERE e.scope = ? AND e.event IN "
        "('new_exposure', 'exposure_reopened') AND f.status IN ('open', 'acknowledged') AND "
        "f.reopen_count = e.episode ORDER BY f.first_seen LIMIT ?");
    if (!st) return st.error();
    st->bind_all({scope, kOpenListed});
    Json out = Json::array();
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back({{"ip", st->text(0)},
                       {"port", st->integer(1)},
                       {"rule", st->text(2)},
                       {"severity", st->text(3)},
                       {"first_seen", rfc3339_ms(st->integer(4))},
                       {"age_s", (now - st->integer(4)) / 1000},
                       {"status", st->text(5)}});
    }
    return out;
}

Result<Json> scope_status(Connection& db, const std::string& name, const ScopeConfig* scope,
                          const DeliveryConfig& delivery, int64_t now, bool& healthy) {
    Json s;
    s["name"] = name;
    s["schedule"] = scope ? Json(scope->schedule.text) : Json(nullptr);
    auto last = db.prepare(
        "SELECT scan_id, started_at, ended_at, status, error FROM monitor_cycles WHERE scope = ? "
        "ORDER BY started_at DESC LIMIT 1");
    auto done = db.prepare(
        "SELECT max(ended_at), count(*) FROM monitor_cycles WHERE scope = ? AND status = "
        "'completed'");
    auto open = db.prepare(
        "SELECT count(DISTINCT e.finding_id), min(f.first_seen) FROM events e JOIN findings f ON "
        "f.id = e.finding_id WHERE e.scope = ? AND e.event IN ('new_exposure', "
        "'exposure_reopened') AND f.status IN ('open', 'acknowledged') AND f.reopen_count = "
        "e.episode");
    if (!last || !done || !open) return make_error("database: " + db.message());
    last->bind_all({name});
    auto row = last->step();
    if (!row) return row.error();
    int64_t last_started = 0;
    if (*row) {
        last_started = last->integer(1);
        s["last_cycle"] = {{"scan_id", last->text(0)},
                           {"started_at", time_json(*last, 1)},
                           {"ended_at", time_json(*last, 2)},
                           {"status", last->text(3)},
                           {"error", last->is_null(4) ? Json(nullptr) : Json(last->text(4))}};
    } else {
        s["last_cycle"] = nullptr;
    }
    last->reset();
    done->bind_all({name});
    if (auto r = done->step(); !r) return r.error();
    bool any_done = !done->is_null(0);
    int64_t last_done = any_done ? done->integer(0) : 0;
    s["last_completed_at"] = time_json(*done, 0);
    s["completed_cycles"] = done->integer(1);
    done->reset();
    if (scope) {
        int64_t next = last_started ? scope->schedule.next_after(last_started) : now;
        s["next_scan_at"] = rfc3339_ms(std::max(next, now));
        int64_t gap = scope->schedule.longest_gap_ms();
        int64_t grace = delivery.overdue_grace_ms ? delivery.overdue_grace_ms : gap;
        // never completed: overdue once two intervals passed since the first cycle started
        int64_t since = any_done ? last_done : last_started;
        bool overdue = since && now - since > gap + grace;
        s["overdue"] = overdue;
        if (overdue) healthy = false;
    } else {
        s["next_scan_at"] = nullptr;
        s["overdue"] = nullptr;
    }
    open->bind_all({name});
    if (auto r = open->step(); !r) return r.error();
    s["open_exposures"] = open->integer(0);
    s["oldest_open_since"] = time_json(*open, 1);
    s["oldest_open_age_s"] =
        open->is_null(1) ? Json(nullptr) : Json((now - open->integer(1)) / 1000);
    open->reset();
    auto list = open_exposures(db, name, now);
    if (!list) return list.error();
    s["open"] = *list;
    return s;
}

Result<Json> deliveries_in(Connection& db, const char* status) {
    auto st = db.prepare(
        "SELECT message_id, sink, scope, kind, title, attempts, created_at, next_attempt_at, "
        "last_error FROM deliveries WHERE status = ? ORDER BY id LIMIT 100");
    if (!st) return st.error();
    st->bind_all({std::string(status)});
    Json out = Json::array();
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back({{"message_id", st->text(0)},
                       {"sink", st->text(1)},
                       {"scope", st->text(2)},
                       {"kind", st->text(3)},
                       {"title", st->text(4)},
                       {"attempts", st->integer(5)},
                       {"created_at", time_json(*st, 6)},
                       {"next_attempt_at", time_json(*st, 7)},
                       {"last_error", st->is_null(8) ? Json(nullptr) : Json(st->text(8))}});
    }
    return out;
}

std::vector<std::string> split(std::string_view v, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= v.size()) {
        size_t end = v.find(sep, start);
        if (end == std::string_view::npos) end = v.size();
        out.emplace_back(v.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

constexpr const char* kSeverities[] = {"info", "low", "medium", "high", "critical"};
constexpr int64_t kStatsDayMs = 86'400'000;
constexpr int64_t kMaxStatValues = 100'000;

// count, median, p90 and max of a query's first column (seconds), at most kMaxStatValues rows.
Result<Json> spread(Connection& db, const std::string& sql, const std::vector<store::SqlValue>& p) {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    std::vector<store::SqlValue> params = p;
    params.emplace_back(kMaxStatValues);
    st->bind_all(params);
    std::vector<int64_t> v;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        v.push_back(st->integer(0));
    }
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
    };
    if (v.empty())
        return Json{{"count", 0}, {"median", nullptr}, {"p90", nullptr}, {"max", nullptr}};
    return Json{{"count", v.size()}, {"median", at(0.5)}, {"p90", at(0.9)}, {"max", v.back()}};
}

Result<Json> by_severity(Connection& db) {
    auto st = db.prepare(
        "SELECT severity_rank, count(*) FROM findings INDEXED BY findings_status WHERE status IN "
        "('open', 'acknowledged') GROUP BY severity_rank");
    if (!st) return st.error();
    st->bind_all({});
    Json out = Json::object();
    for (const char* s : kSeverities) out[s] = 0;
    auto s = store::each_row(*st, [&](const Statement& r) {
        int64_t rank = r.integer(0);  // store::severity_rank: the index of kSeverities
        if (rank >= 0 && rank < 5) out[kSeverities[rank]] = r.integer(1);
    });
    if (!s) return s.error();
    return out;
}

// Adds `sign` times the findings that `sql` counts per severity and day of the window (bucket
// -1: before it) to `delta`; ?1 is the window's first millisecond, ?2 now.
using DayDelta = std::map<std::pair<std::string, int64_t>, int64_t>;
Status count_per_day(Connection& db, const char* sql, int64_t start, int64_t now, int sign,
                     DayDelta& delta) {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    st->bind_all({start, now});
    return store::each_row(*st, [&](const Statement& r) {
        delta[{r.text(0), r.integer(1)}] += sign * r.integer(2);
    });
}

// Open findings at the end of each of the last `days` UTC days (the last one ends now): those
// first seen by then, less those resolved by then (a finding counts from its first sighting to
// its latest resolution; accepted ones not at all). Two grouped scans of covering indexes
// (schema 10), not one scan of the table per day.
Result<Json> open_per_day(Connection& db, int64_t now, int days) {
    int64_t today_end = (now / kStatsDayMs + 1) * kStatsDayMs - 1;
    int64_t start = today_end - days * kStatsDayMs + 1;
    DayDelta delta;  // opened less resolved, per severity and day
    auto a = count_per_day(db,
                           "SELECT severity, CASE WHEN first_seen < ?1 THEN -1 ELSE (first_seen - "
                           "?1) / 86400000 END, count(*) FROM findings INDEXED BY "
                           "findings_first_seen WHERE first_seen <= ?2 AND status != 'accepted' "
                           "GROUP BY 1, 2",
                           start, now, 1, delta);
    if (!a) return a.error();
    auto b = count_per_day(db,
                           "SELECT severity, CASE WHEN max(first_seen, resolved_at) < ?1 THEN -1 "
                           "ELSE (max(first_seen, resolved_at) - ?1) / 86400000 END, count(*) "
                           "FROM findings INDEXED BY findings_resolved WHERE resolved_at IS NOT "
                           "NULL AND max(first_seen, resolved_at) <= ?2 AND status != 'accepted' "
                           "GROUP BY 1, 2",
                           start, now, -1, delta);
    if (!b) return b.error();
    Json series = Json::array();
    std::map<std::string, int64_t> open;
    auto add = [&](int64_t bucket) {
        for (const char* s : kSeverities) {
            auto it = delta.find({s, bucket});
            if (it != delta.end()) open[s] += it->second;
        }
    };
    add(-1);
    for (int d = 0; d < days; ++d) {
        add(d);
        int64_t end = std::min(now, start + (d + 1) * kStatsDayMs - 1);
        Json day = {{"day", rfc3339_ms(end).substr(0, 10)}};
        for (const char* s : kSeverities) day[s] = open[s];
        series.push_back(day);
    }
    return series;
}

// The ten findings open longest (open or acknowledged), chosen off the first_seen index (ids
// only: a scan's findings share their first_seen, and the tie is broken by id) and then read.
Result<Json> longest_open(Connection& db, int64_t now) {
    auto st = db.prepare(
        "SELECT id, ip, port, transport, rule, severity, status, first_seen, title FROM findings "
        "WHERE id IN (SELECT id FROM findings INDEXED BY findings_first_seen WHERE status IN "
        "('open', 'acknowledged') ORDER BY first_seen, id LIMIT 10) ORDER BY first_seen, id");
    if (!st) return st.error();
    st->bind_all({});
    Json out = Json::array();
    auto s = store::each_row(*st, [&](const Statement& r) {
        out.push_back({{"id", r.integer(0)},
                       {"ip", r.text(1)},
                       {"port", r.integer(2)},
                       {"transport", r.text(3)},
                       {"rule", r.text(4)},
                       {"severity", r.text(5)},
                       {"status", r.text(6)},
                       {"first_seen", time_json(r, 7)},
                       {"open_for_s", std::max<int64_t>(0, (now - r.integer(7)) / 1000)},
                       {"title", r.text(8)}});
    });
    if (!s) return s.error();
    return out;
}

}  // namespace

Result<Json> exposure_stats(Connection& db, int64_t now, int days) {
    Json out;
    auto current = by_severity(db);
    if (!current) return current.error();
    out["open_by_severity"] = *current;
    auto series = open_per_day(db, now, days);
    if (!series) return series.error();
    out["open_over_time"] = *series;
    auto longest = longest_open(db, now);
    if (!longest) return longest.error();
    out["longest_open"] = *longest;
    auto ttd = spread(db,
                      "SELECT json_extract(body, '$.time_to_detect_s') AS t FROM events WHERE "
                      "event IN ('new_exposure', 'exposure_reopened') AND t IS NOT NULL AND (held "
                      "IS NULL OR held NOT LIKE 're-probe%') LIMIT ?",
                      {});
    if (!ttd) return ttd.error();
    out["time_to_detect_s"] = *ttd;
    auto resolved =
        spread(db,
               "SELECT (resolved_at - first_seen) / 1000 FROM findings INDEXED BY "
               "findings_resolved WHERE status = 'resolved' AND resolved_at IS NOT NULL "
               "LIMIT ?",
               {});
    if (!resolved) return resolved.error();
    auto open = spread(db,
                       "SELECT (? - first_seen) / 1000 FROM findings INDEXED BY "
                       "findings_first_seen WHERE status IN ('open', 'acknowledged') LIMIT ?",
                       {now});
    if (!open) return open.error();
    out["exposure_window_s"] = {{"resolved", *resolved}, {"open", *open}};
    out["generated_at"] = rfc3339_ms(now);
    return out;
}

Result<Json> monitor_status(Connection& db, const MonitorConfig* config, int64_t now) {
    Json out;
    bool healthy = true;
    std::vector<std::string> names;
    if (config) {
        for (const auto& s : config->scopes) names.push_back(s.name);
    } else {
        auto st = db.prepare("SELECT DISTINCT scope FROM monitor_cycles ORDER BY scope");
        if (!st) return st.error();
        st->bind_all({});
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) break;
            names.push_back(st->text(0));
        }
    }
    DeliveryConfig delivery = config ? config->delivery : DeliveryConfig{};
    Json scopes = Json::array();
    for (const auto& n : names) {
        auto s = scope_status(db, n, config ? config->scope(n) : nullptr, delivery, now, healthy);
        if (!s) return s.error();
        scopes.push_back(*s);
    }
    out["scopes"] = scopes;
    auto pending = deliveries_in(db, "pending");
    if (!pending) return pending.error();
    auto dead = deliveries_in(db, "dead");
    if (!dead) return dead.error();
    if (!dead->empty()) healthy = false;
    out["undelivered"] = *pending;
    out["dead"] = *dead;
    out["healthy"] = healthy;
    return out;
}

Result<EventFilter> parse_event_filter(std::string_view text, int64_t now) {
    EventFilter f;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        if (i >= text.size()) break;
        size_t end = text.find(' ', i);
        if (end == std::string_view::npos) end = text.size();
        std::string_view term = text.substr(i, end - i);
        size_t colon = term.find(':');
        auto bad = [&](const std::string& why) {  // quotes the query: escaped, one line
            return make_error(
                fmt::format("events query:1:{}: {}", i + 1, escape_for_terminal(why)));
        };
        if (colon == std::string_view::npos || colon + 1 == term.size())
            return bad(fmt::format("expected key:value, got '{}'", term));
        std::string key(term.substr(0, colon));
        std::string_view value = term.substr(colon + 1);
        if (key == "event") {
            for (auto& v : split(value, ',')) f.events.insert(v);
        } else if (key == "scope") {
            for (auto& v : split(value, ',')) f.scopes.insert(v);
        } else if (key == "rule") {
            for (auto& v : split(value, ',')) f.rules.insert(v);
        } else if (key == "ip") {
            if (!parse_ip(value)) return bad(fmt::format("'{}' is not an address", value));
            f.ip = parse_ip(value)->to_string();
        } else if (key == "port") {
            int p = std::atoi(std::string(value).c_str());
            if (p < 1 || p > 65535 ||
                value.find_first_not_of("0123456789") != std::string_view::npos)
                return bad(fmt::format("'{}' is not a port", value));
            f.port = p;
        } else if (key == "severity") {
            std::string_view v = value.starts_with(">=") ? value.substr(2) : value;
            int r = store::severity_rank(v);
            if (r < 0)
                return bad(fmt::format("'{}' is not a severity (>=high, medium, ...)", value));
            f.min_severity = r;
        } else if (key == "since") {
            auto ms = parse_span_ms(value, 100000);
            if (!ms) return bad(fmt::format("'{}' is not a span (90s, 24h, 7d)", value));
            f.since_ms = now - *ms;
        } else if (key == "held") {
            if (value != "true" && value != "false") return bad("held is true or false");
            f.held = value == "true";
        } else {
            return bad(
                fmt::format("unknown key '{}' (event, scope, ip, port, rule, severity, "
                            "since, held)",
                            key));
        }
        i = end;
    }
    return f;
}

Result<std::vector<Json>> list_events(Connection& db, const EventFilter& f) {
    std::string sql =
        "SELECT e.body, e.held, (SELECT group_concat(d.status) FROM deliveries d, "
        "json_each(d.event_ids) j WHERE j.value = e.id) FROM events e WHERE e.time >= ?";
    std::vector<store::SqlValue> params = {f.since_ms};
    auto in = [&](const char* column, const std::set<std::string>& values) {
        if (values.empty()) return;
        sql += fmt::format(" AND {} IN (", column);
        bool first = true;
        for (const auto& v : values) {
            sql += first ? "?" : ", ?";
            first = false;
            params.emplace_back(v);
        }
        sql += ")";
    };
    in("e.event", f.events);
    in("e.scope", f.scopes);
    in("e.rule", f.rules);
    if (!f.ip.empty()) {
        sql += " AND e.ip = ?";
        params.emplace_back(f.ip);
    }
    if (f.port) {
        sql += " AND e.port = ?";
        params.emplace_back(int64_t{f.port});
    }
    if (f.min_severity) {
        sql += " AND e.severity_rank >= ?";
        params.emplace_back(int64_t{*f.min_severity});
    }
    if (f.held) sql += *f.held ? " AND e.held IS NOT NULL" : " AND e.held IS NULL";
    sql += " ORDER BY e.seq DESC LIMIT ?";
    params.emplace_back(static_cast<int64_t>(f.limit));
    auto st = db.prepare(sql);
    if (!st) return st.error();
    st->bind_all(params);
    std::vector<Json> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Json j = Json::parse(st->text(0), nullptr, false);
        if (j.is_discarded()) continue;
        std::string statuses = st->is_null(2) ? "" : st->text(2);
        std::string delivery = !st->is_null(1)                                 ? "held"
                               : statuses.empty()                              ? "unrouted"
                               : statuses.find("dead") != std::string::npos    ? "dead"
                               : statuses.find("pending") != std::string::npos ? "pending"
                                                                               : "sent";
        j["delivery"] = delivery;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace sl::monitor
