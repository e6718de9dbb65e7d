// Command-line helpers shared by the subcommands.
#pragma once

#include <string>
#include <vector>

namespace sl::app {

// Rewrites nmap-style spellings that CLI11 cannot take into long options:
// -iL FILE -> --input-list FILE; --dry-run=list -> --dry-run-list; --dry-run=count -> --dry-run.
std::vector<std::string> normalize_args(int argc, char** argv);
// Joins a possibly multi-line message into one line.
std::string one_line(std::string text);

}  // namespace sl::app
