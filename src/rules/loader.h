// Loads rules/*.yaml (docs/rules.md) into an immutable RuleSet. Every error names the file,
// line and column: "rules/db.yaml:12:7: unknown operator 'gt_eq'". Field names are checked
// against the grabbers' field registry, so a typo is a load error, not a silent no-match.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "rules/rule.h"

namespace sl::rules {

// The rules directory shipped with Searchlight (the source tree's rules/ at build time).
std::filesystem::path builtin_rules_dir();

// Loads every *.yaml in each directory, in order; a later rule with the same id replaces an
// earlier one (a team's --rules DIR overrides a built-in rule).
Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::filesystem::path>& dirs);
// One YAML text as if it were the file `name` (tests, fuzzing).
Result<std::shared_ptr<const RuleSet>> load_rules_text(const std::string& text,
                                                       const std::string& name = "<text>");

}  // namespace sl::rules
