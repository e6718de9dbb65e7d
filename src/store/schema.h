// The store's schema and its migrations (docs/store.md). `PRAGMA user_version` is the schema
// version; `PRAGMA application_id` marks a file as Searchlight's. Migration N takes a database
// at version N-1 to N inside one transaction, so a crash leaves either version, never half.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "store/sqlite.h"

namespace sl::store {

inline constexpr int64_t kApplicationId = 0x534c4954;  // "SLIT"
inline constexpr int kSchemaVersion = 7;

// Applies migrations up to `target` (kSchemaVersion unless a test asks for an older one).
Status migrate(Connection& db, int target = kSchemaVersion);

}  // namespace sl::store
