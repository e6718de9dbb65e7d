#include "grab/codecs/resp.h"

#include "core/byte_queue.h"

namespace sl::grab {

namespace {

// Reads "<text>\r\n" starting at pos; returns false if incomplete. Sets *bad on bare LF or
// control bytes, which RESP headers never contain.
bool header_line(std::string_view in, size_t pos, std::string_view* text, size_t* next, bool* bad) {
    size_t cr = in.find("\r\n", pos);
    size_t limit = cr == std::string_view::npos ? in.size() : cr;
    for (size_t i = pos; i < limit; ++i) {
        auto c = static_cast<unsigned char>(in[i]);
        bool last = i + 1 == in.size();  // a final '\r' may be followed by '\n' later
        if (c == '\n' || (c == '\r' && !last) || (c < 0x20 && c != '\t' && c != '\r')) {
            *bad = true;
            return false;
        }
    }
    if (cr == std::string_view::npos) return false;
    *text = in.substr(pos, cr - pos);
    *next = cr + 2;
    return true;
}

bool parse_int(std::string_view s, int64_t* out) {
    if (s.empty() || s.size() > 18) return false;  // 18 digits cannot overflow int64
    bool neg = s[0] == '-';
    if (neg) s.remove_prefix(1);
    if (s.empty()) return false;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = neg ? -v : v;
    return true;
}

RespResult parse_at(std::string_view in, size_t pos, int depth, RespReply* out) {
    if (pos >= in.size()) return RespResult::kIncomplete;
    char type = in[pos];
    if (type != '+' && type != '-' && type != ':' && type != '$' && type != '*')
        return RespResult::kNotResp;
    std::string_view line;
    size_t next = 0;
    bool bad = false;
    if (!header_line(in, pos + 1, &line, &next, &bad))
        return bad ? RespResult::kNotResp
                   : (in.size() - pos > kMaxBannerBytes ? RespResult::kTooLarge
                                                        : RespResult::kIncomplete);
    out->type = type;
    if (type == '+' || type == '-') {
        out->text = line;
        out->consumed = next;
        return RespResult::kReply;
    }
    if (!parse_int(line, &out->integer) || out->integer < -1) return RespResult::kNotResp;
    if (type == ':' || out->integer == -1) {
        out->consumed = next;
        return RespResult::kReply;
    }
    if (type == '$') {
        auto len = static_cast<uint64_t>(out->integer);
        if (len > kMaxBannerBytes) return RespResult::kTooLarge;
        if (in.size() < next + len + 2) return RespResult::kIncomplete;
        if (in.substr(next + len, 2) != "\r\n") return RespResult::kNotResp;
        out->text = in.substr(next, len);
        out->consumed = next + len + 2;
        return RespResult::kReply;
    }
    if (depth >= kMaxRespDepth) return RespResult::kTooLarge;
    int64_t count = out->integer;
    if (static_cast<uint64_t>(count) > kMaxBannerBytes / 3) return RespResult::kTooLarge;
    size_t cursor = next;
    for (int64_t i = 0; i < count; ++i) {
        RespReply element;
        RespResult r = parse_at(in, cursor, depth + 1, &element);
        if (r != RespResult::kReply) return r;
        cursor = element.consumed;
    }
    out->type = '*';
    out->integer = count;
    out->text = {};
    out->consumed = cursor;
    return RespResult::kReply;
}

}  // namespace

RespResult parse_resp(std::string_view in, RespReply* out) {
    RespReply reply;
    RespResult r = parse_at(in, 0, 0, &reply);
    if (r == RespResult::kReply) *out = reply;
    return r;
}

}  // namespace sl::grab
