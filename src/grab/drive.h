// Drives a grabber from memory, with no socket, timer or TLS: the golden runner, the fuzz
// harness and unit tests use it. Each connection of the script delivers its server bytes in
// chunks chosen by `chunker`, then closes (or goes silent, for the last one, if the script
// says so).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/byte_queue.h"
#include "core/record.h"
#include "grab/grabber.h"
#include "grab/transcript.h"

namespace sl::grab {

struct DriveResult {
    Verdict verdict;
    Record record;
    std::vector<std::string> sent;  // per connection used
    bool bytes_within_cap = true;   // invariant: the queue never exceeded its cap
    bool consumed_within_input = true;
};

// chunker(remaining) returns the size of the next chunk (1..remaining).
using Chunker = std::function<size_t(size_t remaining)>;

DriveResult drive_grabber(const GrabberSpec& spec, const Transcript& script, const Chunker& chunker,
                          size_t cap = kMaxBannerBytes);

}  // namespace sl::grab
