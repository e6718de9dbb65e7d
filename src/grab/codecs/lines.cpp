#include "grab/codecs/lines.h"

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

}  // namespace sl::grab
