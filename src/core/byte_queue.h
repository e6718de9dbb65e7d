// ByteQueue: the input buffer of one connection. It never holds more than its cap, and counts
// every byte it was offered, so the runner can tell `limit-exceeded` from a normal end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sl {

// Raw bytes read per connection (RELIABILITY.md kMaxBannerBytes).
inline constexpr size_t kMaxBannerBytes = 64 * 1024;

class ByteQueue {
  public:
    explicit ByteQueue(size_t cap = kMaxBannerBytes) : cap_(cap) {}

    // Appends what fits under the cap; returns false when bytes had to be dropped.
    bool append(std::string_view bytes);
    std::string_view view() const { return std::string_view(buf_).substr(head_); }
    size_t size() const { return buf_.size() - head_; }
    bool empty() const { return size() == 0; }
    // Drops n bytes from the front (n <= size()).
    void consume(size_t n);
    // Every byte offered since construction, including what was consumed or dropped.
    uint64_t total_offered() const { return offered_; }
    bool overflowed() const { return overflowed_; }
    size_t cap() const { return cap_; }

  private:
    std::string buf_;
    size_t head_ = 0;
    size_t cap_;
    uint64_t offered_ = 0;
    uint64_t stored_ = 0;  // bytes ever stored: the cap applies to this (raw input per connection)
    bool overflowed_ = false;
};

}  // namespace sl
