// `searchlight rules test`: every rule's own examples (docs/rules.md). A failure names the
// rule, the example (match or no_match, index, line) and the field that decided it.
#pragma once

#include <string>
#include <vector>

#include "rules/rule.h"

namespace sl::rules {

struct ExampleFailure {
    std::string rule;
    std::string kind;  // "match" or "no_match"
    size_t index = 0;
    int line = 0;
    std::string field;  // the predicate's field that decided the wrong answer
    std::string file;
};

std::vector<ExampleFailure> run_examples(const RuleSet& set, const EvalContext& ctx);
std::string describe(const ExampleFailure& f);

}  // namespace sl::rules
