#include "output/table.h"

#include <algorithm>
#include <cstdint>

#include "core/text.h"

namespace sl::output {

namespace {

std::string clip(std::string s) {
    if (s.size() <= kMaxCellWidth) return s;
    s.resize(kMaxCellWidth - 3);
    return s + "...";
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> right)
    : headers_(std::move(headers)), right_(std::move(right)) {
    right_.resize(headers_.size(), false);
}

void TextTable::add(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    for (auto& c : cells) c = clip(escape_for_terminal(c));
    rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
    std::vector<size_t> width(headers_.size());
    for (size_t i = 0; i < headers_.size(); ++i) width[i] = headers_[i].size();
    for (const auto& r : rows_)
        for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (size_t i = 0; i < cells.size(); ++i) {
            bool last = i + 1 == cells.size();
            std::string pad(width[i] - cells[i].size(), ' ');
            if (i) l += "  ";
            l += right_[i] ? pad + cells[i] : (last ? cells[i] : cells[i] + pad);
        }
        out += l + "\n";
    };
    line(headers_);
    for (const auto& r : rows_) line(r);
    return out;
}

void TextTable::print(std::FILE* out) const { std::fputs(render().c_str(), out); }

std::string bar(int64_t count, int64_t largest, size_t width) {
    if (largest <= 0 || count <= 0) return "";
    size_t cells =
        static_cast<size_t>((count * static_cast<int64_t>(width) + largest - 1) / largest);
    std::string s;
    for (size_t i = 0; i < std::min(cells, width); ++i) s += "\u2588";
    return s;
}

}  // namespace sl::output
