// `searchlight findings [QUERY]`: open findings, most severe first, with their exposure
// windows; `findings ack|accept|reopen ID...` changes their workflow status (who and when are
// recorded). An accepted finding whose --until has passed is reopened before anything is read.
#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/search_command.h"
#include "app/store_commands.h"
#include "core/clock.h"
#include "core/text.h"
#include "output/table.h"
#include "store/reports.h"
#include "store/search.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

void print_table(const store::SearchResult& r) {
    std::printf("%lld findings\n", static_cast<long long>(r.total));
    output::TextTable t({"ID", "SEVERITY", "IP", "PORT", "RULE", "STATUS", "FIRST SEEN",
                         "LAST SEEN", "OPEN FOR", "TITLE"},
                        {true, false, false, true});
    for (const auto& f : r.rows)
        t.add({std::to_string(f["id"].get<int64_t>()), f["severity"], f["ip"],
               std::to_string(f["port"].get<int64_t>()), f["rule"], f["status"],
               short_time(f["first_seen"]), short_time(f["last_seen"]),
               human_duration(f["open_for_s"].get<int64_t>() * 1000),
               f["title"].get<std::string>() +
                   (f["honeypot_suspected"].get<bool>() ? " [likely honeypot]" : "")});
    if (t.rows()) t.print(stdout);
    if (static_cast<int64_t>(r.rows.size()) < r.total)
        std::printf("(showing %zu of %lld: --limit and --offset page further)\n", r.rows.size(),
                    static_cast<long long>(r.total));
    print_facets(stdout, r.facets);
}

void print_rows(const store::SearchResult& r, ListFormat format) {
    if (format == ListFormat::kJson) {
        std::printf(
            "%s\n",
            Json({{"total", r.total}, {"findings", r.rows}, {"facets", facets_json(r.facets)}})
                .dump(2)
                .c_str());
    } else if (format == ListFormat::kNdjson) {
        for (const auto& f : r.rows) {
            Json line = {{"type", "finding_state"}};
            line.update(f);
            std::printf("%s\n", line.dump().c_str());
        }
    } else if (format == ListFormat::kCsv) {
        std::fputs(csv_line({"id", "severity", "ip", "port", "rule", "category", "status",
                             "first_seen", "last_seen", "resolved_at", "open_for_s", "title"})
                       .c_str(),
                   stdout);
        for (const auto& f : r.rows)
            std::fputs(csv_line({std::to_string(f["id"].get<int64_t>()), f["severity"], f["ip"],
                                 std::to_string(f["port"].get<int64_t>()), f["rule"], f["category"],
                                 f["status"], cell(f["first_seen"]), cell(f["last_seen"]),
                                 cell(f["resolved_at"]),
                                 std::to_string(f["open_for_s"].get<int64_t>()), f["title"]})
                           .c_str(),
                       stdout);
    } else {
        print_table(r);
    }
}

int list(const FindingsArgs& a) {
    auto format = parse_list_format(a.store.format);
    if (!format) {
        print_failure(format.error().message);
        return kExitUsage;
    }
    auto sort = store::parse_sort(a.sort);
    auto facets = store::parse_facets(a.facets);
    if (!sort || !facets) {
        print_failure(!sort ? sort.error().message : facets.error().message);
        return kExitUsage;
    }
    int64_t now = unix_ms();
    auto compiled = store::query::compile(a.query, {store::query::Target::kFindings, now, false});
    if (!compiled.ok) return print_query_error(a.query, compiled.error);
    auto db = open_store(a.store.db, store::OpenMode::kReadWrite);  // expiries reopen findings
    if (!db) return open_failure(db.error());
    if (auto s = db->expire_acceptances(now); !s) {
        print_failure(s.error().message);
        return kExitFailure;
    }
    auto r = store::search_findings(db->db(), compiled.sql,
                                    {a.limit, a.offset, *sort, *facets, now, std::nullopt});
    if (!r) {
        print_failure(r.error().message);
        return kExitFailure;
    }
    print_rows(*r, *format);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

int change(const std::string& action, const FindingsArgs& a) {
    std::optional<int64_t> until;
    if (!a.until.empty()) {
        auto t = parse_rfc3339(a.until);
        if (!t) {
            print_failure(
                fmt::format("bad --until '{}': expected a date such as 2027-01-31", a.until));
            return kExitUsage;
        }
        until = *t * 1000;
    }
    if (action == "accept" && a.reason.empty()) {
        print_failure("findings accept needs --reason: why the risk is accepted");
        return kExitUsage;
    }
    auto db = open_store(a.store.db, store::OpenMode::kReadWrite);
    if (!db) return open_failure(db.error());
    int64_t now = unix_ms();
    std::string actor = actor_name(a.by);
    int rc = kExitOk;
    for (const auto& id : a.ids) {
        auto to = store::change_finding(*db, id, action, a.reason, until, actor, now);
        if (!to) {
            print_failure(to.error().message);
            rc = kExitNotFound;
            continue;
        }
        std::printf("finding %s: %s (by %s)\n", escape_for_terminal(id).c_str(), to->c_str(),
                    escape_for_terminal(actor).c_str());
    }
    return rc;
}

void add_change(CLI::App* parent, const char* name, const char* what, FindingsArgs& a) {
    CLI::App* c = parent->add_subcommand(name, what);
    c->add_option("ids", a.ids, "Finding ids or fingerprints (from searchlight findings)")
        ->required();
    c->add_option("--reason", a.reason, "Why (required for accept)");
    if (std::string(name) == "accept")
        c->add_option("--until", a.until,
                      "The acceptance expires then and the finding reopens (2027-01-31)");
    c->add_option("--by", a.by, "Who acts (default: $SUDO_USER or $USER)");
    c->add_option("--db", a.store.db, "The database")->type_name("PATH");
}

}  // namespace

CLI::App* add_findings_command(CLI::App& app, FindingsArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "findings", "Open findings with their exposure windows; ack, accept, reopen");
    cmd->footer(R"(
Lists open and acknowledged findings, most severe first (status:accepted or status:resolved
show the others; history:true shows all). The query language is search's.

Workflow (who and when are recorded; `searchlight host IP` shows the history):
  searchlight findings ack 12 13 --reason "ticket SEC-981"
  searchlight findings accept 14 --reason "lab network, isolated" --until 2027-01-31
  searchlight findings reopen 14

Examples:
  searchlight findings severity:critical
  searchlight findings 'net:10.20.0.0/16 -rule:tls-self-signed' --facet rule
  searchlight findings status:accepted --format json

Exit codes: 0 done, 1 runtime failure, 2 bad query, flag or database, 4 a finding was not
found or cannot take that change.
)");
    cmd->add_option("query", a.query, "The query (empty: every open finding)");
    cmd->add_option("--facet", a.facets, "Count the top values of keys: rule,severity:3,...")
        ->type_name("KEYS");
    cmd->add_option("--limit", a.limit, "Findings to list (at most 1000)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, store::kMaxPageSize));
    cmd->add_option("--offset", a.offset, "Skip this many first");
    cmd->add_option("--sort", a.sort,
                    "severity, first_seen, oldest (open longest first), last_seen, ip or port")
        ->capture_default_str();
    add_store_flags(cmd, a.store);
    add_change(cmd, "ack",
               "Acknowledge: seen, being handled (still open, still alerting on change)", a);
    add_change(cmd, "accept", "Accept the risk, with a reason and an optional expiry", a);
    add_change(cmd, "reopen", "Back to open (from acknowledged, accepted or resolved)", a);
    return cmd;
}

int run_findings(CLI::App& cmd, const FindingsArgs& a) {
    for (const char* action : {"ack", "accept", "reopen"})
        if (cmd.get_subcommand(action)->parsed()) return change(action, a);
    return list(a);
}

}  // namespace sl::app
