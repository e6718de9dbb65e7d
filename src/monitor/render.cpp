#include "monitor/render.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/clock.h"
#include "core/text.h"

namespace sl::monitor {

namespace {

constexpr size_t kDiscordLimit = 2000;
constexpr size_t kPagerDutySummary = 1024;

std::string safe(std::string_view v) { return escape_for_terminal(v); }

std::string when(const std::optional<int64_t>& ms) { return ms ? rfc3339_ms(*ms) : "-"; }

std::string asset(const Event& e) {
    if (e.ip.empty()) return "-";
    std::string a =
        e.port ? fmt::format("{}:{}/{}", safe(e.ip), e.port, safe(e.transport)) : safe(e.ip);
    std::string what = safe(e.protocol);
    if (!e.product.empty()) what += " " + safe(e.product);
    if (!e.version.empty()) what += " " + safe(e.version);
    return what.empty() ? a : a + " " + what;
}

std::string headline(const Event& e) {
    std::string sev = e.severity.empty() ? "" : fmt::format(" ({})", safe(e.severity));
    std::string rule = e.rule.empty() ? "" : " " + safe(e.rule);
    return fmt::format("{}{}{}: {}", safe(e.event), rule, sev, safe(e.title));
}

std::string one_line(const Event& e) { return fmt::format("{} on {}", headline(e), asset(e)); }

std::string evidence_text(const Json& evidence) {
    if (evidence.is_null()) return "-";
    std::string s = evidence.is_string()
                        ? evidence.get<std::string>()
                        : evidence.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (s.size() > 1000) s = s.substr(0, 1000) + "...";
    return safe(s);
}

int pd_rank(int rank) { return rank; }

const char* pagerduty_severity(int rank) {
    return rank >= 4 ? "critical" : rank == 3 ? "error" : rank == 2 ? "warning" : "info";
}

int syslog_severity(const Event& e) {
    if (e.event == "scan_failed" || e.event == "scan_overdue") return 3;  // err
    switch (e.severity_rank) {
        case 4:
            return 2;  // crit
        case 3:
            return 3;  // err
        case 2:
            return 4;  // warning
        case 1:
            return 5;  // notice
        default:
            return 6;  // info
    }
}

std::string clipped(std::string s, size_t n) { return s.size() > n ? s.substr(0, n) + "..." : s; }

// One item of a digest: what and where, then its evidence, since when, and the fix, short.
std::string digest_line(const Event& e) {
    std::string line = one_line(e);
    if (!e.evidence.is_null()) line += "; evidence " + clipped(evidence_text(e.evidence), 160);
    if (e.first_seen) line += "; since " + when(e.first_seen);
    if (e.resolved_at) line += "; resolved " + when(e.resolved_at);
    if (!e.remediation.empty()) line += "; fix: " + clipped(safe(e.remediation), 160);
    return line;
}

std::string list_text(const Message& m, const std::vector<Event>& events, size_t max_items,
                      const std::function<std::string(const std::string&)>& escape) {
    std::string out = escape(m.title) + "\n";
    size_t shown = std::min(events.size(), max_items);
    for (size_t i = 0; i < shown; ++i) out += "- " + escape(digest_line(events[i])) + "\n";
    if (events.size() > shown) out += fmt::format("and {} more\n", events.size() - shown);
    return out;
}

std::string text_for(const Message& m, const std::vector<Event>& events, size_t max_items,
                     const std::function<std::string(const std::string&)>& escape) {
    if (m.kind == "event" && !events.empty()) return escape(event_text(events.front()));
    return list_text(m, events, max_items, escape);
}

Json cloudevent(const Message& m, const std::vector<Event>& events, size_t max_items) {
    Json ce;
    ce["specversion"] = "1.0";
    ce["id"] = m.dedup_id();
    ce["source"] = "searchlight/monitor/" + m.scope;
    ce["datacontenttype"] = "application/json";
    if (m.kind == "event" && !events.empty()) {
        const Event& e = events.front();
        ce["type"] = "org.searchlight.monitor." + e.event;
        ce["time"] = rfc3339_ms(e.time);
        if (!e.ip.empty()) ce["subject"] = e.port ? fmt::format("{}:{}", e.ip, e.port) : e.ip;
        ce["data"] = e.to_json();
        return ce;
    }
    ce["type"] = "org.searchlight.monitor.digest";
    ce["time"] = rfc3339_ms(events.empty() ? 0 : events.front().time);
    Json data;
    data["title"] = m.title;
    data["scope"] = m.scope;
    data["count"] = events.size();
    Json list = Json::array();
    for (size_t i = 0; i < events.size() && i < max_items; ++i) list.push_back(events[i].to_json());
    data["events"] = list;
    data["more"] = events.size() > max_items ? events.size() - max_items : 0;
    ce["data"] = data;
    return ce;
}

Json slack_body(const Message& m, const std::vector<Event>& events, size_t max_items) {
    std::string text = text_for(m, events, max_items, slack_escape);
    if (text.size() > 2900) text = text.substr(0, 2900) + "...";
    return {{"text", slack_escape(m.title)},
            {"blocks",
             Json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}}})}};
}

Json discord_body(const Message& m, const std::vector<Event>& events, size_t max_items) {
    std::string text = text_for(m, events, max_items, markdown_escape);
    if (text.size() > kDiscordLimit) text = text.substr(0, kDiscordLimit - 3) + "...";
    // no @everyone, @here, role or user mentions, whatever a banner says
    return {{"content", text}, {"allowed_mentions", {{"parse", Json::array()}}}};
}

Json teams_body(const Message& m, const std::vector<Event>& events, size_t max_items) {
    Json body = Json::array();
    body.push_back({{"type", "TextBlock"},
                    {"text", markdown_escape(m.title)},
                    {"weight", "Bolder"},
                    {"size", "Medium"},
                    {"wrap", true}});
    if (m.kind == "event" && !events.empty()) {
        const Event& e = events.front();
        Json facts = Json::array();
        auto fact = [&](const char* t, const std::string& v) {
            facts.push_back({{"title", t}, {"value", markdown_escape(v)}});
        };
        fact("Event", e.event);
        fact("Asset", asset(e));
        if (!e.severity.empty()) fact("Severity", safe(e.severity));
        fact("Scope", safe(e.scope) + " (" + safe(e.owner) + ")");
        fact("Evidence", evidence_text(e.evidence));
        fact("First seen", when(e.first_seen));
        fact("Last seen", when(e.last_seen));
        if (e.resolved_at) fact("Resolved", when(e.resolved_at));
        if (!e.remediation.empty()) fact("Fix", safe(e.remediation));
        fact("Event id", e.id);
        body.push_back({{"type", "FactSet"}, {"facts", facts}});
    } else {
        body.push_back({{"type", "TextBlock"},
                        {"text", list_text(m, events, max_items, markdown_escape)},
                        {"wrap", true}});
    }
    Json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                 {"type", "AdaptiveCard"},
                 {"version", "1.4"},
                 {"body", body}};
    return {
        {"type", "message"},
        {"attachments", Json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                      {"contentUrl", nullptr},
                                      {"content", card}}})}};
}

Json pagerduty_body(const SinkConfig& sink, const Message& m, const std::vector<Event>& events) {
    const Event& e = events.front();
    bool resolve = e.event == "exposure_resolved";
    std::string summary = safe(one_line(e));
    if (summary.size() > kPagerDutySummary) summary = summary.substr(0, kPagerDutySummary);
    Json j = {{"routing_key", sink.routing_key},
              {"event_action", resolve ? "resolve" : "trigger"},
              // the exposure's stable fingerprint: exposure_resolved resolves the incident
              {"dedup_key", e.fingerprint.empty() ? m.dedup_id() : e.fingerprint}};
    if (!resolve) {
        j["payload"] = {{"summary", summary},
                        {"source", e.ip.empty() ? "searchlight" : asset(e)},
                        {"severity", pagerduty_severity(pd_rank(e.severity_rank))},
                        {"timestamp", rfc3339_ms(e.time)},
                        {"component", safe(e.protocol)},
                        {"group", safe(e.scope)},
                        {"class", e.rule.empty() ? safe(e.event) : safe(e.rule)},
                        {"custom_details", e.to_json()}};
        j["client"] = "Searchlight";
    }
    return j;
}

}  // namespace

std::string sd_escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '"' || c == '\\' || c == ']') out += '\\';
        out += c;
    }
    return out;
}

std::string slack_escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '`')
            out += '\'';
        else
            out += c;
    }
    return out;
}

std::string markdown_escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (std::string_view("\\*_~`|>[]()#@<-!").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string event_text(const Event& e) {
    std::string out = headline(e) + "\n";
    out += fmt::format("Scope: {} (owner {})\n", safe(e.scope),
                       safe(e.owner_contact.empty() ? e.owner : e.owner_contact));
    out += fmt::format("Asset: {}\n", asset(e));
    if (e.honeypot) out += "Note: the host is a likely honeypot (it claims many services)\n";
    if (!e.evidence.is_null()) out += fmt::format("Evidence: {}\n", evidence_text(e.evidence));
    if (!e.changes.empty())
        out += fmt::format("Changes: {}\n",
                           safe(e.changes.dump(-1, ' ', false, Json::error_handler_t::replace)));
    out += fmt::format("Window: first seen {}, last seen {}, resolved {}", when(e.first_seen),
                       when(e.last_seen), when(e.resolved_at));
    if (e.time_to_detect_s) out += fmt::format("; detected within {} s", *e.time_to_detect_s);
    out += "\n";
    if (!e.detail.empty())
        out += fmt::format("Detail: {}\n",
                           safe(e.detail.dump(-1, ' ', false, Json::error_handler_t::replace)));
    if (!e.remediation.empty()) out += fmt::format("Fix: {}\n", safe(e.remediation));
    out += fmt::format("Event id: {}  Scan: {}\n", e.id, e.scan_id.empty() ? "-" : e.scan_id);
    return out;
}

std::string digest_text(const Message& m, const std::vector<Event>& events, size_t max_items) {
    return list_text(m, events, max_items, [](const std::string& s) { return s; });
}

Rendered render_webhook(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                        size_t max_items) {
    Rendered r;
    Json body;
    std::string type = "application/json";
    switch (sink.format) {
        case WebhookFormat::kGeneric:
            body = cloudevent(m, events, max_items);
            type = "application/cloudevents+json";
            break;
        case WebhookFormat::kSlack:
            body = slack_body(m, events, max_items);
            break;
        case WebhookFormat::kTeams:
            body = teams_body(m, events, max_items);
            break;
        case WebhookFormat::kDiscord:
            body = discord_body(m, events, max_items);
            break;
        case WebhookFormat::kPagerDuty:
            body = pagerduty_body(sink, m, events);
            break;
    }
    r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    r.headers = {"Content-Type: " + type, "Idempotency-Key: " + m.dedup_id(),
                 "User-Agent: searchlight-monitor/0.1"};
    return r;
}

Rendered render_email(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                      size_t max_items, int64_t now_ms, const std::string& hostname) {
    Rendered r;
    std::string subject =
        "[searchlight] " +
        safe(m.kind == "event" && !events.empty() ? one_line(events.front()) : m.title);
    if (subject.size() > 200) subject = subject.substr(0, 200) + "...";
    r.subject = subject;
    std::string text = m.kind == "event" && !events.empty() ? event_text(events.front())
                                                            : digest_text(m, events, max_items);
    char date[64];
    time_t t = static_cast<time_t>(now_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string to;
    for (const auto& a : sink.to) to += (to.empty() ? "" : ", ") + a;
    std::string mail;
    mail += fmt::format("Date: {}\r\n", date);
    mail += fmt::format("From: <{}>\r\n", sink.from);
    mail += fmt::format("To: {}\r\n", to);
    mail += fmt::format("Message-ID: <{}@{}>\r\n", m.dedup_id(), safe(hostname));
    mail += fmt::format("Subject: {}\r\n", subject);
    mail += fmt::format("X-Searchlight-Event-Id: {}\r\n", m.dedup_id());
    mail += fmt::format("X-Searchlight-Scope: {}\r\n", safe(m.scope));
    mail +=
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (char c : text) {  // every line ends in CRLF; curl stuffs leading dots
        if (c == '\n')
            mail += "\r\n";
        else if (c != '\r')
            mail += c;
    }
    r.body = mail;
    return r;
}

Rendered render_syslog(const SinkConfig& sink, const std::vector<Event>& events,
                       const std::string& hostname, int pid) {
    Rendered r;
    for (const auto& e : events) {
        int pri = sink.facility * 8 + syslog_severity(e);
        std::string sd = fmt::format("[searchlight@32473 id=\"{}\" event=\"{}\" scope=\"{}\"", e.id,
                                     sd_escape(e.event), sd_escape(safe(e.scope)));
        auto param = [&](const char* k, const std::string& v) {
            if (!v.empty()) sd += fmt::format(" {}=\"{}\"", k, sd_escape(safe(v)));
        };
        param("ip", e.ip);
        if (e.port) param("port", std::to_string(e.port));
        param("protocol", e.protocol);
        param("product", e.product);
        param("rule", e.rule);
        param("severity", e.severity);
        if (e.first_seen) param("first_seen", rfc3339_ms(*e.first_seen));
        if (e.last_seen) param("last_seen", rfc3339_ms(*e.last_seen));
        if (e.resolved_at) param("resolved_at", rfc3339_ms(*e.resolved_at));
        if (e.time_to_detect_s) param("time_to_detect_s", std::to_string(*e.time_to_detect_s));
        param("scan_id", e.scan_id);
        sd += "]";
        std::string msgid = e.event.substr(0, 32);
        r.lines.push_back(fmt::format("<{}>1 {} {} {} {} {} {} {}", pri, rfc3339_ms(e.time),
                                      hostname.empty() ? "-" : safe(hostname).substr(0, 255),
                                      sink.app_name, pid, msgid, sd, safe(one_line(e))));
    }
    return r;
}

Rendered render_file(const Message& m, const std::vector<Event>& events) {
    Rendered r;
    for (const auto& e : events) {
        Json j = e.to_json();
        j["message_id"] = m.id;
        r.body += j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    }
    return r;
}

}  // namespace sl::monitor
