#pragma once
#include <nlohmann/json.hpp>

#include "grab/data_summary.h"
#include "grab/grabber.h"
namespace sl::grab {
GrabberSpec elasticsearch_spec();

// The path that lists indices with names, document counts and store bytes (no contents).
inline constexpr std::string_view kCatIndicesPath =
    "/_cat/indices?format=json&bytes=b&h=index,docs.count,store.size,health";
// Sums a _cat/indices JSON array (Elasticsearch, OpenSearch, or through Kibana's console proxy).
DataSummary summarize_cat_indices(const nlohmann::json& indices);
}  // namespace sl::grab
