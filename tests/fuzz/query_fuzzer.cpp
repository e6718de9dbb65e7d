// Fuzzes the query language: any text either compiles or gives one error with a column inside
// the query; whatever compiles must also run, as search and as findings, against a real store
// (an SQL error there would be a compiler bug), with every value bound, never spliced.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/search.h"

namespace {

sl::store::Store& fixture() {
    static auto* store = [] {
        auto s = sl::store::Store::open(":memory:", sl::store::OpenMode::kReadWrite);
        if (!s) std::abort();
        return new sl::store::Store(std::move(*s));
    }();
    return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 8192) return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    using sl::store::query::Target;
    for (Target target : {Target::kServices, Target::kFindings}) {
        auto c = sl::store::query::compile(text, {target, 1795435546000, false});
        if (!c.ok) {
            if (c.error.column < 1 || static_cast<size_t>(c.error.column) > size + 1) std::abort();
            if (c.error.message.empty() || c.error.message.find('\n') != std::string::npos)
                std::abort();
            (void)sl::store::query::format_error(text, c.error);
            return 0;
        }
        sl::store::SearchOptions o;
        o.limit = 5;
        o.facets = {{"port", 3, 1}, {"rule", 3, 1}};
        auto r = target == Target::kServices ? sl::store::search_services(fixture().db(), c.sql, o)
                                             : sl::store::search_findings(fixture().db(), c.sql, o);
        if (!r) std::abort();
    }
    return 0;
}
