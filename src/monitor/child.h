// Runs a child process (the monitor's scans and re-probes are `searchlight scan` in a process of
// their own, so a grabber that crashes cannot take the monitor down) with its output captured up
// to a bound, while watching the monitor's signal descriptor: SIGTERM or SIGINT is passed on to
// the child, which stores what it has and marks its scan incomplete; SIGHUP is noted for the
// caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace sl::monitor {

struct ChildResult {
    int exit_code = -1;       // -1: killed by a signal
    std::string out;          // stdout, at most max_out bytes
    std::string err;          // the last 4 KiB of stderr
    bool terminated = false;  // SIGTERM or SIGINT arrived and was passed on
    bool reload = false;      // SIGHUP arrived
    bool timed_out = false;   // ran past its deadline and was stopped
};

// signal_fd: a signalfd for SIGTERM, SIGINT and SIGHUP, or -1. The child starts with no
// signal blocked.
Result<ChildResult> run_child(const std::vector<std::string>& argv, size_t max_out, int signal_fd,
                              int64_t timeout_ms);

}  // namespace sl::monitor
