// The normalised `data` object of DESIGN.md section 7, filled the same way by every data store:
// totals, up to 10 names (largest first), and the count of mail-like names (the seeds' case).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"

namespace sl::grab {

inline constexpr size_t kNamesKept = 10;
// Names remembered for sorting; past this, only the totals grow.
inline constexpr size_t kNamesTracked = 10'000;

// mail, email, mbox, exchange, pst, eml, inbox or message, in any case (CATALOGUE row 37).
bool mail_like(std::string_view name);

// A count from untrusted JSON: an unsigned, a non-negative integer or a decimal string; else 0.
uint64_t json_count(const nlohmann::json& v);

class DataSummary {
  public:
    // One database, index, bucket, core or collection; rows and bytes when the product says.
    void add(std::string_view name, std::optional<uint64_t> rows = {},
             std::optional<uint64_t> bytes = {});
    // A listing answered (perhaps empty): data.collections and data.mail_like_names are written.
    void listed() { listed_ = true; }
    void add_rows(uint64_t rows) { rows_ += rows, has_rows_ = true; }
    void add_bytes(uint64_t bytes) { bytes_ += bytes, has_bytes_ = true; }
    uint64_t collections() const { return collections_; }
    uint64_t rows() const { return rows_; }
    uint64_t bytes() const { return bytes_; }
    // Writes data.collections, data.mail_like_names and data.names_sample after a listing, and
    // data.rows and data.bytes when the product reported them.
    void write(Record& rec) const;

  private:
    struct Named {
        std::string name;
        uint64_t bytes;
    };
    std::vector<Named> names_;
    uint64_t collections_ = 0, rows_ = 0, bytes_ = 0, mail_ = 0;
    bool listed_ = false, has_rows_ = false, has_bytes_ = false;
};

// The Elasticsearch/OpenSearch path that lists indices with names, document counts and store
// bytes (never contents): row 1, Kibana's console proxy (row 3) and the mail-archive class (37).
inline constexpr std::string_view kCatIndicesPath =
    "/_cat/indices?format=json&bytes=b&h=index,docs.count,store.size,health";
// Sums a _cat/indices JSON array.
DataSummary summarize_cat_indices(const nlohmann::json& indices);

}  // namespace sl::grab
