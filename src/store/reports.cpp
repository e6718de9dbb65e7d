#include "store/reports.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "store/query/compile.h"
#include "store/search.h"

namespace sl::store {

namespace {

Json text_or_null(const Statement& st, int col) {
    return st.is_null(col) ? Json(nullptr) : Json(st.text(col));
}

// A finding's reference as its id, or -1 when it is not a number (then it is a fingerprint).
int64_t finding_number(const std::string& ref) {
    bool digits =
        !ref.empty() && ref.size() < 18 && ref.find_first_not_of("0123456789") == std::string::npos;
    return digits ? std::stoll(ref) : -1;
}

Result<Json> observations_of(Connection& db, int64_t service_id) {
    auto st = db.prepare(
        "SELECT o.protocol, o.product, o.version, o.access, o.tls, o.cert_sha256, o.rules, "
        "o.first_seen, " +
        query::last_seen_column("o") +
        ", o.ended_at, o.first_scan, "
        "CASE WHEN o.ended_at IS NULL THEN g.last_scan ELSE o.last_scan END "
        "FROM observations o JOIN sightings g ON g.service_id = o.service_id WHERE o.service_id = "
        "? "
        "ORDER BY o.first_seen, o.id");
    if (!st) return st.error();
    st->bind_all({service_id});
    Json list = Json::array();
    auto s = each_row(*st, [&](const Statement& r) {
        list.push_back({{"protocol", r.text(0)},
                        {"product", text_or_null(r, 1)},
                        {"version", text_or_null(r, 2)},
                        {"access", r.text(3)},
                        {"tls", r.integer(4) != 0},
                        {"cert_sha256", text_or_null(r, 5)},
                        {"rules", Json::parse(r.text(6), nullptr, false)},
                        {"first_seen", time_json(r, 7)},
                        {"last_seen", time_json(r, 8)},
                        {"ended_at", time_json(r, 9)},
                        {"first_scan", r.text(10)},
                        {"last_scan", r.text(11)}});
    });
    if (!s) return s.error();
    return list;
}

Result<Json> changes_of(Connection& db, int64_t finding_id) {
    auto st = db.prepare(
        "SELECT at, actor, from_status, to_status, reason, until, scan_id FROM finding_changes "
        "WHERE finding_id = ? ORDER BY at, id");
    if (!st) return st.error();
    st->bind_all({finding_id});
    Json list = Json::array();
    auto s = each_row(*st, [&](const Statement& r) {
        list.push_back({{"at", time_json(r, 0)},
                        {"actor", r.text(1)},
                        {"from", text_or_null(r, 2)},
                        {"to", r.text(3)},
                        {"reason", text_or_null(r, 4)},
                        {"until", time_json(r, 5)},
                        {"scan_id", text_or_null(r, 6)}});
    });
    if (!s) return s.error();
    return list;
}

// The findings that `where` selects, with their workflow changes, most severe first.
Result<Json> findings_where(Connection& db, const std::string& where,
                            const std::vector<SqlValue>& params) {
    auto st = db.prepare(
        "SELECT id, rule, severity, status, title, first_seen, last_seen, resolved_at, "
        "reopen_count, reason, actor, until, fingerprint, evidence, remediation, ip, port, "
        "transport FROM findings WHERE " +
        where + " ORDER BY severity_rank DESC, rule");
    if (!st) return st.error();
    st->bind_all(params);
    std::vector<std::pair<int64_t, Json>> found;
    auto s = each_row(*st, [&](const Statement& r) {
        found.emplace_back(r.integer(0), Json{{"id", r.integer(0)},
                                              {"rule", r.text(1)},
                                              {"severity", r.text(2)},
                                              {"status", r.text(3)},
                                              {"title", r.text(4)},
                                              {"first_seen", time_json(r, 5)},
                                              {"last_seen", time_json(r, 6)},
                                              {"resolved_at", time_json(r, 7)},
                                              {"reopen_count", r.integer(8)},
                                              {"reason", text_or_null(r, 9)},
                                              {"actor", text_or_null(r, 10)},
                                              {"until", time_json(r, 11)},
                                              {"fingerprint", r.text(12)},
                                              {"evidence", Json::parse(r.text(13), nullptr, false)},
                                              {"remediation", r.text(14)},
                                              {"ip", r.text(15)},
                                              {"port", r.integer(16)},
                                              {"transport", r.text(17)}});
    });
    if (!s) return s.error();
    Json list = Json::array();
    for (auto& [id, f] : found) {
        auto c = changes_of(db, id);
        if (!c) return c.error();
        f["changes"] = std::move(*c);
        list.push_back(std::move(f));
    }
    return list;
}

}  // namespace

Result<Json> host_report(Connection& db, const IpAddr& ip) {
    auto snapshot = Transaction::snapshot(db);
    if (!snapshot) return snapshot.error();
    auto st = db.prepare(
        "SELECT id, port, transport, state, protocol, product, version, access, tls, "
        "first_seen, last_seen, gone_at, record FROM services WHERE ip_key = ? ORDER BY port, "
        "transport");
    if (!st) return st.error();
    st->bind_all({Blob{ip_key(ip)}});
    std::vector<std::pair<int64_t, Json>> services;
    auto s = each_row(*st, [&](const Statement& r) {
        services.emplace_back(r.integer(0),
                              Json{{"port", r.integer(1)},
                                   {"transport", r.text(2)},
                                   {"state", r.text(3)},
                                   {"protocol", r.text(4)},
                                   {"product", text_or_null(r, 5)},
                                   {"version", text_or_null(r, 6)},
                                   {"access", r.text(7)},
                                   {"tls", r.integer(8) != 0},
                                   {"first_seen", time_json(r, 9)},
                                   {"last_seen", time_json(r, 10)},
                                   {"gone_at", time_json(r, 11)},
                                   {"record", Json::parse(r.text(12), nullptr, false)}});
    });
    if (!s) return s.error();
    Json host = {
        {"ip", ip.to_string()}, {"honeypot_suspected", false}, {"services", Json::array()}};
    auto hp = db.scalar("SELECT count(*) FROM hosts WHERE ip_key = ? AND honeypot_suspected = 1",
                        {Blob{ip_key(ip)}});
    if (!hp) return hp.error();
    host["honeypot_suspected"] = *hp > 0;
    for (auto& [id, svc] : services) {
        auto h = observations_of(db, id);
        if (!h) return h.error();
        auto f = findings_where(db, "service_id = ?", {id});
        if (!f) return f.error();
        svc["history"] = std::move(*h);
        svc["findings"] = std::move(*f);
        host["services"].push_back(std::move(svc));
    }
    return host;
}

Result<Json> finding_report(Connection& db, const std::string& ref) {
    auto snapshot = Transaction::snapshot(db);
    if (!snapshot) return snapshot.error();
    auto list = findings_where(db, "id = ? OR fingerprint = ?", {finding_number(ref), ref});
    if (!list) return list.error();
    if (list->empty()) return Json(nullptr);
    return (*list)[0];
}

namespace {

Json scan_row(const Statement& r) {
    return {{"id", r.text(0)},
            {"source", r.text(1)},
            {"started_at", time_json(r, 2)},
            {"ended_at", time_json(r, 3)},
            {"status", r.text(4)},
            {"completed", r.integer(5) != 0},
            {"options", Json::parse(r.text(6), nullptr, false)},
            {"scope", Json::parse(r.text(7), nullptr, false)},
            {"counts", Json::parse(r.text(8), nullptr, false)}};
}

constexpr const char* kScanColumns =
    "SELECT id, source, started_at, ended_at, status, completed, options, scope, counts FROM scans";

}  // namespace

Result<std::vector<Json>> list_scans(Connection& db, size_t limit) {
    auto st = db.prepare(std::string(kScanColumns) + " ORDER BY started_at DESC, id DESC LIMIT ?");
    if (!st) return st.error();
    st->bind_all({static_cast<int64_t>(std::min(limit, kMaxPageSize))});
    std::vector<Json> out;
    auto s = each_row(*st, [&](const Statement& r) { out.push_back(scan_row(r)); });
    if (!s) return s.error();
    return out;
}

Result<Json> scan_by_id(Connection& db, const std::string& id) {
    auto st = db.prepare(std::string(kScanColumns) + " WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({id});
    auto row = st->step();
    if (!row) return row.error();
    if (!*row)
        return make_error(fmt::format("no scan '{}' in the store (see: searchlight scans)", id));
    Json j = scan_row(*st);
    st->reset();
    return j;
}

namespace {

// Only a service whose state began or ended inside the window (before, after] can differ at
// its two ends, and only a finding that opened or resolved in it: the diff reads those, from
// indexes (schema 10), and never the unchanged rest of the store.
constexpr const char* kChangedServices =
    "WITH changed(id) AS (SELECT service_id FROM observations WHERE first_seen > ?1 AND "
    "first_seen <= ?2 UNION SELECT service_id FROM observations WHERE ended_at > ?1 AND "
    "ended_at <= ?2) ";

// The states at moment ?3 of the services that changed in the window (?1, ?2], in service id
// order. `side` names the moment in the text, so the two moments are two statements (the
// connection's cache hands out one statement per text) stepped side by side.
Result<Statement> states_at(Connection& db, const char* side, int64_t t, int64_t lo, int64_t hi) {
    auto st = db.prepare(fmt::format(
        "{}SELECT o.service_id, o.ip, o.port, o.protocol, o.product, o.version, o.access, o.tls, "
        "o.cert_sha256, o.rules FROM observations o WHERE o.service_id IN changed AND "
        "o.first_seen <= ?3 AND (o.ended_at IS NULL OR o.ended_at > ?3) ORDER BY o.service_id "
        "/* {} */",
        kChangedServices, side));
    if (!st) return st.error();
    st->bind_all({lo, hi, t});
    return st;
}

// The findings open at moment ?3 among those that opened or resolved in the window (?1, ?2],
// in id order.
Result<Statement> open_findings_at(Connection& db, const char* side, int64_t t, int64_t lo,
                                   int64_t hi) {
    auto st = db.prepare(fmt::format(
        "SELECT id, ip, port, rule, severity, title FROM findings WHERE id IN (SELECT id FROM "
        "findings WHERE first_seen > ?1 AND first_seen <= ?2 UNION SELECT id FROM findings WHERE "
        "resolved_at > ?1 AND resolved_at <= ?2) AND first_seen <= ?3 AND (resolved_at IS NULL "
        "OR resolved_at > ?3) ORDER BY id /* {} */",
        side));
    if (!st) return st.error();
    st->bind_all({lo, hi, t});
    return st;
}

Json state_fields(const Statement& r) {
    return {{"protocol", r.text(3)},
            {"product", text_or_null(r, 4)},
            {"version", text_or_null(r, 5)},
            {"access", r.text(6)},
            {"tls", r.integer(7) != 0},
            {"tls_cert.sha256", text_or_null(r, 8)},
            {"rules", Json::parse(r.text(9), nullptr, false)}};
}

Json service_json(const Statement& r) {
    Json j = {{"ip", r.text(1)}, {"port", r.integer(2)}};
    j.update(state_fields(r));
    return j;
}

Json finding_json(const Statement& r) {
    return {{"ip", r.text(1)},
            {"port", r.integer(2)},
            {"rule", r.text(3)},
            {"severity", r.text(4)},
            {"title", r.text(5)}};
}

// Walks two row sets in the order of their first column (an id) together, calling only_a,
// only_b or both for each id; the rows are read once and never all held.
template <class A, class B, class Both>
Status merge_by_id(Statement& a, Statement& b, A&& only_a, B&& only_b, Both&& both) {
    auto ra = a.step();
    if (!ra) return ra.error();
    auto rb = b.step();
    if (!rb) return rb.error();
    bool has_a = *ra, has_b = *rb;
    while (has_a || has_b) {
        bool take_a = has_a && (!has_b || a.integer(0) <= b.integer(0));
        bool take_b = has_b && (!has_a || b.integer(0) <= a.integer(0));
        if (take_a && take_b)
            both(a, b);
        else if (take_a)
            only_a(a);
        else
            only_b(b);
        if (take_a) {
            auto r = a.step();
            if (!r) return r.error();
            has_a = *r;
        }
        if (take_b) {
            auto r = b.step();
            if (!r) return r.error();
            has_b = *r;
        }
    }
    return Ok{};
}

// Counts one more change and lists it while the list is shorter than `max`.
template <class Make>
void note(Diff::Kind& kind, size_t max, Make&& make) {
    ++kind.count;
    if (kind.listed.size() < max) kind.listed.push_back(make());
}

}  // namespace

Result<Diff> diff_states(Connection& db, int64_t before_ms, int64_t after_ms, size_t max_listed) {
    int64_t lo = std::min(before_ms, after_ms), hi = std::max(before_ms, after_ms);
    auto snapshot = Transaction::snapshot(db);
    if (!snapshot) return snapshot.error();
    auto a = states_at(db, "before", before_ms, lo, hi);
    auto b = states_at(db, "after", after_ms, lo, hi);
    if (!a || !b) return make_error("database: " + db.message());
    Diff d;
    auto services = merge_by_id(
        *a, *b,
        [&](const Statement& r) {
            note(d.gone_services, max_listed, [&] { return service_json(r); });
        },
        [&](const Statement& r) {
            note(d.new_services, max_listed, [&] { return service_json(r); });
        },
        [&](const Statement& was, const Statement& is) {
            Json before = state_fields(was), after = state_fields(is), changes = Json::object();
            for (const auto& [k, v] : after.items())
                if (before[k] != v) changes[k] = Json::array({before[k], v});
            if (changes.empty()) return;
            note(d.changed_services, max_listed, [&] {
                Json j = service_json(is);
                j["changes"] = changes;
                return j;
            });
        });
    a->reset();
    b->reset();
    if (!services) return services.error();
    auto fa = open_findings_at(db, "before", before_ms, lo, hi);
    auto fb = open_findings_at(db, "after", after_ms, lo, hi);
    if (!fa || !fb) return make_error("database: " + db.message());
    auto findings = merge_by_id(
        *fa, *fb,
        [&](const Statement& r) {
            note(d.resolved_findings, max_listed, [&] { return finding_json(r); });
        },
        [&](const Statement& r) {
            note(d.new_findings, max_listed, [&] { return finding_json(r); });
        },
        [](const Statement&, const Statement&) {});
    fa->reset();
    fb->reset();
    if (!findings) return findings.error();
    return d;
}

Result<std::string> change_finding(Store& store, const std::string& ref, const std::string& action,
                                   const std::string& reason, std::optional<int64_t> until_ms,
                                   const std::string& actor, int64_t now_ms) {
    Connection& db = store.db();
    auto find = db.prepare("SELECT id, status FROM findings WHERE id = ? OR fingerprint = ?");
    if (!find) return find.error();
    find->bind_all({finding_number(ref), ref});
    auto row = find->step();
    if (!row) return row.error();
    if (!*row)
        return make_error(
            fmt::format("no finding '{}' (give an id or a fingerprint from "
                        "searchlight findings)",
                        ref));
    int64_t id = find->integer(0);
    std::string from = find->text(1);
    find->reset();
    std::string to = action == "ack" ? "acknowledged" : action == "accept" ? "accepted" : "open";
    bool allowed = (action == "ack" && from == "open") ||
                   (action == "accept" && (from == "open" || from == "acknowledged")) ||
                   (action == "reopen" && from != "open");
    if (!allowed)
        return make_error(fmt::format("finding {} is {}: it cannot be {}", id, from,
                                      action == "ack"      ? "acknowledged"
                                      : action == "accept" ? "accepted"
                                                           : "reopened"));
    auto tx = Transaction::begin(db);
    if (!tx) return tx.error();
    auto up = db.prepare(
        "UPDATE findings SET status = ?, reason = ?, actor = ?, until = ?, status_changed_at = ?, "
        "resolved_at = CASE WHEN ? = 'open' THEN NULL ELSE resolved_at END, "
        "reopen_count = reopen_count + ? WHERE id = ?");
    if (!up) return up.error();
    up->bind_all({to, reason.empty() ? SqlValue() : SqlValue(reason), actor,
                  until_ms ? SqlValue(*until_ms) : SqlValue(), now_ms, to,
                  int64_t{from == "resolved"}, id});
    if (auto s = up->run(); !s) return s.error();
    if (auto s = store.record_change(id, now_ms, actor, from, to, reason); !s) return s.error();
    if (until_ms) {
        auto u = db.prepare("UPDATE finding_changes SET until = ? WHERE id = last_insert_rowid()");
        if (!u) return u.error();
        u->bind_all({*until_ms});
        if (auto s = u->run(); !s) return s.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
    return to;
}

}  // namespace sl::store
