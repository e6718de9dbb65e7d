#include "grab/codecs/lines.h"

#include <algorithm>

namespace sl::grab {

LineResult next_line(std::string_view in, std::string_view* line, size_t* consumed) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos)
        return in.size() > kMaxLineBytes ? LineResult::kTooLong : LineResult::kIncomplete;
    if (nl > kMaxLineBytes) return LineResult::kTooLong;
    size_t end = nl > 0 && in[nl - 1] == '\r' ? nl - 1 : nl;
    *line = in.substr(0, end);
    *consumed = nl + 1;
    return LineResult::kLine;
}

namespace {

// The code of "ddd-" or "ddd " (or a bare "ddd"), else -1. *last: the separator is not '-'.
int reply_code(std::string_view line, bool* last) {
    if (line.size() < 3) return -1;
    for (size_t i = 0; i < 3; ++i)
        if (line[i] < '0' || line[i] > '9') return -1;
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return -1;
    *last = line.size() == 3 || line[3] == ' ';
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

}  // namespace

ReplyResult next_reply(std::string_view in, TextReply* reply, size_t* consumed) {
    TextReply out;
    size_t at = 0;
    while (true) {
        std::string_view line;
        size_t used = 0;
        LineResult r = next_line(in.substr(at), &line, &used);
        if (r == LineResult::kTooLong) return ReplyResult::kTooLong;
        if (r == LineResult::kIncomplete) {
            // Judge a first line early: a greeting that cannot be a reply is rejected at once.
            bool last = false;
            bool bare = in.size() >= 4 && in[3] == '\r';  // "331\r" may still end as "331\r\n"
            if (at == 0 && in.size() >= 4 && !bare && reply_code(in.substr(0, 4), &last) < 0)
                return ReplyResult::kNotReply;
            return ReplyResult::kIncomplete;
        }
        at += used;
        bool last = false;
        int code = reply_code(line, &last);
        if (out.code == 0) {
            if (code < 100) return ReplyResult::kNotReply;
            out.code = code;
        }
        bool closes = code == out.code && last;
        std::string_view text =
            code == out.code ? line.substr(std::min<size_t>(4, line.size())) : line;
        if (out.lines.size() < kMaxReplyLines) out.lines.emplace_back(text);
        if (closes) break;
    }
    *reply = std::move(out);
    *consumed = at;
    return ReplyResult::kReply;
}

}  // namespace sl::grab
