// The store (docs/store.md): an SQLite database in WAL mode that remembers every scan. It
// ingests records in the NDJSON contract form (DESIGN.md section 7) in batches, one transaction
// each, keeps the current state per service with its history of distinct states, and runs the
// coverage-aware resolution when a scan completes. One Store is used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "store/sqlite.h"

namespace sl::store {

using Json = nlohmann::ordered_json;

enum class OpenMode { kReadWrite, kReadOnly };

// The end of every refusal message: the file is not Searchlight's, corrupt or newer.
inline constexpr const char* kUntouched = "it was left untouched";
// True for a refusal (exit code 2); other open errors are runtime failures (exit code 1).
bool is_refusal(const Error& e);

// Where the database lives: --db PATH, else $SEARCHLIGHT_DB, else
// $XDG_DATA_HOME/searchlight/searchlight.db (~/.local/share/searchlight/searchlight.db).
Result<std::string> resolve_db_path(const std::string& flag);

// The sortable key of an address: the family byte (4 or 6), then 16 big-endian bytes.
std::string ip_key(const IpAddr& a);
IpAddr ip_from_key(const std::string& key);

// A service record and the findings that the rules drew from it, applied together.
struct ServiceUnit {
    Json service;
    std::vector<Json> findings;
};

// What a scan hands the store between two acknowledgements.
struct Batch {
    std::vector<Json> open_ports;       // port records with state open
    std::vector<Json> misses;           // port records of known services, not open
    std::vector<ServiceUnit> services;  // service records with their findings
    std::vector<Json> hosts;            // host records (the honeypot flag)
    size_t size() const {
        return open_ports.size() + misses.size() + services.size() + hosts.size();
    }
};

struct ScanStart {
    std::string id;
    int64_t started_ms = 0;
    std::string source = "scan";  // scan | import
    bool grab = true;             // service records follow open ports
    Json options = Json::object();
    Json scope = Json::object();
};

struct ScanEnd {
    int64_t ended_ms = 0;
    bool completed = false;                      // only a completed scan resolves anything
    std::string status = "completed";            // completed | interrupted | failed | imported
    std::optional<std::set<std::string>> rules;  // the rules it evaluated; none: no findings judged
    Json counts = Json::object();
};

struct ServiceKey {
    std::string ip_key;
    int64_t port = 0;
    std::string transport;
    bool operator<(const ServiceKey& o) const {
        return std::tie(ip_key, port, transport) < std::tie(o.ip_key, o.port, o.transport);
    }
};

// The state columns of a service record, computed once per record.
struct ServiceColumns {
    std::string protocol, access, record;
    SqlValue product, version, cert;
    int64_t tls = 0;
};

class Store {
  public:
    // Opens or creates the database. An existing file that is not a Searchlight database, is
    // corrupt, or was made by a newer version is refused and never modified.
    static Result<Store> open(const std::string& path, OpenMode mode);
    Store(Store&&) noexcept = default;
    Store& operator=(Store&&) noexcept = default;

    Status begin_scan(const ScanStart& s);
    Status apply(const Batch& batch);  // one transaction: all of it, or nothing
    Status finish_scan(const ScanEnd& e);
    // Services alive in the store whose address is in one of the intervals (the coverage set
    // a scan checks its closed and filtered ports against).
    Result<std::set<ServiceKey>> alive_services(const std::vector<IpInterval>& intervals);
    // Reopens accepted findings whose acceptance expired (run by commands that read findings).
    Status expire_acceptances(int64_t now_ms);

    // Appends to a finding's workflow history (who, when, from, to, why).
    Status record_change(int64_t finding_id, int64_t at, const std::string& actor,
                         const std::string& from, const std::string& to, const std::string& reason);

    Connection& db() { return db_; }
    const std::string& path() const { return path_; }

  private:
    Store(Connection db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
    Status apply_unit(const ServiceUnit& u, const ServiceKey& key);
    Status apply_open_port(const Json& port, const ServiceKey& key);
    Status apply_finding(int64_t service_id, const Json& f, int64_t at_ms);
    Status apply_host(const Json& h);
    // The record's key is parsed once, by apply(), and handed down.
    Result<int64_t> upsert_service(const Json& service, const ServiceKey& key,
                                   const std::set<std::string>& rules, bool grabbed);
    Status start_observation(int64_t service_id, const ServiceKey& key, const Json& r,
                             const ServiceColumns& c, const std::string& fp,
                             const std::set<std::string>& rules, int64_t at);
    Status end_observation(int64_t obs_id, int64_t at);
    Status refresh_observation(int64_t obs_id, const Json& r, const ServiceColumns& c,
                               int64_t text_hash, int64_t at);
    Status touch_service(int64_t service_id, int64_t obs_id, int64_t at);
    Status resolve_finding(int64_t finding_id, const std::string& from, int64_t at,
                           const std::string& reason);
    Status resolve_gone(const ScanEnd& e);
    Status resolve_findings(const ScanEnd& e);

    Connection db_;
    std::string path_;
    std::string scan_id_;  // the scan being ingested
    bool grab_ = true;
    std::map<ServiceKey, Json> pending_open_;  // open ports whose service record may follow
    std::set<ServiceKey> serviced_;            // keys that got a service record in this scan
    std::vector<Json> misses_;                 // known services this scan found not open
};

// The rank of a severity name: info 0 .. critical 4; -1 for anything else.
int severity_rank(std::string_view s);

}  // namespace sl::store
