// A text table whose columns are as wide as their content (at most kMaxCellWidth), with
// right-aligned numeric columns. Cells are escaped for the terminal when added, so a value
// that came from a server is shown as text, never as control sequences.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace sl::output {

inline constexpr size_t kMaxCellWidth = 100;

class TextTable {
  public:
    // right: the columns to align right (numbers).
    explicit TextTable(std::vector<std::string> headers, std::vector<bool> right = {});
    void add(std::vector<std::string> cells);
    size_t rows() const { return rows_.size(); }
    void print(std::FILE* out) const;
    std::string render() const;

  private:
    std::vector<std::string> headers_;
    std::vector<bool> right_;
    std::vector<std::vector<std::string>> rows_;
};

// A bar of `width` cells for a share of the largest count (facets, as `shodan stats` draws).
std::string bar(int64_t count, int64_t largest, size_t width = 30);

}  // namespace sl::output
