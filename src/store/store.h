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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "store/prepare.h"
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

// What a scan hands the store between two acknowledgements.
struct Batch {
    std::vector<Json> open_ports;        // port records with state open
    std::vector<Json> misses;            // port records of known services, not open
    std::vector<ServiceUnit> services;   // service records with their findings
    std::vector<Json> hosts;             // host records (the honeypot flag)
    std::vector<PreparedUnit> prepared;  // service units made ready off the store's thread
    size_t size() const {
        return open_ports.size() + misses.size() + services.size() + hosts.size() + prepared.size();
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
    // How many services this connection's cache knows (for tests and diagnostics).
    size_t known_services() const { return known_services_.size(); }
    // How many services the store holds (rows are never deleted: the largest id), at once.
    Result<int64_t> services_held();
    // A bulk load: the search indexes go until restore_search_indexes() builds them again (and
    // takes the planner's statistics). Searches meanwhile read the table: slower, never wrong.
    Status defer_search_indexes();
    Status restore_search_indexes();
    // Reopens accepted findings whose acceptance expired (run by commands that read findings).
    Status expire_acceptances(int64_t now_ms);

    // Appends to a finding's workflow history (who, when, from, to, why).
    Status record_change(int64_t finding_id, int64_t at, const std::string& actor,
                         const std::string& from, const std::string& to, const std::string& reason);

    Connection& db() { return db_; }
    const std::string& path() const { return path_; }

  private:
    Store(Connection db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
    Status apply_in_transaction(const Batch& batch);
    Status finish_in_transaction(const ScanEnd& e);
    void forget_ids();
    void refresh_statistics(bool force = false);
    Status apply_unit(const PreparedUnit& p);
    Result<bool> sighting(int64_t id, const PreparedUnit& p);
    Result<bool> touch(int64_t id, int64_t at);
    Status seen(int64_t id, const PreparedUnit& p, const SqlValue& grab_scan);
    Status apply_open_port(const Json& port);
    Status apply_finding(int64_t service_id, const PreparedUnit& p, const PreparedFinding& f);
    Status apply_host(const Json& h);
    Result<int64_t> upsert_service(const PreparedUnit& p, bool grabbed);
    Result<int64_t> insert_service(const PreparedUnit& p, bool proved, uint64_t state);
    // change: how the state began (new, revived or changed)
    Status start_observation(int64_t service_id, const PreparedUnit& p, const char* change);
    Status end_observation(int64_t obs_id, int64_t service_id, int64_t at);
    Status refresh_observation(int64_t obs_id, const PreparedUnit& p);
    Status resolve_finding(int64_t finding_id, const std::string& from, int64_t at,
                           const std::string& reason);
    Status resolve_gone(const ScanEnd& e);
    Status resolve_findings(const ScanEnd& e);

    Connection db_;
    std::string path_;
    std::string scan_id_;  // the scan being ingested
    bool grab_ = true;
    // open ports whose service record may follow
    std::unordered_map<ServiceKey, Json, ServiceKeyHash> pending_open_;
    // keys that got a service record in this scan
    std::unordered_set<ServiceKey, ServiceKeyHash> serviced_;
    std::vector<Json> misses_;  // known services this scan found not open
    // What this connection knows of the services and findings it met: the row ids, so that a
    // sighting finds its row without an index search, and a service's state as it last wrote
    // or read it (state_token(); 0: not known, or gone), so that a sighting of the same state
    // writes its sightings row without reading the service's. Both are cleared when a batch
    // rolls back, and when another connection has written (PRAGMA data_version).
    struct KnownService {
        int64_t id = 0;
        uint64_t state = 0;
    };
    void know(const ServiceKey& key, int64_t id, uint64_t state);
    std::unordered_map<ServiceKey, KnownService, ServiceKeyHash> known_services_;
    std::unordered_map<std::string, int64_t> finding_ids_;  // "service id/rule"
    // PRAGMA data_version when the cache was last known true: the last batch began, or
    // alive_services() filled it
    int64_t data_version_ = 0;
};

// The rank of a severity name: info 0 .. critical 4; -1 for anything else.
int severity_rank(std::string_view s);

}  // namespace sl::store
