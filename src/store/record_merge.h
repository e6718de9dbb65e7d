// A service's latest record as JSON text: the state's stored record with its last sighting's
// volatile fields merged in (RFC 7396, docs/store.md "What a sighting writes"). A page of search
// results carries it as text, so that the API can place it in its answer as it is: parsing a
// record into a tree and printing it again was a third of the CPU time of a search request.
//
// The fast path copies every value the patch does not touch exactly as it is stored. The record
// is checked whole by simdjson's DOM parser first (UTF-8, syntax), then sliced by its On-Demand
// parser; the patch (a few fields) is read by nlohmann. It declines what it cannot take exactly as
// nlohmann's merge_patch() would (a record that is not an object, a duplicate key where the patch
// merges), and the slow path, nlohmann's, answers instead. The differential test and the
// record_merge fuzzer check that both give the same JSON.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace sl::store {

// One per thread (it holds simdjson's parsers and their buffers); reused across rows.
class RecordMerger {
  public:
    // The record with the patch merged in; a patch that is absent or not an object changes
    // nothing. A record that is not JSON gives "null".
    std::string merged(std::string_view record, std::optional<std::string_view> patch);
    // The fast path alone: nothing when it declines.
    std::optional<std::string> fast(std::string_view record, std::optional<std::string_view> patch);

  private:
    simdjson::dom::parser check_;
    simdjson::ondemand::parser slice_;
    std::string buffer_;  // the record, with simdjson's padding past its end
};

// The slow path: nlohmann's parse, merge_patch() and dump().
std::string merged_record_slow(std::string_view record, std::optional<std::string_view> patch);

// For the differential test and fuzzer: "" when the fast path declines or gives the same JSON as
// the slow path (compared as parsed values, so "1.0e2" and "100.0" agree), else what differs.
std::string record_merge_disagreement(RecordMerger& m, std::string_view record,
                                      std::optional<std::string_view> patch);

}  // namespace sl::store
