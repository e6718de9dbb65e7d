// The store's schema and its migrations (docs/store.md). `PRAGMA user_version` is the schema
// version; `PRAGMA application_id` marks a file as Searchlight's. Migration N takes a database
// at version N-1 to N inside one transaction, so a crash leaves either version, never half.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "store/sqlite.h"

namespace sl::store {

inline constexpr int64_t kApplicationId = 0x534c4954;  // "SLIT"
inline constexpr int kSchemaVersion = 12;

// Applies migrations up to `target` (kSchemaVersion unless a test asks for an older one). A
// migration that drops a search index says IF EXISTS: a killed bulk import may have dropped it.
Status migrate(Connection& db, int target = kSchemaVersion);

// The services indexes that serve searches only: the store's own writes never read them. A bulk
// import drops them and builds them at its end (docs/store.md, "Bulk loads"), since building
// an index once costs a third of keeping it through the same inserts.
Status drop_search_indexes(Connection& db);
// Builds the search indexes that are missing (after a bulk import, or a killed one); true when
// it built any.
Result<bool> build_search_indexes(Connection& db);

}  // namespace sl::store
