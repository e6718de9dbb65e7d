#include "output/sarif.h"

#include <fmt/format.h>

#include <map>

namespace sl::output {

namespace {

using Json = nlohmann::ordered_json;

// SARIF levels, and GitHub's security-severity scores, for our severities.
const char* level_of(const std::string& severity) {
    if (severity == "critical" || severity == "high") return "error";
    if (severity == "medium") return "warning";
    return "note";
}

const char* score_of(const std::string& severity) {
    if (severity == "critical") return "9.5";
    if (severity == "high") return "8.0";
    if (severity == "medium") return "5.5";
    if (severity == "low") return "3.0";
    return "0.0";
}

std::string asset_uri(const Json& f) {
    std::string ip = f.value("ip", "");
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return fmt::format("{}://{}:{}", f.value("transport", "tcp"), ip, f.value("port", int64_t{0}));
}

}  // namespace

Json sarif_log(const std::vector<Json>& findings) {
    std::map<std::string, size_t> rule_index;
    Json rules = Json::array(), results = Json::array();
    for (const auto& f : findings) {
        std::string rule = f.value("rule", ""), severity = f.value("severity", "info");
        auto [it, added] = rule_index.emplace(rule, rules.size());
        if (added)
            rules.push_back({{"id", rule},
                             {"shortDescription", {{"text", f.value("title", rule)}}},
                             {"help", {{"text", f.value("remediation", "")}}},
                             {"defaultConfiguration", {{"level", level_of(severity)}}},
                             {"properties",
                              {{"category", f.value("category", "info")},
                               {"security-severity", score_of(severity)},
                               {"tags", Json::array({"security", f.value("category", "info")})}}}});
        results.push_back(
            {{"ruleId", rule},
             {"ruleIndex", it->second},
             {"level", level_of(severity)},
             {"message", {{"text", fmt::format("{} on {}", f.value("title", rule), asset_uri(f))}}},
             {"locations", Json::array({{{"physicalLocation",
                                          {{"artifactLocation", {{"uri", asset_uri(f)}}}}}}})},
             {"partialFingerprints", {{"searchlightFinding/v1", f.value("fingerprint", "")}}},
             {"properties",
              {{"severity", severity},
               {"status", f.value("status", "open")},
               {"first_seen", f.value("first_seen", Json())},
               {"last_seen", f.value("last_seen", Json())},
               {"evidence", f.value("evidence", Json::object())},
               {"honeypot_suspected", f.value("honeypot_suspected", false)}}}});
    }
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs", Json::array({{{"tool",
                                    {{"driver",
                                      {{"name", "Searchlight"},
                                       {"version", "0.1.0"},
                                       {"informationUri", "https://searchlight.invalid/docs"},
                                       {"rules", rules}}}}},
                                   {"results", results}}})}};
}

}  // namespace sl::output
