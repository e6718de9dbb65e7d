// Ingesting batches into the store and the coverage-aware resolution at the end of a scan
// (docs/store.md, "Resolution is coverage-aware").
#include "store/store.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "core/clock.h"
#include "store/fingerprint.h"
#include "store/text_index.h"

namespace sl::store {

namespace {

constexpr size_t kMaxIntervalQueries = 256;  // past this, the coverage set loads all
const char* const kActive = "('open', 'acknowledged', 'accepted')";

std::string text_of(const Json& j, const char* key, const char* fallback = "") {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

int64_t int_of(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

SqlValue optional_text(const Json& j, std::string_view dotted) {
    const Json* v = find_dotted(j, dotted);
    if (!v || !v->is_string()) return std::monostate{};
    return v->get<std::string>();
}

// The record's own time in unix ms (its `time` field), or now when it has none.
int64_t record_ms(const Json& r) {
    std::string t = text_of(r, "time");
    auto seconds = parse_rfc3339(t);
    if (!seconds) return unix_ms();
    int64_t ms = 0;
    if (auto dot = t.find('.'); dot != std::string::npos) {
        int digits = 0;
        for (size_t i = dot + 1; i < t.size() && digits < 3 && t[i] >= '0' && t[i] <= '9';
             ++i, ++digits)
            ms = ms * 10 + (t[i] - '0');
        while (digits++ < 3) ms *= 10;
    }
    return *seconds * 1000 + ms;
}

Result<IpAddr> address_of(const Json& r) {
    auto ip = parse_ip(text_of(r, "ip"));
    if (!ip) return make_error(fmt::format("record without a valid ip: {}", ip.error().message));
    return *ip;
}

Result<ServiceKey> key_of(const Json& r) {
    auto ip = address_of(r);
    if (!ip) return ip.error();
    int64_t port = int_of(r, "port");
    if (port < 0 || port > 65535) return make_error(fmt::format("record with port {}", port));
    return ServiceKey{ip_key(*ip), port, text_of(r, "transport", "tcp")};
}

}  // namespace

int severity_rank(std::string_view s) {
    if (s == "info") return 0;
    if (s == "low") return 1;
    if (s == "medium") return 2;
    if (s == "high") return 3;
    if (s == "critical") return 4;
    return -1;
}

Status Store::begin_scan(const ScanStart& s) {
    scan_id_ = s.id;
    grab_ = s.grab;
    pending_open_.clear();
    serviced_.clear();
    misses_.clear();
    auto st = db_.prepare(
        "INSERT INTO scans(id, source, started_at, status, options, scope) "
        "VALUES (?, ?, ?, 'running', ?, ?)");
    if (!st) return st.error();
    st->bind_all({s.id, s.source, s.started_ms, s.options.dump(), s.scope.dump()});
    return st->run();
}

Status Store::apply(const Batch& batch) {
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    for (const auto& m : batch.misses) misses_.push_back(m);
    for (const auto& p : batch.open_ports) {
        auto key = key_of(p);
        if (!key) return key.error();
        if (grab_ && !serviced_.count(*key))
            pending_open_[*key] = p;  // its service record is still to come
        else if (!grab_)
            if (auto s = apply_open_port(p, *key); !s) return s;
    }
    for (const auto& u : batch.services) {
        auto key = key_of(u.service);
        if (!key) return key.error();
        if (auto s = apply_unit(u, *key); !s) return s;
        pending_open_.erase(*key);
        serviced_.insert(*key);
    }
    for (const auto& h : batch.hosts)
        if (auto s = apply_host(h); !s) return s;
    return tx->commit();
}

Status Store::apply_unit(const ServiceUnit& u, const ServiceKey& key) {
    std::set<std::string> rules;
    for (const auto& f : u.findings) rules.insert(text_of(f, "rule"));
    auto id = upsert_service(u.service, key, rules, true);
    if (!id) return id.error();
    if (*id == 0) return Ok{};  // older than what the store holds
    int64_t at = record_ms(u.service);
    for (const auto& f : u.findings)
        if (auto s = apply_finding(*id, f, at); !s) return s;
    return Ok{};
}

Status Store::apply_open_port(const Json& port, const ServiceKey& key) {
    Json unknown = port;
    unknown["type"] = "service";
    unknown["protocol"] = "unknown";
    unknown["access"] = "unknown";
    unknown["tls"] = false;
    unknown.erase("rtt_ms");
    unknown.erase("state");
    auto id = upsert_service(unknown, key, {}, false);
    return id ? Status(Ok{}) : Status(id.error());
}

namespace {

ServiceColumns columns_of(const Json& r) {
    Json kept = r;
    for (const char* k : {"type", "scan_id"}) kept.erase(k);
    const Json* tls = find_dotted(r, "tls");
    return {text_of(r, "protocol", "unknown"),
            text_of(r, "access", "unknown"),
            kept.dump(),
            optional_text(r, "product"),
            optional_text(r, "version"),
            optional_text(r, "tls_cert.sha256"),
            tls && tls->is_boolean() && tls->get<bool>()};
}

// FNV-1a over the searchable text: whether the text index needs the new text.
int64_t text_hash_of(const std::string& body) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : body) h = (h ^ ch) * 1099511628211ull;
    return static_cast<int64_t>(h >> 1);
}

Json rules_json(const std::set<std::string>& rules) {
    Json a = Json::array();
    for (const auto& r : rules) a.push_back(r);
    return a;
}

}  // namespace

// Returns the service id, or 0 when the record is older than the service's last sighting.
Result<int64_t> Store::upsert_service(const Json& r, const ServiceKey& key,
                                      const std::set<std::string>& rules, bool grabbed) {
    int64_t at = record_ms(r);
    bool proved = grabbed && text_of(r, "status", "ok") == "ok";
    std::string fp = state_fingerprint(r, rules);
    auto find = db_.prepare(
        "SELECT s.id, s.state, s.fingerprint, s.current_obs, s.last_seen, o.text_hash "
        "FROM services s LEFT JOIN observations o ON o.id = s.current_obs "
        "WHERE s.ip_key = ? AND s.port = ? AND s.transport = ?");
    if (!find) return find.error();
    find->bind_all({Blob{key.ip_key}, key.port, key.transport});
    auto row = find->step();
    if (!row) return row.error();
    ServiceColumns c = columns_of(r);
    std::string ip = ip_from_key(key.ip_key).to_string();
    if (!*row) {
        auto ins = db_.prepare(
            "INSERT INTO services(ip, ip_key, port, transport, state, first_seen, last_seen, "
            "first_scan, last_scan, last_grab_scan, fingerprint, protocol, product, version, "
            "access, tls, cert_sha256, record) "
            "VALUES (?, ?, ?, ?, 'alive', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!ins) return ins.error();
        ins->bind_all({ip, Blob{key.ip_key}, key.port, key.transport, at, at, scan_id_, scan_id_,
                       proved ? SqlValue(scan_id_) : SqlValue(), fp, c.protocol, c.product,
                       c.version, c.access, c.tls, c.cert, c.record});
        if (auto s = ins->run(); !s) return s.error();
        int64_t id = db_.last_insert_id();
        if (auto s = start_observation(id, key, r, c, fp, rules, at); !s) return s.error();
        return id;
    }
    int64_t id = find->integer(0), current_obs = find->integer(3), last_seen = find->integer(4);
    int64_t text_hash = find->integer(5);
    bool alive = find->text(1) == "alive";
    std::string old_fp = find->text(2);
    find->reset();
    if (at < last_seen) return int64_t{0};
    bool touch_only = alive && (!grabbed || (!proved && c.protocol == "unknown"));
    if (touch_only) {
        if (auto s = touch_service(id, current_obs, at); !s) return s.error();
        return id;
    }
    if (alive && fp == old_fp) {  // the same state again: the cheap path of most sightings
        if (auto s = refresh_observation(current_obs, r, c, text_hash, at); !s) return s.error();
        auto up = db_.prepare(
            "UPDATE services SET last_seen = ?, last_scan = ?, "
            "last_grab_scan = coalesce(?, last_grab_scan), record = ? WHERE id = ?");
        if (!up) return up.error();
        up->bind_all({at, scan_id_, proved ? SqlValue(scan_id_) : SqlValue(), c.record, id});
        if (auto s = up->run(); !s) return s.error();
        return id;
    }
    if (alive)
        if (auto s = end_observation(current_obs, at); !s) return s.error();
    if (auto s = start_observation(id, key, r, c, fp, rules, at); !s) return s.error();
    auto up = db_.prepare(
        "UPDATE services SET state = 'alive', gone_at = NULL, last_seen = ?, last_scan = ?, "
        "last_grab_scan = coalesce(?, last_grab_scan), fingerprint = ?, protocol = ?, "
        "product = ?, version = ?, access = ?, tls = ?, cert_sha256 = ?, record = ? "
        "WHERE id = ?");
    if (!up) return up.error();
    up->bind_all({at, scan_id_, proved ? SqlValue(scan_id_) : SqlValue(), fp, c.protocol, c.product,
                  c.version, c.access, c.tls, c.cert, c.record, id});
    if (auto s = up->run(); !s) return s.error();
    return id;
}

Status Store::start_observation(int64_t service_id, const ServiceKey& key, const Json& r,
                                const ServiceColumns& c, const std::string& fp,
                                const std::set<std::string>& rules, int64_t at) {
    std::string body = searchable_text(r);
    auto ins = db_.prepare(
        "INSERT INTO observations(service_id, fingerprint, first_seen, last_seen, first_scan, "
        "last_scan, ip, ip_key, port, transport, protocol, product, version, access, tls, "
        "cert_sha256, rules, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)");
    if (!ins) return ins.error();
    ins->bind_all({service_id, fp, at, at, scan_id_, scan_id_, ip_from_key(key.ip_key).to_string(),
                   Blob{key.ip_key}, key.port, key.transport, c.protocol, c.product, c.version,
                   c.access, c.tls, c.cert, rules_json(rules).dump(), c.record,
                   text_hash_of(body)});
    if (auto s = ins->run(); !s) return s;
    int64_t obs = db_.last_insert_id();
    auto text = db_.prepare("INSERT INTO observation_text(rowid, body) VALUES (?, ?)");
    if (!text) return text.error();
    text->bind_all({obs, body});
    if (auto s = text->run(); !s) return s;
    auto link = db_.prepare("UPDATE services SET current_obs = ? WHERE id = ?");
    if (!link) return link.error();
    link->bind_all({obs, service_id});
    return link->run();
}

Status Store::end_observation(int64_t obs_id, int64_t at) {
    auto st = db_.prepare("UPDATE observations SET ended_at = ? WHERE id = ? AND ended_at IS NULL");
    if (!st) return st.error();
    st->bind_all({at, obs_id});
    return st->run();
}

// The same state seen again: only last_seen moves, unless the searchable text changed (a
// title, a names sample): then the record and the text index follow it.
Status Store::refresh_observation(int64_t obs_id, const Json& r, const ServiceColumns& c,
                                  int64_t text_hash, int64_t at) {
    std::string body = searchable_text(r);
    int64_t hash = text_hash_of(body);
    if (hash == text_hash) {
        auto st = db_.prepare(
            "UPDATE observations SET last_seen = max(last_seen, ?), last_scan = ? WHERE id = ?");
        if (!st) return st.error();
        st->bind_all({at, scan_id_, obs_id});
        return st->run();
    }
    auto st = db_.prepare(
        "UPDATE observations SET last_seen = max(last_seen, ?), last_scan = ?, record = ?, "
        "text_hash = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({at, scan_id_, c.record, hash, obs_id});
    if (auto s = st->run(); !s) return s;
    auto up = db_.prepare("INSERT OR REPLACE INTO observation_text(rowid, body) VALUES (?, ?)");
    if (!up) return up.error();
    up->bind_all({obs_id, body});
    return up->run();
}

Status Store::touch_service(int64_t service_id, int64_t obs_id, int64_t at) {
    auto st = db_.prepare(
        "UPDATE services SET last_seen = max(last_seen, ?), last_scan = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({at, scan_id_, service_id});
    if (auto s = st->run(); !s) return s;
    auto obs = db_.prepare(
        "UPDATE observations SET last_seen = max(last_seen, ?), last_scan = ? WHERE id = ?");
    if (!obs) return obs.error();
    obs->bind_all({at, scan_id_, obs_id});
    return obs->run();
}

Status Store::record_change(int64_t finding_id, int64_t at, const std::string& actor,
                            const std::string& from, const std::string& to,
                            const std::string& reason) {
    auto st = db_.prepare(
        "INSERT INTO finding_changes(finding_id, at, actor, from_status, to_status, reason, "
        "scan_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind_all({finding_id, at, actor, from.empty() ? SqlValue() : SqlValue(from), to,
                  reason.empty() ? SqlValue() : SqlValue(reason),
                  scan_id_.empty() ? SqlValue() : SqlValue(scan_id_)});
    return st->run();
}

Status Store::apply_finding(int64_t service_id, const Json& f, int64_t at) {
    auto ip = address_of(f);
    if (!ip) return ip.error();
    std::string rule = text_of(f, "rule"), severity = text_of(f, "severity", "info");
    std::string transport = text_of(f, "transport", "tcp");
    int64_t port = int_of(f, "port");
    std::string fp = finding_fingerprint(ip->to_string(), port, transport, rule);
    Json evidence = f.contains("evidence") ? f["evidence"] : Json::object();
    auto find = db_.prepare(
        "SELECT id, status, last_seen, severity, evidence, title FROM findings "
        "WHERE fingerprint = ?");
    if (!find) return find.error();
    find->bind_all({fp});
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) {
        auto ins = db_.prepare(
            "INSERT INTO findings(fingerprint, service_id, ip, ip_key, port, transport, rule, "
            "category, severity, severity_rank, title, evidence, remediation, status, "
            "first_seen, last_seen, first_scan, last_scan, status_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)");
        if (!ins) return ins.error();
        ins->bind_all({fp, service_id, ip->to_string(), Blob{ip_key(*ip)}, port, transport, rule,
                       text_of(f, "category", "info"), severity,
                       int64_t{std::max(0, severity_rank(severity))}, text_of(f, "title"),
                       evidence.dump(), text_of(f, "remediation"), at, at, scan_id_, scan_id_, at});
        if (auto s = ins->run(); !s) return s;
        return record_change(db_.last_insert_id(), at, "scan", "", "open", "first seen");
    }
    int64_t id = find->integer(0), last_seen = find->integer(2);
    std::string status = find->text(1);
    std::string evidence_text = evidence.dump(), title = text_of(f, "title");
    bool same = status != "resolved" && find->text(3) == severity &&
                find->text(4) == evidence_text && find->text(5) == title;
    find->reset();
    if (at < last_seen) return Ok{};
    if (same) {  // seen again, unchanged: the cheap path
        auto touch = db_.prepare(
            "UPDATE findings SET last_seen = ?, last_scan = ?, service_id = ? WHERE id = ?");
        if (!touch) return touch.error();
        touch->bind_all({at, scan_id_, service_id, id});
        return touch->run();
    }
    bool reopen = status == "resolved";
    auto up = db_.prepare(
        "UPDATE findings SET last_seen = ?, last_scan = ?, service_id = ?, category = ?, "
        "severity = ?, severity_rank = ?, title = ?, evidence = ?, remediation = ?, "
        "status = ?, resolved_at = CASE WHEN ? THEN NULL ELSE resolved_at END, "
        "reopen_count = reopen_count + ?, "
        "status_changed_at = CASE WHEN ? THEN ? ELSE status_changed_at END WHERE id = ?");
    if (!up) return up.error();
    up->bind_all({at, scan_id_, service_id, text_of(f, "category", "info"), severity,
                  int64_t{std::max(0, severity_rank(severity))}, text_of(f, "title"),
                  evidence.dump(), text_of(f, "remediation"), reopen ? "open" : status,
                  int64_t{reopen}, int64_t{reopen}, int64_t{reopen}, at, id});
    if (auto s = up->run(); !s) return s;
    if (reopen) return record_change(id, at, "scan", "resolved", "open", "seen again");
    return Ok{};
}

Status Store::apply_host(const Json& h) {
    auto ip = address_of(h);
    if (!ip) return ip.error();
    int64_t at = record_ms(h);
    Json names = h.contains("open_protocol_names") ? h["open_protocol_names"] : Json::array();
    auto st = db_.prepare(
        "INSERT INTO hosts(ip_key, ip, honeypot_suspected, open_ports, open_protocols, "
        "first_seen, last_seen, last_scan) VALUES (?, ?, 1, ?, ?, ?, ?, ?) "
        "ON CONFLICT(ip_key) DO UPDATE SET honeypot_suspected = 1, open_ports = "
        "excluded.open_ports, open_protocols = excluded.open_protocols, last_seen = "
        "max(last_seen, excluded.last_seen), last_scan = excluded.last_scan");
    if (!st) return st.error();
    st->bind_all({Blob{ip_key(*ip)}, ip->to_string(), int_of(h, "open_ports"), names.dump(), at, at,
                  scan_id_});
    return st->run();
}

Status Store::resolve_finding(int64_t finding_id, const std::string& from, int64_t at,
                              const std::string& reason) {
    auto st = db_.prepare(
        "UPDATE findings SET status = 'resolved', resolved_at = ?, status_changed_at = ? "
        "WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({at, at, finding_id});
    if (auto s = st->run(); !s) return s;
    return record_change(finding_id, at, "scan", from, "resolved", reason);
}

// Known services that this completed scan probed and found not open are gone, with their
// findings resolved.
Status Store::resolve_gone(const ScanEnd& e) {
    auto find = db_.prepare(
        "SELECT id, current_obs FROM services WHERE ip_key = ? AND port = ? AND transport = ? "
        "AND state = 'alive' AND last_scan != ?");
    auto gone = db_.prepare("UPDATE services SET state = 'gone', gone_at = ? WHERE id = ?");
    auto findings = db_.prepare(std::string("SELECT id, status FROM findings WHERE service_id = ? "
                                            "AND status IN ") +
                                kActive);
    if (!find || !gone || !findings) return make_error("database: " + db_.message());
    for (const auto& m : misses_) {
        auto key = key_of(m);
        if (!key) return key.error();
        find->bind_all({Blob{key->ip_key}, key->port, key->transport, scan_id_});
        auto row = find->step();
        if (!row) return row.error();
        if (!*row) continue;
        int64_t id = find->integer(0), obs = find->integer(1);
        find->reset();
        gone->bind_all({e.ended_ms, id});
        if (auto s = gone->run(); !s) return s;
        if (auto s = end_observation(obs, e.ended_ms); !s) return s;
        findings->bind_all({id});
        std::vector<std::pair<int64_t, std::string>> active;
        while (true) {
            auto f = findings->step();
            if (!f) return f.error();
            if (!*f) break;
            active.emplace_back(findings->integer(0), findings->text(1));
        }
        for (const auto& [fid, status] : active)
            if (auto s = resolve_finding(fid, status, e.ended_ms, "service gone"); !s) return s;
    }
    return Ok{};
}

// Services that this completed scan grabbed without a finding it used to have: the finding is
// resolved, for the rules the scan evaluated only.
Status Store::resolve_findings(const ScanEnd& e) {
    if (!e.rules) return Ok{};
    auto st = db_.prepare(
        std::string(
            "SELECT f.id, f.status, f.rule FROM findings f JOIN services s ON s.id = f.service_id "
            "WHERE s.last_grab_scan = ? AND f.last_scan != ? AND f.status IN ") +
        kActive);
    if (!st) return st.error();
    st->bind_all({scan_id_, scan_id_});
    std::vector<std::pair<int64_t, std::string>> stale;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        if (e.rules->count(st->text(2))) stale.emplace_back(st->integer(0), st->text(1));
    }
    for (const auto& [id, status] : stale)
        if (auto s = resolve_finding(id, status, e.ended_ms, "not seen on the service"); !s)
            return s;
    return Ok{};
}

Status Store::finish_scan(const ScanEnd& e) {
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    for (const auto& [key, port] : pending_open_)
        if (!serviced_.count(key))
            if (auto s = apply_open_port(port, key); !s) return s;
    pending_open_.clear();
    if (e.completed) {
        if (auto s = resolve_gone(e); !s) return s;
        if (auto s = resolve_findings(e); !s) return s;
    }
    auto st = db_.prepare(
        "UPDATE scans SET ended_at = ?, status = ?, completed = ?, counts = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({e.ended_ms, e.status, int64_t{e.completed}, e.counts.dump(), scan_id_});
    if (auto s = st->run(); !s) return s;
    return tx->commit();
}

Result<std::set<ServiceKey>> Store::alive_services(const std::vector<IpInterval>& intervals) {
    std::set<ServiceKey> out;
    bool all = intervals.size() > kMaxIntervalQueries;
    auto st = db_.prepare(all ? "SELECT ip_key, port, transport FROM services WHERE state = 'alive'"
                              : "SELECT ip_key, port, transport FROM services WHERE state = "
                                "'alive' AND ip_key BETWEEN ? AND ?");
    if (!st) return st.error();
    auto collect = [&]() -> Status {
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) return Ok{};
            out.insert({std::get<Blob>(st->value(0)).bytes, st->integer(1), st->text(2)});
        }
    };
    if (all) {
        if (auto s = collect(); !s) return s.error();
        return out;
    }
    for (const auto& iv : intervals) {
        st->bind_all({Blob{ip_key({iv.family, iv.first})}, Blob{ip_key({iv.family, iv.last})}});
        if (auto s = collect(); !s) return s.error();
    }
    return out;
}

Status Store::expire_acceptances(int64_t now_ms) {
    auto st = db_.prepare(
        "SELECT id FROM findings WHERE status = 'accepted' AND until IS NOT NULL AND until <= ?");
    if (!st) return st.error();
    st->bind_all({now_ms});
    std::vector<int64_t> expired;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        expired.push_back(st->integer(0));
    }
    if (expired.empty()) return Ok{};
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto up = db_.prepare(
        "UPDATE findings SET status = 'open', status_changed_at = ?, reason = NULL, "
        "until = NULL WHERE id = ?");
    if (!up) return up.error();
    for (int64_t id : expired) {
        up->bind_all({now_ms, id});
        if (auto s = up->run(); !s) return s;
        if (auto s =
                record_change(id, now_ms, "searchlight", "accepted", "open", "acceptance expired");
            !s)
            return s;
    }
    return tx->commit();
}

}  // namespace sl::store
