// `searchlight import FILE...`: Searchlight NDJSON into the store (store/importer.h): scans
// from several machines or shards merge, old -o files become history; importing twice changes
// nothing. Files are read oldest first (by their first record's time).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/exit_codes.h"
#include "app/store_commands.h"
#include "core/clock.h"
#include "store/importer.h"

namespace sl::app {

namespace {

// The time of a file's first record, to import the oldest first (0 when unknown or stdin).
int64_t first_time(const std::string& path) {
    if (path == "-") return 0;
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line) || line.size() > store::kMaxImportLine) return 0;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("time") || !j["time"].is_string()) return 0;
    auto t = parse_rfc3339(j["time"].get<std::string>());
    return t ? *t : 0;
}

}  // namespace

CLI::App* add_import_command(CLI::App& app, ImportArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "import", "Import Searchlight NDJSON (scan -o files, export) into the store");
    cmd->footer(R"(
Each scan_id in the files becomes one stored scan; a scan already stored is skipped, so
importing twice changes nothing. An imported scan resolves only what its file proves (a
closed or filtered port record of a known service, in a scan that was not interrupted).

Examples:
  searchlight import shard-0.ndjson shard-1.ndjson shard-2.ndjson
  searchlight scan 10.0.0.0/24 --no-db -o today.ndjson && searchlight import today.ndjson
  ssh scanner-2 searchlight export --format ndjson | searchlight import -

Exit codes: 0 imported, 1 runtime failure (disk full), 2 a bad line (file:line: what; the
lines before it are kept) or a bad database.
)");
    cmd->add_option("files", a.files, "NDJSON files (- is stdin)")->required();
    cmd->add_option("--db", a.db, "The database (created when missing)")->type_name("PATH");
    return cmd;
}

int run_import(const ImportArgs& a) {
    auto db = open_store(a.db, store::OpenMode::kReadWrite, /*create=*/true);
    if (!db) return open_failure(db.error());
    std::vector<std::pair<int64_t, std::string>> files;
    for (const auto& f : a.files) files.emplace_back(first_time(f), f);
    std::stable_sort(files.begin(), files.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::unique_ptr<std::ifstream>> opened;
    std::vector<store::ImportSource> sources;
    for (const auto& [t, path] : files) {
        if (path == "-") {
            sources.push_back({&std::cin, "stdin"});
            continue;
        }
        opened.push_back(std::make_unique<std::ifstream>(path, std::ios::binary));
        if (!*opened.back()) {
            print_failure(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
            return kExitUsage;
        }
        std::error_code ec;
        auto bytes = std::filesystem::file_size(path, ec);
        sources.push_back({opened.back().get(), path, ec ? 0 : static_cast<uint64_t>(bytes)});
    }
    auto imported = store::import_ndjson(*db, sources);
    if (!imported) {
        print_failure(imported.error().message);
        bool disk = imported.error().message.find("database") != std::string::npos;
        return disk ? kExitFailure : kExitUsage;
    }
    const store::ImportStats& total = *imported;
    std::fprintf(stderr,
                 "searchlight: imported %llu scans (%llu already stored, skipped): %llu service "
                 "records, %llu "
                 "findings%s into %s\n",
                 static_cast<unsigned long long>(total.scans),
                 static_cast<unsigned long long>(total.scans_skipped),
                 static_cast<unsigned long long>(total.services),
                 static_cast<unsigned long long>(total.findings),
                 total.orphan_findings
                     ? fmt::format(" ({} findings without their service record skipped)",
                                   total.orphan_findings)
                           .c_str()
                     : "",
                 db->path().c_str());
    return kExitOk;
}

}  // namespace sl::app
