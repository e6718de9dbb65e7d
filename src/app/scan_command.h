// `searchlight scan`: flags, wiring of scope -> plan -> engine -> output, and the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sl::app {

struct ScanArgs {
    std::vector<std::string> targets;
    std::vector<std::string> input_lists;
    std::vector<std::string> excludes;
    std::vector<std::string> exclude_files;
    std::string ports = "exposure";
    double rate = 5000;
    uint32_t threads = 0;  // 0: the number of cores
    uint32_t retries = 1;
    uint32_t max_inflight = 0;  // 0: min(RLIMIT_NOFILE - 64, 8192)
    std::string connect_timeout = "5s";
    std::string seed;  // empty: random
    std::string shard = "0/1";
    std::string states = "open";
    std::string output;
    std::string format;  // empty: table on a TTY, else ndjson
    bool no_grab = false;
    std::vector<std::string> rule_dirs;  // --rules DIR: on top of the built-in rules
    bool no_rules = false;
    std::string min_severity = "info";  // findings below it are not written
    std::string fail_on;                // empty: findings never change the exit code
    std::string idle_timeout = "10s";
    std::string session_deadline = "30s";
    std::string greeting_wait = "1s";
    bool no_shared_get = false;  // every HTTP product asks on its own connection
    uint32_t max_input = 64 * 1024;
    std::string record_transcripts;  // a directory
    std::string transcript_note;
    bool dry_run = false;
    bool dry_run_list = false;
    bool quiet = false;
    std::string db;       // --db PATH; empty: $SEARCHLIGHT_DB, then the XDG default
    bool no_db = false;   // --no-db: do not store the scan
    std::string scan_id;  // --scan-id (hidden): the monitor names the scans it runs
};

CLI::App* add_scan_command(CLI::App& app, ScanArgs& args);
int run_scan(const ScanArgs& args);

}  // namespace sl::app
