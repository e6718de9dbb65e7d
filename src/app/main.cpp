// searchlight: one executable with subcommands, in the style of git.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/exit_codes.h"
#include "app/fields_command.h"
#include "app/monitor_command.h"
#include "app/rules_command.h"
#include "app/scan_command.h"
#include "app/search_command.h"
#include "app/serve_command.h"
#include "app/store_commands.h"
#include "core/text.h"

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);
    std::vector<std::string> args = sl::app::normalize_args(argc, argv);

    CLI::App app{
        "Searchlight finds the services on your own address space that answer without "
        "authentication.",
        "searchlight"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "searchlight 0.1.0");
    app.footer(std::string("\n") + sl::app::kExitCodeHelp);
    sl::app::ScanArgs scan_args;
    CLI::App* scan = sl::app::add_scan_command(app, scan_args);
    bool markdown = false;
    CLI::App* fields = app.add_subcommand(
        "fields", "List the fields of service records (rules address them by these names)");
    fields->add_flag("--markdown", markdown, "Print docs/records.md");
    sl::app::RulesArgs rules_args;
    CLI::App* rules = sl::app::add_rules_command(app, rules_args);
    sl::app::SearchArgs search_args;
    CLI::App* search = sl::app::add_search_command(app, search_args);
    sl::app::HostArgs host_args;
    CLI::App* host = sl::app::add_host_command(app, host_args);
    sl::app::FindingsArgs findings_args;
    CLI::App* findings = sl::app::add_findings_command(app, findings_args);
    sl::app::ScansArgs scans_args;
    CLI::App* scans = sl::app::add_scans_command(app, scans_args);
    sl::app::DiffArgs diff_args;
    CLI::App* diff = sl::app::add_diff_command(app, diff_args);
    sl::app::ExportArgs export_args;
    CLI::App* exporter = sl::app::add_export_command(app, export_args);
    sl::app::ImportArgs import_args;
    CLI::App* importer = sl::app::add_import_command(app, import_args);
    sl::app::MonitorArgs monitor_args;
    CLI::App* monitor = sl::app::add_monitor_command(app, monitor_args);
    sl::app::EventsArgs events_args;
    CLI::App* events = sl::app::add_events_command(app, events_args);
    sl::app::ServeArgs serve_args;
    CLI::App* serve = sl::app::add_serve_command(app, serve_args);

    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return sl::app::kExitOk;
    } catch (const CLI::CallForAllHelp&) {
        std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
        return sl::app::kExitOk;
    } catch (const CLI::CallForVersion&) {
        std::fputs("searchlight 0.1.0\n", stdout);
        return sl::app::kExitOk;
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "searchlight: error: %s\n",
                     sl::escape_for_terminal(sl::app::one_line(e.what())).c_str());
        return sl::app::kExitUsage;
    }
    if (scan->parsed()) return sl::app::run_scan(scan_args);
    if (fields->parsed()) return sl::app::run_fields(markdown);
    if (rules->parsed()) return sl::app::run_rules(*rules, rules_args);
    if (search->parsed()) return sl::app::run_search(search_args);
    if (host->parsed()) return sl::app::run_host(host_args);
    if (findings->parsed()) return sl::app::run_findings(*findings, findings_args);
    if (scans->parsed()) return sl::app::run_scans(scans_args);
    if (diff->parsed()) return sl::app::run_diff(diff_args);
    if (exporter->parsed()) return sl::app::run_export(export_args);
    if (importer->parsed()) return sl::app::run_import(import_args);
    if (monitor->parsed()) return sl::app::run_monitor_command(*monitor, monitor_args);
    if (events->parsed()) return sl::app::run_events(events_args);
    if (serve->parsed()) return sl::app::run_serve(serve_args);
    return sl::app::kExitUsage;
}
