#include "grab/codecs/bson.h"

#include <cstring>

#include "core/text.h"

namespace sl::grab {

namespace {

class Reader {
  public:
    explicit Reader(std::string_view b) : b_(b) {}
    bool ok() const { return ok_; }
    size_t pos() const { return pos_; }
    size_t left() const { return b_.size() - pos_; }

    template <class T>
    T fixed() {
        T v{};
        if (left() < sizeof(T)) return fail<T>();
        std::memcpy(&v, b_.data() + pos_, sizeof(T));  // BSON is little-endian, as is x86-64
        pos_ += sizeof(T);
        return v;
    }
    uint8_t byte() { return left() < 1 ? fail<uint8_t>() : static_cast<uint8_t>(b_[pos_++]); }
    std::string_view cstring() {
        size_t nul = b_.find('\0', pos_);
        if (nul == std::string_view::npos) return fail<std::string_view>();
        std::string_view s = b_.substr(pos_, nul - pos_);
        pos_ = nul + 1;
        return s;
    }
    std::string_view bytes(size_t n) {
        if (left() < n) return fail<std::string_view>();
        std::string_view s = b_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    template <class T>
    T fail() {
        ok_ = false;
        pos_ = b_.size();
        return T{};
    }

  private:
    std::string_view b_;
    size_t pos_ = 0;
    bool ok_ = true;
};

bool read_document(Reader& r, int depth, bool array, nlohmann::json& out);

bool read_value(Reader& r, uint8_t type, int depth, nlohmann::json& out) {
    switch (type) {
        case 0x01:
            out = r.fixed<double>();
            return r.ok();
        case 0x02: {  // string: int32 length (with NUL), bytes
            auto len = r.fixed<int32_t>();
            if (len < 1) return false;
            std::string_view s = r.bytes(static_cast<size_t>(len));
            if (!r.ok() || s.back() != '\0') return false;
            out = std::string(s.substr(0, s.size() - 1));
            return true;
        }
        case 0x03:
            return read_document(r, depth + 1, false, out);
        case 0x04:
            return read_document(r, depth + 1, true, out);
        case 0x05: {  // binary: length, subtype, bytes
            auto len = r.fixed<int32_t>();
            if (len < 0) return false;
            r.byte();
            r.bytes(static_cast<size_t>(len));
            out = nullptr;
            return r.ok();
        }
        case 0x06:
        case 0x0a:
        case 0x7f:
        case 0xff:
            out = nullptr;
            return true;
        case 0x07: {
            out = hex_encode(r.bytes(12));
            return r.ok();
        }
        case 0x08:
            out = r.byte() != 0;
            return r.ok();
        case 0x09:
        case 0x12:
            out = r.fixed<int64_t>();
            return r.ok();
        case 0x11:
            out = r.fixed<uint64_t>();
            return r.ok();
        case 0x10:
            out = r.fixed<int32_t>();
            return r.ok();
        case 0x0b:
            r.cstring();
            r.cstring();
            out = nullptr;
            return r.ok();
        case 0x0d:
        case 0x0e: {
            nlohmann::json ignored;
            return read_value(r, 0x02, depth, ignored) && (out = nullptr, true);
        }
        case 0x13:
            r.bytes(16);
            out = nullptr;
            return r.ok();
        default:
            return false;
    }
}

bool read_document(Reader& r, int depth, bool array, nlohmann::json& out) {
    if (depth > kMaxBsonDepth) return false;
    size_t start = r.pos();
    auto size = r.fixed<int32_t>();
    if (!r.ok() || size < 5 || static_cast<size_t>(size) > r.left() + 4) return false;
    size_t end = start + static_cast<size_t>(size);
    out = array ? nlohmann::json::array() : nlohmann::json::object();
    while (r.ok() && r.pos() < end - 1) {
        uint8_t type = r.byte();
        std::string name(r.cstring());
        nlohmann::json value;
        if (!r.ok() || !read_value(r, type, depth, value)) return false;
        if (r.pos() > end - 1) return false;
        if (array)
            out.push_back(std::move(value));
        else
            out[name] = std::move(value);
    }
    return r.ok() && r.pos() == end - 1 && r.byte() == 0;
}

void put32(std::string& out, int32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>(static_cast<uint32_t>(v) >> (8 * i)));
}

}  // namespace

std::optional<nlohmann::json> bson_to_json(std::string_view bytes) {
    Reader r(bytes);
    nlohmann::json out;
    if (!read_document(r, 0, false, out) || r.left() != 0) return std::nullopt;
    return out;
}

std::string bson_document(const std::vector<BsonField>& fields) {
    std::string body;
    for (const auto& f : fields) {
        body.push_back(f.kind == BsonField::Kind::kInt32  ? '\x10'
                       : f.kind == BsonField::Kind::kBool ? '\x08'
                                                          : '\x02');
        body += f.name;
        body.push_back('\0');
        if (f.kind == BsonField::Kind::kInt32)
            put32(body, f.i);
        else if (f.kind == BsonField::Kind::kBool)
            body.push_back(f.b ? '\1' : '\0');
        else {
            put32(body, static_cast<int32_t>(f.s.size() + 1));
            body += f.s;
            body.push_back('\0');
        }
    }
    std::string doc;
    put32(doc, static_cast<int32_t>(body.size() + 5));
    doc += body;
    doc.push_back('\0');
    return doc;
}

}  // namespace sl::grab
