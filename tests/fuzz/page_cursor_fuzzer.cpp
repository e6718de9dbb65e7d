// Fuzzes the page cursor (`?cursor=` of /api/search and /api/findings, `export --cursor`): any
// text is a key or the one refusal "cursor: ...", never a crash; a key it accepts encodes back
// to a cursor that decodes to the same key.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/page_cursor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto key = sl::store::decode_cursor(text);
    if (!key) {
        if (key.error().message.rfind("cursor: ", 0) != 0 ||
            key.error().message.find('\n') != std::string::npos)
            std::abort();
        return 0;
    }
    auto again = sl::store::decode_cursor(sl::store::encode_cursor(*key));
    if (!again || *again != *key) std::abort();
    return 0;
}
