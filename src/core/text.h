// Text that reaches a terminal or a log line: control bytes, escape sequences and non-ASCII
// bytes from untrusted input become visible \xNN escapes (DESIGN.md section 7). And bytes as
// lowercase hex, the one spelling of digests, tokens, cursors and escapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sl {

// Appends the byte as two lowercase hex digits.
void append_hex(std::string& out, unsigned char byte);
// Every byte as two lowercase hex digits.
std::string hex_encode(std::string_view bytes);
// The bytes of lowercase hex text; nothing when the text is not that.
std::optional<std::string> hex_decode(std::string_view text);

// ASCII letters in lower case; every other byte as it is (protocol keywords, header names).
std::string ascii_lower(std::string_view text);

// Printable ASCII passes through; every other byte becomes \xNN, and '\' becomes "\\".
std::string escape_for_terminal(std::string_view text);

}  // namespace sl
