// Running a compiled query (query/compile.h) over the store: matching services or findings,
// newest first, with the total count and facets (top-N counts with an `other` count). Every
// list is capped at kMaxPageSize and every facet at kMaxFacetBuckets, whatever is asked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/query/compile.h"
#include "store/store.h"

namespace sl::store {

inline constexpr size_t kMaxPageSize = 1000;
inline constexpr size_t kMaxFacetBuckets = 100;

struct FacetSpec {
    std::string key;
    size_t top = 10;
    int column = 1;  // in the --facet text, for errors
};

struct FacetBucket {
    std::string value;
    int64_t count = 0;
};

struct Facet {
    std::string key;
    std::vector<FacetBucket> buckets;
    int64_t other = 0;  // rows counted under values beyond the top N
};

enum class Sort { kNewest, kLastSeen, kFirstSeen, kOldest, kAddress, kPort, kSeverity };

struct SearchOptions {
    size_t limit = 100;
    size_t offset = 0;
    Sort sort = Sort::kNewest;
    std::vector<FacetSpec> facets;
    int64_t now_ms = 0;
    // Keyset pagination (page_cursor.h): start strictly after this sort key, a SearchResult's
    // `next` from the same query and sort.
    std::optional<std::vector<SqlValue>> after;
    // Count the matches only up to this many (0: all of them). Counting is most of the cost of
    // a page of a broad question (125,000 matches: 6 ms of 8); a page says "at least N" past it,
    // as Elasticsearch's track_total_hits does.
    int64_t count_up_to = 0;
};

struct SearchResult {
    int64_t total = 0;
    bool total_is_lower_bound = false;  // more than count_up_to matched
    std::vector<Json> rows;
    // Services: each row's latest record as JSON text (store/record_merge.h), its row holding no
    // "record" member; attach_records() parses them into the rows, rows_text() places them in
    // the rows' text as they are (the API's answer). Findings: none.
    std::vector<std::string> records;
    std::vector<Facet> facets;
    std::optional<std::vector<SqlValue>> next;  // the key after the page, when rows follow
};

// "port,product:5" -> facet specs; an unknown key names the closest one.
Result<std::vector<FacetSpec>> parse_facets(std::string_view text);
Result<Sort> parse_sort(std::string_view text);

Result<SearchResult> search_services(Connection& db, const query::Compiled& q,
                                     const SearchOptions& o);
Result<SearchResult> search_findings(Connection& db, const query::Compiled& q,
                                     const SearchOptions& o);

// Each row gains its "record" member, parsed.
void attach_records(SearchResult& r);
// The rows as the text of a JSON array, each with its record as the store gave it.
std::string rows_text(const SearchResult& r);

// Times in rows are RFC 3339; a NULL time is JSON null.
Json time_json(const Statement& st, int col);

}  // namespace sl::store
