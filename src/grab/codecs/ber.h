// BER (ITU-T X.690) as LDAP uses it (RFC 4511 section 5.1): definite lengths only, at most 4
// length octets. Just enough to build LDAP requests and to walk responses from untrusted
// servers without ever reading past what they sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sl::grab::ber {

// One element: its tag octet and its contents (single-octet tags only, as in LDAP).
struct Element {
    uint8_t tag = 0;
    std::string_view contents;
};

enum class Result { kElement, kIncomplete, kInvalid };

// The element at the front of `in`; *size covers its header and contents.
Result next(std::string_view in, Element* element, size_t* size);

// A cursor over the elements inside a constructed element's contents.
class Reader {
  public:
    explicit Reader(std::string_view contents) : rest_(contents) {}
    // The next element; nullopt at the end or on malformed input (then ok() is false).
    std::optional<Element> read();
    std::optional<int64_t> read_integer();  // INTEGER or ENUMERATED, up to 8 octets
    bool ok() const { return ok_; }
    bool done() const { return rest_.empty(); }

  private:
    std::string_view rest_;
    bool ok_ = true;
};

// Builders: tag + length + contents.
std::string tlv(uint8_t tag, std::string_view contents);
// The same with the length always in the two-octet long form (X.690 8.1.3.5 lets a sender
// choose it); contents up to 65535 bytes.
std::string tlv_long(uint8_t tag, std::string_view contents);
std::string integer(uint8_t tag, uint32_t value);  // 0x02 INTEGER, 0x0a ENUMERATED
std::string octets(std::string_view s);            // 0x04 OCTET STRING

}  // namespace sl::grab::ber
