// Fuzzes the NDJSON importer: any bytes either import or stop at one "name:line: what" error,
// and the store stays consistent (integrity_check, foreign keys) either way.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "store/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    auto s = sl::store::Store::open(":memory:", sl::store::OpenMode::kReadWrite);
    if (!s) std::abort();
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    auto stats = sl::store::import_ndjson(*s, in, "f");
    if (!stats) {
        const std::string& m = stats.error().message;
        if (m.rfind("f:", 0) != 0 || m.find('\n') != std::string::npos) std::abort();
    }
    auto fk = s->db().scalar("SELECT count(*) FROM pragma_foreign_key_check");
    if (!fk || *fk != 0) std::abort();
    auto orphans = s->db().scalar(
        "SELECT count(*) FROM services s LEFT JOIN observations o ON o.id = s.current_obs "
        "WHERE o.id IS NULL");
    if (!orphans || *orphans != 0) std::abort();
    return 0;
}
