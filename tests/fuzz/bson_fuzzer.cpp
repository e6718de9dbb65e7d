// Fuzzes the BSON reader: bounds and declared sizes are checked, nesting is capped at
// kMaxBsonDepth, and an accepted document serializes to valid JSON.
#include <cstdint>
#include <string_view>

#include "grab/codecs/bson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto j = sl::grab::bson_to_json(std::string_view(reinterpret_cast<const char*>(data), size));
    if (j) (void)j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
