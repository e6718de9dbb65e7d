// Stored findings as SARIF 2.1.0 (OASIS): one run, the rules as the driver's rule metadata,
// each finding a result whose location is the asset (tcp://ip:port), with the finding's
// fingerprint as a partial fingerprint so code-scanning tools track it across uploads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace sl::output {

// findings: store::search_findings rows.
nlohmann::ordered_json sarif_log(const std::vector<nlohmann::ordered_json>& findings);

}  // namespace sl::output
