#include "rules/examples.h"

#include <fmt/format.h>

namespace sl::rules {

namespace {

// The field of the predicate that made `c` come out as it did on `r`.
std::string deciding_field(const Condition& c, const Record& r, const EvalContext& ctx) {
    bool result = evaluate(c, r, ctx);
    switch (c.kind) {
        case Condition::Kind::kPredicate:
            return c.predicate.field;
        case Condition::Kind::kNot:
            return deciding_field(c.children.at(0), r, ctx);
        case Condition::Kind::kAll:
        case Condition::Kind::kAny:
            // all: false because of its first false child; true because of all (name the first).
            // any: true because of its first true child; false because of all (name the first).
            for (const auto& child : c.children)
                if (evaluate(child, r, ctx) == result) return deciding_field(child, r, ctx);
            return c.children.empty() ? std::string() : deciding_field(c.children.front(), r, ctx);
    }
    return {};
}

}  // namespace

std::vector<ExampleFailure> run_examples(const RuleSet& set, const EvalContext& ctx) {
    std::vector<ExampleFailure> out;
    for (const auto& rule : set.rules) {
        for (int kind = 0; kind < 2; ++kind) {
            const auto& list = kind == 0 ? rule.match : rule.no_match;
            for (size_t i = 0; i < list.size(); ++i) {
                if (evaluate(rule.when, list[i].record, ctx) == (kind == 0)) continue;
                out.push_back({rule.id, kind == 0 ? "match" : "no_match", i, list[i].line,
                               deciding_field(rule.when, list[i].record, ctx), rule.file});
            }
        }
    }
    return out;
}

std::string describe(const ExampleFailure& f) {
    return fmt::format("{}:{}: rule {}: examples.{}[{}] {} (decided by field '{}')", f.file, f.line,
                       f.rule, f.kind, f.index, f.kind == "match" ? "does not match" : "matches",
                       f.field);
}

}  // namespace sl::rules
