// `searchlight export`: the current state (or any query) as NDJSON records that `import`
// reads back, CSV, nmap XML (valid against nmap's DTD) or SARIF 2.1.0 (findings).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "app/exit_codes.h"
#include "app/store_commands.h"
#include "core/clock.h"
#include "output/nmap_xml.h"
#include "output/sarif.h"
#include "store/search.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

// Every matching row, page by page (no page is larger than the store allows), each page
// starting after the last row of the one before.
template <class F>
Status each_page(store::Connection& db, const store::query::Compiled& q, bool findings, F&& f) {
    store::SearchOptions o;
    o.limit = store::kMaxPageSize;
    o.sort = findings ? store::Sort::kSeverity : store::Sort::kAddress;
    o.now_ms = unix_ms();
    while (true) {
        auto r = findings ? store::search_findings(db, q, o) : store::search_services(db, q, o);
        if (!r) return r.error();
        store::attach_records(*r);
        for (auto& row : r->rows) f(row);
        if (!r->next) return Ok{};
        o.after = std::move(r->next);  // keyset: a scan writing meanwhile shifts nothing
    }
}

// A service row back in the NDJSON contract form, then its open findings, under one export id.
void write_ndjson(std::FILE* out, const Json& row, const std::string& export_id) {
    Json rec = {{"type", "service"}, {"scan_id", export_id}, {"time", row["last_seen"]}};
    for (const auto& [k, v] : row["record"].items())
        if (k != "type" && k != "scan_id" && k != "time") rec[k] = v;
    std::fprintf(out, "%s\n", rec.dump().c_str());
    for (const auto& f : row["findings"]) {
        Json finding = {
            {"type", "finding"},   {"scan_id", export_id},      {"time", row["last_seen"]},
            {"ip", row["ip"]},     {"port", row["port"]},       {"transport", row["transport"]},
            {"rule", f["rule"]},   {"category", f["category"]}, {"severity", f["severity"]},
            {"title", f["title"]}, {"evidence", f["evidence"]}, {"remediation", f["remediation"]}};
        std::fprintf(out, "%s\n", finding.dump().c_str());
    }
}

}  // namespace

CLI::App* add_export_command(CLI::App& app, ExportArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "export", "Export stored services and findings: ndjson, csv, nmap-xml, sarif");
    cmd->footer(R"(
ndjson: service records (DESIGN.md's contract) with their open findings, under one export
        scan id; `searchlight import` reads them back into another database.
csv:    one row per service.
nmap-xml: nmap's -oX format (validates against /usr/share/nmap/nmap.dtd; ndiff, Metasploit's
        db_import, IVRE and DefectDojo read it); findings as a searchlight-findings script.
sarif:  SARIF 2.1.0 with the open findings as results, rules as rule metadata.

Examples:
  searchlight export --format nmap-xml 'net:10.20.0.0/16' -o corp.xml
  searchlight export --format sarif severity:>=high > findings.sarif
  searchlight export --format ndjson | ssh other searchlight import -
)");
    cmd->add_option("query", a.query, "Only what matches (the query language of search)");
    cmd->add_option("--format", a.format, "ndjson|csv|nmap-xml|sarif")->capture_default_str();
    cmd->add_option("-o,--output", a.output, "Write to FILE (mode 0600) instead of stdout")
        ->type_name("FILE");
    cmd->add_option("--db", a.db, "The database")->type_name("PATH");
    return cmd;
}

int run_export(const ExportArgs& a) {
    static const std::vector<std::string> kFormats = {"ndjson", "csv", "nmap-xml", "sarif"};
    if (std::find(kFormats.begin(), kFormats.end(), a.format) == kFormats.end()) {
        print_failure(
            fmt::format("unknown --format '{}': use ndjson, csv, nmap-xml or sarif", a.format));
        return kExitUsage;
    }
    bool findings = a.format == "sarif";
    int64_t now = unix_ms();
    auto target = findings ? store::query::Target::kFindings : store::query::Target::kServices;
    auto compiled = store::query::compile(a.query, {target, now, false});
    if (!compiled.ok) return print_query_error(a.query, compiled.error);
    auto db = open_store(a.db, store::OpenMode::kReadOnly);
    if (!db) return open_failure(db.error());
    std::FILE* out = stdout;
    if (!a.output.empty() && a.output != "-") {
        int fd = ::open(a.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || !(out = ::fdopen(fd, "w"))) {
            print_failure(fmt::format("cannot write '{}': {}", a.output, std::strerror(errno)));
            return kExitUsage;
        }
    }
    Status s = Ok{};
    if (a.format == "sarif") {
        std::vector<Json> rows;
        s = each_page(db->db(), compiled.sql, true, [&](Json& r) { rows.push_back(std::move(r)); });
        if (s) std::fprintf(out, "%s\n", output::sarif_log(rows).dump(2).c_str());
    } else if (a.format == "nmap-xml") {
        output::NmapXmlWriter xml(out, "searchlight export " + a.query, now);
        std::vector<Json> host;
        s = each_page(db->db(), compiled.sql, false, [&](Json& r) {
            if (!host.empty() && host[0]["ip"] != r["ip"]) {
                xml.host(host);
                host.clear();
            }
            host.push_back(std::move(r));
        });
        xml.host(host);
        xml.finish();
    } else if (a.format == "csv") {
        std::fputs(csv_line({"ip", "port", "transport", "protocol", "tls", "product", "version",
                             "access", "first_seen", "last_seen"})
                       .c_str(),
                   out);
        s = each_page(db->db(), compiled.sql, false, [&](Json& r) {
            std::fputs(csv_line({r["ip"], std::to_string(r["port"].get<int64_t>()), r["transport"],
                                 r["protocol"], r["tls"].get<bool>() ? "true" : "false",
                                 cell(r["product"]), cell(r["version"]), r["access"],
                                 cell(r["first_seen"]), cell(r["last_seen"])})
                           .c_str(),
                       out);
        });
    } else {
        std::string id = new_scan_id();
        s = each_page(db->db(), compiled.sql, false, [&](Json& r) { write_ndjson(out, r, id); });
    }
    bool flushed = std::fflush(out) == 0 && !std::ferror(out);
    if (out != stdout) std::fclose(out);
    if (!s) {
        print_failure(s.error().message);
        return kExitFailure;
    }
    return flushed ? kExitOk : kExitFailure;
}

}  // namespace sl::app
