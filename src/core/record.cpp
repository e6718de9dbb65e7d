#include "core/record.h"

#include "core/text.h"

namespace sl {

const char* to_string(Access a) {
    switch (a) {
        case Access::kOpen:
            return "open";
        case Access::kAuthRequired:
            return "auth_required";
        case Access::kPartial:
            return "partial";
        case Access::kDenied:
            return "denied";
        case Access::kUnknown:
            break;
    }
    return "unknown";
}

Access access_from_name(std::string_view name) {
    for (Access a : {Access::kOpen, Access::kAuthRequired, Access::kPartial, Access::kDenied})
        if (name == to_string(a)) return a;
    return Access::kUnknown;
}

const char* to_string(GrabStatus s) {
    switch (s) {
        case GrabStatus::kOk:
            return "ok";
        case GrabStatus::kConnectionRefused:
            return "connection-refused";
        case GrabStatus::kConnectionReset:
            return "connection-reset";
        case GrabStatus::kConnectionTimeout:
            return "connection-timeout";
        case GrabStatus::kIoTimeout:
            return "io-timeout";
        case GrabStatus::kTlsError:
            return "tls-error";
        case GrabStatus::kProtocolError:
            return "protocol-error";
        case GrabStatus::kNotThisProtocol:
            return "not-this-protocol";
        case GrabStatus::kLimitExceeded:
            return "limit-exceeded";
    }
    return "protocol-error";
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not valid (RFC 3629).
size_t utf8_length(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(k) & 0xc0) != 0x80) return 0;
    if (n == 2 && c < 0xc2) return 0;                   // overlong
    if (n == 3 && c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (n == 3 && c == 0xed && b(1) >= 0xa0) return 0;  // surrogates
    if (n == 4 && (c > 0xf4 || (c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) >= 0x90))) return 0;
    return n;
}

}  // namespace

std::string sanitize_text(std::string_view bytes, size_t cap) {
    std::string out;
    size_t i = 0;
    while (i < bytes.size()) {
        size_t n = utf8_length(bytes, i);
        size_t add = n ? n : 4;
        if (out.size() + add > cap) {  // cut at a character boundary, then mark the cut
            while (out.size() > cap - 3) {
                while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80)
                    out.pop_back();
                if (!out.empty()) out.pop_back();
            }
            out += "...";
            break;
        }
        if (n) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            auto c = static_cast<unsigned char>(bytes[i++]);
            out += "\\x";
            append_hex(out, c);
        }
    }
    return out;
}

Record::Json& Record::slot(std::string_view dotted) {
    Json* node = &fields_;
    while (true) {
        size_t dot = dotted.find('.');
        std::string key(dotted.substr(0, dot));
        if (!node->is_object()) *node = Json::object();
        node = &(*node)[key];
        if (dot == std::string_view::npos) return *node;
        dotted.remove_prefix(dot + 1);
    }
}

void Record::set(std::string_view dotted, std::string_view text) {
    slot(dotted) = sanitize_text(text);
}
void Record::set(std::string_view dotted, int64_t n) { slot(dotted) = n; }
void Record::set(std::string_view dotted, uint64_t n) { slot(dotted) = n; }
void Record::set(std::string_view dotted, double d) { slot(dotted) = d; }
void Record::set(std::string_view dotted, bool b) { slot(dotted) = b; }

void Record::append(std::string_view dotted, std::string_view text) {
    Json& list = slot(dotted);
    if (!list.is_array()) list = Json::array();
    if (list.size() < kMaxFieldList) list.push_back(sanitize_text(text));
}

const Record::Json* Record::find(std::string_view dotted) const {
    const Json* node = &fields_;
    while (true) {
        size_t dot = dotted.find('.');
        if (!node->is_object()) return nullptr;
        auto it = node->find(std::string(dotted.substr(0, dot)));
        if (it == node->end()) return nullptr;
        node = &*it;
        if (dot == std::string_view::npos) return node;
        dotted.remove_prefix(dot + 1);
    }
}

bool Record::has(std::string_view dotted) const { return find(dotted) != nullptr; }

}  // namespace sl
