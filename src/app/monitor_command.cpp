// `searchlight monitor check-config | run | status | retry` and `searchlight events`: flags and
// output only; the monitor itself lives in src/monitor (docs/monitor.md).
#include "app/monitor_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>

#include "app/exit_codes.h"
#include "app/store_cli.h"
#include "core/clock.h"
#include "core/text.h"
#include "monitor/config.h"
#include "monitor/daemon.h"
#include "monitor/outbox.h"
#include "monitor/status.h"
#include "output/table.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

std::string self_exe() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("searchlight");
}

std::string age(const Json& seconds) {
    return seconds.is_number() ? human_duration(seconds.get<int64_t>() * 1000) : "-";
}

int check_config(const MonitorArgs& a) {
    auto c = monitor::load_config(a.config);
    if (!c) {
        std::fprintf(stderr, "%s\n", c.error().message.c_str());
        return kExitUsage;
    }
    std::printf("%s: %zu scopes, %zu routes, %zu silences, %zu sinks: OK\n",
                escape_for_terminal(a.config).c_str(), c->scopes.size(), c->routes.size(),
                c->silences.size(), c->sinks.size());
    for (const auto& s : c->scopes)
        std::printf("  scope %s: %zu targets, ports %s, %s, owner %s\n",
                    escape_for_terminal(s.name).c_str(), s.targets.size(),
                    escape_for_terminal(s.ports).c_str(),
                    escape_for_terminal(s.schedule.text).c_str(),
                    escape_for_terminal(s.owner.contact.empty() ? "-" : s.owner.contact).c_str());
    return kExitOk;
}

int run(const MonitorArgs& a) {
    auto path = store::resolve_db_path(a.store.db);
    if (!path) {
        print_failure(path.error().message);
        return kExitUsage;
    }
    return monitor::run_monitor({a.config, *path, self_exe(), a.once});
}

void print_status_table(const Json& s) {
    output::TextTable t({"SCOPE", "SCHEDULE", "LAST CYCLE", "STATUS", "LAST COMPLETED", "NEXT",
                         "OVERDUE", "OPEN", "OLDEST OPEN"},
                        {false, false, false, false, false, false, false, true, false});
    for (const auto& sc : s["scopes"]) {
        const Json& last = sc["last_cycle"];
        t.add({sc["name"].get<std::string>(), cell(sc["schedule"]),
               last.is_null() ? "-" : short_time(last["started_at"]),
               last.is_null() ? "never" : last["status"].get<std::string>(),
               short_time(sc["last_completed_at"]), short_time(sc["next_scan_at"]),
               sc["overdue"].is_null() ? "?" : (sc["overdue"].get<bool>() ? "OVERDUE" : "no"),
               cell(sc["open_exposures"]), age(sc["oldest_open_age_s"])});
    }
    t.print(stdout);
    for (const auto& sc : s["scopes"]) {
        if (sc["open"].empty()) continue;
        std::printf("\nopen in %s (oldest first, at most 20):\n",
                    escape_for_terminal(sc["name"].get<std::string>()).c_str());
        output::TextTable o({"ASSET", "RULE", "SEVERITY", "STATUS", "SINCE", "AGE"});
        for (const auto& x : sc["open"])
            o.add({cell(x["ip"]) + ":" + cell(x["port"]), cell(x["rule"]), cell(x["severity"]),
                   cell(x["status"]), short_time(x["first_seen"]), age(x["age_s"])});
        o.print(stdout);
    }
    for (const char* kind : {"undelivered", "dead"}) {
        const Json& list = s[kind];
        std::printf("\n%zu %s messages\n", list.size(), kind);
        if (list.empty()) continue;
        output::TextTable d(
            {"MESSAGE", "SINK", "SCOPE", "ATTEMPTS", "CREATED", "NEXT", "LAST ERROR", "TITLE"},
            {false, false, false, true, false, false, false, false});
        for (const auto& m : list)
            d.add({m["message_id"].get<std::string>(), m["sink"].get<std::string>(),
                   cell(m["scope"]), cell(m["attempts"]), short_time(m["created_at"]),
                   short_time(m["next_attempt_at"]), cell(m["last_error"]), cell(m["title"])});
        d.print(stdout);
    }
    std::printf("\n%s\n", s["healthy"].get<bool>()
                              ? "healthy"
                              : "NOT HEALTHY: a scope is overdue or a message is dead (exit 4)");
}

int status(const MonitorArgs& a) {
    std::optional<monitor::MonitorConfig> config;
    if (!a.config.empty()) {
        auto c = monitor::load_config(a.config);
        if (!c) {
            std::fprintf(stderr, "%s\n", c.error().message.c_str());
            return kExitUsage;
        }
        config = std::move(*c);
    }
    auto session = open_for_reading(a.store);
    if (auto* rc = std::get_if<int>(&session)) return *rc;
    auto& [format, db] = std::get<ReadSession>(session);
    auto s = monitor::monitor_status(db.db(), config ? &*config : nullptr, unix_ms());
    if (!s) {
        print_failure(s.error().message);
        return kExitFailure;
    }
    if (format == ListFormat::kJson || format == ListFormat::kNdjson)
        std::printf("%s\n", s->dump(format == ListFormat::kJson ? 2 : -1).c_str());
    else
        print_status_table(*s);
    if (std::fflush(stdout) != 0) return kExitFailure;
    return (*s)["healthy"].get<bool>() ? kExitOk : kExitNotFound;
}

int retry(const MonitorArgs& a) {
    auto db = open_store(a.store.db, store::OpenMode::kReadWrite);
    if (!db) return open_failure(db.error());
    auto n = monitor::retry_dead(db->db(), a.ids, unix_ms());
    if (!n) {
        print_failure(n.error().message);
        return kExitFailure;
    }
    std::printf("%lld dead messages are pending again; a running monitor sends them now\n",
                static_cast<long long>(*n));
    return *n == 0 && !a.ids.empty() ? kExitNotFound : kExitOk;
}

}  // namespace

CLI::App* add_monitor_command(CLI::App& app, MonitorArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "monitor", "Rescan scopes on a schedule, diff against the store, and alert the owner once");
    cmd->require_subcommand(1);
    cmd->footer(std::string(R"(
Each scope is scanned on its schedule into the store; the completed scan is diffed against the
state before it, and the events (new_exposure, exposure_resolved, new_service, host_gone, ...)
go through the routes to webhooks, mail, syslog or a file, through an outbox that survives
restarts and outages. docs/monitor.md has an annotated monitor.yaml; the smallest is:

  scopes:
    - {name: lab, targets: [10.0.0.0/28], ports: [6379], every: 5m, owner: secops@example.org}
  routes:
    - {match: {severity: ">=medium"}, sinks: [hook]}
  sinks:
    hook: {type: webhook, url_env: HOOK_URL, format: slack}

Examples:
  searchlight monitor check-config monitor.yaml
  searchlight monitor run --config monitor.yaml
  searchlight monitor run --config monitor.yaml --once      # one cycle of every scope (cron)
  searchlight monitor status --config monitor.yaml          # exit 4: overdue scope or dead alert
  searchlight monitor retry                                 # dead messages back to pending
  searchlight events 'event:new_exposure since:24h'

)") + kExitCodeHelp +
                "  4    monitor status: a scope is overdue or a message is dead\n");
    CLI::App* check =
        cmd->add_subcommand("check-config", "Validate a monitor.yaml: file:line:col: what, exit 2");
    check->add_option("file", a.config, "The configuration")->required();
    CLI::App* run = cmd->add_subcommand("run", "Run the monitor (SIGHUP reloads, SIGTERM stops)");
    run->add_option("--config", a.config, "The configuration")->required()->type_name("FILE");
    run->add_option("--db", a.store.db,
                    "The database (default: $SEARCHLIGHT_DB, else "
                    "~/.local/share/searchlight/searchlight.db)")
        ->type_name("PATH");
    run->add_flag("--once", a.once, "One cycle of every scope, one delivery pass, then exit");
    CLI::App* stat = cmd->add_subcommand(
        "status", "Scopes, last and next scans, open exposures, undelivered and dead alerts");
    stat->add_option("--config", a.config, "The configuration (for schedules and overdue)")
        ->type_name("FILE");
    add_store_flags(stat, a.store, "table|json|ndjson");
    CLI::App* retry_cmd =
        cmd->add_subcommand("retry", "Dead messages back to pending (all, or the ids given)");
    retry_cmd->add_option("ids", a.ids, "Message ids (from monitor status)");
    retry_cmd->add_option("--db", a.store.db, "The database")->type_name("PATH");
    return cmd;
}

int run_monitor_command(CLI::App& cmd, const MonitorArgs& a) {
    if (cmd.got_subcommand("check-config")) return check_config(a);
    if (cmd.got_subcommand("run")) return run(a);
    if (cmd.got_subcommand("status")) return status(a);
    if (cmd.got_subcommand("retry")) return retry(a);
    return kExitUsage;
}

CLI::App* add_events_command(CLI::App& app, EventsArgs& a) {
    CLI::App* cmd = app.add_subcommand("events", "The monitor's stored events, newest first");
    cmd->footer(R"(
QUERY: event:new_exposure,exposure_resolved  scope:lab  ip:10.0.0.5  port:6379
       rule:redis-no-auth  severity:>=high  since:24h  held:true
DELIVERY: sent, pending, dead, held (stored, not sent: silenced, grouped, not confirmed by the
          re-probe) or unrouted (no route took it).

Examples:
  searchlight events
  searchlight events 'event:new_exposure since:7d' --format ndjson
)");
    cmd->add_option("query", a.query, "Filters (see below)");
    cmd->add_option("--limit", a.limit, "Events to list")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    add_store_flags(cmd, a.store, "table|json|ndjson");
    return cmd;
}

int run_events(const EventsArgs& a) {
    auto filter = monitor::parse_event_filter(a.query, unix_ms());
    if (!filter) {
        print_failure(filter.error().message);
        return kExitUsage;
    }
    filter->limit = a.limit;
    auto session = open_for_reading(a.store);
    if (auto* rc = std::get_if<int>(&session)) return *rc;
    auto& [format, db] = std::get<ReadSession>(session);
    auto events = monitor::list_events(db.db(), *filter);
    if (!events) {
        print_failure(events.error().message);
        return kExitFailure;
    }
    if (format == ListFormat::kJson) {
        std::printf("%s\n", Json(*events).dump(2).c_str());
    } else if (format == ListFormat::kNdjson) {
        for (const auto& e : *events) std::printf("%s\n", e.dump().c_str());
    } else {
        output::TextTable t(
            {"TIME", "EVENT", "SCOPE", "ASSET", "RULE", "SEVERITY", "DELIVERY", "TITLE"});
        for (const auto& e : *events) {
            std::string asset = e["ip"].is_string() ? e["ip"].get<std::string>() : "-";
            if (e["port"].is_number()) asset += ":" + cell(e["port"]);
            t.add({short_time(e["time"]), cell(e["event"]), cell(e["scope"]), asset,
                   cell(e["rule"]), cell(e["severity"]), cell(e["delivery"]), cell(e["title"])});
        }
        t.print(stdout);
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace sl::app
