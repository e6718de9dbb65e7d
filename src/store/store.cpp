// Ingesting batches into the store and the coverage-aware resolution at the end of a scan
// (docs/store.md, "Resolution is coverage-aware").
#include "store/store.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "core/clock.h"
#include "store/fingerprint.h"
#include "store/schema.h"

namespace sl::store {

namespace {

constexpr size_t kMaxIntervalQueries = 256;  // past this, the coverage set loads all
const char* const kActive = "('open', 'acknowledged', 'accepted')";
constexpr size_t kMaxCachedIds = 2'000'000;  // per cache: about 250 MB at most
constexpr int64_t kMinAnalyzedRows = 1000;   // below this, every plan is fast

int64_t int_of(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Caches an id; past kMaxCachedIds the cache stops growing (a miss costs an index search).
template <class Map, class Key>
void remember(Map& ids, const Key& key, int64_t id) {
    if (ids.size() < kMaxCachedIds) ids.emplace(key, id);
}

// A live state in one number (never 0): its fingerprint and its content hash.
uint64_t state_token(std::string_view fingerprint, int64_t content_hash) {
    return (static_cast<uint64_t>(text_hash(fingerprint)) * 0x9e3779b97f4a7c15ull ^
            static_cast<uint64_t>(content_hash)) |
           1;
}

Json rules_json(const std::vector<std::string>& rules) {
    Json a = Json::array();
    for (const auto& r : rules) a.push_back(r);
    return a;
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
    auto s = apply_in_transaction(batch);
    if (!s) forget_ids();
    return s;
}

// After a rollback: ids cached from its inserts name rows that do not exist.
void Store::forget_ids() {
    known_services_.clear();
    finding_ids_.clear();
}

void Store::know(const ServiceKey& key, int64_t id, uint64_t state) {
    if (auto it = known_services_.find(key); it != known_services_.end())
        it->second = {id, state};
    else if (known_services_.size() < kMaxCachedIds)
        known_services_.emplace(key, KnownService{id, state});
}

Status Store::apply_in_transaction(const Batch& batch) {
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto version = db_.scalar("PRAGMA data_version");  // another connection wrote: forget
    if (!version) return version.error();
    if (*version != data_version_) forget_ids();
    data_version_ = *version;
    for (const auto& m : batch.misses) misses_.push_back(m);
    for (const auto& p : batch.open_ports) {
        auto key = key_of(p);
        if (!key) return key.error();
        if (grab_ && !serviced_.count(*key))
            pending_open_[*key] = p;  // its service record is still to come
        else if (!grab_)
            if (auto s = apply_open_port(p); !s) return s;
    }
    for (const auto& u : batch.services) {
        auto p = prepare_unit(u);
        if (!p) return p.error();
        if (auto s = apply_unit(*p); !s) return s;
    }
    for (const auto& p : batch.prepared)
        if (auto s = apply_unit(p); !s) return s;
    for (const auto& h : batch.hosts)
        if (auto s = apply_host(h); !s) return s;
    return tx->commit();
}

Status Store::apply_unit(const PreparedUnit& p) {
    pending_open_.erase(p.key);
    serviced_.insert(p.key);
    auto id = upsert_service(p, true);
    if (!id) return id.error();
    if (*id == 0) return Ok{};  // older than what the store holds
    for (const auto& f : p.findings)
        if (auto s = apply_finding(*id, p, f); !s) return s;
    return Ok{};
}

// An open port without a service record (--no-grab, or a grab that never reported): a
// service of protocol unknown.
Status Store::apply_open_port(const Json& port) {
    if (auto key = key_of(port); key)
        if (auto it = known_services_.find(*key);
            it != known_services_.end() && it->second.state != 0) {  // known alive
            auto touched = touch(it->second.id, record_ms(port));
            if (!touched) return touched.error();
            if (*touched) return Ok{};
        }
    ServiceUnit unit{port, {}};
    Json& unknown = unit.service;
    unknown["type"] = "service";
    unknown["protocol"] = "unknown";
    unknown["access"] = "unknown";
    unknown["tls"] = false;
    unknown.erase("rtt_ms");
    unknown.erase("state");
    auto p = prepare_unit(unit);
    if (!p) return p.error();
    auto id = upsert_service(*p, false);
    return id ? Status(Ok{}) : Status(id.error());
}

// Returns the service id, or 0 when the record is older than the service's last sighting.
// An unchanged sighting (the common case) writes the service's row only (last_seen and the
// latest record), no index entry and no observation (docs/store.md, "What a sighting writes").
Result<int64_t> Store::upsert_service(const PreparedUnit& lazy, bool grabbed) {
    bool proved = grabbed && lazy.status_ok;
    uint64_t state = state_token(lazy.fingerprint, lazy.content_hash);
    if (proved)
        if (auto it = known_services_.find(lazy.key);
            it != known_services_.end() && it->second.state == state) {
            int64_t id = it->second.id;
            auto seen = sighting(id, lazy);
            if (!seen || *seen) return seen ? Result<int64_t>(id) : seen.error();
        }
    std::optional<PreparedUnit> completed;  // the record and its text, made from its line
    if (!lazy.source.empty()) {
        auto full = complete_unit(lazy);
        if (!full) return full.error();
        completed = std::move(*full);
    }
    const PreparedUnit& p = completed ? *completed : lazy;
    const ServiceColumns& c = p.columns;
    auto find = db_.prepare(
        "SELECT id, state, fingerprint, current_obs, last_seen, content_hash FROM services "
        "WHERE ip_key = ? AND port = ? AND transport = ?");
    if (!find) return find.error();
    find->bind_all({Blob{p.key.ip_key}, p.key.port, p.key.transport});
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) return insert_service(p, proved, state);
    int64_t id = find->integer(0), current_obs = find->integer(3), last_seen = find->integer(4);
    int64_t old_content = find->integer(5);
    bool alive = find->text(1) == "alive";
    bool same_state = find->text(2) == p.fingerprint;
    know(p.key, id, alive ? state_token(find->text(2), old_content) : 0);
    find->reset();
    if (p.at < last_seen) return int64_t{0};
    SqlValue grab_scan = proved ? SqlValue(scan_id_) : SqlValue();
    bool touch_only = alive && (!grabbed || (!proved && c.protocol == "unknown"));
    if (touch_only) {
        auto touched = touch(id, p.at);
        return touched ? Result<int64_t>(id) : touched.error();
    }
    if (alive && same_state) {                // the same state again: no index entry
        if (old_content != p.content_hash) {  // beyond its volatile fields: the newer record
            if (auto s = refresh_observation(current_obs, p); !s) return s.error();
            auto up =
                db_.prepare("UPDATE service_rows SET record = ?, content_hash = ? WHERE id = ?");
            if (!up) return up.error();
            up->bind_all({c.record, p.content_hash, id});
            if (auto s = up->run(); !s) return s.error();
        }
        if (auto s = seen(id, p, grab_scan); !s) return s.error();
        know(p.key, id, state);
        return id;
    }
    if (alive)
        if (auto s = end_observation(current_obs, id, p.at); !s) return s.error();
    if (auto s = start_observation(id, p, alive ? "changed" : "revived"); !s) return s.error();
    auto up = db_.prepare(
        "UPDATE service_rows SET state = 'alive', gone_at = NULL, gone_scan = NULL, fingerprint = "
        "?, protocol = ?, "
        "product = ?, version = ?, access = ?, tls = ?, cert_sha256 = ?, record = ?, "
        "content_hash = ?, state_since = ? WHERE id = ?");
    if (!up) return up.error();
    up->bind_all({p.fingerprint, c.protocol, c.product, c.version, c.access, c.tls, c.cert,
                  c.record, p.content_hash, p.at, id});
    if (auto s = up->run(); !s) return s.error();
    if (auto s = seen(id, p, grab_scan); !s) return s.error();
    know(p.key, id, state);
    return id;
}

// The service's sighting row moves to this one (its last grab too, when it was proved).
Status Store::seen(int64_t id, const PreparedUnit& p, const SqlValue& grab_scan) {
    auto up = db_.update(
        "UPDATE sightings SET last_seen = ?, last_scan = ?, "
        "last_grab_scan = coalesce(?, last_grab_scan), volatile = ? WHERE service_id = ?",
        p.at, scan_id_, grab_scan, p.volatile_patch, id);
    return up ? Status(Ok{}) : Status(up.error());
}

Result<int64_t> Store::insert_service(const PreparedUnit& p, bool proved, uint64_t state) {
    const ServiceColumns& c = p.columns;
    auto ins = db_.prepare(
        "INSERT INTO service_rows(ip, ip_key, port, transport, state, first_seen, first_scan, "
        "fingerprint, protocol, product, version, access, tls, cert_sha256, record, "
        "content_hash, state_since) VALUES (?, ?, ?, ?, 'alive', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)");
    if (!ins) return ins.error();
    ins->bind_all({p.ip, Blob{p.key.ip_key}, p.key.port, p.key.transport, p.at, scan_id_,
                   p.fingerprint, c.protocol, c.product, c.version, c.access, c.tls, c.cert,
                   c.record, p.content_hash, p.at});
    if (auto s = ins->run(); !s) return s.error();
    int64_t id = db_.last_insert_id();
    auto sight = db_.prepare(
        "INSERT INTO sightings(service_id, last_seen, last_scan, last_grab_scan, volatile) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!sight) return sight.error();
    sight->bind_all(
        {id, p.at, scan_id_, proved ? SqlValue(scan_id_) : SqlValue(), p.volatile_patch});
    if (auto s = sight->run(); !s) return s.error();
    if (auto s = start_observation(id, p, "new"); !s) return s.error();
    know(p.key, id, state);
    return id;
}

// An open port of a service known alive, seen again without a grab: its last sighting moves,
// nothing else. False when it is older than the last (the caller takes the general path).
Result<bool> Store::touch(int64_t id, int64_t at) {
    auto changed = db_.update(
        "UPDATE sightings SET last_seen = ?, last_scan = ? WHERE service_id = ? AND "
        "last_seen <= ?",
        at, scan_id_, id, at);
    if (!changed) return changed.error();
    return *changed == 1;
}

// The common case in one statement, by row id: a proved sighting of the state this connection
// knows the service is in (the same live state and content beyond the volatile fields) writes
// its sightings row only. False when it is older than the last (the caller takes the general
// path). RETURNING would cost as much again as the update.
Result<bool> Store::sighting(int64_t id, const PreparedUnit& p) {
    auto changed = db_.update(
        "UPDATE sightings SET last_seen = ?, last_scan = ?, last_grab_scan = ?, volatile = ? "
        "WHERE service_id = ? AND last_seen <= ?",
        p.at, scan_id_, scan_id_, p.volatile_patch, id, p.at);
    if (!changed) return changed.error();
    return *changed == 1;
}

// A new state. Its last_seen and last_scan are the service's while it is current, and are
// written when it ends (end_observation).
Status Store::start_observation(int64_t service_id, const PreparedUnit& p, const char* change) {
    const ServiceColumns& c = p.columns;
    auto ins = db_.prepare(
        "INSERT INTO observations(service_id, fingerprint, first_seen, last_seen, first_scan, "
        "last_scan, ip, ip_key, port, transport, protocol, product, version, access, tls, "
        "cert_sha256, rules, record, text_hash, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, "
        "?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind_all({service_id,
                   p.fingerprint,
                   p.at,
                   p.at,
                   scan_id_,
                   scan_id_,
                   p.ip,
                   Blob{p.key.ip_key},
                   p.key.port,
                   p.key.transport,
                   c.protocol,
                   c.product,
                   c.version,
                   c.access,
                   c.tls,
                   c.cert,
                   rules_json(p.rules).dump(),
                   c.record,
                   text_hash(p.text),
                   std::string(change)});
    if (auto s = ins->run(); !s) return s;
    int64_t obs = db_.last_insert_id();
    if (!p.text.empty()) {
        auto text = db_.prepare("INSERT INTO observation_text(rowid, body) VALUES (?, ?)");
        if (!text) return text.error();
        text->bind_values(obs, p.text);
        if (auto s = text->run(); !s) return s;
    }
    auto link = db_.prepare("UPDATE service_rows SET current_obs = ? WHERE id = ?");
    if (!link) return link.error();
    link->bind_all({obs, service_id});
    return link->run();
}

// Ends the service's current state at `at`; its window closes at the service's last sighting
// (called before the service's row moves on).
Status Store::end_observation(int64_t obs_id, int64_t service_id, int64_t at) {
    auto st = db_.prepare(
        "UPDATE observations SET ended_at = ?, last_seen = s.last_seen, last_scan = s.last_scan, "
        "record = CASE WHEN s.volatile IS NULL THEN record ELSE json_patch(record, s.volatile) "
        "END FROM (SELECT last_seen, last_scan, volatile FROM sightings WHERE service_id = ?) AS s "
        "WHERE observations.id = ? AND ended_at IS NULL");
    if (!st) return st.error();
    st->bind_all({at, service_id, obs_id});
    return st->run();
}

// The same state, its record's content changed beyond the volatile fields: the current
// observation keeps the newest record, and the text index follows when the searchable text
// changed (a title, a names sample).
Status Store::refresh_observation(int64_t obs_id, const PreparedUnit& p) {
    auto old = db_.prepare("SELECT text_hash FROM observations WHERE id = ?");
    if (!old) return old.error();
    old->bind_all({obs_id});
    auto row = old->step();
    if (!row) return row.error();
    int64_t old_hash = *row ? old->integer(0) : 0;
    old->reset();
    int64_t hash = text_hash(p.text);
    auto st = db_.prepare("UPDATE observations SET record = ?, text_hash = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind_all({p.columns.record, hash, obs_id});
    if (auto s = st->run(); !s) return s;
    if (hash == old_hash) return Ok{};
    auto drop = db_.prepare("DELETE FROM observation_text WHERE rowid = ?");
    if (!drop) return drop.error();
    drop->bind_values(obs_id);
    if (auto s = drop->run(); !s || p.text.empty()) return s;
    auto up = db_.prepare("INSERT INTO observation_text(rowid, body) VALUES (?, ?)");
    if (!up) return up.error();
    up->bind_values(obs_id, p.text);
    return up->run();
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

// A finding seen on its service. Seen again unchanged (the common case), only last_seen moves.
Status Store::apply_finding(int64_t service_id, const PreparedUnit& p, const PreparedFinding& f) {
    std::string cache_key = std::to_string(service_id) + '/' + f.rule;
    if (auto it = finding_ids_.find(cache_key); it != finding_ids_.end()) {
        auto changed = db_.update(
            "UPDATE findings SET last_seen = ?, last_scan = ? WHERE id = ? AND status != "
            "'resolved' AND severity = ? AND evidence = ? AND title = ? AND last_seen <= ?",
            p.at, scan_id_, it->second, f.severity, f.evidence, f.title, p.at);
        if (!changed) return changed.error();
        if (*changed == 1) return Ok{};
    }
    auto find = db_.prepare(
        "SELECT id, status, last_seen, severity, evidence, title FROM findings "
        "WHERE service_id = ? AND rule = ?");
    if (!find) return find.error();
    find->bind_all({service_id, f.rule});
    auto row = find->step();
    if (!row) return row.error();
    int64_t rank = std::max(0, severity_rank(f.severity));
    if (!*row) {
        auto ins = db_.prepare(
            "INSERT INTO findings(fingerprint, service_id, ip, ip_key, port, transport, rule, "
            "category, severity, severity_rank, title, evidence, remediation, status, "
            "first_seen, last_seen, first_scan, last_scan, status_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)");
        if (!ins) return ins.error();
        ins->bind_all({finding_fingerprint(p.ip, p.key.port, p.key.transport, f.rule), service_id,
                       p.ip, Blob{p.key.ip_key}, p.key.port, p.key.transport, f.rule, f.category,
                       f.severity, rank, f.title, f.evidence, f.remediation, p.at, p.at, scan_id_,
                       scan_id_, p.at});
        if (auto s = ins->run(); !s) return s;
        int64_t id = db_.last_insert_id();
        remember(finding_ids_, cache_key, id);
        return record_change(id, p.at, "scan", "", "open", "first seen");
    }
    int64_t id = find->integer(0), last_seen = find->integer(2);
    remember(finding_ids_, cache_key, id);
    std::string status = find->text(1);
    bool same = status != "resolved" && find->text(3) == f.severity &&
                find->text(4) == f.evidence && find->text(5) == f.title;
    find->reset();
    if (p.at < last_seen) return Ok{};
    if (same) {
        auto changed = db_.update("UPDATE findings SET last_seen = ?, last_scan = ? WHERE id = ?",
                                  p.at, scan_id_, id);
        return changed ? Status(Ok{}) : Status(changed.error());
    }
    bool reopen = status == "resolved";
    auto up = db_.prepare(
        "UPDATE findings SET last_seen = ?, last_scan = ?, category = ?, "
        "severity = ?, severity_rank = ?, title = ?, evidence = ?, remediation = ?, "
        "status = ?, resolved_at = CASE WHEN ? THEN NULL ELSE resolved_at END, "
        "reopen_count = reopen_count + ?, "
        "status_changed_at = CASE WHEN ? THEN ? ELSE status_changed_at END WHERE id = ?");
    if (!up) return up.error();
    up->bind_all({p.at, scan_id_, f.category, f.severity, rank, f.title, f.evidence, f.remediation,
                  reopen ? "open" : status, int64_t{reopen}, int64_t{reopen}, int64_t{reopen}, p.at,
                  id});
    if (auto s = up->run(); !s) return s;
    if (reopen) return record_change(id, p.at, "scan", "resolved", "open", "seen again");
    return Ok{};
}

Status Store::apply_host(const Json& h) {
    auto ip = parse_ip(text_of(h, "ip"));
    if (!ip)
        return make_error(fmt::format("host record without a valid ip: {}", ip.error().message));
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
    auto gone = db_.prepare(
        "UPDATE service_rows SET state = 'gone', gone_at = ?, gone_scan = ? WHERE id = ?");
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
        know(*key, id, 0);
        gone->bind_all({e.ended_ms, scan_id_, id});
        if (auto s = gone->run(); !s) return s;
        if (auto s = end_observation(obs, id, e.ended_ms); !s) return s;
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
            "SELECT f.id, f.status, f.rule FROM findings f JOIN sightings g ON g.service_id = "
            "f.service_id WHERE g.last_grab_scan = ? AND f.last_scan != ? AND f.status IN ") +
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
    auto s = finish_in_transaction(e);
    if (!s) {
        forget_ids();
        return s;
    }
    // Fold the scan's write-ahead log into the database file while nothing else writes (the
    // log is checkpointed every 64 MiB anyway). Committed data is safe in the log, so a failed
    // checkpoint is not the scan's failure.
    (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
    refresh_statistics();
    return s;
}

// The query planner's statistics (sqlite_stat1), taken again whenever the services table has
// doubled since they were last taken: without them SQLite prefers an equality on a popular port
// to a narrow address range (net:10.18.3.0/24 port:80 read 54,000 index entries instead of 9).
// ANALYZE costs about a second per 400,000 services, so doubling keeps it rare. Statistics only
// steer plans: a failure here is not the scan's.
void Store::refresh_statistics(bool force) {
    auto services = services_held();
    auto analyzed = db_.scalar(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1') THEN "
        "1 ELSE 0 END");
    if (!services || !analyzed || *services < kMinAnalyzedRows) return;
    int64_t then = 0;
    if (*analyzed) {
        auto stat = db_.scalar(
            "SELECT coalesce(max(CAST(stat AS INTEGER)), 0) FROM sqlite_stat1 WHERE tbl = "
            "'service_rows'");
        if (!stat) return;
        then = *stat;
    }
    if (force || *services >= 2 * then) (void)db_.exec("ANALYZE");
}

Result<int64_t> Store::services_held() {
    return db_.scalar("SELECT coalesce(max(id), 0) FROM service_rows");
}

Status Store::defer_search_indexes() { return drop_search_indexes(db_); }

Status Store::restore_search_indexes() {
    auto built = build_search_indexes(db_);
    if (!built) return built.error();
    if (*built) {
        (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
        refresh_statistics(/*force=*/true);
    }
    return Ok{};
}

Status Store::finish_in_transaction(const ScanEnd& e) {
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    for (const auto& [key, port] : pending_open_)
        if (!serviced_.count(key))
            if (auto s = apply_open_port(port); !s) return s;
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
    // What it caches is true as of now: the next batch forgets it only if another connection
    // writes in between.
    auto version = db_.scalar("PRAGMA data_version");
    if (!version) return version.error();
    data_version_ = *version;
    std::set<ServiceKey> out;
    bool all = intervals.size() > kMaxIntervalQueries;
    auto st = db_.prepare(all ? "SELECT ip_key, port, transport, id, fingerprint, content_hash "
                                "FROM service_rows WHERE state = 'alive'"
                              : "SELECT ip_key, port, transport, id, fingerprint, content_hash "
                                "FROM service_rows WHERE state = 'alive' AND ip_key BETWEEN ? "
                                "AND ?");
    if (!st) return st.error();
    auto collect = [&]() -> Status {
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) return Ok{};
            ServiceKey key{std::get<Blob>(st->value(0)).bytes, st->integer(1), st->text(2)};
            // the scan will see most of them
            know(key, st->integer(3), state_token(st->text(4), st->integer(5)));
            out.insert(std::move(key));
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
