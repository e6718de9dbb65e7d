#include "rules/condition.h"

#include <re2/re2.h>

#include <cctype>
#include <iterator>

#include "core/clock.h"

namespace sl::rules {

namespace {

using Json = Record::Json;

bool same(const Json& field, const Json& value) {
    if (field.is_number() && value.is_number()) return field.get<double>() == value.get<double>();
    return field == value;
}

// gt/gte/lt/lte: numbers compare as numbers; a string field against a string value compares
// as versions. Anything else does not match.
std::optional<int> order(const Json& field, const Json& value) {
    if (field.is_number() && value.is_number()) {
        double a = field.get<double>(), b = value.get<double>();
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (field.is_string() && value.is_string())
        return compare_versions(field.get_ref<const std::string&>(),
                                value.get_ref<const std::string&>());
    return std::nullopt;
}

bool regex_match(const Json& field, const re2::RE2& re) {
    if (field.is_string()) return re2::RE2::PartialMatch(field.get_ref<const std::string&>(), re);
    if (field.is_array())
        for (const auto& v : field)
            if (v.is_string() && re2::RE2::PartialMatch(v.get_ref<const std::string&>(), re))
                return true;
    return false;
}

bool in_cidrs(const Json& field, const std::vector<IpInterval>& cidrs) {
    if (!field.is_string()) return false;
    auto ip = parse_ip(field.get_ref<const std::string&>());
    if (!ip) return false;
    for (const auto& c : cidrs)
        if (c.family == ip->family && ip->value >= c.first && ip->value <= c.last) return true;
    return false;
}

bool before_or_after(const Json& field, const Predicate& p, const EvalContext& ctx) {
    if (!field.is_string()) return false;
    auto t = parse_rfc3339(field.get_ref<const std::string&>());
    if (!t) return false;
    int64_t bound = p.moment.at(ctx.now_s);
    return p.op == Op::kBefore ? *t < bound : *t > bound;
}

bool test(const Predicate& p, const Record& r, const EvalContext& ctx) {
    const Json* f = field_value(r, p.field);
    if (p.op == Op::kExists) return (f != nullptr) == p.value.get<bool>();
    if (!f) return p.op == Op::kNe;  // a missing field is "not equal" to anything
    switch (p.op) {
        case Op::kEq:
            return same(*f, p.value);
        case Op::kNe:
            return !same(*f, p.value);
        case Op::kIn:
            for (const auto& v : p.value)
                if (same(*f, v)) return true;
            return false;
        case Op::kGt:
        case Op::kGte:
        case Op::kLt:
        case Op::kLte: {
            auto o = order(*f, p.value);
            if (!o) return false;
            return p.op == Op::kGt    ? *o > 0
                   : p.op == Op::kGte ? *o >= 0
                   : p.op == Op::kLt  ? *o < 0
                                      : *o <= 0;
        }
        case Op::kRegex:
            return regex_match(*f, *p.regex);
        case Op::kCidr:
            return in_cidrs(*f, p.cidrs);
        case Op::kBefore:
        case Op::kAfter:
            return before_or_after(*f, p, ctx);
        case Op::kExists:
            break;
    }
    return false;
}

// The operators' names in rule files, in the order of Op.
constexpr const char* kOpNames[] = {"eq", "ne",  "in",    "exists", "gt",     "gte",
                                    "lt", "lte", "regex", "cidr",   "before", "after"};
static_assert(std::size(kOpNames) == static_cast<size_t>(Op::kAfter) + 1);

std::string moment_text(const Moment& m) {
    if (!m.relative) return rfc3339_ms(m.seconds * 1000).substr(0, 10);
    if (m.seconds == 0) return "now";
    int64_t v = m.seconds < 0 ? -m.seconds : m.seconds;
    std::string unit = v % 86400 == 0  ? std::to_string(v / 86400) + "d"
                       : v % 3600 == 0 ? std::to_string(v / 3600) + "h"
                                       : std::to_string(v) + "s";
    return std::string("now") + (m.seconds < 0 ? "-" : "+") + unit;
}

std::string predicate_text(const Predicate& p) {
    std::string value;
    switch (p.op) {
        case Op::kRegex:
            value = nlohmann::json(p.regex->pattern()).dump();
            break;
        case Op::kCidr:
            for (const auto& c : p.cidrs)
                value += (value.empty() ? "" : ", ") + interval_to_string(c);
            value = "[" + value + "]";
            break;
        case Op::kBefore:
        case Op::kAfter:
            value = moment_text(p.moment);
            break;
        default:
            value = p.value.dump();
    }
    return p.field + " " + op_name(p.op) + " " + value;
}

}  // namespace

const char* op_name(Op op) { return kOpNames[static_cast<size_t>(op)]; }

std::optional<Op> parse_op(std::string_view name) {
    for (size_t i = 0; i < std::size(kOpNames); ++i)
        if (name == kOpNames[i]) return static_cast<Op>(i);
    return std::nullopt;
}

std::string to_text(const Condition& c) {
    switch (c.kind) {
        case Condition::Kind::kPredicate:
            return predicate_text(c.predicate);
        case Condition::Kind::kNot:
            return "not(" + to_text(c.children.at(0)) + ")";
        case Condition::Kind::kAll:
        case Condition::Kind::kAny: {
            std::string out = c.kind == Condition::Kind::kAll ? "all(" : "any(";
            for (size_t i = 0; i < c.children.size(); ++i)
                out += (i ? ", " : "") + to_text(c.children[i]);
            return out + ")";
        }
    }
    return {};
}



const Record::Json* field_value(const Record& r, std::string_view field) { return r.find(field); }

EvalContext context_now() { return {unix_ms() / 1000}; }

bool evaluate(const Condition& c, const Record& r, const EvalContext& ctx) {
    switch (c.kind) {
        case Condition::Kind::kAll:
            for (const auto& child : c.children)
                if (!evaluate(child, r, ctx)) return false;
            return true;
        case Condition::Kind::kAny:
            for (const auto& child : c.children)
                if (evaluate(child, r, ctx)) return true;
            return false;
        case Condition::Kind::kNot:
            return !evaluate(c.children.at(0), r, ctx);
        case Condition::Kind::kPredicate:
            return test(c.predicate, r, ctx);
    }
    return false;
}

}  // namespace sl::rules
