// `searchlight scans`: the stored scans with scope, counts and completion. `searchlight diff`:
// what changed between two scans (or since a time), with ndiff's exit codes.
#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/store_commands.h"
#include "core/clock.h"
#include "core/duration.h"
#include "output/table.h"
#include "store/reports.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

std::string list_text(const Json& j) {
    if (!j.is_array()) return cell(j);
    std::string out;
    for (const auto& v : j) out += (out.empty() ? "" : " ") + cell(v);
    return out;
}

std::string count_of(const Json& counts, const char* key) {
    return counts.is_object() && counts.contains(key) ? cell(counts[key]) : "-";
}

}  // namespace

CLI::App* add_scans_command(CLI::App& app, ScansArgs& a) {
    CLI::App* cmd =
        app.add_subcommand("scans", "The stored scans: scope, counts and whether they completed");
    cmd->footer(R"(
Only a completed scan resolves what it no longer sees; an interrupted or failed one (or an
import) only adds what it saw.

Examples:
  searchlight scans
  searchlight scans --format json --limit 5
)");
    cmd->add_option("--limit", a.limit, "Scans to list, newest first (at most 1000)")
        ->capture_default_str();
    add_store_flags(cmd, a.store);
    return cmd;
}

int run_scans(const ScansArgs& a) {
    auto session = open_for_reading(a.store);
    if (auto* rc = std::get_if<int>(&session)) return *rc;
    auto& [format, db] = std::get<ReadSession>(session);
    auto scans = store::list_scans(db.db(), a.limit);
    if (!scans) {
        print_failure(scans.error().message);
        return kExitFailure;
    }
    if (format == ListFormat::kJson) {
        std::printf("%s\n", Json(*scans).dump(2).c_str());
    } else if (format == ListFormat::kNdjson) {
        for (const auto& s : *scans) std::printf("%s\n", s.dump().c_str());
    } else {
        bool csv = format == ListFormat::kCsv;
        std::vector<std::string> head = {"ID",        "STARTED", "ENDED",   "STATUS",
                                         "COMPLETED", "TARGETS", "PORTS",   "SHARD",
                                         "PAIRS",     "OPEN",    "FINDINGS"};
        output::TextTable t(
            head, {false, false, false, false, false, false, false, false, true, true, true});
        if (csv) std::fputs(csv_line(head).c_str(), stdout);
        for (const auto& s : *scans) {
            const Json& scope = s["scope"];
            std::vector<std::string> row = {
                s["id"],
                short_time(s["started_at"]),
                short_time(s["ended_at"]),
                s["status"],
                s["completed"].get<bool>() ? "yes" : "no",
                scope.is_object() && scope.contains("targets") ? list_text(scope["targets"]) : "-",
                scope.is_object() && scope.contains("ports") ? cell(scope["ports"]) : "-",
                scope.is_object() && scope.contains("shard") ? cell(scope["shard"]) : "-",
                count_of(s["counts"], "pairs"),
                count_of(s["counts"], "open"),
                count_of(s["counts"], "findings")};
            if (csv)
                std::fputs(csv_line(row).c_str(), stdout);
            else
                t.add(row);
        }
        if (!csv) t.print(stdout);
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

CLI::App* add_diff_command(CLI::App& app, DiffArgs& a) {
    CLI::App* cmd = app.add_subcommand("diff", "What changed between two scans, or since a time");
    cmd->footer(R"(
Compares the stored state at the end of SCAN_A with the state at the end of SCAN_B (or
--since SPAN ago with now): services new, gone and changed (the state fields, before and
after), findings opened and resolved.

Examples:
  searchlight diff 0192f0c1-... 0192f3aa-...
  searchlight diff --since 24h --format json        # in cron: mail the output when exit is 1

Exit codes (ndiff's): 0 the same, 1 different, 2 error.
)");
    cmd->add_option("scans", a.scans, "SCAN_A SCAN_B (ids from searchlight scans)")->expected(0, 2);
    cmd->add_option("--since", a.since, "Compare the state this long ago with now (24h, 7d)");
    add_store_flags(cmd, a.store, "table|json");
    return cmd;
}

namespace {

// --since takes up to 9,999,999 units ("9999999m").
constexpr int64_t kMaxSinceCount = 9'999'999;

Result<std::pair<int64_t, int64_t>> diff_window(store::Connection& db, const DiffArgs& a) {
    int64_t now = unix_ms();
    if (!a.since.empty()) {
        if (!a.scans.empty()) return make_error("give either SCAN_A SCAN_B or --since, not both");
        auto d = parse_span_ms(a.since, kMaxSinceCount);
        if (!d)
            return make_error(
                fmt::format("bad --since '{}': expected a span such as 30m, 24h or 7d", a.since));
        return std::pair{now - *d, now};
    }
    if (a.scans.size() != 2) return make_error("diff needs SCAN_A SCAN_B, or --since SPAN");
    std::pair<int64_t, int64_t> t;
    for (int i = 0; i < 2; ++i) {
        auto s = store::scan_by_id(db, a.scans[static_cast<size_t>(i)]);
        if (!s) return s.error();
        auto end =
            parse_rfc3339(cell((*s)["ended_at"].is_null() ? (*s)["started_at"] : (*s)["ended_at"]));
        (i ? t.second : t.first) = end ? *end * 1000 + 999 : now;
    }
    return t;
}

void print_services(const char* title, const std::vector<Json>& list) {
    if (list.empty()) return;
    std::printf("\n%s (%zu)\n", title, list.size());
    output::TextTable t({"IP", "PORT", "PROTOCOL", "PRODUCT", "VERSION", "ACCESS", "CHANGES"},
                        {false, true});
    for (const auto& s : list) {
        std::string changes;
        if (s.contains("changes"))
            for (const auto& [k, v] : s["changes"].items())
                changes +=
                    (changes.empty() ? "" : "; ") + k + ": " + cell(v[0]) + " -> " + cell(v[1]);
        t.add({s["ip"], std::to_string(s["port"].get<int64_t>()), s["protocol"], cell(s["product"]),
               cell(s["version"]), s["access"], changes});
    }
    t.print(stdout);
}

void print_findings(const char* title, const std::vector<Json>& list) {
    if (list.empty()) return;
    std::printf("\n%s (%zu)\n", title, list.size());
    output::TextTable t({"SEVERITY", "IP", "PORT", "RULE", "TITLE"}, {false, false, true});
    for (const auto& f : list)
        t.add({f["severity"], f["ip"], std::to_string(f["port"].get<int64_t>()), f["rule"],
               f["title"]});
    t.print(stdout);
}

}  // namespace

int run_diff(const DiffArgs& a) {
    auto session = open_for_reading(a.store);
    if (auto* rc = std::get_if<int>(&session)) return *rc;
    auto& [format, db] = std::get<ReadSession>(session);
    auto window = diff_window(db.db(), a);
    if (!window) {
        print_failure(window.error().message);
        return kExitUsage;
    }
    auto d = store::diff_states(db.db(), window->first, window->second);
    if (!d) {
        print_failure(d.error().message);
        return kExitUsage;
    }
    const std::pair<const char*, const std::vector<Json>*> changes[] = {
        {"new_service", &d->new_services.listed},
        {"gone_service", &d->gone_services.listed},
        {"changed_service", &d->changed_services.listed},
        {"new_finding", &d->new_findings.listed},
        {"resolved_finding", &d->resolved_findings.listed}};
    if (format == ListFormat::kNdjson || format == ListFormat::kCsv) {  // one line per change
        if (format == ListFormat::kCsv)
            std::fputs(csv_line({"change", "ip", "port", "protocol", "product", "version", "access",
                                 "rule", "severity", "changes"})
                           .c_str(),
                       stdout);
        for (const auto& [kind, list] : changes)
            for (const auto& x : *list) {
                if (format == ListFormat::kNdjson) {
                    Json line = {{"type", "diff"}, {"change", kind}};
                    line.update(x);
                    std::printf("%s\n", line.dump().c_str());
                    continue;
                }
                auto get = [&](const char* k) {
                    return x.contains(k) ? cell(x[k]) : std::string();
                };
                std::fputs(csv_line({kind, get("ip"), get("port"), get("protocol"), get("product"),
                                     get("version"), get("access"), get("rule"), get("severity"),
                                     get("changes")})
                               .c_str(),
                           stdout);
            }
    } else if (format == ListFormat::kJson) {
        Json body = {{"from", rfc3339_ms(window->first)}, {"to", rfc3339_ms(window->second)}};
        for (const auto& [name, kind] : d->kinds()) body[name] = kind->listed;
        std::printf("%s\n", body.dump(2).c_str());
    } else {
        std::printf("diff %s .. %s: %s\n", rfc3339_ms(window->first).c_str(),
                    rfc3339_ms(window->second).c_str(), d->empty() ? "no changes" : "changed");
        print_services("NEW SERVICES", d->new_services.listed);
        print_services("GONE SERVICES", d->gone_services.listed);
        print_services("CHANGED SERVICES", d->changed_services.listed);
        print_findings("NEW FINDINGS", d->new_findings.listed);
        print_findings("RESOLVED FINDINGS", d->resolved_findings.listed);
    }
    if (std::fflush(stdout) != 0) return kExitUsage;
    return d->empty() ? 0 : 1;
}

}  // namespace sl::app
