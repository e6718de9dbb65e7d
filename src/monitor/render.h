// What each sink sends (docs/monitor.md, "Sinks"): a message's events rendered for a format.
// Every value a server put in a record passes through escape_for_terminal (control bytes and
// non-ASCII become \xNN, so CR/LF cannot split a header or a syslog line), then through the
// format's own escaping (Slack's &<>, Discord's and Teams' markdown, RFC 5424 SD-PARAM values).
// Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "monitor/config.h"
#include "monitor/event.h"
#include "monitor/route.h"

namespace sl::monitor {

struct Rendered {
    std::string body;                  // the request body, the mail, or NDJSON lines
    std::vector<std::string> headers;  // HTTP headers for a webhook ("Name: value")
    std::vector<std::string> lines;    // syslog: one RFC 5424 message per event
    std::string subject;               // email
};

// The plain text a person reads: what, where, evidence, window, fix, ids.
std::string event_text(const Event& e);
// A digest: its title, at most max_items events one line each, "and N more".
std::string digest_text(const Message& m, const std::vector<Event>& events, size_t max_items);

Rendered render_webhook(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                        size_t max_items);
Rendered render_email(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                      size_t max_items, int64_t now_ms, const std::string& hostname);
Rendered render_syslog(const SinkConfig& sink, const std::vector<Event>& events,
                       const std::string& hostname, int pid);
Rendered render_file(const Message& m, const std::vector<Event>& events);

// RFC 5424 escaping of an SD-PARAM value: '"', '\' and ']' get a backslash.
std::string sd_escape(std::string_view v);
// Slack mrkdwn: &, < and > become entities (Slack's own rule), and backticks are replaced.
std::string slack_escape(std::string_view v);
// Markdown (Discord, Teams): every markdown character gets a backslash.
std::string markdown_escape(std::string_view v);

}  // namespace sl::monitor
