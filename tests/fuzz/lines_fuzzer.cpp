// Fuzzes the line codec shared by the text protocols (FTP, SMTP, IMAP, POP3, rsync, memcached):
// a line or reply never claims more bytes than it was given, a reply found in a prefix is found
// the same in the whole input, and a reply never keeps more than kMaxReplyLines lines.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grab/codecs/lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sl::grab;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string_view line;
    size_t used = 0;
    if (next_line(in, &line, &used) == LineResult::kLine && (used == 0 || used > size)) std::abort();
    TextReply reply;
    if (next_reply(in, &reply, &used) == ReplyResult::kReply) {
        if (used == 0 || used > size || reply.lines.size() > kMaxReplyLines) std::abort();
        if (reply.code < 100 || reply.code > 999) std::abort();
        TextReply again;
        size_t again_used = 0;
        if (next_reply(in.substr(0, used), &again, &again_used) != ReplyResult::kReply ||
            again_used != used || again.code != reply.code || again.lines != reply.lines)
            std::abort();
    }
    return 0;
}
