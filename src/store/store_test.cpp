// The store's semantics (docs/store.md): dedup of unchanged states, coverage-aware resolution,
// the finding lifecycle, refusal of foreign files, and the migration from schema 1.
#include "store/store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "store/fingerprint.h"
#include "store/importer.h"
#include "store/page_cursor.h"
#include "store/query/compile.h"
#include "store/reports.h"
#include "store/schema.h"
#include "store/search.h"

namespace sl::store {
namespace {

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/sl-store-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const char* name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'790'000'000'000;  // 2026-09-21

Json service(const char* ip, int port, const char* product, const char* access, int64_t at) {
    return Json{{"type", "service"}, {"time", rfc3339_ms(at)}, {"ip", ip},
                {"port", port},      {"transport", "tcp"},     {"state", "open"},
                {"tls", false},      {"protocol", "redis"},    {"product", product},
                {"status", "ok"},    {"access", access},       {"redis", {{"keys", at % 97}}}};
}

Json finding(const char* ip, int port, const char* rule, const char* severity) {
    return Json{{"type", "finding"},    {"ip", ip},     {"port", port},
                {"transport", "tcp"},   {"rule", rule}, {"category", "no-auth"},
                {"severity", severity}, {"title", "t"}, {"evidence", {{"k", 1}}},
                {"remediation", "r"}};
}

Json port(const char* ip, int p, const char* state, int64_t at) {
    return Json{{"type", "port"}, {"time", rfc3339_ms(at)}, {"ip", ip},
                {"port", p},      {"transport", "tcp"},     {"state", state}};
}

struct ScanRun {
    Store& store;
    std::string id;
    int64_t at;
    void begin() { ASSERT_TRUE(store.begin_scan({id, at, "scan", true, {}, {}}).ok()); }
    void services(std::vector<ServiceUnit> units) {
        Batch b;
        b.services = std::move(units);
        auto s = store.apply(b);
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
    void misses(std::vector<Json> m) {
        Batch b;
        b.misses = std::move(m);
        ASSERT_TRUE(store.apply(b).ok());
    }
    void finish(bool completed, std::set<std::string> rules = {"redis-no-auth"}) {
        ScanEnd e{at + 1000, completed, completed ? "completed" : "interrupted", rules, {}};
        auto s = store.finish_scan(e);
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
};

int64_t count(Store& s, const char* sql) {
    auto n = s.db().scalar(sql);
    EXPECT_TRUE(n.ok());
    return n ? *n : -1;
}

std::string finding_status(Store& s) {
    auto st = s.db().prepare("SELECT status FROM findings");
    EXPECT_TRUE(st.ok());
    auto row = st->step();
    return row && *row ? st->text(0) : "";
}

TEST(Store, CreatesWithPrivateModesAndIntegrity) {
    TempDir dir;
    std::string path = dir.file("sub/x.db");
    auto s = Store::open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(std::filesystem::status(dir.file("sub")).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    EXPECT_EQ(count(*s, "PRAGMA user_version"), kSchemaVersion);
    EXPECT_EQ(count(*s, "PRAGMA foreign_keys"), 1);
    auto check = s->db().prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(*check->step());
    EXPECT_EQ(check->text(0), "ok");
}

TEST(Store, RefusesForeignCorruptAndNewerFilesWithoutTouchingThem) {
    TempDir dir;
    std::string text = dir.file("notes.txt");
    std::ofstream(text) << "not a database at all, just some text that is long enough\n";
    auto r = Store::open(text, OpenMode::kReadWrite);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("not a Searchlight database"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(text), 58u);

    std::string other = dir.file("other.db");
    {
        auto c = Connection::open(other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        ASSERT_TRUE(c->exec("CREATE TABLE t(x); PRAGMA user_version = 1").ok());
    }
    r = Store::open(other, OpenMode::kReadWrite);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("not Searchlight's"), std::string::npos);

    std::string newer = dir.file("newer.db");
    { ASSERT_TRUE(Store::open(newer, OpenMode::kReadWrite).ok()); }
    {
        auto c = Connection::open(newer, SQLITE_OPEN_READWRITE);
        ASSERT_TRUE(c->exec("PRAGMA user_version = 99").ok());
    }
    r = Store::open(newer, OpenMode::kReadWrite);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("newer Searchlight"), std::string::npos);

    std::string corrupt = dir.file("corrupt.db");
    {
        std::ofstream out(corrupt, std::ios::binary);
        out.write("SQLite format 3\0", 16);
        out << std::string(4000, '\x5a');
    }
    auto before = std::filesystem::file_size(corrupt);
    r = Store::open(corrupt, OpenMode::kReadWrite);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(std::filesystem::file_size(corrupt), before);
}

TEST(Store, MigratesADatabaseMadeByTheFirstVersion) {
    TempDir dir;
    std::string path = dir.file("v1.db");
    {
        auto c = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        ASSERT_TRUE(migrate(*c, 1).ok());
        ASSERT_TRUE(
            c->exec(
                 "INSERT INTO scans(id, source, started_at, status, options, scope) VALUES "
                 "('s1', 'scan', 1, 'completed', '{}', '{}');"
                 "INSERT INTO services(id, ip, ip_key, port, transport, state, first_seen, "
                 "last_seen,"
                 " first_scan, last_scan, fingerprint, current_obs, protocol, product, access, tls,"
                 " record) VALUES (1, '10.0.0.1', x'040000000000000000000000000a000001', 6379, "
                 "'tcp',"
                 " 'alive', 1, 1, 's1', 's1', 'v1:x', 1, 'redis', 'Redis', 'open', 0, '{}');"
                 "INSERT INTO observations(id, service_id, fingerprint, first_seen, last_seen,"
                 " first_scan, last_scan, ip, ip_key, port, transport, protocol, product, access,"
                 " tls, rules, record) VALUES (1, 1, 'v1:x', 1, 1, 's1', 's1', '10.0.0.1',"
                 " x'040000000000000000000000000a000001', 6379, 'tcp', 'redis', 'Redis', 'open', 0,"
                 " '[]', '{\"banner\": \"hello mailstore\"}')")
                .ok());
    }
    auto s = Store::open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(count(*s, "PRAGMA user_version"), kSchemaVersion);
    EXPECT_EQ(count(*s, "SELECT text_hash FROM observations"), 0);  // version 3's column
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM observation_text WHERE observation_text MATCH "
                    "'mailstore'"),
              1);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM current_services"), 1);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    // version 8: the service's state and its sighting in two rows, one view of both
    EXPECT_EQ(count(*s, "SELECT count(*) FROM service_rows WHERE port = 6379 AND state = 'alive'"),
              1);
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM sightings WHERE service_id = 1 AND last_seen = 1 "
                    "AND last_scan = 's1'"),
              1);
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM services WHERE id = 1 AND last_seen = 1 AND "
                    "record = '{}' AND product = 'Redis'"),
              1);
    auto integrity = s->db().prepare("PRAGMA integrity_check");
    ASSERT_TRUE(integrity.ok() && *integrity->step());
    EXPECT_EQ(integrity->text(0), "ok");
}

TEST(Store, UnchangedServicesMoveLastSeenWithoutNewObservations) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    for (int day = 0; day < 30; ++day) {
        ScanRun run{*s, "scan-" + std::to_string(day), kT0 + day * kDay};
        run.begin();
        run.services({{service("10.0.0.1", 6379, "Redis", "open", run.at),
                       {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}}});
        run.finish(true);
    }
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services"), 1);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations"), 1);
    EXPECT_EQ(count(*s, "SELECT last_seen - first_seen FROM services"), 29 * kDay);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM findings WHERE status = 'open'"), 1);
    EXPECT_EQ(count(*s, "SELECT json_extract(record, '$.redis.keys') FROM services"),
              (kT0 + 29 * kDay) % 97);  // the latest record in full
    EXPECT_EQ(count(*s, "SELECT count(*) FROM sightings"), 1);
    // a volatile field is searched at its latest value, a search's row holds the latest record
    int64_t latest = (kT0 + 29 * kDay) % 97, first = kT0 % 97;
    ASSERT_NE(latest, first);
    for (int64_t keys : {latest, first}) {
        auto q = query::compile(fmt::format("redis.keys:{}", keys),
                                {query::Target::kServices, kT0 + 40 * kDay, false});
        ASSERT_TRUE(q.ok);
        auto r = search_services(s->db(), q.sql, {});
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_EQ(r->total, keys == latest ? 1 : 0) << keys;
        if (keys == latest) {
            // as text beside the row, and the same parsed into it
            EXPECT_EQ(Json::parse(rows_text(*r))[0]["record"]["redis"]["keys"], latest);
            attach_records(*r);
            EXPECT_EQ(r->rows[0]["record"]["redis"]["keys"], latest);
        }
    }
}

// A sighting of the state this connection knows writes only the sightings row; once another
// connection has written, what it knew is forgotten, so a state that changed meanwhile is seen.
TEST(Store, AnotherWritersChangeIsNotMissedByWhatAConnectionKnows) {
    TempDir dir;
    auto a = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    auto b = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(a.ok() && b.ok());
    auto scan = [](Store& s, const char* id, int64_t at, const char* access) {
        ScanRun run{s, id, at};
        run.begin();
        run.services({{service("10.0.0.1", 6379, "Redis", access, at), {}}});
        run.finish(false);
    };
    scan(*a, "one", kT0, "open");
    scan(*b, "two", kT0 + kDay, "auth_required");
    scan(*a, "three", kT0 + 2 * kDay, "open");
    EXPECT_EQ(count(*a, "SELECT count(*) FROM observations"), 3);
    EXPECT_EQ(count(*a,
                    "SELECT count(*) FROM services WHERE access = 'open' AND last_scan = "
                    "'three'"),
              1);
}

// What a scan loads for its misses (alive_services) fills the cache that lets a sighting skip
// reading the service; the first batch keeps it (it used to forget it: PRAGMA data_version was
// not read when the cache was filled, so every rescanned port took the slow path).
TEST(Store, WhatAScanLoadsForItsMissesOutlivesItsFirstBatch) {
    TempDir dir;
    std::string path = dir.file("a.db");
    {
        auto s = Store::open(path, OpenMode::kReadWrite);
        ASSERT_TRUE(s.ok());
        ScanRun run{*s, "one", kT0};
        run.begin();
        run.services({{service("10.0.0.1", 6379, "Redis", "open", kT0), {}},
                      {service("10.0.0.2", 6379, "Redis", "open", kT0), {}}});
        run.finish(true);
    }
    auto s = Store::open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->known_services(), 0u);
    auto ip = parse_ip("10.0.0.0");
    ASSERT_TRUE(ip.ok());
    auto alive = s->alive_services({{ip->family, ip->value, ip->value + 255}});
    ASSERT_TRUE(alive.ok());
    EXPECT_EQ(alive->size(), 2u);
    EXPECT_EQ(s->known_services(), 2u);
    ScanRun run{*s, "two", kT0 + kDay};
    run.begin();
    Batch b;
    b.open_ports.push_back(port("10.0.0.1", 6379, "open", kT0 + kDay));
    ASSERT_TRUE(s->apply(b).ok());
    EXPECT_EQ(s->known_services(), 2u);
}

// A bulk import drops the search indexes and builds them at its end; a database left without
// them (a killed bulk import) gets them back when it is next opened for writing, as the
// migrations made them.
TEST(Store, SearchIndexesComeBackAsTheMigrationsMadeThem) {
    TempDir dir;
    std::string path = dir.file("a.db");
    const char* indexes =
        "SELECT group_concat(name || ':' || replace(replace(sql, char(10), ''), '  ', ' '), ';') "
        "FROM (SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "ORDER BY name)";
    std::string made;
    {
        auto s = Store::open(path, OpenMode::kReadWrite);
        ASSERT_TRUE(s.ok());
        auto st = s->db().prepare(indexes);
        ASSERT_TRUE(st.ok() && *st->step());
        made = st->text(0);
        st->reset();
        auto dropped = s->defer_search_indexes();
        ASSERT_TRUE(dropped.ok()) << dropped.error().message;
        EXPECT_EQ(count(*s, "SELECT count(*) FROM sqlite_master WHERE name = 'services_port'"), 0);
        auto q = query::compile("port:6379", {query::Target::kServices, kT0, false});
        ASSERT_TRUE(q.ok);
        EXPECT_TRUE(search_services(s->db(), q.sql, {}).ok());  // slower, never wrong
    }
    auto s = Store::open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    auto st = s->db().prepare(indexes);
    ASSERT_TRUE(st.ok() && *st->step());
    EXPECT_EQ(st->text(0), made);
}

TEST(Store, AChangeOfStateIsANewObservationWithTimeRanges) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ScanRun a{*s, "a", kT0};
    a.begin();
    a.services({{service("10.0.0.1", 6379, "Redis", "open", a.at),
                 {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}}});
    a.finish(true);
    ScanRun b{*s, "b", kT0 + kDay};
    b.begin();
    b.services({{service("10.0.0.1", 6379, "Redis", "auth_required", b.at), {}}});
    b.finish(true);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations"), 2);
    EXPECT_EQ(count(*s, "SELECT ended_at FROM observations WHERE first_scan = 'a'"), kT0 + kDay);
    // an ended state's window closes at its last sighting; the current one's is the service's
    EXPECT_EQ(count(*s, "SELECT last_seen FROM observations WHERE first_scan = 'a'"), kT0);
    EXPECT_EQ(count(*s, "SELECT state_since FROM services"), kT0 + kDay);
    EXPECT_EQ(finding_status(*s), "resolved");
    EXPECT_EQ(count(*s, "SELECT resolved_at FROM findings"), kT0 + kDay + 1000);
    ScanRun c{*s, "c", kT0 + 2 * kDay};
    c.begin();
    c.services({{service("10.0.0.1", 6379, "Redis", "open", c.at),
                 {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}}});
    c.finish(true);
    EXPECT_EQ(finding_status(*s), "open");
    EXPECT_EQ(count(*s, "SELECT reopen_count FROM findings"), 1);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM finding_changes"), 3);
}

TEST(Store, OnlyACompletedScanThatCoveredTheServiceResolvesIt) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ScanRun a{*s, "a", kT0};
    a.begin();
    a.services({{service("10.0.0.1", 6379, "Redis", "open", a.at),
                 {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}}});
    a.finish(true);
    // An interrupted scan that found the port closed resolves nothing.
    ScanRun b{*s, "b", kT0 + kDay};
    b.begin();
    b.misses({port("10.0.0.1", 6379, "closed", b.at)});
    b.finish(false);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services WHERE state = 'alive'"), 1);
    EXPECT_EQ(finding_status(*s), "open");
    // A completed scan of other ports (it never probed 6379: no miss) resolves nothing.
    ScanRun c{*s, "c", kT0 + 2 * kDay};
    c.begin();
    c.misses({port("10.0.0.1", 22, "closed", c.at)});
    c.finish(true);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services WHERE state = 'alive'"), 1);
    // A completed scan that found it closed: gone, and its finding resolved at the scan's end.
    ScanRun d{*s, "d", kT0 + 3 * kDay};
    d.begin();
    d.misses({port("10.0.0.1", 6379, "closed", d.at)});
    d.finish(true);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services WHERE state = 'gone'"), 1);
    EXPECT_EQ(count(*s, "SELECT gone_at FROM services"), kT0 + 3 * kDay + 1000);
    EXPECT_EQ(finding_status(*s), "resolved");
    EXPECT_EQ(count(*s, "SELECT ended_at FROM observations"), kT0 + 3 * kDay + 1000);
}

TEST(Store, AScanWithoutTheRuleOrWithoutAGoodGrabKeepsTheFinding) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ScanRun a{*s, "a", kT0};
    a.begin();
    a.services({{service("10.0.0.1", 6379, "Redis", "open", a.at),
                 {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}}});
    a.finish(true);
    ScanRun b{*s, "b", kT0 + kDay};
    b.begin();
    b.services({{service("10.0.0.1", 6379, "Redis", "open", b.at), {}}});
    b.finish(true, {"some-other-rule"});
    EXPECT_EQ(finding_status(*s), "open");
    int64_t states = count(*s, "SELECT count(*) FROM observations");  // the rule set differs
    ScanRun c{*s, "c", kT0 + 2 * kDay};
    c.begin();
    Json timeout = service("10.0.0.1", 6379, "Redis", "unknown", c.at);
    timeout["status"] = "io-timeout";
    timeout["protocol"] = "unknown";
    timeout.erase("product");
    c.services({{timeout, {}}});
    c.finish(true);
    EXPECT_EQ(finding_status(*s), "open");
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations"), states);  // ignorance is no state
}

TEST(Store, FingerprintsIgnoreVolatileFieldsAndNameTheRules) {
    Json a = service("10.0.0.1", 6379, "Redis", "open", kT0);
    Json b = service("10.0.0.1", 6379, "Redis", "open", kT0 + 5);
    b["rtt_ms"] = 3.5;
    EXPECT_EQ(state_fingerprint(a, {"r"}), state_fingerprint(b, {"r"}));
    EXPECT_NE(state_fingerprint(a, {"r"}), state_fingerprint(a, {"r", "s"}));
    b["version"] = "7.0.15";
    EXPECT_NE(state_fingerprint(a, {}), state_fingerprint(b, {}));
    EXPECT_EQ(finding_fingerprint("10.0.0.1", 6379, "tcp", "redis-no-auth"),
              "v1:" + finding_fingerprint("10.0.0.1", 6379, "tcp", "redis-no-auth").substr(3));
    EXPECT_EQ(finding_fingerprint("10.0.0.1", 6379, "tcp", "x").size(), 35u);
    for (auto state : kStateFields)
        for (auto v : kVolatileFields) EXPECT_NE(state, v);
}

// The scan hands the store records it built (signed integers); an import parses them back
// from NDJSON (unsigned integers): both must prepare to the same state, content and record.
TEST(Store, ABuiltRecordAndItsParsedNdjsonPrepareAlike) {
    Json built = service("10.0.0.1", 6379, "Redis", "open", kT0);
    built["scan_id"] = "s";
    built["data"] = {{"bytes", 1.5e9}, {"names_sample", {"mail", "logs"}}};
    ServiceUnit a{built, {finding("10.0.0.1", 6379, "redis-no-auth", "medium")}};
    ServiceUnit b{Json::parse(built.dump()),
                  {Json::parse(finding("10.0.0.1", 6379, "redis-no-auth", "medium").dump())}};
    auto pa = prepare_unit(a), pb = prepare_unit(b);
    ASSERT_TRUE(pa.ok() && pb.ok());
    EXPECT_EQ(pa->fingerprint, pb->fingerprint);
    EXPECT_EQ(pa->content_hash, pb->content_hash);
    EXPECT_EQ(pa->columns.record, pb->columns.record);
    EXPECT_EQ(pa->text, pb->text);
    EXPECT_EQ(pa->columns.record.find("scan_id"), std::string::npos);  // the envelope goes
    Json other = built;
    other["redis"]["used_memory"] = 5;  // volatile: the same content
    EXPECT_EQ(content_hash(other), content_hash(built));
    other["product"] = "KeyDB";
    EXPECT_NE(content_hash(other), content_hash(built));
}

// A batch that fails is rolled back whole, and what it inserted is not remembered: the same
// service applied again is stored once, with its state.
TEST(Store, ARolledBackBatchLeavesNothingBehind) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    ScanRun a{*s, "a", kT0};
    a.begin();
    Batch bad;
    bad.services = {{service("10.0.0.7", 6379, "Redis", "open", a.at), {}},
                    {service("not-an-ip", 6379, "Redis", "open", a.at), {}}};
    EXPECT_FALSE(s->apply(bad).ok());
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services"), 0);
    a.services({{service("10.0.0.7", 6379, "Redis", "open", a.at), {}}});
    a.services({{service("10.0.0.7", 6379, "Redis", "open", a.at + 5), {}}});
    a.finish(true);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services"), 1);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations"), 1);
    EXPECT_EQ(count(*s, "SELECT last_seen FROM services"), kT0 + 5);
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM services s JOIN observations o ON o.id = "
                    "s.current_obs"),
              1);
}

// Several files in one import: each scan ends with its file, and an error names the file
// and line; the files before it are kept.
TEST(Store, AnImportOfSeveralFilesNamesTheBadOne) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    auto line = [](const char* scan, const char* ip) {
        Json r = service(ip, 6379, "Redis", "open", kT0);
        r["scan_id"] = scan;
        return r.dump() + "\n";
    };
    std::istringstream one(line("one", "10.0.0.1") + line("one", "10.0.0.2"));
    std::istringstream two(line("two", "10.0.0.3") + "{not json\n");
    auto r = import_ndjson(*s, {{&one, "one.ndjson"}, {&two, "two.ndjson"}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "two.ndjson:2: not a JSON object");
    EXPECT_EQ(count(*s, "SELECT count(*) FROM scans"), 2);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM services"), 3);
    EXPECT_EQ(count(*s, "SELECT completed FROM scans WHERE id = 'two'"), 0);
}

// access holds only its vocabulary, so that -access:X can be the IN of the other values: a
// record's other text (an NDJSON from elsewhere, either path of preparing it) is stored as
// unknown, and the record keeps what it said.
TEST(Store, AnAccessOutsideTheVocabularyIsStoredAsUnknown) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    Json imported = service("10.0.0.1", 6379, "Redis", "Open", kT0);
    imported["scan_id"] = "one";
    std::istringstream in(imported.dump() + "\n");
    ASSERT_TRUE(import_ndjson(*s, {{&in, "one.ndjson"}}).ok());
    ScanRun run{*s, "two", kT0 + 1000};
    run.begin();
    run.services({{service("10.0.0.2", 6379, "Redis", "granted", run.at), {}}});
    run.finish(false);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM service_rows WHERE access = 'unknown'"), 2);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations WHERE access = 'unknown'"), 2);
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM service_rows WHERE json_extract(record, '$.access') IN "
                    "('Open', 'granted')"),
              2);
    for (const char* text : {"access:unknown", "-access:open", "-access:open,auth_required"}) {
        auto q = query::compile(text, {query::Target::kServices, kT0 + kDay, false});
        ASSERT_TRUE(q.ok) << text;
        auto r = search_services(s->db(), q.sql, {});
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->total, 2) << text;
    }
}

// "Newest first" is the newest state first: a service that changed leads one seen more lately
// whose state is older; --sort last_seen orders by the last sighting.
TEST(Store, SearchListsTheNewestStateFirst) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    ScanRun a{*s, "a", kT0};
    a.begin();
    a.services({{service("10.0.0.1", 6379, "Redis", "open", a.at), {}},
                {service("10.0.0.2", 6379, "Redis", "open", a.at), {}}});
    a.finish(true);
    ScanRun b{*s, "b", kT0 + kDay};
    b.begin();
    b.services({{service("10.0.0.2", 6379, "Redis", "auth_required", b.at), {}}});
    b.services({{service("10.0.0.1", 6379, "Redis", "open", b.at + 5), {}}});
    b.finish(true);
    auto q = query::compile("port:6379", {query::Target::kServices, kT0 + 2 * kDay, false});
    ASSERT_TRUE(q.ok);
    auto order = [&](Sort sort) {
        SearchOptions o;
        o.sort = sort;
        auto r = search_services(s->db(), q.sql, o);
        EXPECT_TRUE(r.ok());
        std::vector<std::string> ips;
        for (const auto& row : r->rows) ips.push_back(row["ip"].get<std::string>());
        return ips;
    };
    EXPECT_EQ(order(Sort::kNewest), (std::vector<std::string>{"10.0.0.2", "10.0.0.1"}));
    EXPECT_EQ(order(Sort::kLastSeen), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
}

// A page in the default order is found by whichever plan the count suggests and stops first
// (the planner's, the walk of the newest services, or the matches sorted): 13,000 services in
// a random order of time, asked for many matches (a /16: 11,142), some (a /20 and a port) and
// few (a /24), read page by page through the cursor, are every match once in the order newest
// state, address, port. Deep pages of many fall back to the sorted matches.
TEST(Store, PagesInTheNewestOrderAreTheSameWhicheverPlanFindsThem) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    ScanRun run{*s, "a", kT0};
    run.begin();
    std::vector<ServiceUnit> units;
    struct Row {
        int64_t at;
        int host, port;
        bool inside;
    };
    std::vector<Row> all;
    for (int h = 0; h < 13'000; ++h) {
        int64_t at = kT0 + (h * 7919) % 1000 * 1000;  // 1,000 moments, ties in every one
        int p = h % 3 ? 6379 : 80;
        bool inside = h % 7 != 0;  // a seventh is outside the /16 asked
        std::string ip = fmt::format("10.{}.{}.{}", inside ? 2 : 3, h / 250, h % 250);
        units.push_back({service(ip.c_str(), p, "Redis", "open", at), {}});
        all.push_back({at, h, p, inside});
    }
    run.services(std::move(units));
    run.finish(true);
    using Key = std::tuple<int64_t, int, int>;  // -time, host, port
    auto pages = [&](const char* text, int64_t count_up_to) {
        auto q = query::compile(text, {query::Target::kServices, kT0 + kDay, false});
        EXPECT_TRUE(q.ok && !q.sql.newest_from.empty());
        std::vector<Key> got;
        SearchOptions o;
        o.limit = 500;
        o.count_up_to = count_up_to;
        for (int n = 0; n < 100; ++n) {
            auto r = search_services(s->db(), q.sql, o);
            EXPECT_TRUE(r.ok()) << r.error().message;
            if (!r) break;
            for (const auto& row : r->rows) {
                auto ip = row["ip"].get<std::string>();  // 10.2.A.B is host A * 250 + B
                int h = std::stoi(ip.substr(5)) * 250 + std::stoi(ip.substr(ip.rfind('.') + 1));
                auto at = parse_rfc3339_ms(row["first_seen"].get<std::string>());
                EXPECT_TRUE(at.has_value());
                got.emplace_back(-at.value_or(0), h, row["port"].get<int>());
            }
            if (!r->next) break;
            o.after = r->next;
        }
        return got;
    };
    auto expected = [&](auto keep) {
        std::vector<Key> out;
        for (const Row& r : all)
            if (r.inside && keep(r)) out.emplace_back(-r.at, r.host, r.port);
        std::sort(out.begin(), out.end());
        return out;
    };
    auto many = expected([](const Row&) { return true; });
    EXPECT_EQ(many.size(), 11'142u);
    EXPECT_TRUE(pages("net:10.2.0.0/16", 10'000) == many);  // counted to 10,000, as the API does
    EXPECT_TRUE(pages("net:10.2.0.0/16", 0) == many);       // counted in full, as the CLI does
    auto some = expected([](const Row& r) { return r.host < 16 * 250 && r.port == 80; });
    EXPECT_EQ(some.size(), 1143u);
    EXPECT_TRUE(pages("net:10.2.0.0/20 port:80", 10'000) == some);
    auto few = expected([](const Row& r) { return r.host < 250; });
    EXPECT_EQ(few.size(), 214u);
    EXPECT_TRUE(pages("net:10.2.0.0/24", 10'000) == few);
}

// Schema 12's index gets its statistics in the migration when the store has statistics (else
// the planner would prefer it to the covering services_ip where it costs a lookup per row), and
// a store without statistics is left without.
TEST(Store, TheMigrationToTwelveTakesItsIndexsStatisticsWhereTheStoreHasThem) {
    TempDir dir;
    for (bool analyzed : {true, false}) {
        std::string path = dir.file(analyzed ? "analyzed.db" : "small.db");
        auto c = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        ASSERT_TRUE(c.ok());
        ASSERT_TRUE(migrate(*c, 11).ok());
        auto insert = c->prepare(
            "INSERT INTO service_rows(ip, ip_key, port, transport, state, first_seen, first_scan, "
            "fingerprint, protocol, access, tls, record) VALUES ('10.0.0.1', ?, 80, 'tcp', "
            "'alive', 0, 's', 'f', 'http', 'open', 0, '{}')");
        ASSERT_TRUE(insert.ok());
        for (int i = 0; i < 50; ++i) {
            insert->bind_all({Blob{std::string(1, '\x04') + std::to_string(1000 + i)}});
            ASSERT_TRUE(insert->run().ok());
        }
        if (analyzed) {
            ASSERT_TRUE(c->exec("ANALYZE").ok());
        }
        ASSERT_TRUE(migrate(*c).ok());
        auto tables = c->scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'");
        ASSERT_TRUE(tables.ok());
        ASSERT_EQ(*tables, analyzed ? 1 : 0);
        if (analyzed) {
            auto rows =
                c->scalar("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'services_state_ip'");
            ASSERT_TRUE(rows.ok());
            EXPECT_EQ(*rows, 1);
        }
    }
}

// The planner's statistics are taken at the end of a scan once the store is big enough, and
// again only when it has doubled.
TEST(Store, PlannerStatisticsFollowTheStoresGrowth) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    auto scan = [&](const char* id, int hosts) {
        ScanRun run{*s, id, kT0};
        run.begin();
        std::vector<ServiceUnit> units;
        for (int h = 0; h < hosts; ++h) {
            std::string ip = fmt::format("10.1.{}.{}", h / 250, h % 250);
            units.push_back({service(ip.c_str(), 6379, "Redis", "open", run.at), {}});
        }
        run.services(std::move(units));
        run.finish(true);
    };
    const char* stat =
        "SELECT coalesce(max(CAST(stat AS INTEGER)), 0) FROM sqlite_stat1 WHERE "
        "tbl = 'service_rows'";
    scan("small", 10);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"), 0);
    scan("big", 1200);
    EXPECT_EQ(count(*s, stat), 1200);
    scan("bigger", 1500);  // not yet doubled: the statistics stand
    EXPECT_EQ(count(*s, stat), 1200);
    scan("double", 2500);
    EXPECT_EQ(count(*s, stat), 2500);
}

// An open port found without a grab has nothing to search but its protocol's name: its state
// gets no full-text row; a grabbed service's does.
TEST(Store, OnlyStatesWithTextAreIndexedForFullText) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->begin_scan({"a", kT0, "scan", false, {}, {}}).ok());
    Batch ports;
    ports.open_ports = {port("10.0.0.9", 8080, "open", kT0)};
    ASSERT_TRUE(s->apply(ports).ok());
    Batch grabbed;
    grabbed.services = {{service("10.0.0.1", 6379, "Redis", "open", kT0), {}}};
    ASSERT_TRUE(s->apply(grabbed).ok());
    ASSERT_TRUE(s->finish_scan({kT0 + 1000, true, "completed", std::nullopt, {}}).ok());
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observations"), 2);
    EXPECT_EQ(count(*s, "SELECT count(*) FROM observation_text"), 1);
    EXPECT_EQ(count(*s,
                    "SELECT count(*) FROM observation_text WHERE observation_text MATCH "
                    "'redis'"),
              1);
}

TEST(Store, IpKeysSortByFamilyThenValue) {
    auto a = ip_key(*parse_ip("10.0.0.1")), b = ip_key(*parse_ip("10.0.0.2"));
    auto c = ip_key(*parse_ip("::1"));
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_EQ(ip_from_key(c).to_string(), "::1");
    EXPECT_EQ(ip_from_key(a).to_string(), "10.0.0.1");
}

// diff_states reads only the states and findings that began or ended inside its window; the
// answer must be the one a comparison of the whole store at both moments gives. Every pair of
// moments around a history with every kind of change (new, changed and changed back, gone,
// findings opened, resolved and reopened) is checked against that full comparison.
std::set<std::string> full_comparison(Store& s, int64_t before, int64_t after) {
    auto states = [&](int64_t t) {
        std::map<int64_t, std::string> out;
        auto st = s.db().prepare(
            "SELECT service_id, ip || ':' || port, protocol, ifnull(product, ''), access, rules "
            "FROM observations WHERE first_seen <= ? AND (ended_at IS NULL OR ended_at > ?)");
        EXPECT_TRUE(st.ok());
        st->bind_all({t, t});
        while (*st->step())
            out[st->integer(0)] = st->text(1) + " " + st->text(2) + " " + st->text(3) + " " +
                                  st->text(4) + " " + st->text(5);
        return out;
    };
    auto open = [&](int64_t t) {
        std::map<int64_t, std::string> out;
        auto st = s.db().prepare(
            "SELECT id, ip || ':' || port || ' ' || rule FROM findings WHERE first_seen <= ? AND "
            "(resolved_at IS NULL OR resolved_at > ?)");
        EXPECT_TRUE(st.ok());
        st->bind_all({t, t});
        while (*st->step()) out[st->integer(0)] = st->text(1);
        return out;
    };
    auto a = states(before), b = states(after), fa = open(before), fb = open(after);
    std::set<std::string> out;
    for (const auto& [id, v] : b)
        if (!a.count(id))
            out.insert("new " + v.substr(0, v.find(' ')));
        else if (a[id] != v)
            out.insert("changed " + v.substr(0, v.find(' ')));
    for (const auto& [id, v] : a)
        if (!b.count(id)) out.insert("gone " + v.substr(0, v.find(' ')));
    for (const auto& [id, v] : fb)
        if (!fa.count(id)) out.insert("opened " + v);
    for (const auto& [id, v] : fa)
        if (!fb.count(id)) out.insert("resolved " + v);
    return out;
}

std::set<std::string> windowed(Store& s, int64_t before, int64_t after) {
    auto d = diff_states(s.db(), before, after);
    EXPECT_TRUE(d.ok());
    std::set<std::string> out;
    auto where = [](const Json& j) {
        return j["ip"].get<std::string>() + ":" + std::to_string(j["port"].get<int64_t>());
    };
    for (const auto& j : d->new_services.listed) out.insert("new " + where(j));
    for (const auto& j : d->changed_services.listed) out.insert("changed " + where(j));
    for (const auto& j : d->gone_services.listed) out.insert("gone " + where(j));
    for (const auto& j : d->new_findings.listed)
        out.insert("opened " + where(j) + " " + j["rule"].get<std::string>());
    for (const auto& j : d->resolved_findings.listed)
        out.insert("resolved " + where(j) + " " + j["rule"].get<std::string>());
    return out;
}

TEST(Store, TheWindowedDiffIsTheFullComparison) {
    TempDir dir;
    auto s = Store::open(dir.file("a.db"), OpenMode::kReadWrite);
    auto open_redis = [](const char* ip, int64_t at) {
        return ServiceUnit{service(ip, 6379, "Redis", "open", at),
                           {finding(ip, 6379, "redis-no-auth", "medium")}};
    };
    ScanRun a{*s, "a", kT0};
    a.begin();
    a.services({open_redis("10.0.0.1", a.at), open_redis("10.0.0.3", a.at)});
    a.finish(true);
    ScanRun b{*s, "b", kT0 + kDay};  // .1 gets a password, .2 appears
    b.begin();
    b.services({{service("10.0.0.1", 6379, "Redis", "auth_required", b.at), {}},
                open_redis("10.0.0.2", b.at),
                open_redis("10.0.0.3", b.at)});
    b.finish(true);
    ScanRun c{*s, "c", kT0 + 2 * kDay};  // .1 loses it again: the finding reopens
    c.begin();
    c.services({open_redis("10.0.0.1", c.at), open_redis("10.0.0.2", c.at)});
    c.misses({port("10.0.0.3", 6379, "closed", c.at)});  // .3 goes
    c.finish(true);
    std::vector<int64_t> moments = {kT0 - 1};
    for (int64_t at : {a.at, b.at, c.at})
        for (int64_t d : std::vector<int64_t>{-1, 0, 1, 999, 1000, 1001, kDay / 2})
            moments.push_back(at + d);
    size_t differing = 0;
    for (int64_t before : moments)
        for (int64_t after : moments) {
            auto want = full_comparison(*s, before, after);
            EXPECT_EQ(windowed(*s, before, after), want) << before << " -> " << after;
            differing += !want.empty();
        }
    EXPECT_GT(differing, moments.size());  // the history has changes to find
    // Each kind is counted in full and listed up to the number asked for.
    auto capped = diff_states(s->db(), kT0 - 1, c.at + kDay / 2, 1);
    ASSERT_TRUE(capped.ok());
    EXPECT_EQ(capped->new_services.count, 2u);  // .1 and .2; .3 came and went
    EXPECT_EQ(capped->new_services.listed.size(), 1u);
    EXPECT_EQ(capped->new_findings.count, 2u);
    EXPECT_EQ(capped->new_findings.listed.size(), 1u);
    EXPECT_EQ(capped->gone_services.count, 0u);
}

}  // namespace
}  // namespace sl::store

// A cursor round-trips its key; every prefix of a good cursor, one byte at a time, is a cursor
// or one refusal, never a crash.
TEST(PageCursor, RoundTripsAndRefusesEveryPrefix) {
    std::vector<sl::store::SqlValue> key = {int64_t{1764000000000},
                                            sl::store::Blob{"\x04\x0a\x00\x01"}, std::string("tcp"),
                                            std::monostate{}, 2.5};
    std::string text = sl::store::encode_cursor(key);
    auto back = sl::store::decode_cursor(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, key);
    for (size_t n = 0; n < text.size(); ++n) {
        auto part = sl::store::decode_cursor(text.substr(0, n));
        EXPECT_FALSE(part) << n;
        if (!part) {
            EXPECT_EQ(part.error().message, "cursor: not one this server gave");
        }
    }
    EXPECT_FALSE(sl::store::decode_cursor(std::string(3000, 'a')));
    EXPECT_FALSE(sl::store::decode_cursor("7b7d"));  // {}
}
