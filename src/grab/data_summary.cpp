#include "grab/data_summary.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.h"
#include "grab/codecs/http_sequence.h"

namespace sl::grab {

bool mail_like(std::string_view name) {
    std::string low = ascii_lower(name);
    for (auto w : {"mail", "mbox", "exchange", "pst", "eml", "inbox", "message"})
        if (low.find(w) != std::string::npos) return true;
    return false;
}

uint64_t json_count(const nlohmann::json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer()) return static_cast<uint64_t>(std::max<int64_t>(0, v.get<int64_t>()));
    if (v.is_number_float()) {
        double d = v.get<double>();
        return d > 0 && d < 1.8e19 ? static_cast<uint64_t>(d) : 0;
    }
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        uint64_t n = 0;
        std::from_chars(s.data(), s.data() + s.size(), n);
        return n;
    }
    return 0;
}

void DataSummary::add(std::string_view name, std::optional<uint64_t> rows,
                      std::optional<uint64_t> bytes) {
    ++collections_;
    listed_ = true;
    if (rows) add_rows(*rows);
    if (bytes) add_bytes(*bytes);
    mail_ += mail_like(name) ? 1 : 0;
    if (names_.size() < kNamesTracked) names_.push_back({std::string(name), bytes.value_or(0)});
}

void DataSummary::write(Record& rec) const {
    std::vector<Named> sorted = names_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Named& a, const Named& b) { return a.bytes > b.bytes; });
    if (has_rows_) rec.set("data.rows", rows_);
    if (has_bytes_) rec.set("data.bytes", bytes_);
    if (!listed_) return;
    rec.set("data.collections", collections_);
    rec.set("data.mail_like_names", mail_);
    for (size_t i = 0; i < sorted.size() && i < kNamesKept; ++i)
        rec.append("data.names_sample", sorted[i].name);
}

DataSummary summarize_cat_indices(const nlohmann::json& indices) {
    DataSummary summary;
    summary.listed();
    if (!indices.is_array()) return summary;
    for (const auto& idx : indices) {
        if (!idx.is_object()) continue;
        const nlohmann::json* size_field = json_field(idx, "store.size");
        const nlohmann::json* docs_field = json_field(idx, "docs.count");
        summary.add(json_string(idx, "index"), docs_field ? json_count(*docs_field) : 0,
                    size_field ? json_count(*size_field) : 0);
    }
    return summary;
}

}  // namespace sl::grab
