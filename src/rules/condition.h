// Rule conditions (docs/rules.md): all / any / not over field predicates. A condition is built
// once by the loader and then only read, so a rule set can be shared by every worker thread.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/record.h"

namespace re2 {
class RE2;
}

namespace sl::rules {

enum class Op { kEq, kNe, kIn, kExists, kGt, kGte, kLt, kLte, kRegex, kCidr };

struct Predicate {
    std::string field;  // dotted, as in docs/records.md
    Op op = Op::kEq;
    nlohmann::json value;                   // eq/ne/gt...: a scalar; in: an array; exists: a bool
    std::shared_ptr<const re2::RE2> regex;  // kRegex
    std::vector<IpInterval> cidrs;          // kCidr
};

struct Condition {
    enum class Kind { kAll, kAny, kNot, kPredicate } kind = Kind::kAll;
    std::vector<Condition> children;  // all / any: the list; not: exactly one
    Predicate predicate;
};

// Compares versions such as "9.2p1", "7.0.15" or "2.4.57": numeric runs compare as numbers,
// other runs as text. Negative, zero or positive like strcmp.
int compare_versions(std::string_view a, std::string_view b);

bool evaluate(const Condition& c, const Record& r);

// The record's fields a predicate reads (ip, port, protocol, ... included).
const Record::Json* field_value(const Record& r, std::string_view field);

}  // namespace sl::rules
