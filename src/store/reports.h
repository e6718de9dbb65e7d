// Read-side views of the store that are not searches: one host with its history, the list
// of scans, the workflow changes of findings, and the diff of two moments (docs/store.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ip.h"
#include "store/store.h"

namespace sl::store {

// Every service of the host (alive and gone) with its distinct states (observations) and
// time ranges, and every finding with its workflow changes.
Result<Json> host_report(Connection& db, const IpAddr& ip);

// One finding (by id or fingerprint) with its service's address and its workflow changes;
// null when there is no such finding.
Result<Json> finding_report(Connection& db, const std::string& ref);

// The newest scans first, at most `limit`.
Result<std::vector<Json>> list_scans(Connection& db, size_t limit);
// A scan by id, or an error naming what was asked.
Result<Json> scan_by_id(Connection& db, const std::string& id);

// The change between the state at two moments: services new, gone or changed (the state
// fields that changed, before and after), findings opened and resolved. Each kind is counted
// in full and listed up to `max_listed` (in id order), so a diff's memory is bounded by what
// it lists, not by what changed (a first scan of a /8 is millions of new services).
struct Diff {
    struct Kind {
        size_t count = 0;
        std::vector<Json> listed;
    };
    Kind new_services, gone_services, changed_services, new_findings, resolved_findings;
    // Each kind with its name in the API and `diff --format json` ("new_services", ...).
    std::array<std::pair<const char*, const Kind*>, 5> kinds() const {
        return {{{"new_services", &new_services},
                 {"gone_services", &gone_services},
                 {"changed_services", &changed_services},
                 {"new_findings", &new_findings},
                 {"resolved_findings", &resolved_findings}}};
    }
    bool empty() const {
        return new_services.count + gone_services.count + changed_services.count +
                   new_findings.count + resolved_findings.count ==
               0;
    }
};
Result<Diff> diff_states(Connection& db, int64_t before_ms, int64_t after_ms,
                         size_t max_listed = SIZE_MAX);

// Workflow: ack (open -> acknowledged), accept (open or acknowledged -> accepted, with a
// reason and an optional expiry), reopen (acknowledged, accepted or resolved -> open).
// `ref` is a finding's id or its fingerprint. Returns the new status.
Result<std::string> change_finding(Store& store, const std::string& ref, const std::string& action,
                                   const std::string& reason, std::optional<int64_t> until_ms,
                                   const std::string& actor, int64_t now_ms);

}  // namespace sl::store
