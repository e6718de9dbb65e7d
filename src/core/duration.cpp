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

std::optional<int64_t> parse_span_ms(std::string_view text, int64_t max_count) {
    if (text.size() < 2 || text.size() > 12) return std::nullopt;
    std::string_view digits = text.substr(0, text.size() - 1);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    int64_t n = std::stoll(std::string(digits));
    int64_t scale = 0;
    switch (text.back()) {
        case 's':
            scale = 1000;
            break;
        case 'm':
            scale = 60'000;
            break;
        case 'h':
            scale = 3'600'000;
            break;
        case 'd':
            scale = 86'400'000;
            break;
        case 'w':
            scale = 604'800'000;
            break;
        default:
            return std::nullopt;
    }
    if (n > max_count) return std::nullopt;
    return n * scale;
}

}  // namespace sl
