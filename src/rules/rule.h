// A rule (docs/rules.md) and the immutable rule set the scanner shares between threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/record.h"
#include "rules/condition.h"

namespace sl::rules {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
const char* to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

// "Severity rises from evidence": the first step whose condition holds, from the top.
struct Raise {
    Severity severity = Severity::kInfo;
    Condition when;
};

struct Example {
    Record record;
    int line = 0;  // where it is written, for `rules test`
};

struct Rule {
    std::string id;
    std::string category;  // DESIGN.md section 7 vocabulary
    std::string title;
    Severity severity = Severity::kInfo;
    Condition when;
    std::vector<Raise> raise;  // the rule's own steps, then its profile's
    std::vector<std::string> evidence;
    std::string remediation;
    std::vector<std::string> references;  // URLs and CWE ids
    std::vector<Example> match, no_match;
    std::string file;  // where it was loaded from
    int line = 0;
};

struct RuleSet {
    std::vector<Rule> rules;  // in id order
    // An index, built once: most rules begin with `protocol: {eq: X}`, so a record is only
    // tested against its protocol's rules and the protocol-agnostic ones (indices, in order).
    std::map<std::string, std::vector<size_t>, std::less<>> by_protocol;
    std::vector<size_t> any_protocol;
    void build_index();
};

// The finding of a rule for a record, or nothing (the `type: "finding"` contract).
std::optional<Record> apply(const Rule& rule, const Record& service, const EvalContext& ctx);
// Every finding of a rule set for one service record.
std::vector<Record> findings(const RuleSet& set, const Record& service, const EvalContext& ctx);
// The severity a rule gives a record it matches.
Severity severity_for(const Rule& rule, const Record& service, const EvalContext& ctx);

}  // namespace sl::rules
