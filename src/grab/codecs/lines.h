// Line framing for text protocols (memcached, FTP, SMTP, IMAP, POP3, rsync), and the
// three-digit multi-line replies of FTP and SMTP (RFC 959 section 4.2, RFC 5321 section 4.2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sl::grab {

// Longest line accepted before the stream is judged not to be a line protocol.
inline constexpr size_t kMaxLineBytes = 8 * 1024;

enum class LineResult { kLine, kIncomplete, kTooLong };

// Finds the first line of `in`. On kLine, `line` excludes "\n" and a trailing "\r", and
// `consumed` includes the terminator.
LineResult next_line(std::string_view in, std::string_view* line, size_t* consumed);

// Lines kept per reply; a longer reply is still consumed whole, its extra lines dropped.
inline constexpr size_t kMaxReplyLines = 64;

// "250-first\r\n250-second\r\n250 last\r\n": code 250, texts {"first", "second", "last"}.
// FTP's "211-Features:\r\n MDTM\r\n211 End" continuation lines (any line until "ddd ") are
// texts too. Text is what follows "ddd-" / "ddd ", or the whole continuation line.
struct TextReply {
    int code = 0;
    std::vector<std::string> lines;
};

enum class ReplyResult { kReply, kIncomplete, kNotReply, kTooLong };

// Parses the first whole reply of `in`; `consumed` covers all of its lines.
ReplyResult next_reply(std::string_view in, TextReply* reply, size_t* consumed);

}  // namespace sl::grab
