// `searchlight host IP`: every service of one address with its history of distinct states and
// its findings with their windows and workflow changes.
#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/store_commands.h"
#include "core/clock.h"
#include "core/text.h"
#include "output/table.h"
#include "store/reports.h"

namespace sl::app {

namespace {

using Json = nlohmann::ordered_json;

std::string window(const Json& first, const Json& last, const Json& ended) {
    return short_time(first) + " .. " +
           (ended.is_string() ? short_time(ended) : short_time(last) + " (now)");
}

void print_host(const Json& h) {
    std::printf("%s%s: %zu services\n", escape_for_terminal(h["ip"].get<std::string>()).c_str(),
                h["honeypot_suspected"].get<bool>() ? " [likely honeypot]" : "",
                h["services"].size());
    for (const auto& s : h["services"]) {
        std::printf("\n%lld/%s  %s  %s %s  %s  first seen %s, last seen %s%s\n",
                    static_cast<long long>(s["port"].get<int64_t>()),
                    s["transport"].get<std::string>().c_str(),
                    s["state"].get<std::string>().c_str(),
                    escape_for_terminal(s["protocol"].get<std::string>()).c_str(),
                    escape_for_terminal(cell(s["product"]) + " " + cell(s["version"])).c_str(),
                    s["access"].get<std::string>().c_str(), short_time(s["first_seen"]).c_str(),
                    short_time(s["last_seen"]).c_str(),
                    s["gone_at"].is_string() ? (", gone " + short_time(s["gone_at"])).c_str() : "");
        output::TextTable states(
            {"  STATE WINDOW", "PROTOCOL", "PRODUCT", "VERSION", "ACCESS", "TLS", "RULES"});
        for (const auto& o : s["history"]) {
            std::string rules;
            for (const auto& r : o["rules"])
                rules += (rules.empty() ? "" : " ") + r.get<std::string>();
            states.add({"  " + window(o["first_seen"], o["last_seen"], o["ended_at"]),
                        o["protocol"], cell(o["product"]), cell(o["version"]), o["access"],
                        o["tls"].get<bool>() ? "yes" : "no", rules});
        }
        states.print(stdout);
        if (s["findings"].empty()) continue;
        output::TextTable f({"  FINDING", "ID", "SEVERITY", "STATUS", "WINDOW", "REOPENED", "NOTE"},
                            {false, true});
        for (const auto& x : s["findings"])
            f.add({"  " + x["rule"].get<std::string>(), std::to_string(x["id"].get<int64_t>()),
                   x["severity"], x["status"],
                   window(x["first_seen"], x["last_seen"], x["resolved_at"]),
                   std::to_string(x["reopen_count"].get<int64_t>()),
                   x["reason"].is_string()
                       ? cell(x["actor"]) + ": " + x["reason"].get<std::string>()
                       : ""});
        f.print(stdout);
    }
}

}  // namespace

CLI::App* add_host_command(CLI::App& app, HostArgs& a) {
    CLI::App* cmd =
        app.add_subcommand("host", "Every stored service and finding of one address, with history");
    cmd->footer(R"(
Each service lists its distinct states (a new one only when protocol, product, version,
access, TLS, certificate or the set of findings changed) with the window in which it held.

Examples:
  searchlight host 10.20.4.17
  searchlight host 2001:db8::1 --format json

Exit codes: 0 printed, 1 runtime failure, 2 bad address or database, 4 address not in the store.
)");
    cmd->add_option("ip", a.ip, "The address")->required();
    add_store_flags(cmd, a.store);
    return cmd;
}

int run_host(const HostArgs& a) {
    auto ip = parse_ip(a.ip);
    if (!ip) {
        print_failure(fmt::format("bad address '{}': {}", a.ip, ip.error().message));
        return kExitUsage;
    }
    auto session = open_for_reading(a.store);
    if (auto* rc = std::get_if<int>(&session)) return *rc;
    auto& [format, db] = std::get<ReadSession>(session);
    auto h = store::host_report(db.db(), *ip);
    if (!h) {
        print_failure(h.error().message);
        return kExitFailure;
    }
    if (format == ListFormat::kJson) {
        std::printf("%s\n", h->dump(2).c_str());
    } else if (format == ListFormat::kNdjson) {  // one line per service, history included
        for (const auto& svc : (*h)["services"]) {
            Json line = {{"type", "host_service"},
                         {"ip", (*h)["ip"]},
                         {"honeypot_suspected", (*h)["honeypot_suspected"]}};
            line.update(svc);
            std::printf("%s\n", line.dump().c_str());
        }
    } else if (format == ListFormat::kCsv) {  // one row per distinct state
        std::fputs(
            csv_line({"ip", "port", "transport", "service_state", "protocol", "product", "version",
                      "access", "tls", "state_first_seen", "state_last_seen", "state_ended_at"})
                .c_str(),
            stdout);
        for (const auto& svc : (*h)["services"])
            for (const auto& o : svc["history"])
                std::fputs(csv_line({(*h)["ip"], std::to_string(svc["port"].get<int64_t>()),
                                     svc["transport"], svc["state"], o["protocol"],
                                     cell(o["product"]), cell(o["version"]), o["access"],
                                     o["tls"].get<bool>() ? "true" : "false", cell(o["first_seen"]),
                                     cell(o["last_seen"]), cell(o["ended_at"])})
                               .c_str(),
                           stdout);
    } else {
        print_host(*h);
    }
    if ((*h)["services"].empty()) {
        std::fprintf(stderr, "searchlight: %s is not in the store\n", ip->to_string().c_str());
        return kExitNotFound;
    }
    return kExitOk;
}

}  // namespace sl::app
