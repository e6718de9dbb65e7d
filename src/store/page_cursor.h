// Keyset pagination's cursor: the sort key of the last row a page showed, given to the client
// as opaque text and handed back for the next page. The next page starts strictly after that
// key, so rows that a scan writes meanwhile neither repeat on a later page nor push unchanged
// rows off it (an offset would do both). The text is the hex of a small JSON array; anything
// else, or a key of the wrong length, is refused with one line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/sqlite.h"

namespace sl::store {

inline constexpr size_t kMaxCursorText = 2048;

std::string encode_cursor(const std::vector<SqlValue>& key);
Result<std::vector<SqlValue>> decode_cursor(std::string_view text);

}  // namespace sl::store
