// Rule conditions (docs/rules.md): all / any / not over field predicates. A condition is built
// once by the loader and then only read, so a rule set can be shared by every worker thread.
#pragma once

#include "core/version.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/record.h"

namespace re2 {
class RE2;
}

namespace sl::rules {

enum class Op { kEq, kNe, kIn, kExists, kGt, kGte, kLt, kLte, kRegex, kCidr, kBefore, kAfter };

// before/after: an RFC 3339 field against a moment fixed at load time ("2026-01-01") or one
// relative to the evaluation's clock ("now", "now+30d", "now-12h").
struct Moment {
    bool relative = false;
    int64_t seconds = 0;  // since the epoch, or the offset from now
    int64_t at(int64_t now_s) const { return relative ? now_s + seconds : seconds; }
};

// What a condition may depend on besides the record: the clock, passed in so that tests and
// replays can fix it.
struct EvalContext {
    int64_t now_s = 0;  // seconds since the epoch
};
EvalContext context_now();

struct Predicate {
    std::string field;  // dotted, as in docs/records.md
    Op op = Op::kEq;
    nlohmann::json value;                   // eq/ne/gt...: a scalar; in: an array; exists: a bool
    std::shared_ptr<const re2::RE2> regex;  // kRegex
    std::vector<IpInterval> cidrs;          // kCidr
    Moment moment;                          // kBefore, kAfter
};

struct Condition {
    enum class Kind { kAll, kAny, kNot, kPredicate } kind = Kind::kAll;
    std::vector<Condition> children;  // all / any: the list; not: exactly one
    Predicate predicate;
};

using sl::compare_versions;  // core/version.h

bool evaluate(const Condition& c, const Record& r, const EvalContext& ctx);

// An operator's name in rule files ("eq", "before", ...), and back.
const char* op_name(Op op);
std::optional<Op> parse_op(std::string_view name);

// One line for `rules show`: all(protocol eq "redis", access eq "open").
std::string to_text(const Condition& c);

// The record's fields a predicate reads (ip, port, protocol, ... included).
const Record::Json* field_value(const Record& r, std::string_view field);

}  // namespace sl::rules
