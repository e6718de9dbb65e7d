// `searchlight monitor run`: the scheduler and the delivery worker (docs/monitor.md). The main
// thread runs each scope's cycles on its schedule, one at a time (so two cycles of a scope never
// overlap): a scan in a child process into the store, the diff, a re-probe of every new
// exposure, then the events and their messages in one transaction. A second thread delivers the
// outbox. SIGHUP reloads the configuration (a bad one is refused, the old one keeps running);
// SIGTERM or SIGINT stops the scan in flight (it stores what it has and is marked incomplete)
// and exits 0.
#pragma once

#include <string>

namespace sl::monitor {

struct RunOptions {
    std::string config_path;
    std::string db_path;   // resolved by the caller
    std::string self_exe;  // the searchlight binary the cycles run
    bool once = false;     // one cycle of every scope, one delivery pass, then exit
};

// The exit code: 0 done or stopped by a signal, 1 runtime failure, 2 bad configuration.
int run_monitor(const RunOptions& options);

}  // namespace sl::monitor
