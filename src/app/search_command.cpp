#include "app/search_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "core/clock.h"
#include "core/text.h"
#include "output/table.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

std::string findings_cell(const Json& findings) {
    std::string out;
    for (const auto& f : findings) {
        if (!out.empty()) out += ' ';
        out += f["rule"].get<std::string>() + "(" + f["severity"].get<std::string>() + ")";
    }
    return out;
}

void print_table(const store::SearchResult& r, const SearchArgs& a) {
    std::printf("%lld services match%s\n", static_cast<long long>(r.total),
                a.query.empty() ? "" : fmt::format(" '{}'", escape_for_terminal(a.query)).c_str());
    output::TextTable t({"IP", "PORT", "PROTOCOL", "PRODUCT", "VERSION", "ACCESS", "STATE",
                         "FIRST SEEN", "LAST SEEN", "FINDINGS"},
                        {false, true});
    for (const auto& s : r.rows)
        t.add({s["ip"], std::to_string(s["port"].get<int64_t>()),
               s["protocol"].get<std::string>() + (s["tls"].get<bool>() ? "/tls" : ""),
               cell(s["product"]), cell(s["version"]), s["access"], s["state"],
               short_time(s["first_seen"]), short_time(s["last_seen"]),
               findings_cell(s["findings"]) +
                   (s["honeypot_suspected"].get<bool>() ? " [likely honeypot]" : "")});
    if (t.rows()) t.print(stdout);
    if (static_cast<int64_t>(r.rows.size()) < r.total)
        std::printf("(showing %zu from %zu of %lld: --limit and --offset page further)\n",
                    r.rows.size(), a.offset + 1, static_cast<long long>(r.total));
    print_facets(stdout, r.facets);
}

void print_csv(const store::SearchResult& r) {
    std::fputs(csv_line({"ip", "port", "transport", "protocol", "tls", "product", "version",
                         "access", "state", "first_seen", "last_seen", "findings"})
                   .c_str(),
               stdout);
    for (const auto& s : r.rows)
        std::fputs(
            csv_line({s["ip"], std::to_string(s["port"].get<int64_t>()), s["transport"],
                      s["protocol"], s["tls"].get<bool>() ? "true" : "false", cell(s["product"]),
                      cell(s["version"]), s["access"], s["state"], cell(s["first_seen"]),
                      cell(s["last_seen"]), findings_cell(s["findings"])})
                .c_str(),
            stdout);
}

}  // namespace

void print_facets(std::FILE* out, const std::vector<store::Facet>& facets) {
    for (const auto& f : facets) {
        std::fprintf(out, "\nTOP %s\n", f.key.c_str());
        size_t width = 5;
        int64_t largest = 0;  // bars scale to the top value; "other" is clipped to the width
        for (const auto& b : f.buckets) {
            width = std::max(width, std::min<size_t>(escape_for_terminal(b.value).size(), 60));
            largest = std::max(largest, b.count);
        }
        auto line = [&](const std::string& v, int64_t n) {
            std::string shown = escape_for_terminal(v).substr(0, 60);
            std::fprintf(out, "  %-*s %10lld  %s\n", static_cast<int>(width), shown.c_str(),
                         static_cast<long long>(n), output::bar(n, largest).c_str());
        };
        for (const auto& b : f.buckets) line(b.value, b.count);
        if (f.other > 0) line("other", f.other);
        if (f.buckets.empty()) std::fprintf(out, "  (no values)\n");
    }
}

Json facets_json(const std::vector<store::Facet>& facets) {
    Json out = Json::object();
    for (const auto& f : facets) {
        Json buckets = Json::array();
        for (const auto& b : f.buckets) buckets.push_back({{"value", b.value}, {"count", b.count}});
        out[f.key] = {{"buckets", buckets}, {"other", f.other}};
    }
    return out;
}

CLI::App* add_search_command(CLI::App& app, SearchArgs& a) {
    CLI::App* cmd =
        app.add_subcommand("search", "Search the stored services with Shodan's query syntax");
    cmd->footer(std::string(R"(
Query: key:value terms are AND-ed; a comma is OR within a key (port:9200,9300); -key:value
negates; "quoted phrases"; bare words search banners, titles, products and certificate names;
OR and parentheses group. Values match exactly unless written with * (product:elastic*).
Keys: ip net port transport protocol product version access tls severity rule category
status honeypot cert.subject cert.issuer cert.expired cert.expires first_seen last_seen after
before scan state at history, and every record field (redis.keys:>1000; searchlight fields).
See docs/query-language.md.

Examples:
  searchlight search 'product:elasticsearch access:open net:10.20.0.0/16' --facet port
  searchlight search 'port:6379 -access:auth_required' --format json
  searchlight search 'severity:>=high (protocol:redis OR protocol:memcached)'
  searchlight search 'cert.expires:<30d' --sort first_seen
  searchlight search 'product:redis at:2026-11-01'        # the state on that day
  searchlight search 'data.mail_like_names:>0' --facet product:5,data.names_sample

Exit codes: 0 results printed (even none), 1 runtime failure, 2 bad query, flag or database.
)"));
    cmd->add_option("query", a.query, "The query (empty: every current service)");
    cmd->add_option("--facet", a.facets, "Count the top values of keys: port,product:5,...")
        ->type_name("KEYS");
    cmd->add_option("--limit", a.limit, "Services to list (at most 1000)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, store::kMaxPageSize));
    cmd->add_option("--offset", a.offset, "Skip this many first")
        ->check(CLI::Range(size_t{0}, size_t{1} << 40));
    cmd->add_option("--sort", a.sort,
                    "newest (the newest state first), last_seen, first_seen (newest first), oldest "
                    "(first seen longest ago first), ip or port")
        ->capture_default_str();
    cmd->add_flag("--include-gone", a.include_gone,
                  "Also services that a covering scan found gone");
    add_store_flags(cmd, a.store);
    return cmd;
}

int run_search(const SearchArgs& a) {
    auto format = parse_list_format(a.store.format);
    auto sort = store::parse_sort(a.sort);
    auto facets = store::parse_facets(a.facets);
    for (const Status& s : {format ? Status(Ok{}) : Status(format.error()),
                            sort ? Status(Ok{}) : Status(sort.error()),
                            facets ? Status(Ok{}) : Status(facets.error())})
        if (!s) {
            print_failure(s.error().message);
            return kExitUsage;
        }
    int64_t now = unix_ms();
    auto compiled =
        store::query::compile(a.query, {store::query::Target::kServices, now, a.include_gone});
    if (!compiled.ok) return print_query_error(a.query, compiled.error);
    auto db = open_store(a.store.db, store::OpenMode::kReadOnly);
    if (!db) return open_failure(db.error());
    store::SearchOptions o{a.limit, a.offset, *sort, *facets, now, std::nullopt};
    auto r = store::search_services(db->db(), compiled.sql, o);
    if (!r) {
        print_failure(r.error().message);
        return kExitFailure;
    }
    store::attach_records(*r);
    switch (*format) {
        case ListFormat::kTable:
            print_table(*r, a);
            break;
        case ListFormat::kCsv:
            print_csv(*r);
            break;
        case ListFormat::kJson:
            std::printf("%s\n", Json({{"total", r->total},
                                      {"services", r->rows},
                                      {"facets", facets_json(r->facets)}})
                                    .dump(2)
                                    .c_str());
            break;
        case ListFormat::kNdjson:
            for (const auto& s : r->rows) {
                Json line = {{"type", "service_state"}};
                line.update(s);
                std::printf("%s\n", line.dump().c_str());
            }
            std::printf("%s\n", Json({{"type", "search_summary"},
                                      {"total", r->total},
                                      {"facets", facets_json(r->facets)}})
                                    .dump()
                                    .c_str());
            break;
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace sl::app
