#include "monitor/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/text.h"
#include "rules/rule.h"
#include "scan/port_spec.h"
#include "scan/target_spec.h"
#include "store/prepare.h"

namespace sl::monitor {

namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxFlowDepth = 64;
constexpr size_t kMaxItems = 10'000;  // scopes, routes, silences, sinks, list entries
constexpr size_t kMaxSecretBytes = 64 * 1024;

const std::set<std::string> kEventTypes = {
    "new_service",       "service_gone",      "host_gone",         "new_exposure",
    "exposure_resolved", "exposure_reopened", "service_changed",   "cert_expiring",
    "scan_failed",       "scan_overdue",      "exposure_reminder", "baseline"};

// yaml-cpp recurses once per level of [ and {: a flow nested deeper than this is refused
// before it is parsed (block nesting is bounded by the file size and indentation).
std::optional<size_t> too_deep_at(std::string_view text) {
    size_t depth = 0;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quote) {
            if (c == '\\' && quote == '"')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#') {
            while (i < text.size() && text[i] != '\n') ++i;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxFlowDepth) return i;
        } else if ((c == ']' || c == '}') && depth) {
            --depth;
        }
    }
    return std::nullopt;
}

class Loader {
  public:
    explicit Loader(std::string file) : file_(std::move(file)) {}

    void fault(const YAML::Node& at, const std::string& what) {
        YAML::Mark m = at.Mark();
        fault_at(m.line, m.column, what);
    }
    void fault_at(int line, int column, const std::string& what) {
        errors_.push_back(
            fmt::format("{}:{}:{}: {}", file_, line + 1, column + 1, escape_for_terminal(what)));
    }
    const std::vector<std::string>& errors() const { return errors_; }

    // Reports every key of a map that is not in `allowed`; false if n is not a map.
    bool keys(const YAML::Node& n, const char* what, std::initializer_list<const char*> allowed) {
        if (!n.IsMap()) {
            fault(n, fmt::format("{} must be a map", what));
            return false;
        }
        for (const auto& kv : n) {
            std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
            bool known = std::any_of(allowed.begin(), allowed.end(),
                                     [&](const char* a) { return key == a; });
            if (!known) {
                std::string list;
                for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                fault(kv.first, fmt::format("unknown key '{}' in {} (known: {})", key, what, list));
            }
        }
        return true;
    }

    std::optional<std::string> text(const YAML::Node& n, const char* what) {
        if (!n.IsScalar()) {
            fault(n, fmt::format("{} must be a string", what));
            return std::nullopt;
        }
        return n.Scalar();
    }
    std::optional<std::string> nonempty(const YAML::Node& n, const char* what) {
        auto t = text(n, what);
        if (t && t->empty()) {
            fault(n, fmt::format("{} must not be empty", what));
            return std::nullopt;
        }
        return t;
    }
    // A list of strings; one scalar counts as a list of one.
    std::vector<std::string> texts(const YAML::Node& n, const char* what) {
        std::vector<std::string> out;
        if (n.IsScalar()) {
            out.push_back(n.Scalar());
        } else if (n.IsSequence() && n.size() <= kMaxItems) {
            for (const auto& item : n)
                if (auto t = text(item, what)) out.push_back(*t);
        } else {
            fault(n, fmt::format("{} must be a string or a list of strings", what));
        }
        return out;
    }
    std::optional<int64_t> integer(const YAML::Node& n, const char* what, int64_t low,
                                   int64_t high) {
        int64_t v = 0;
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < low || v > high) {
            fault(n, fmt::format("{} must be a whole number from {} to {}", what, low, high));
            return std::nullopt;
        }
        return v;
    }
    std::optional<double> real(const YAML::Node& n, const char* what, double low, double high) {
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        char* end = nullptr;
        double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !(v >= low && v <= high)) {
            fault(n, fmt::format("{} must be a number from {} to {}", what, low, high));
            return std::nullopt;
        }
        return v;
    }
    std::optional<bool> boolean(const YAML::Node& n, const char* what) {
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fault(n, fmt::format("{} must be true or false", what));
        return std::nullopt;
    }
    std::optional<int64_t> interval(const YAML::Node& n, const char* what) {
        auto t = text(n, what);
        if (!t) return std::nullopt;
        auto ms = parse_interval_ms(*t);
        if (!ms)
            fault(n,
                  fmt::format("{} '{}' is not a duration (250ms, 5s, 15m, 24h, 7d, 2w)", what, *t));
        return ms;
    }
    // A secret given as KEY, KEY_env (a variable's name) or KEY_file (a file's path): exactly
    // one of them. The value itself never enters a message.
    std::string secret(const YAML::Node& n, const std::string& key, const char* what,
                       bool required) {
        const YAML::Node direct = n[key], env = n[key + "_env"], file = n[key + "_file"];
        int given = (direct ? 1 : 0) + (env ? 1 : 0) + (file ? 1 : 0);
        if (given > 1) {
            fault(n, fmt::format("{}: give one of {}, {}_env and {}_file", what, key, key, key));
            return {};
        }
        if (given == 0) {
            if (required)
                fault(n, fmt::format("{} needs {} (or {}_env, {}_file)", what, key, key, key));
            return {};
        }
        if (direct) return text(direct, what).value_or("");
        if (env) {
            auto name = nonempty(env, what);
            if (!name) return {};
            const char* v = std::getenv(name->c_str());
            if (!v || !*v) fault(env, fmt::format("{}: the variable {} is not set", what, *name));
            return v ? v : "";
        }
        auto path = nonempty(file, what);
        if (!path) return {};
        std::ifstream in(*path, std::ios::binary);
        std::string value(kMaxSecretBytes + 1, '\0');
        in.read(value.data(), static_cast<std::streamsize>(value.size()));
        if (!in.eof() && !in) {
            fault(file, fmt::format("{}: cannot read the file '{}'", what, *path));
            return {};
        }
        value.resize(static_cast<size_t>(in.gcount()));
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
        if (value.size() > kMaxSecretBytes || value.empty())
            fault(file, fmt::format("{}: the file '{}' is empty or too large", what, *path));
        return value;
    }

    void load(const YAML::Node& root, MonitorConfig& c) {
        if (!keys(root, "the monitor file", {"scopes", "routes", "silences", "sinks", "delivery"}))
            return;
        if (auto sinks = root["sinks"]) load_sinks(sinks, c);
        if (auto scopes = root["scopes"]; !scopes || !scopes.IsSequence() || scopes.size() == 0)
            fault(scopes ? scopes : root, "scopes must be a non-empty list");
        else
            for (const auto& s : scopes) load_scope(s, c);
        if (auto routes = root["routes"]) {
            if (!routes.IsSequence())
                fault(routes, "routes must be a list");
            else
                for (const auto& r : routes) load_route(r, c);
        }
        if (auto silences = root["silences"]) {
            if (!silences.IsSequence())
                fault(silences, "silences must be a list");
            else
                for (const auto& s : silences) load_silence(s, c);
        }
        if (auto d = root["delivery"]) load_delivery(d, c.delivery);
    }

  private:
    void load_scope(const YAML::Node& n, MonitorConfig& c) {
        if (!keys(n, "a scope",
                  {"name", "targets", "excludes", "ports", "every", "schedule", "rate",
                   "connect_timeout", "owner", "tags", "resolve_after", "cert_expiring_days"}))
            return;
        ScopeConfig s;
        if (!n["name"])
            fault(n, "a scope needs a name");
        else if (auto name = nonempty(n["name"], "a scope's name")) {
            bool ok = name->size() <= 64 && std::all_of(name->begin(), name->end(), [](char ch) {
                          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                                 ch == '_' || ch == '.';
                      });
            if (!ok)
                fault(n["name"], "a scope's name is 1-64 letters, digits, '-', '_' or '.'");
            else if (c.scope(*name))
                fault(n["name"], fmt::format("a second scope named '{}'", *name));
            s.name = *name;
        }
        load_targets(n, s);
        load_ports(n, s);
        load_schedule(n, s);
        if (auto v = n["rate"]) s.rate = real(v, "rate", 0, 1e7).value_or(s.rate);
        if (auto v = n["connect_timeout"]) {
            auto ms = interval(v, "connect_timeout");
            if (ms && (*ms < 1 || *ms > 3'600'000))
                fault(v, "connect_timeout must be from 1ms to 1h");
            else if (ms)
                s.connect_timeout_ms = *ms;
        }
        if (auto v = n["owner"]) load_owner(v, s.owner);
        if (auto v = n["tags"]) s.tags = texts(v, "tags");
        if (auto v = n["resolve_after"])
            s.resolve_after = static_cast<int>(integer(v, "resolve_after", 1, 100).value_or(1));
        if (auto v = n["cert_expiring_days"]) {
            s.cert_expiring_days.clear();
            if (!v.IsSequence()) fault(v, "cert_expiring_days must be a list of days");
            for (const auto& d : v)
                if (auto days = integer(d, "a cert_expiring_days entry", 1, 3650))
                    s.cert_expiring_days.push_back(static_cast<int>(*days));
            std::sort(s.cert_expiring_days.rbegin(), s.cert_expiring_days.rend());
        }
        c.scopes.push_back(std::move(s));
    }

    void load_targets(const YAML::Node& n, ScopeConfig& s) {
        if (!n["targets"]) return fault(n, "a scope needs targets");
        s.targets = texts(n["targets"], "targets");
        if (s.targets.empty()) fault(n["targets"], "targets must not be empty");
        for (const auto& t : s.targets) {
            auto spec = scan::parse_target(t);
            if (!spec)
                fault(n["targets"], fmt::format("target '{}': {}", t, spec.error().message));
            else if (!spec->interval)
                fault(n["targets"], fmt::format("target '{}': a scope's targets are addresses, "
                                                "CIDRs or ranges (a name can move)",
                                                t));
            else
                s.intervals.push_back(*spec->interval);
        }
        if (auto ex = n["excludes"]) {
            s.excludes = texts(ex, "excludes");
            for (const auto& e : s.excludes)
                if (auto iv = scan::parse_exclude(e); !iv)
                    fault(ex, fmt::format("exclude '{}': {}", e, iv.error().message));
        }
    }

    void load_ports(const YAML::Node& n, ScopeConfig& s) {
        const YAML::Node p = n["ports"];
        if (!p) {
            s.ports = "exposure";
            return;
        }
        std::vector<std::string> items = texts(p, "ports");
        for (const auto& i : items) s.ports += (s.ports.empty() ? "" : ",") + i;
        if (auto parsed = scan::parse_ports(s.ports); !parsed || s.ports.empty())
            fault(p, fmt::format("ports: {}", parsed ? "empty" : parsed.error().message));
    }

    void load_schedule(const YAML::Node& n, ScopeConfig& s) {
        const YAML::Node every = n["every"], cron = n["schedule"];
        if (every && cron) return fault(n, "a scope has every or schedule, not both");
        if (!every && !cron) return fault(n, "a scope needs every (15m) or schedule (cron)");
        if (every) {
            auto ms = interval(every, "every");
            if (ms && *ms < 1000) return fault(every, "every must be at least 1s");
            if (ms) s.schedule.every_ms = *ms;
            s.schedule.text = "every " + every.Scalar();
            return;
        }
        auto t = text(cron, "schedule");
        if (!t) return;
        auto spec = parse_cron(*t);
        if (!spec) return fault(cron, fmt::format("schedule '{}': {}", *t, spec.error().message));
        s.schedule.cron = *spec;
        s.schedule.text = *t;
    }

    void load_owner(const YAML::Node& n, Owner& o) {
        if (n.IsScalar()) {
            o.name = o.contact = n.Scalar();
            return;
        }
        if (!keys(n, "an owner", {"name", "contact"})) return;
        if (auto v = n["name"]) o.name = text(v, "an owner's name").value_or("");
        if (auto v = n["contact"]) o.contact = text(v, "an owner's contact").value_or("");
        if (o.name.empty()) o.name = o.contact;
    }

    void load_route(const YAML::Node& n, MonitorConfig& c) {
        if (!keys(n, "a route", {"match", "sinks", "continue", "group", "repeat"})) return;
        RouteConfig r;
        r.index = c.routes.size();
        if (auto m = n["match"]) load_match(m, r.match);
        if (!n["sinks"])
            fault(n, "a route needs sinks");
        else
            r.sinks = texts(n["sinks"], "sinks");
        for (const auto& s : r.sinks)
            if (!c.sinks.count(s)) fault(n["sinks"], fmt::format("no sink named '{}'", s));
        if (auto v = n["continue"]) r.continue_ = boolean(v, "continue").value_or(false);
        if (auto g = n["group"]) {
            if (g.IsScalar()) {
                r.group = boolean(g, "group").value_or(false);
            } else if (keys(g, "group", {"max_items"})) {
                r.group = true;
                if (auto v = g["max_items"])
                    r.group_max_items =
                        static_cast<size_t>(integer(v, "max_items", 1, 1000).value_or(20));
            }
        }
        if (auto v = n["repeat"]) {
            auto ms = interval(v, "repeat");
            if (ms && *ms < 1000) fault(v, "repeat must be at least 1s");
            r.repeat_ms = ms.value_or(0);
        }
        c.routes.push_back(std::move(r));
    }

    void load_match(const YAML::Node& m, RouteMatch& out) {
        if (!keys(m, "match", {"event", "severity", "scope", "tag", "rule", "category"})) return;
        if (auto v = m["event"]) {
            for (const auto& e : texts(v, "event")) {
                if (!kEventTypes.count(e)) fault(v, fmt::format("unknown event type '{}'", e));
                out.events.insert(e);
            }
        }
        if (auto v = m["severity"]) {
            auto t = text(v, "severity");
            if (t) {
                out.severity = parse_severity_match(*t);
                if (!out.severity)
                    fault(v, fmt::format("severity '{}': write >=high, >medium, <=low or info "
                                         "(info, low, medium, high, critical)",
                                         *t));
            }
        }
        auto set = [&](const char* key, std::set<std::string>& into) {
            if (auto v = m[key])
                for (const auto& x : texts(v, key)) into.insert(x);
        };
        set("scope", out.scopes);
        set("tag", out.tags);
        set("rule", out.rules);
        set("category", out.categories);
    }

    static std::optional<SeverityMatch> parse_severity_match(std::string_view t) {
        SeverityMatch m;
        m.op = SeverityMatch::Op::kEq;
        if (t.starts_with(">="))
            m.op = SeverityMatch::Op::kGe, t.remove_prefix(2);
        else if (t.starts_with("<="))
            m.op = SeverityMatch::Op::kLe, t.remove_prefix(2);
        else if (t.starts_with(">"))
            m.op = SeverityMatch::Op::kGt, t.remove_prefix(1);
        else if (t.starts_with("<"))
            m.op = SeverityMatch::Op::kLt, t.remove_prefix(1);
        auto s = rules::parse_severity(t);
        if (!s) return std::nullopt;
        m.rank = static_cast<int>(*s);
        return m;
    }

    void load_silence(const YAML::Node& n, MonitorConfig& c) {
        if (!keys(n, "a silence", {"net", "ip", "port", "rule", "reason", "by", "expires"})) return;
        SilenceConfig s;
        if (n["net"] && n["ip"]) fault(n, "a silence has net or ip, not both");
        if (auto v = n["net"] ? n["net"] : n["ip"]) {
            auto t = text(v, "net");
            if (t) {
                auto iv = scan::parse_exclude(*t);
                if (!iv)
                    fault(v, fmt::format("net '{}': {}", *t, iv.error().message));
                else
                    s.net = *iv;
            }
        }
        if (auto v = n["port"])
            s.port = static_cast<uint16_t>(integer(v, "port", 1, 65535).value_or(0));
        if (auto v = n["rule"]) s.rule = text(v, "rule").value_or("");
        if (!n["reason"])
            fault(n, "a silence needs a reason");
        else
            s.reason = nonempty(n["reason"], "reason").value_or("");
        if (auto v = n["by"]) s.by = text(v, "by").value_or("");
        if (!n["expires"]) {
            fault(n, "a silence needs expires (an RFC 3339 time: 2026-12-31T00:00:00Z)");
        } else if (auto t = text(n["expires"], "expires")) {
            auto ms = store::parse_rfc3339_ms(*t);
            if (!ms)
                fault(n["expires"], fmt::format("expires '{}' is not an RFC 3339 time", *t));
            else
                s.expires_ms = *ms;
        }
        if (!s.net && !s.port && s.rule.empty())
            fault(n, "a silence names at least one of net, port and rule");
        c.silences.push_back(std::move(s));
    }

    void load_delivery(const YAML::Node& n, DeliveryConfig& d) {
        if (!keys(n, "delivery", {"retry_base", "retry_max", "dead_after", "overdue_grace"}))
            return;
        if (auto v = n["retry_base"])
            d.retry_base_ms = interval(v, "retry_base").value_or(d.retry_base_ms);
        if (auto v = n["retry_max"])
            d.retry_max_ms = interval(v, "retry_max").value_or(d.retry_max_ms);
        if (auto v = n["dead_after"])
            d.dead_after_ms = interval(v, "dead_after").value_or(d.dead_after_ms);
        if (auto v = n["overdue_grace"])
            d.overdue_grace_ms = interval(v, "overdue_grace").value_or(0);
        if (d.retry_max_ms < d.retry_base_ms) fault(n, "retry_max is shorter than retry_base");
    }

    void load_sinks(const YAML::Node& n, MonitorConfig& c) {
        if (!n.IsMap() || n.size() > kMaxItems) return fault(n, "sinks must be a map of names");
        for (const auto& kv : n) {
            SinkConfig s;
            s.name = kv.first.IsScalar() ? kv.first.Scalar() : "";
            if (s.name.empty() || s.name.size() > 64)
                fault(kv.first, "a sink's name is 1-64 characters");
            const YAML::Node body = kv.second;
            if (!body.IsMap() || !body["type"]) {
                fault(body, fmt::format("sink '{}' needs a type: webhook, email, syslog or file",
                                        s.name));
                continue;
            }
            std::string type = text(body["type"], "type").value_or("");
            if (type == "webhook")
                load_webhook(body, s);
            else if (type == "email")
                load_email(body, s);
            else if (type == "syslog")
                load_syslog(body, s);
            else if (type == "file")
                load_file(body, s);
            else
                fault(body["type"],
                      fmt::format("unknown sink type '{}': webhook, email, syslog or file", type));
            if (auto v = body["timeout"])
                s.timeout_ms = interval(v, "timeout").value_or(s.timeout_ms);
            c.sinks[s.name] = std::move(s);
        }
    }

    void load_webhook(const YAML::Node& n, SinkConfig& s) {
        s.type = SinkType::kWebhook;
        keys(n, "a webhook sink",
             {"type", "url", "url_env", "url_file", "format", "timeout", "ca_file", "routing_key",
              "routing_key_env", "routing_key_file"});
        s.url = secret(n, "url", "a webhook's url", true);
        if (!s.url.empty() && !s.url.starts_with("https://") && !s.url.starts_with("http://"))
            fault(n, "a webhook's url must start with https:// or http://");
        std::string format = n["format"] ? text(n["format"], "format").value_or("") : "generic";
        static const std::map<std::string, WebhookFormat> kFormats = {
            {"generic", WebhookFormat::kGeneric},
            {"slack", WebhookFormat::kSlack},
            {"teams", WebhookFormat::kTeams},
            {"discord", WebhookFormat::kDiscord},
            {"pagerduty", WebhookFormat::kPagerDuty}};
        if (auto it = kFormats.find(format); it != kFormats.end())
            s.format = it->second;
        else
            fault(n["format"],
                  fmt::format(
                      "unknown webhook format '{}': generic, slack, teams, discord or pagerduty",
                      format));
        if (auto v = n["ca_file"]) s.ca_file = nonempty(v, "ca_file").value_or("");
        s.routing_key = secret(n, "routing_key", "a pagerduty webhook's routing_key",
                               s.format == WebhookFormat::kPagerDuty);
    }

    void load_email(const YAML::Node& n, SinkConfig& s) {
        s.type = SinkType::kEmail;
        keys(n, "an email sink",
             {"type", "smtp", "from", "to", "username", "password", "password_env", "password_file",
              "starttls", "timeout", "ca_file"});
        if (!n["smtp"])
            fault(n, "an email sink needs smtp (smtp://host:587 or smtps://host:465)");
        else
            s.smtp_url = nonempty(n["smtp"], "smtp").value_or("");
        if (!s.smtp_url.empty() && !s.smtp_url.starts_with("smtp://") &&
            !s.smtp_url.starts_with("smtps://"))
            fault(n["smtp"], "smtp must start with smtp:// or smtps://");
        if (!n["from"])
            fault(n, "an email sink needs from");
        else
            s.from = nonempty(n["from"], "from").value_or("");
        if (!n["to"])
            fault(n, "an email sink needs to");
        else
            s.to = texts(n["to"], "to");
        for (const auto& a : s.to)
            if (a.find_first_of("\r\n<>,") != std::string::npos || a.find('@') == std::string::npos)
                fault(n["to"], fmt::format("'{}' is not a mail address", a));
        if (s.from.find_first_of("\r\n<>") != std::string::npos)
            fault(n["from"], "from is not a mail address");
        if (auto v = n["username"]) s.username = text(v, "username").value_or("");
        s.password = secret(n, "password", "an email sink's password", false);
        if (auto v = n["starttls"]) s.starttls = boolean(v, "starttls").value_or(true);
        if (auto v = n["ca_file"]) s.ca_file = nonempty(v, "ca_file").value_or("");
    }

    void load_syslog(const YAML::Node& n, SinkConfig& s) {
        s.type = SinkType::kSyslog;
        keys(n, "a syslog sink",
             {"type", "transport", "address", "app_name", "facility", "timeout"});
        std::string t = n["transport"] ? text(n["transport"], "transport").value_or("") : "udp";
        if (t == "udp")
            s.transport = SyslogTransport::kUdp;
        else if (t == "tcp")
            s.transport = SyslogTransport::kTcp;
        else if (t == "unix")
            s.transport = SyslogTransport::kUnix;
        else
            fault(n["transport"], fmt::format("unknown transport '{}': udp, tcp or unix", t));
        if (!n["address"])
            fault(n, "a syslog sink needs address (127.0.0.1:514, or a socket path)");
        else
            s.address = nonempty(n["address"], "address").value_or("");
        if (auto v = n["app_name"]) {
            s.app_name = nonempty(v, "app_name").value_or(s.app_name);
            if (s.app_name.size() > 48 || std::any_of(s.app_name.begin(), s.app_name.end(),
                                                      [](char ch) { return ch < 33 || ch > 126; }))
                fault(v, "app_name is 1-48 printable characters without spaces (RFC 5424)");
        }
        if (auto v = n["facility"])
            s.facility = static_cast<int>(integer(v, "facility", 0, 23).value_or(1));
    }

    void load_file(const YAML::Node& n, SinkConfig& s) {
        s.type = SinkType::kFile;
        keys(n, "a file sink", {"type", "path", "timeout"});
        if (!n["path"])
            fault(n, "a file sink needs path");
        else
            s.path = nonempty(n["path"], "path").value_or("");
    }

    std::string file_;
    std::vector<std::string> errors_;
};

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
}

}  // namespace

bool SeverityMatch::matches(int r) const {
    switch (op) {
        case Op::kEq:
            return r == rank;
        case Op::kGe:
            return r >= rank;
        case Op::kGt:
            return r > rank;
        case Op::kLe:
            return r <= rank;
        case Op::kLt:
            return r < rank;
    }
    return false;
}

bool SilenceConfig::matches(const IpAddr& ip, uint16_t p, const std::string& r, int64_t now) const {
    if (now >= expires_ms) return false;
    if (net && !contains(*net, ip)) return false;
    if (port && *port != p) return false;
    return rule.empty() || rule == r;
}

const ScopeConfig* MonitorConfig::scope(const std::string& name) const {
    for (const auto& s : scopes)
        if (s.name == name) return &s;
    return nullptr;
}

std::optional<int64_t> parse_interval_ms(std::string_view t) {
    size_t digits = 0;
    while (digits < t.size() && digits < 10 && t[digits] >= '0' && t[digits] <= '9') ++digits;
    if (digits == 0) return std::nullopt;
    int64_t n = 0;
    std::from_chars(t.data(), t.data() + digits, n);
    std::string_view unit = t.substr(digits);
    int64_t scale = unit == "ms"  ? 1
                    : unit == "s" ? 1000
                    : unit == "m" ? 60'000
                    : unit == "h" ? 3'600'000
                    : unit == "d" ? 86'400'000
                    : unit == "w" ? 7 * 86'400'000LL
                                  : 0;
    if (scale == 0 || n == 0 || n > 366LL * 86'400'000 / scale) return std::nullopt;
    return n * scale;
}

const char* to_string(WebhookFormat f) {
    switch (f) {
        case WebhookFormat::kGeneric:
            return "generic";
        case WebhookFormat::kSlack:
            return "slack";
        case WebhookFormat::kTeams:
            return "teams";
        case WebhookFormat::kDiscord:
            return "discord";
        case WebhookFormat::kPagerDuty:
            return "pagerduty";
    }
    return "generic";
}

const char* to_string(SinkType t) {
    switch (t) {
        case SinkType::kWebhook:
            return "webhook";
        case SinkType::kEmail:
            return "email";
        case SinkType::kSyslog:
            return "syslog";
        case SinkType::kFile:
            return "file";
    }
    return "file";
}

Result<MonitorConfig> parse_config(const std::string& text, const std::string& file_name) {
    Loader loader(file_name);
    MonitorConfig c;
    c.file = file_name;
    if (text.size() > kMaxConfigBytes)
        return make_error(fmt::format("{}: larger than {} bytes", file_name, kMaxConfigBytes));
    if (auto at = too_deep_at(text)) {
        size_t line = 1 + static_cast<size_t>(std::count(
                              text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*at), '\n'));
        size_t nl = text.rfind('\n', *at);
        size_t col = *at - (nl == std::string::npos ? 0 : nl + 1);
        loader.fault_at(static_cast<int>(line - 1), static_cast<int>(col),
                        fmt::format("nested deeper than {} levels", kMaxFlowDepth));
        return make_error(join_lines(loader.errors()));
    }
    try {
        YAML::Node root = YAML::Load(text);
        if (!root || root.IsNull()) {
            loader.fault_at(0, 0, "the file is empty: it needs scopes");
        } else {
            loader.load(root, c);
        }
    } catch (const YAML::Exception& e) {
        loader.fault_at(e.mark.line, e.mark.column, e.msg);
    }
    if (!loader.errors().empty()) return make_error(join_lines(loader.errors()));
    return c;
}

Result<MonitorConfig> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    std::string text(kMaxConfigBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    return parse_config(text, path);
}

}  // namespace sl::monitor
