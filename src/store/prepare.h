// A service record made ready for the store: its key, time, state columns, fingerprints and
// searchable text, computed from the NDJSON contract form without touching the database, so
// that it can run on any thread (the importer prepares on its parse threads, the scan on the
// store's writer thread). One implementation for both, so a scan stored directly and the same
// scan imported from its file give the same fingerprints.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "store/sqlite.h"

namespace sl::store {

using Json = nlohmann::ordered_json;

struct ServiceKey {
    std::string ip_key;  // see ip_key()
    int64_t port = 0;
    std::string transport;
    bool operator<(const ServiceKey& o) const {
        return std::tie(ip_key, port, transport) < std::tie(o.ip_key, o.port, o.transport);
    }
    bool operator==(const ServiceKey& o) const = default;
};

struct ServiceKeyHash {
    size_t operator()(const ServiceKey& k) const {
        return std::hash<std::string>()(k.ip_key) ^
               (static_cast<size_t>(k.port) * 0x9e3779b97f4a7c15ull) ^
               std::hash<std::string>()(k.transport);
    }
};

// The sortable key of an address: the family byte (4 or 6), then 16 big-endian bytes.
std::string ip_key(const IpAddr& a);
IpAddr ip_from_key(const std::string& key);

// A service record and the findings that the rules drew from it, applied together.
struct ServiceUnit {
    Json service;
    std::vector<Json> findings;
};

// The state columns of a service record.
struct ServiceColumns {
    std::string protocol, access, record;  // record: compact JSON without type and scan_id
    SqlValue product, version, cert;
    int64_t tls = 0;
};

struct PreparedFinding {
    std::string rule, category, severity, title, evidence, remediation;
};

struct PreparedUnit {
    ServiceKey key;
    std::string ip;         // canonical text form
    int64_t at = 0;         // the record's time, unix ms
    bool status_ok = true;  // the grab completed (a failed grab never replaces a state)
    ServiceColumns columns;
    std::string state;           // state_canonical(): the fingerprint before the rules
    std::string fingerprint;     // state_fingerprint() over state and rules (finish_unit)
    int64_t content_hash = 0;    // over the record without its volatile fields
    std::string volatile_patch;  // volatile_patch()
    std::string text;            // searchable_text()
    // When not empty: the NDJSON line this was prepared from by the importer's fast path
    // (line_prepare.h), which leaves columns.record and text empty; complete_unit() makes them,
    // when the store writes a new state or content.
    std::string source;
    std::vector<std::string> rules;  // sorted, distinct
    std::vector<PreparedFinding> findings;
};

// A record's top-level string field, or `fallback` when it is missing or not a string.
std::string text_of(const Json& record, const char* key, const char* fallback = "");
// The (ip, port, transport) of a port, service or finding record.
Result<ServiceKey> key_of(const Json& record);
// The record's `time` in unix ms, or now when it has none or it does not parse.
int64_t record_ms(const Json& record);
// A service record and its findings, ready for Store::apply.
Result<PreparedUnit> prepare_unit(const ServiceUnit& unit);
// The same in steps, for the importer, whose findings arrive after their service: the service
// record, its findings as they come, then finish_unit (the rules and the fingerprint).
Result<PreparedUnit> prepare_service(Json service);
PreparedFinding prepare_finding(const Json& finding);
void finish_unit(PreparedUnit& unit);
// A unit prepared from its line (source not empty) with its record and searchable text made.
Result<PreparedUnit> complete_unit(const PreparedUnit& lazy);
// An RFC 3339 time in unix ms, when it parses.
std::optional<int64_t> parse_rfc3339_ms(const std::string& time);

// A 63-bit hash of a record's content without the volatile fields (kVolatileFields): equal
// hashes mean the stored record needs no rewrite.
int64_t content_hash(const Json& record);
// The record's volatile fields (but its envelope) as a JSON merge patch (RFC 7396) over an
// older record of the same content: a field the record lacks is null, so the patch removes it.
// A sighting stores this, not the record (docs/store.md, "What a sighting writes").
std::string volatile_patch(const Json& record);
// FNV-1a over text, as 63 bits.
int64_t text_hash(std::string_view text);

}  // namespace sl::store
