#include "store/schema.h"

#include <fmt/format.h>

#include <array>

namespace sl::store {

namespace {

// Version 1: scans, services, observations, findings, their changes, and hosts.
// Addresses are stored as text (`ip`) and as a sortable key (`ip_key`: the family byte, 4 or 6,
// then 16 big-endian bytes), so a CIDR is one BETWEEN over an index.
constexpr const char* kV1 = R"sql(
CREATE TABLE scans (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  status TEXT NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  options TEXT NOT NULL,
  scope TEXT NOT NULL,
  counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE services (
  id INTEGER PRIMARY KEY,
  ip TEXT NOT NULL,
  ip_key BLOB NOT NULL,
  port INTEGER NOT NULL,
  transport TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('alive', 'gone')),
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  gone_at INTEGER,
  first_scan TEXT NOT NULL REFERENCES scans(id),
  last_scan TEXT NOT NULL REFERENCES scans(id),
  last_grab_scan TEXT,
  fingerprint TEXT NOT NULL,
  current_obs INTEGER,
  protocol TEXT NOT NULL COLLATE NOCASE,
  product TEXT COLLATE NOCASE,
  version TEXT COLLATE NOCASE,
  access TEXT NOT NULL,
  tls INTEGER NOT NULL,
  cert_sha256 TEXT,
  record TEXT NOT NULL,
  UNIQUE (ip_key, port, transport)
);
CREATE INDEX services_port ON services(port, state);
CREATE INDEX services_product ON services(product);
CREATE INDEX services_protocol ON services(protocol);
CREATE INDEX services_last_seen ON services(last_seen);
CREATE TABLE observations (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL REFERENCES services(id),
  fingerprint TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  ended_at INTEGER,
  first_scan TEXT NOT NULL REFERENCES scans(id),
  last_scan TEXT NOT NULL REFERENCES scans(id),
  ip TEXT NOT NULL,
  ip_key BLOB NOT NULL,
  port INTEGER NOT NULL,
  transport TEXT NOT NULL,
  protocol TEXT NOT NULL COLLATE NOCASE,
  product TEXT COLLATE NOCASE,
  version TEXT COLLATE NOCASE,
  access TEXT NOT NULL,
  tls INTEGER NOT NULL,
  cert_sha256 TEXT,
  rules TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX observations_service ON observations(service_id, first_seen);
CREATE INDEX observations_time ON observations(first_seen, ended_at);
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  service_id INTEGER NOT NULL REFERENCES services(id),
  ip TEXT NOT NULL,
  ip_key BLOB NOT NULL,
  port INTEGER NOT NULL,
  transport TEXT NOT NULL,
  rule TEXT NOT NULL,
  category TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  title TEXT NOT NULL,
  evidence TEXT NOT NULL,
  remediation TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'acknowledged', 'accepted')),
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  resolved_at INTEGER,
  reopen_count INTEGER NOT NULL DEFAULT 0,
  first_scan TEXT NOT NULL REFERENCES scans(id),
  last_scan TEXT NOT NULL REFERENCES scans(id),
  reason TEXT,
  actor TEXT,
  until INTEGER,
  status_changed_at INTEGER NOT NULL
);
CREATE INDEX findings_service ON findings(service_id);
CREATE INDEX findings_status ON findings(status, severity_rank);
CREATE INDEX findings_rule ON findings(rule);
CREATE TABLE finding_changes (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER NOT NULL REFERENCES findings(id),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  reason TEXT,
  until INTEGER,
  scan_id TEXT
);
CREATE INDEX finding_changes_finding ON finding_changes(finding_id, at);
CREATE TABLE hosts (
  ip_key BLOB PRIMARY KEY,
  ip TEXT NOT NULL,
  honeypot_suspected INTEGER NOT NULL,
  open_ports INTEGER NOT NULL,
  open_protocols TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_scan TEXT NOT NULL REFERENCES scans(id)
);
)sql";

// Version 2: full-text search (FTS5) over each observation's banner, title, product,
// certificate names and names sample; rows of version-1 databases are indexed here.
constexpr const char* kV2 = R"sql(
CREATE VIRTUAL TABLE observation_text USING fts5(body, tokenize = 'unicode61');
INSERT INTO observation_text(rowid, body)
  SELECT id, ifnull(json_extract(record, '$.banner'), '') || ' ' ||
    ifnull(json_extract(record, '$.http.title'), '') || ' ' || ifnull(product, '') || ' ' ||
    protocol || ' ' || ifnull(version, '') || ' ' ||
    ifnull(json_extract(record, '$.tls_cert.subject_cn'), '') || ' ' ||
    ifnull(json_extract(record, '$.tls_cert.sans'), '') || ' ' ||
    ifnull(json_extract(record, '$.data.names_sample'), '')
  FROM observations;
CREATE VIEW current_services AS
  SELECT s.*, o.first_seen AS state_since FROM services s
  LEFT JOIN observations o ON o.id = s.current_obs;
)sql";

// Version 3: a hash of each observation's searchable text, so a sighting of the same state
// rewrites its record and text index only when that text changed.
constexpr const char* kV3 = R"sql(
ALTER TABLE observations ADD COLUMN text_hash INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 4: search indexes. A full-text match finds its service by current_obs; the port,
// product and protocol indexes also hold state, last_seen and ip_key, so a search by one of
// them picks its newest page from the index alone instead of reading every matching row.
constexpr const char* kV4 = R"sql(
CREATE INDEX services_current_obs ON services(current_obs);
DROP INDEX services_port;
CREATE INDEX services_port ON services(port, state, last_seen, ip_key);
DROP INDEX services_product;
CREATE INDEX services_product ON services(product, state, last_seen, ip_key, port);
DROP INDEX services_protocol;
CREATE INDEX services_protocol ON services(protocol, state, last_seen, ip_key, port);
)sql";

// Version 5: an unchanged sighting writes no index entry and no record. Services gain
// state_since (when the current state began: "newest first" sorts by it, and it changes only
// with the state) and content_hash (over the record without its volatile fields); the search
// indexes hold state_since instead of last_seen, which moves on every sighting; the last_seen
// index goes. A current observation's last_seen and last_scan are its service's and are written
// when it ends.
constexpr const char* kV5 = R"sql(
ALTER TABLE services ADD COLUMN state_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE services ADD COLUMN content_hash INTEGER NOT NULL DEFAULT 0;
UPDATE services SET state_since = coalesce(
  (SELECT o.first_seen FROM observations o WHERE o.id = services.current_obs), first_seen);
DROP INDEX services_last_seen;
DROP INDEX services_port;
CREATE INDEX services_port ON services(port, state, state_since DESC, ip_key);
DROP INDEX services_product;
CREATE INDEX services_product ON services(product, state, state_since DESC, ip_key, port);
DROP INDEX services_protocol;
CREATE INDEX services_protocol ON services(protocol, state, state_since DESC, ip_key, port);
CREATE INDEX findings_service_rule ON findings(service_id, rule);
DROP INDEX findings_service;
DROP VIEW current_services;
CREATE VIEW current_services AS SELECT * FROM services;
)sql";

// Version 6: the search indexes answer the common questions from the index alone. The port,
// product and protocol indexes also hold the columns those questions filter on next (access,
// version, product), so a count and a page need no row, and narrow (X, state, access) twins
// count a match in a quarter of the pages; services_ip serves net: ranges and
// services_tls tls:true. The findings indexes compare rules and categories the way the query
// language does (case-insensitively) and hold status and service_id, so rule:, category: and
// severity: find their services from an index alone.
constexpr const char* kV6 = R"sql(
DROP INDEX services_port;
CREATE INDEX services_port
  ON services(port, state, state_since DESC, ip_key, access, protocol, product, version);
DROP INDEX services_product;
CREATE INDEX services_product
  ON services(product, state, state_since DESC, ip_key, port, access, version);
DROP INDEX services_protocol;
CREATE INDEX services_protocol
  ON services(protocol, state, state_since DESC, ip_key, port, access, version);
CREATE INDEX services_ip ON services(ip_key, state, state_since, port, access, protocol, product);
CREATE INDEX services_tls ON services(tls, state, state_since DESC, ip_key, port);
CREATE INDEX services_port_count ON services(port, state, access);
CREATE INDEX services_product_count ON services(product, state, access);
CREATE INDEX services_protocol_count ON services(protocol, state, access);
DROP INDEX findings_rule;
CREATE INDEX findings_rule ON findings(rule COLLATE NOCASE, status, service_id);
CREATE INDEX findings_category ON findings(category COLLATE NOCASE, status, service_id);
CREATE INDEX findings_severity ON findings(severity_rank, status, service_id);
)sql";

// Version 7: the counting twins also hold the page's order after access, so a question on a
// port, product or protocol with access: (access:open, the common one) counts and pages from
// one index. With planner statistics SQLite chose the narrow twin for such a page and then read
// every matching row to sort it (access:open (protocol:redis OR protocol:memcached): 23 ms ->
// 232 ms over 430,000 services).
constexpr const char* kV7 = R"sql(
DROP INDEX services_port_count;
CREATE INDEX services_port_access ON services(port, state, access, state_since DESC, ip_key);
DROP INDEX services_product_count;
CREATE INDEX services_product_access
  ON services(product, state, access, state_since DESC, ip_key, port);
DROP INDEX services_protocol_count;
CREATE INDEX services_protocol_access
  ON services(protocol, state, access, state_since DESC, ip_key, port);
)sql";

// Version 8: a sighting writes one narrow row. The state of a service (written when its content
// changes) moves to service_rows; its last sighting (written every time: when, which scan, and
// the latest record's volatile fields as a JSON merge patch) to sightings, whose rows are a
// fifth as wide, so a scan of unchanged services dirties a fifth of the pages (the write-ahead
// log carried every services page once per batch). `services` is the view of both, with the
// latest record in full, that readers use.
constexpr const char* kV8 = R"sql(
DROP VIEW current_services;
ALTER TABLE services RENAME TO service_rows;
CREATE TABLE service_rows_v8 (
  id INTEGER PRIMARY KEY,
  ip TEXT NOT NULL,
  ip_key BLOB NOT NULL,
  port INTEGER NOT NULL,
  transport TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('alive', 'gone')),
  first_seen INTEGER NOT NULL,
  gone_at INTEGER,
  first_scan TEXT NOT NULL REFERENCES scans(id),
  fingerprint TEXT NOT NULL,
  current_obs INTEGER,
  protocol TEXT NOT NULL COLLATE NOCASE,
  product TEXT COLLATE NOCASE,
  version TEXT COLLATE NOCASE,
  access TEXT NOT NULL,
  tls INTEGER NOT NULL,
  cert_sha256 TEXT,
  record TEXT NOT NULL,
  state_since INTEGER NOT NULL DEFAULT 0,
  content_hash INTEGER NOT NULL DEFAULT 0,
  UNIQUE (ip_key, port, transport)
);
INSERT INTO service_rows_v8
  SELECT id, ip, ip_key, port, transport, state, first_seen, gone_at, first_scan, fingerprint,
    current_obs, protocol, product, version, access, tls, cert_sha256, record, state_since,
    content_hash FROM service_rows;
CREATE TABLE sightings (
  service_id INTEGER PRIMARY KEY REFERENCES service_rows(id),
  last_seen INTEGER NOT NULL,
  last_scan TEXT NOT NULL REFERENCES scans(id),
  last_grab_scan TEXT,
  volatile TEXT
);
INSERT INTO sightings SELECT id, last_seen, last_scan, last_grab_scan, NULL FROM service_rows;
DROP TABLE service_rows;
ALTER TABLE service_rows_v8 RENAME TO service_rows;
CREATE INDEX services_current_obs ON service_rows(current_obs);
CREATE INDEX services_port
  ON service_rows(port, state, state_since DESC, ip_key, access, protocol, product, version);
CREATE INDEX services_product
  ON service_rows(product, state, state_since DESC, ip_key, port, access, version);
CREATE INDEX services_protocol
  ON service_rows(protocol, state, state_since DESC, ip_key, port, access, version);
CREATE INDEX services_ip
  ON service_rows(ip_key, state, state_since, port, access, protocol, product);
CREATE INDEX services_tls ON service_rows(tls, state, state_since DESC, ip_key, port);
CREATE INDEX services_port_access
  ON service_rows(port, state, access, state_since DESC, ip_key);
CREATE INDEX services_product_access
  ON service_rows(product, state, access, state_since DESC, ip_key, port);
CREATE INDEX services_protocol_access
  ON service_rows(protocol, state, access, state_since DESC, ip_key, port);
CREATE VIEW services AS
  SELECT r.id, r.ip, r.ip_key, r.port, r.transport, r.state, r.first_seen, r.gone_at,
    r.first_scan, r.fingerprint, r.current_obs, r.protocol, r.product, r.version, r.access,
    r.tls, r.cert_sha256,
    CASE WHEN g.volatile IS NULL THEN r.record ELSE json_patch(r.record, g.volatile) END
      AS record,
    r.state_since, r.content_hash, g.last_seen, g.last_scan, g.last_grab_scan
  FROM service_rows r LEFT JOIN sightings g ON g.service_id = r.id;
CREATE VIEW current_services AS SELECT * FROM services;
)sql";

// Version 9: what the monitor needs (docs/monitor.md). Each state records how it began
// (`change`: new, revived or changed; NULL before version 9) and a service the scan it went
// gone in (`gone_scan`), so a cycle's diff reads its own changes from indexes. `events` holds
// every event the monitor derived, sent or not (a silenced or held event is stored and visible);
// `deliveries` is the outbox: one message to one sink, written in the transaction that wrote
// its events, marked delivered only when the sink confirmed it. `monitor_cycles` links a scope's
// cycles to their scans; `monitor_notices` remembers what was said once (a certificate
// threshold, an overdue episode, a reminder).
constexpr const char* kV9 = R"sql(
ALTER TABLE observations ADD COLUMN change TEXT;
ALTER TABLE service_rows ADD COLUMN gone_scan TEXT;
CREATE INDEX services_gone_scan ON service_rows(gone_scan) WHERE gone_scan IS NOT NULL;
CREATE INDEX finding_changes_scan ON finding_changes(scan_id) WHERE scan_id IS NOT NULL;
CREATE TABLE monitor_cycles (
  scan_id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
  baseline INTEGER NOT NULL DEFAULT 0,
  derived INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
CREATE INDEX monitor_cycles_scope ON monitor_cycles(scope, started_at);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  event TEXT NOT NULL,
  time INTEGER NOT NULL,
  scope TEXT,
  scan_id TEXT,
  ip TEXT,
  port INTEGER,
  transport TEXT,
  rule TEXT,
  severity_rank INTEGER,
  finding_id INTEGER,
  episode INTEGER,
  held TEXT,
  body TEXT NOT NULL
);
CREATE INDEX events_finding ON events(finding_id, episode) WHERE finding_id IS NOT NULL;
CREATE INDEX events_time ON events(time);
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  sink TEXT NOT NULL,
  route INTEGER NOT NULL,
  scope TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'digest')),
  title TEXT NOT NULL,
  event_ids TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE TABLE monitor_notices (
  key TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
)sql";

// Version 10: the diff of two moments (`diff --since`, the UI's "since yesterday" strip) reads
// only what changed between them: the states that ended, and the findings that opened or
// resolved, in the window, from indexes (it loaded every state at both moments before). The
// findings' indexes also cover the dashboard's open findings per day (two grouped scans
// instead of one table scan per day: 3.8 s to about 0.2 s over 300,000 findings) and its
// longest-open list (read in first_seen order).
constexpr const char* kV10 = R"sql(
CREATE INDEX observations_ended ON observations(ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX findings_first_seen ON findings(first_seen, severity, status);
CREATE INDEX findings_resolved
  ON findings(resolved_at, severity, status, first_seen) WHERE resolved_at IS NOT NULL;
CREATE INDEX findings_by_severity ON findings(severity_rank DESC, ip_key, port, rule, status);
)sql";

// Version 11: the newest services first, in one index. A question that matches many
// services in no order of its own (net:10.0.0.0/8, tls:true) reads them in page order off this
// index and stops at the page, instead of sorting every match (docs/store.md, "How a page is
// read"). And access holds only its vocabulary (an imported record's other text is stored as
// unknown), so -access:X seeks the other values.
constexpr const char* kV11 = R"sql(
CREATE INDEX services_newest ON service_rows(state, state_since DESC, ip_key, port);
UPDATE service_rows SET access = 'unknown'
  WHERE access NOT IN ('open', 'auth_required', 'partial', 'denied', 'unknown');
UPDATE observations SET access = 'unknown'
  WHERE access NOT IN ('open', 'auth_required', 'partial', 'denied', 'unknown');
)sql";

// Version 12: the live services by address in a narrow index, for counting a net: or ip: question
// (services_ip leads with the address and holds six more columns: counting 10,000 addresses of
// a /16 took 0.72 ms off it, 0.50 ms off this one). A store with planner statistics takes its
// statistics at once (analyze_new_index): without them the planner prefers it to the covering
// services_ip for net:X/24 port:80 too, a lookup per row.
constexpr const char* kV12 = R"sql(
CREATE INDEX services_state_ip ON service_rows(state, ip_key);
)sql";
constexpr int kStateIpVersion = 12;

constexpr std::array<const char*, kSchemaVersion> kMigrations = {kV1, kV2, kV3, kV4,  kV5,  kV6,
                                                                 kV7, kV8, kV9, kV10, kV11, kV12};

// The search indexes as the migrations leave them (a test holds the two equal).
struct IndexDef {
    const char* name;
    const char* columns;
};
constexpr std::array<IndexDef, 10> kSearchIndexes = {{
    {"services_port", "port, state, state_since DESC, ip_key, access, protocol, product, version"},
    {"services_product", "product, state, state_since DESC, ip_key, port, access, version"},
    {"services_protocol", "protocol, state, state_since DESC, ip_key, port, access, version"},
    {"services_ip", "ip_key, state, state_since, port, access, protocol, product"},
    {"services_tls", "tls, state, state_since DESC, ip_key, port"},
    {"services_port_access", "port, state, access, state_since DESC, ip_key"},
    {"services_product_access", "product, state, access, state_since DESC, ip_key, port"},
    {"services_protocol_access", "protocol, state, access, state_since DESC, ip_key, port"},
    {"services_newest", "state, state_since DESC, ip_key, port"},
    {"services_state_ip", "state, ip_key"},
}};

// The statistics of an index a migration added, when the store has planner statistics (a small
// store has none: every plan is fast there, and Store::refresh_statistics takes them later).
Status analyze_new_index(Connection& db, const char* index) {
    auto analyzed = db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'");
    if (!analyzed) return analyzed.error();
    return *analyzed ? db.exec(fmt::format("ANALYZE {}", index)) : Status(Ok{});
}

}  // namespace

Status migrate(Connection& db, int target) {
    auto current = db.scalar("PRAGMA user_version");
    if (!current) return current.error();
    for (int v = static_cast<int>(*current) + 1; v <= target; ++v) {
        auto tx = Transaction::begin(db);
        if (!tx) return tx.error();
        if (auto s = db.exec(kMigrations[static_cast<size_t>(v - 1)]); !s)
            return make_error(fmt::format("migration to schema {}: {}", v, s.error().message));
        if (v == kStateIpVersion)
            if (auto s = analyze_new_index(db, "services_state_ip"); !s) return s.error();
        if (auto s = db.exec(fmt::format("PRAGMA user_version = {}; PRAGMA application_id = {}", v,
                                         kApplicationId));
            !s)
            return s.error();
        if (auto s = tx->commit(); !s) return s.error();
        // A migration rewrites indexes: fold each into the database file at once, so the log
        // never holds more than one (a new database fits where it did before).
        if (auto s = db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s) return s.error();
    }
    return Ok{};
}

Status drop_search_indexes(Connection& db) {
    std::string sql;
    for (const auto& i : kSearchIndexes) sql += fmt::format("DROP INDEX IF EXISTS {};", i.name);
    return db.exec(sql);
}

Result<bool> build_search_indexes(Connection& db) {
    auto present =
        db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?");
    if (!present) return present.error();
    bool built = false;
    for (const auto& i : kSearchIndexes) {
        present->bind_all({std::string(i.name)});
        auto row = present->step();
        if (!row) return row.error();
        bool there = *row && present->integer(0) > 0;
        present->reset();
        if (there) continue;
        if (auto s = db.exec(fmt::format("CREATE INDEX {} ON service_rows({})", i.name, i.columns));
            !s)
            return s.error();
        built = true;
    }
    return built;
}

}  // namespace sl::store
