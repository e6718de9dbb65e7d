#include "app/rules_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/exit_codes.h"
#include "core/text.h"
#include "rules/examples.h"
#include "rules/loader.h"

namespace sl::app {

namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "searchlight: error: %s\n", escape_for_terminal(message).c_str());
    return kExitUsage;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

void print_rule(const sl::rules::Rule& r) {
    std::printf("id:          %s\ntitle:       %s\ncategory:    %s\nseverity:    %s\n",
                r.id.c_str(), r.title.c_str(), r.category.c_str(),
                sl::rules::to_string(r.severity));
    std::printf("when:        %s\n", sl::rules::to_text(r.when).c_str());
    for (size_t i = 0; i < r.raise.size(); ++i)
        std::printf("%s%s when %s\n", i ? "             " : "raised to:   ",
                    sl::rules::to_string(r.raise[i].severity),
                    sl::rules::to_text(r.raise[i].when).c_str());
    std::printf(
        "evidence:    %s\nremediation: %s\nreferences:  %s\nexamples:    %zu match, %zu "
        "no_match\nfile:        %s:%d\n",
        join(r.evidence).c_str(), r.remediation.c_str(), join(r.references).c_str(), r.match.size(),
        r.no_match.size(), r.file.c_str(), r.line);
}

// The rules of `set` loaded from files in `dir`.
std::shared_ptr<const sl::rules::RuleSet> rules_from(const sl::rules::RuleSet& set,
                                                     const std::filesystem::path& dir) {
    auto out = std::make_shared<sl::rules::RuleSet>();
    std::error_code ec;
    auto root = std::filesystem::weakly_canonical(dir, ec);
    for (const auto& r : set.rules)
        if (std::filesystem::weakly_canonical(r.file, ec).parent_path() == root)
            out->rules.push_back(r);
    out->build_index();
    return out;
}

}  // namespace

CLI::App* add_rules_command(CLI::App& app, RulesArgs& args) {
    CLI::App* rules = app.add_subcommand(
        "rules", "List, show and test the detection rules (rules/*.yaml, docs/rules.md)");
    rules->require_subcommand(1);
    rules
        ->add_option("--rules", args.dirs, "A directory of rules added on top of the built-in ones")
        ->type_name("DIR");
    rules->add_subcommand("list", "One line per rule: id, severity, category, title");
    auto* show = rules->add_subcommand("show", "Everything about one rule");
    show->add_option("id", args.id, "The rule id")->required();
    auto* test = rules->add_subcommand(
        "test", "Run every rule's examples; exit 1 when one fails (names rule, example, field)");
    test->add_option("dir", args.test_dir, "Test only the rules of this directory")
        ->type_name("DIR");
    return rules;
}

int run_rules(CLI::App& rules, const RulesArgs& args) {
    // `rules test DIR` loads the built-in rules too (a team's rule may name a built-in
    // profile such as data-size), then tests only the rules that DIR defines.
    std::vector<std::filesystem::path> dirs = {sl::rules::builtin_rules_dir()};
    for (const auto& d : args.dirs) dirs.push_back(d);
    bool only_dir = rules.got_subcommand("test") && !args.test_dir.empty();
    if (only_dir) dirs.push_back(args.test_dir);
    auto set = sl::rules::load_rules(dirs);
    if (!set) return fail(set.error().message);
    if (only_dir) *set = rules_from(**set, args.test_dir);
    if (rules.got_subcommand("list")) {
        for (const auto& r : (*set)->rules)
            std::printf("%-28s %-9s %-17s %s\n", r.id.c_str(), sl::rules::to_string(r.severity),
                        r.category.c_str(), r.title.c_str());
        return kExitOk;
    }
    if (rules.got_subcommand("show")) {
        for (const auto& r : (*set)->rules) {
            if (r.id != args.id) continue;
            print_rule(r);
            return kExitOk;
        }
        return fail("no rule '" + args.id + "' (see searchlight rules list)");
    }
    auto failures = sl::rules::run_examples(**set, sl::rules::context_now());
    for (const auto& f : failures) std::printf("FAIL %s\n", sl::rules::describe(f).c_str());
    size_t examples = 0;
    for (const auto& r : (*set)->rules) examples += r.match.size() + r.no_match.size();
    std::printf("%zu rules, %zu examples, %zu failed\n", (*set)->rules.size(), examples,
                failures.size());
    return failures.empty() ? kExitOk : kExitFailure;
}

}  // namespace sl::app
