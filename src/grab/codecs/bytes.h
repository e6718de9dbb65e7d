// Big-endian integers from a byte string (network order), for the binary grabbers. The caller
// checks that `at` + the width is within `b`.
#pragma once

#include <cstdint>
#include <string_view>

namespace sl::grab {

inline uint16_t be16(std::string_view b, size_t at) {
    return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) << 8 |
                                 static_cast<unsigned char>(b[at + 1]));
}

inline uint32_t be32(std::string_view b, size_t at) {
    return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

}  // namespace sl::grab
