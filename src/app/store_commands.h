// The store's subcommands besides search: host, findings (and its ack/accept/reopen),
// scans, diff, export and import. One file each; flags here, semantics in src/store.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app/store_cli.h"

namespace sl::app {

struct HostArgs {
    StoreFlags store;
    std::string ip;
};
CLI::App* add_host_command(CLI::App& app, HostArgs& a);
int run_host(const HostArgs& a);

struct FindingsArgs {
    StoreFlags store;
    std::string query;
    std::string facets;
    size_t limit = 100;
    size_t offset = 0;
    std::string sort = "severity";
    // ack / accept / reopen
    std::vector<std::string> ids;
    std::string reason, until, by;
};
CLI::App* add_findings_command(CLI::App& app, FindingsArgs& a);
int run_findings(CLI::App& cmd, const FindingsArgs& a);

struct ScansArgs {
    StoreFlags store;
    size_t limit = 50;
};
CLI::App* add_scans_command(CLI::App& app, ScansArgs& a);
int run_scans(const ScansArgs& a);

struct DiffArgs {
    StoreFlags store;
    std::vector<std::string> scans;
    std::string since;
};
CLI::App* add_diff_command(CLI::App& app, DiffArgs& a);
int run_diff(const DiffArgs& a);

struct ExportArgs {
    std::string db;
    std::string format = "ndjson";
    std::string query;
    std::string output;
};
CLI::App* add_export_command(CLI::App& app, ExportArgs& a);
int run_export(const ExportArgs& a);

struct ImportArgs {
    std::string db;
    std::vector<std::string> files;
};
CLI::App* add_import_command(CLI::App& app, ImportArgs& a);
int run_import(const ImportArgs& a);

}  // namespace sl::app
