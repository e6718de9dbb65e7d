// The importer's fast path: a service or finding line of Searchlight NDJSON prepared from its
// text with simdjson's DOM parser, without building a nlohmann tree (a third of an import's
// time). What it gives equals what prepare_service() and prepare_finding() give for the same
// record, except that a service's compact record and searchable text are left to
// complete_unit(), which the store calls only when it writes a new state or content.
//
// A line it does not take exactly as the slow path would (not an object, another record type,
// a missing or bad field, a duplicate key, a number or nesting simdjson refuses) gives nothing,
// and the caller takes the slow path, whose checks and messages are the contract. The
// differential test and the import fuzzer check that both paths agree.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>

#include "store/prepare.h"

namespace sl::store {

struct PreparedLine {
    enum class Kind { kService, kFinding } kind = Kind::kService;
    std::string scan_id;
    std::optional<int64_t> time_s;  // the record's time in unix seconds, when it parses
    PreparedUnit unit;              // a service (without its findings: finish_unit())
    ServiceKey key;                 // a finding's service
    PreparedFinding finding;
};

// One per thread: it holds simdjson's parser and its buffers.
class LinePreparer {
  public:
    LinePreparer();
    // A service line (its unit's source is the line) or a finding line, or nothing.
    std::optional<PreparedLine> prepare(const std::string& line);

  private:
    simdjson::dom::parser parser_;
};

// For the differential test and fuzzer: what differs between this line prepared by the fast
// path (then completed) and by the slow path, or "" when they agree or the fast path declines.
std::string fast_path_disagreement(LinePreparer& fast, const std::string& line);

}  // namespace sl::store
