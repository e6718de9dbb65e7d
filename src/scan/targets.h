// Builds the scan scope from what the user gave: target arguments and -iL files, minus
// --exclude, --exclude-file and the built-in blocklist. Every token is parsed before any name
// is resolved, so bad input stops the run before anything is sent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "scan/scope.h"

namespace sl::scan {

struct TargetInputs {
    std::vector<std::string> targets;        // positional arguments
    std::vector<std::string> target_files;   // -iL
    std::vector<std::string> excludes;       // --exclude (comma-separated lists allowed)
    std::vector<std::string> exclude_files;  // --exclude-file
};

using Resolver = std::function<Result<std::vector<IpAddr>>(const std::string&)>;

struct Scope {
    AddressSet hosts;                   // what will be scanned
    U128 requested = 0;                 // addresses named by the targets
    U128 excluded = 0;                  // removed by excludes
    U128 blocklisted = 0;               // removed by the built-in blocklist
    std::vector<std::string> warnings;  // one line each (unresolvable names, blocklist hits)
};

// Errors name the bad token and where it was: "argument 3", "--exclude 1", "file:line:col".
Result<Scope> build_scope(const TargetInputs& inputs, const Resolver& resolve);

}  // namespace sl::scan
