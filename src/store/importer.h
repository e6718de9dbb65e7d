// `searchlight import`: Searchlight NDJSON (scan -o, export --format ndjson) into the store, so
// scans from several machines or shards merge and old files become history. Each scan_id becomes
// one stored scan; a scan already in the store is skipped whole, so importing twice changes
// nothing. An imported scan resolves only what its file proves: a port record with state closed
// or filtered for a known service, when its summary says the scan was not interrupted. Findings
// are never resolved by an import (the file does not say which rules ran).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "store/store.h"

namespace sl::store {

// The longest NDJSON line accepted.
inline constexpr size_t kMaxImportLine = 1 << 20;

struct ImportStats {
    uint64_t lines = 0;
    uint64_t scans = 0;          // imported
    uint64_t scans_skipped = 0;  // already in the store
    uint64_t services = 0;
    uint64_t findings = 0;
    uint64_t orphan_findings = 0;  // no service record of theirs nearby: skipped
};

struct ImportSource {
    std::istream* in;
    std::string name;    // in errors, as name:line: what
    uint64_t bytes = 0;  // its size when known (a file): a bulk import is judged by it
};

// Reads the sources in order (a scan ends with its file). Stops at the first bad line; what
// was read before it is stored (in whole batches) and the scan is left incomplete. An import
// of more records than twice the services the store holds is a bulk import: the search indexes
// are built once at its end instead of kept through every insert (docs/store.md).
Result<ImportStats> import_ndjson(Store& store, const std::vector<ImportSource>& sources);
Result<ImportStats> import_ndjson(Store& store, std::istream& in, const std::string& name);

}  // namespace sl::store
