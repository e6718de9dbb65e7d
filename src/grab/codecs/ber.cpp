#include "grab/codecs/ber.h"

namespace sl::grab::ber {

Result next(std::string_view in, Element* element, size_t* size) {
    if (in.size() < 2) return Result::kIncomplete;
    auto tag = static_cast<uint8_t>(in[0]);
    if ((tag & 0x1f) == 0x1f) return Result::kInvalid;  // multi-octet tags: not LDAP
    auto first = static_cast<uint8_t>(in[1]);
    size_t header = 2, length = first;
    if (first & 0x80) {
        size_t octets = first & 0x7f;
        if (octets == 0 || octets > 4) return Result::kInvalid;  // indefinite, or absurd
        if (in.size() < 2 + octets) return Result::kIncomplete;
        length = 0;
        for (size_t i = 0; i < octets; ++i) length = length << 8 | static_cast<uint8_t>(in[2 + i]);
        header += octets;
    }
    if (in.size() - header < length) return Result::kIncomplete;
    element->tag = tag;
    element->contents = in.substr(header, length);
    *size = header + length;
    return Result::kElement;
}

std::optional<Element> Reader::read() {
    if (!ok_ || rest_.empty()) return std::nullopt;
    Element e;
    size_t size = 0;
    if (next(rest_, &e, &size) != Result::kElement) {  // inside a whole element: never partial
        ok_ = false;
        return std::nullopt;
    }
    rest_.remove_prefix(size);
    return e;
}

std::optional<int64_t> Reader::read_integer() {
    auto e = read();
    if (!e || (e->tag != 0x02 && e->tag != 0x0a) || e->contents.empty() || e->contents.size() > 8) {
        ok_ = false;
        return std::nullopt;
    }
    int64_t v = static_cast<int8_t>(e->contents[0]);  // sign from the first octet
    for (size_t i = 1; i < e->contents.size(); ++i)
        v = static_cast<int64_t>(static_cast<uint64_t>(v) << 8 |
                                 static_cast<uint8_t>(e->contents[i]));
    return v;
}

std::string tlv(uint8_t tag, std::string_view contents) {
    std::string out(1, static_cast<char>(tag));
    size_t n = contents.size();
    if (n < 0x80) {
        out.push_back(static_cast<char>(n));
    } else {
        std::string len;
        for (; n; n >>= 8) len.insert(len.begin(), static_cast<char>(n & 0xff));
        out.push_back(static_cast<char>(0x80 | len.size()));
        out += len;
    }
    out.append(contents);
    return out;
}

std::string tlv_long(uint8_t tag, std::string_view contents) {
    size_t n = std::min<size_t>(contents.size(), 0xffff);
    std::string out{static_cast<char>(tag), '\x82', static_cast<char>(n >> 8),
                    static_cast<char>(n & 0xff)};
    out.append(contents.substr(0, n));
    return out;
}

std::string integer(uint8_t tag, uint32_t value) {
    std::string bytes;
    do {
        bytes.insert(bytes.begin(), static_cast<char>(value & 0xff));
        value >>= 8;
    } while (value != 0);
    if (static_cast<uint8_t>(bytes[0]) & 0x80) bytes.insert(bytes.begin(), '\0');  // stay positive
    return tlv(tag, bytes);
}

std::string octets(std::string_view s) { return tlv(0x04, s); }

}  // namespace sl::grab::ber
