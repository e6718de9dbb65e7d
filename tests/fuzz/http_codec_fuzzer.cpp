// Fuzzes the HTTP response codec (libhttp-parser plus our caps): header count, header size and
// kept body stay within their limits, consumed never exceeds the input, and feeding the input
// one byte at a time reaches the same result as feeding it whole.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grab/codecs/http.h"

namespace {

sl::grab::HttpResponseParser::Result feed_all(sl::grab::HttpResponseParser& p, std::string_view in,
                                              size_t step) {
    auto r = sl::grab::HttpResponseParser::Result::kIncomplete;
    size_t pos = 0;
    while (pos < in.size()) {
        size_t used = 0;
        size_t n = std::min(step, in.size() - pos);
        r = p.feed(in.substr(pos, n), &used);
        if (used > n) std::abort();
        if (r != sl::grab::HttpResponseParser::Result::kIncomplete) return r;
        pos += used;
        if (used == 0) break;
    }
    return p.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    sl::grab::HttpResponseParser whole;
    sl::grab::HttpResponseParser bytewise;
    auto a = feed_all(whole, in, in.size() + 1);
    auto b = feed_all(bytewise, in, 1);
    const auto& r = whole.response();
    if (r.headers.size() > sl::grab::kMaxHeaderCount || r.body.size() > sl::grab::kMaxKeptBody)
        std::abort();
    if (a == sl::grab::HttpResponseParser::Result::kComplete &&
        (b != a || bytewise.response().status != r.status || bytewise.response().body != r.body ||
         bytewise.response().headers != r.headers))
        std::abort();
    return 0;
}
