// The monitor's configuration (docs/monitor.md): scopes to rescan on a schedule, routes that
// send events to sinks, silences, and the sinks themselves. Loading checks everything and
// reports every fault as `file:line:col: what`; unknown keys are faults. Secrets (webhook URLs,
// SMTP passwords) are read from the environment or a file at load time and never appear in a
// message.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"
#include "monitor/schedule.h"

namespace sl::monitor {

struct Owner {
    std::string name;
    std::string contact;
};

struct ScopeConfig {
    std::string name;
    std::vector<std::string> targets;
    std::vector<std::string> excludes;
    std::string ports;  // a port list in the scan's syntax ("6379", "exposure", "22,80-90")
    Schedule schedule;
    double rate = 5000;                 // new connections per second
    int64_t connect_timeout_ms = 2000;  // per attempt
    Owner owner;
    std::vector<std::string> tags;
    int resolve_after = 1;  // consecutive covering misses before exposure_resolved
    std::vector<int> cert_expiring_days = {30, 7, 1};
    std::vector<IpInterval> intervals;  // the targets as address intervals (what it covers)
};

// A severity bound: ">=high", ">medium", "<=low", "high".
struct SeverityMatch {
    enum class Op { kEq, kGe, kGt, kLe, kLt } op = Op::kGe;
    int rank = 0;  // info 0 .. critical 4
    bool matches(int severity_rank) const;
};

struct RouteMatch {
    std::set<std::string> events;  // empty: any
    std::optional<SeverityMatch> severity;
    std::set<std::string> scopes, tags, rules, categories;
};

struct RouteConfig {
    size_t index = 0;  // position in the file, from 0
    RouteMatch match;
    std::vector<std::string> sinks;
    bool continue_ = false;       // fall through to the next route after a match
    bool group = false;           // one message per scope and cycle
    size_t group_max_items = 20;  // items listed in a grouped message
    int64_t repeat_ms = 0;        // reminders for exposures still open; 0: none
};

struct SilenceConfig {
    std::optional<IpInterval> net;
    std::optional<uint16_t> port;
    std::string rule;  // empty: any
    std::string reason;
    std::string by;
    int64_t expires_ms = 0;
    bool matches(const IpAddr& ip, uint16_t port, const std::string& rule, int64_t now) const;
};

enum class SinkType { kWebhook, kEmail, kSyslog, kFile };
enum class WebhookFormat { kGeneric, kSlack, kTeams, kDiscord, kPagerDuty };
enum class SyslogTransport { kUdp, kTcp, kUnix };

struct SinkConfig {
    std::string name;
    SinkType type = SinkType::kFile;
    int64_t timeout_ms = 10000;
    // webhook
    std::string url;  // a secret: never printed
    WebhookFormat format = WebhookFormat::kGeneric;
    std::string ca_file;      // extra trust anchors for a private CA (TLS verification stays on)
    std::string routing_key;  // PagerDuty's integration key (a secret)
    // email
    std::string smtp_url;  // smtp://host:port or smtps://host:port
    std::string from;
    std::vector<std::string> to;
    std::string username, password;  // the password is a secret
    bool starttls = true;            // required for smtp:// unless false
    // syslog
    SyslogTransport transport = SyslogTransport::kUdp;
    std::string address;  // host:port, or a socket path for unix
    std::string app_name = "searchlight";
    int facility = 1;  // user
    // file
    std::string path;
};

struct DeliveryConfig {
    int64_t retry_base_ms = 5000;
    int64_t retry_max_ms = 10 * 60 * 1000;
    int64_t dead_after_ms = 24 * 3600 * 1000;
    int64_t overdue_grace_ms = 0;  // 0: one interval; a scope is overdue after 2 intervals
};

struct MonitorConfig {
    std::string file;
    std::vector<ScopeConfig> scopes;
    std::vector<RouteConfig> routes;
    std::vector<SilenceConfig> silences;
    std::map<std::string, SinkConfig> sinks;
    DeliveryConfig delivery;
    const ScopeConfig* scope(const std::string& name) const;
};

// Every fault found, one `file:line:col: what` line each (the error's message joins them).
Result<MonitorConfig> load_config(const std::string& path);
Result<MonitorConfig> parse_config(const std::string& text, const std::string& file_name);

// "250ms", "5s", "15m", "24h", "7d", "2w": milliseconds, from 1 ms to 366 days.
std::optional<int64_t> parse_interval_ms(std::string_view text);

const char* to_string(WebhookFormat f);
const char* to_string(SinkType t);

}  // namespace sl::monitor
