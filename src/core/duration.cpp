#include "core/duration.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace sl {

Result<int64_t> parse_duration(std::string_view text) {
    size_t digits = 0;
    bool dot = false;
    while (digits < text.size() &&
           ((text[digits] >= '0' && text[digits] <= '9') || (text[digits] == '.' && !dot))) {
        dot = dot || text[digits] == '.';
        ++digits;
    }
    std::string number(text.substr(0, digits));
    if (number == "." || digits == 0 || digits > 12)
        return make_error("expected a duration such as 500ms or 5s");
    std::string_view unit = text.substr(digits);
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e9;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "m")
        scale = 60e9;
    else
        return make_error("unknown unit (use ms, s or m)");
    double value = std::strtod(number.c_str(), nullptr) * scale;
    if (!(value >= 1e6 && value <= 3600e9)) return make_error("duration must be 1ms to 1 hour");
    return static_cast<int64_t>(std::llround(value));
}

}  // namespace sl
