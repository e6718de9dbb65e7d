// The text that full-text search (FTS5) indexes for one observation: banner, HTTP title,
// product, protocol, version, certificate names and the names sample. Schema version 2 builds
// the same text in SQL for older rows. Empty when the record has nothing but its protocol's name
// (an open port found without a grab): such a state gets no full-text row.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sl::store {

std::string searchable_text(const nlohmann::ordered_json& record);

}  // namespace sl::store
