// Line framing for text protocols (memcached, and later FTP, SMTP, IMAP, POP3).
#pragma once

#include <cstddef>
#include <string_view>

namespace sl::grab {

// Longest line accepted before the stream is judged not to be a line protocol.
inline constexpr size_t kMaxLineBytes = 8 * 1024;

enum class LineResult { kLine, kIncomplete, kTooLong };

// Finds the first line of `in`. On kLine, `line` excludes "\n" and a trailing "\r", and
// `consumed` includes the terminator.
LineResult next_line(std::string_view in, std::string_view* line, size_t* consumed);

}  // namespace sl::grab
