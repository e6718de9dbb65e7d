#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace sl::app {

struct RulesArgs {
    std::vector<std::string> dirs;  // --rules DIR (repeatable), on top of the built-in rules
    std::string id;                 // show ID
    std::string test_dir;           // test [DIR]
};

// searchlight rules list | show ID | test [DIR]
CLI::App* add_rules_command(CLI::App& app, RulesArgs& args);
int run_rules(CLI::App& rules, const RulesArgs& args);

}  // namespace sl::app
