// Text that reaches a terminal or a log line: control bytes, escape sequences and non-ASCII
// bytes from untrusted input become visible \xNN escapes (DESIGN.md section 7).
#pragma once

#include <string>
#include <string_view>

namespace sl {

// Printable ASCII passes through; every other byte becomes \xNN, and '\' becomes "\\".
std::string escape_for_terminal(std::string_view text);

}  // namespace sl
