// Fuzzes the RESP codec: a reply never claims more bytes than it was given, and a reply found
// in a prefix is found the same in the whole input (no dependence on where the input ends).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grab/codecs/resp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    sl::grab::RespReply reply;
    auto r = sl::grab::parse_resp(in, &reply);
    if (r == sl::grab::RespResult::kReply) {
        if (reply.consumed == 0 || reply.consumed > size) std::abort();
        sl::grab::RespReply again;
        if (sl::grab::parse_resp(in.substr(0, reply.consumed), &again) != r ||
            again.consumed != reply.consumed)
            std::abort();
    }
    return 0;
}
