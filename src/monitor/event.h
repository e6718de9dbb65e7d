// An event: one change the monitor saw, in the shape that the NDJSON file, the API and every
// sink share (DESIGN.md section 8, docs/monitor.md). Its id is a UUIDv7 fixed when it is
// derived and never changed by retries, restarts or re-delivery: receivers deduplicate by it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sl::monitor {

using Json = nlohmann::ordered_json;

struct Event {
    std::string id;
    std::string event;  // new_service, service_gone, host_gone, new_exposure, ...
    int64_t time = 0;   // when it was derived (Unix ms)
    std::string scope, owner, owner_contact;
    std::vector<std::string> tags;
    std::string ip;
    int port = 0;  // 0: not about one port (host_gone, scan_failed)
    std::string transport;
    std::string protocol, product, version, access;
    std::string rule, category, severity, title, remediation;
    int severity_rank = -1;  // -1: no severity (service events)
    Json evidence;           // null when none
    std::optional<int64_t> first_seen, last_seen, resolved_at, time_to_detect_s;
    std::string scan_id;
    Json changes;  // service_changed: {field: [before, after]}
    Json detail;   // what else the event carries: the re-probe, the ports of host_gone, ...
    bool honeypot = false;
    // store-side identity (not in the JSON)
    int64_t finding_id = 0;
    int64_t episode = 0;  // the finding's reopen count when it opened
    std::string fingerprint;
    std::string held;  // why it is stored but not sent: "silenced: ...", "re-probe: ..."

    Json to_json() const;
    static Event from_json(const Json& j);
};

// One line a person can act on: "new_exposure redis-no-auth (medium) 10.0.0.5:6379 ...".
std::string summary_line(const Event& e);

}  // namespace sl::monitor
