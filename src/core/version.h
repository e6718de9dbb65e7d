// Version comparison shared by the rules (gt/lt over versions) and the query language
// (version:<7.10): numeric runs compare as numbers, other runs as text.
#pragma once

#include <string_view>

namespace sl {

// Compares versions such as "9.2p1", "7.0.15" or "2.4.57". Negative, zero or positive like
// strcmp.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace sl
