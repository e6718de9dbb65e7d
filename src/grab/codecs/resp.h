// RESP (the Redis serialization protocol, https://redis.io/docs/reference/protocol-spec/):
// one reply at a time, never allocating by a declared length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sl::grab {

inline constexpr int kMaxRespDepth = 8;

enum class RespResult {
    kReply,       // a whole reply is at the front of the input
    kIncomplete,  // need more bytes
    kNotResp,     // this is not RESP
    kTooLarge,    // a declared length is over the input cap: it can never complete
};

struct RespReply {
    char type = 0;          // '+', '-', ':', '$', '*'
    std::string_view text;  // simple string, error, or bulk payload (views into the input)
    int64_t integer = 0;    // ':' value, '$' length, '*' count (-1: null)
    size_t consumed = 0;    // bytes of the whole reply
};

RespResult parse_resp(std::string_view in, RespReply* out);

}  // namespace sl::grab
