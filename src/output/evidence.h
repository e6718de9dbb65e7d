// One human line of evidence for a service record, for the table a newcomer reads.
#pragma once

#include <cstdint>
#include <string>

#include "core/record.h"

namespace sl::output {

// "Redis 7.0.15, 1,204 keys, 1.2 MB" and the like; never longer than max_len. now_ms: the
// time of the record, to say whether its certificate had expired.
std::string evidence_summary(const Record& record, int64_t now_ms, size_t max_len = 110);
// 1536 -> "1.5 KB".
std::string human_bytes(double bytes);

}  // namespace sl::output
