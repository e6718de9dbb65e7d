// One human line of evidence for a service record, for the table a newcomer reads.
#pragma once

#include <string>

#include "core/record.h"

namespace sl::output {

// "Redis 7.0.15, 1,204 keys, 1.2 MB" and the like; never longer than max_len.
std::string evidence_summary(const Record& record, size_t max_len = 110);
// 1536 -> "1.5 KB".
std::string human_bytes(double bytes);

}  // namespace sl::output
